#pragma once
/// @file
/// Incremental UTF-8 validation (RFC 3629) that fails at the first byte that can no
/// longer begin valid text, so a bad text message is rejected mid-frame.

#include <WsKit/Core/wskitcore_export.h>

#include <cstdint>
#include <string_view>

namespace WsKit::Core {

/// Validates UTF-8 fed in pieces of any size, as a message's frames arrive.
class WSKITCORE_EXPORT Utf8Validator
{
public:
    /// Validates the next bytes of a text. Returns false as soon as the text so far
    /// cannot be the prefix of valid UTF-8 (overlong forms, surrogates, code points
    /// above U+10FFFF, stray continuation bytes); the validator then stays failed.
    bool feed(std::string_view bytes) noexcept;

    /// True when the bytes fed so far are valid and end on a code point boundary.
    bool isComplete() const noexcept { return m_state == Accept; }
    /// True once the bytes fed so far cannot begin valid UTF-8; feed() then returns false.
    bool hasFailed() const noexcept { return m_state == Reject; }

    /// Forgets everything fed, to validate a new text.
    void reset() noexcept { m_state = Accept; }

private:
    // DFA states, stored as the shift that selects them in utf8.cpp's table.
    static constexpr std::uint8_t Accept = 0;
    static constexpr std::uint8_t Reject = 6;
    std::uint8_t m_state = Accept;
};

/// Whether bytes are complete, valid UTF-8.
WSKITCORE_EXPORT bool isValidUtf8(std::string_view bytes) noexcept;

} // namespace WsKit::Core
