// UTF-8 validation: the Unicode examples of valid and invalid sequences, at every
// position in runs of ASCII (the validator's word-at-a-time fast path) and fed a
// byte at a time.

#include "check.h"

#include <WsKit/Core/utf8.h>

#include <string>

using namespace WsKit::Core;

namespace CoreCheck {

namespace {

bool validInPieces(const std::string &text)
{
    Utf8Validator validator;
    for (char byte : text) {
        if (!validator.feed(std::string_view(&byte, 1)))
            return false;
    }
    return validator.isComplete();
}

} // namespace

void checkUtf8()
{
    const char *const valid[] = {
        "", "plain ASCII", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", // κόσμε
        "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xc2\x80", "\xed\x9f\xbf",
    };
    const char *const invalid[] = {
        "\xc0\x80", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5", "\xff",
        "\x80", "\xce", "\xf0\x9f\x98", "\xe1\xbd",
    };
    for (std::size_t position = 0; position < 70; ++position) {
        for (const char *sample : valid) {
            std::string text(position, 'a');
            text += sample;
            text += std::string(70 - position, 'z');
            expect(isValidUtf8(text), "utf8: valid", static_cast<long long>(position));
            expect(validInPieces(text), "utf8: valid in pieces", static_cast<long long>(position));
        }
        for (const char *sample : invalid) {
            std::string text(position, 'a');
            text += sample;
            // A truncated sequence is only invalid where the text ends, or before ASCII.
            text += std::string(70 - position, 'z');
            expect(!isValidUtf8(text), "utf8: invalid", static_cast<long long>(position));
            expect(!validInPieces(text), "utf8: invalid in pieces", static_cast<long long>(position));
        }
    }
}

} // namespace CoreCheck
