// Compares Utf8Validator, fed in chunks chosen by the input, with the plain
// reference checker; aborts on any disagreement.

#include <WsKit/Core/utf8.h>

#include "../core/utf8reference.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace WsKit::Core;

namespace {

[[noreturn]] void mismatch(const char *what, std::size_t at)
{
    std::fprintf(stderr, "fuzz_utf8: %s (offset %zu)\n", what, at);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    // The first byte seeds the chunk sizes; the rest is the text.
    std::uint32_t seed = data[0] | 1u;
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);

    const auto expected = Utf8Reference::check(text);
    const std::ptrdiff_t failAt = Utf8Reference::firstFailure(text);
    if (expected.prefixValid != (failAt < 0))
        mismatch("reference disagrees with itself", 0);
    const bool expectComplete = expected.prefixValid && expected.complete;

    if (isValidUtf8(text) != expectComplete)
        mismatch("isValidUtf8", 0);

    Utf8Validator validator;
    std::size_t at = 0;
    while (at < text.size()) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        const std::size_t chunk = std::min<std::size_t>(seed % 40, text.size() - at); // 0: empty feed
        const bool shouldFail = failAt >= 0 && std::size_t(failAt) < at + chunk;
        if (validator.feed(text.substr(at, chunk)) == shouldFail)
            mismatch("feed() result", at);
        if (validator.hasFailed() != shouldFail)
            mismatch("hasFailed()", at);
        if (shouldFail)
            break;
        at += chunk;
    }
    if (validator.isComplete() != expectComplete)
        mismatch("isComplete()", text.size());
    return 0;
}
