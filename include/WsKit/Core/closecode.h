#pragma once
/// @file
/// Close codes (RFC 6455 §7.4) and the close frame payload (§5.5.1).

#include <WsKit/Core/error.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace WsKit::Core {

/// The close codes of RFC 6455 §7.4.1 and the IANA registry.
namespace CloseCode {
inline constexpr std::uint16_t Normal = 1000;             ///< the purpose of the connection was fulfilled
inline constexpr std::uint16_t GoingAway = 1001;          ///< a server going down, a page navigated away
inline constexpr std::uint16_t ProtocolError = 1002;      ///< the peer broke the protocol
inline constexpr std::uint16_t UnsupportedData = 1003;    ///< a kind of data the endpoint cannot take
inline constexpr std::uint16_t NoStatusReceived = 1005;   ///< the close frame had no code; never on the wire
inline constexpr std::uint16_t AbnormalClosure = 1006;    ///< no close frame at all; never on the wire
inline constexpr std::uint16_t InvalidPayload = 1007;     ///< data inconsistent with its type (bad UTF-8)
inline constexpr std::uint16_t PolicyViolation = 1008;    ///< a message that violates the endpoint's policy
inline constexpr std::uint16_t MessageTooBig = 1009;      ///< a message too big to process
inline constexpr std::uint16_t MandatoryExtension = 1010; ///< a client missing an extension it needs
inline constexpr std::uint16_t InternalError = 1011;      ///< the server met an unexpected condition
inline constexpr std::uint16_t ServiceRestart = 1012;     ///< the server is restarting
inline constexpr std::uint16_t TryAgainLater = 1013;      ///< the server is overloaded for now
inline constexpr std::uint16_t BadGateway = 1014;         ///< a gateway got a bad answer upstream
} // namespace CloseCode

/// Whether a code may appear in a close frame: 1000-1003, 1007-1014, 3000-4999.
WSKITCORE_EXPORT bool isValidCloseCode(std::uint16_t code) noexcept;

/// The content of a close frame: its code and reason.
struct ClosePayload {
    std::uint16_t code = CloseCode::NoStatusReceived; ///< 1005 when the payload was empty
    std::string_view reason;                          ///< UTF-8, views the parsed bytes
};

/// Parses a received close frame payload. Fails with InvalidClosePayload (one byte),
/// InvalidCloseCode or InvalidUtf8 (reason).
WSKITCORE_EXPORT Error parseClosePayload(std::string_view payload, ClosePayload &out) noexcept;

/// Appends the close payload for code and reason to out; code 1005 gives an empty
/// payload. The caller checks the code and the 123-byte reason limit first.
WSKITCORE_EXPORT void appendClosePayload(std::uint16_t code, std::string_view reason, std::string &out);

} // namespace WsKit::Core
