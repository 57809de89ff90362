// Base64 per RFC 4648 §4. Decoding accepts only the canonical padded form
// (§3.1-3.5: no line breaks, no missing padding, zero pad bits), the form
// RFC 6455 requires of Sec-WebSocket-Key.
#include <WsKit/Core/base64.h>

#include <cstdint>

namespace WsKit::Core {

namespace {

constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of an alphabet character, or -1.
int sextet(char c) noexcept
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

} // namespace

std::string base64Encode(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group = std::uint32_t(std::uint8_t(bytes[i])) << 16
                                  | std::uint32_t(std::uint8_t(bytes[i + 1])) << 8
                                  | std::uint8_t(bytes[i + 2]);
        out += Alphabet[group >> 18];
        out += Alphabet[(group >> 12) & 0x3f];
        out += Alphabet[(group >> 6) & 0x3f];
        out += Alphabet[group & 0x3f];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t group = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2)
            group |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += Alphabet[group >> 18];
        out += Alphabet[(group >> 12) & 0x3f];
        out += rest == 2 ? Alphabet[(group >> 6) & 0x3f] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64Decode(std::string_view text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=')
        padding = text[text.size() - 2] == '=' ? 2 : 1;

    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const std::size_t digits = last ? 4 - padding : 4;
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            int value = 0;
            if (j < digits) {
                value = sextet(text[i + j]);
                if (value < 0)
                    return std::nullopt;
            }
            group = group << 6 | std::uint32_t(value);
        }
        out += char(group >> 16);
        if (digits > 2)
            out += char(group >> 8);
        if (digits > 3)
            out += char(group);
        // Canonical form: the bits the padding leaves unused must be zero (§3.5).
        if ((digits == 2 && (group & 0xffff) != 0) || (digits == 3 && (group & 0xff) != 0))
            return std::nullopt;
    }
    return out;
}

} // namespace WsKit::Core
