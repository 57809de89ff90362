#pragma once
// A slow, plain UTF-8 checker written straight from RFC 3629 §3-4, to compare
// Utf8Validator against. Shared by tst_utf8 and fuzz_utf8.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace Utf8Reference {

// The length of the sequence a lead byte starts (0xxxxxxx, 110xxxxx, 1110xxxx,
// 11110xxx), or 0 when the byte cannot start one.
inline int sequenceLength(std::uint8_t lead)
{
    if (lead < 0x80) return 1;
    if ((lead & 0xe0) == 0xc0) return 2;
    if ((lead & 0xf0) == 0xe0) return 3;
    if ((lead & 0xf8) == 0xf0) return 4;
    return 0;
}

// Whether the first `count` bytes of a `length`-byte sequence can be completed into
// the encoding of a Unicode scalar value that needs exactly `length` bytes.
inline bool canBeginScalar(const std::uint8_t *bytes, int count, int length)
{
    if (length == 1)
        return true;
    std::uint32_t bits = bytes[0] & (0x7fu >> length);
    for (int i = 1; i < count; ++i) {
        if ((bytes[i] & 0xc0) != 0x80)
            return false;
        bits = (bits << 6) | (bytes[i] & 0x3fu);
    }
    // The bytes still missing may carry any bits: the candidates form a range.
    const int freeBits = 6 * (length - count);
    const std::uint32_t low = bits << freeBits;
    const std::uint32_t high = low | ((1u << freeBits) - 1);
    const std::uint32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};  // no overlongs
    const std::uint32_t longest[] = {0, 0x7f, 0x7ff, 0xffff, 0x10ffff};
    const std::uint32_t from = std::max(low, shortest[length]);
    const std::uint32_t to = std::min(high, longest[length]);
    if (from > to)
        return false;
    // Some candidate must lie outside the surrogates U+D800-U+DFFF.
    return from < 0xd800 || to > 0xdfff;
}

struct Result {
    bool prefixValid = true; // the bytes can begin valid UTF-8
    bool complete = true;    // … and end on a code point boundary
};

inline Result check(std::string_view text)
{
    const auto *bytes = reinterpret_cast<const std::uint8_t *>(text.data());
    const std::size_t size = text.size();
    Result result;
    std::size_t i = 0;
    while (i < size) {
        const int length = sequenceLength(bytes[i]);
        if (length == 0)
            return {false, false};
        const int count = int(std::min<std::size_t>(std::size_t(length), size - i));
        if (!canBeginScalar(bytes + i, count, length))
            return {false, false};
        result.complete = count == length;
        i += std::size_t(count);
    }
    return result;
}

// The index of the first byte after which the text can no longer be valid UTF-8,
// or -1 when every prefix can. A sequence that cannot be completed fails at the
// first of its bytes that rules every completion out.
inline std::ptrdiff_t firstFailure(std::string_view text)
{
    const auto *bytes = reinterpret_cast<const std::uint8_t *>(text.data());
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        const int length = sequenceLength(bytes[i]);
        if (length == 0)
            return std::ptrdiff_t(i);
        const int available = int(std::min<std::size_t>(std::size_t(length), size - i));
        for (int count = 1; count <= available; ++count) {
            if (!canBeginScalar(bytes + i, count, length))
                return std::ptrdiff_t(i) + count - 1;
        }
        i += std::size_t(length);
    }
    return -1;
}

} // namespace Utf8Reference
