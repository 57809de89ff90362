#pragma once
/// @file
/// Every way a WebSocket connection or handshake can fail, as a value.
/// Values are only ever appended, never renumbered: they may be stored or logged.

#include <WsKit/Core/wskitcore_export.h>

#include <cstdint>

namespace WsKit::Core {

/// Why a connection or handshake failed, or a send was refused.
///
/// errorText(), errorCloseCode() and errorHttpStatus() say more about each value.
enum class Error : std::uint8_t {
    None = 0, ///< nothing failed

    // Framing (RFC 6455 §5): the connection is failed with 1002 unless noted.
    ReservedBitsSet,          ///< RSV1-3 set without an extension that claims them
    UnknownOpcode,            ///< opcodes 3-7 and 11-15
    ControlFrameTooLong,      ///< control frame payload over 125 bytes
    FragmentedControlFrame,   ///< control frame without FIN
    UnmaskedClientFrame,      ///< a server received an unmasked frame
    MaskedServerFrame,        ///< a client received a masked frame
    NonMinimalLength,         ///< payload length not in its shortest form
    LengthTopBitSet,          ///< 64-bit length with the most significant bit set
    UnexpectedContinuation,   ///< continuation frame with no message open
    ExpectedContinuation,     ///< new text/binary frame while a message is open
    InvalidUtf8,              ///< 1007: text message or close reason is not UTF-8
    InvalidClosePayload,      ///< close payload of exactly one byte
    InvalidCloseCode,         ///< close code that may not appear on the wire
    MessageTooBig,            ///< 1009: message over the configured maximum
    InvalidCompressedData,    ///< 1007: permessage-deflate data does not inflate
    CompressionFailed,        ///< 1011: the deflater itself failed (out of memory)

    // Sending: reported to the caller, nothing is written.
    SendAfterClose,           ///< a close frame was already sent
    NoMessageOpen,            ///< a fragment was sent with no message begun
    MessageAlreadyOpen,       ///< a message was begun while another is open
    ControlPayloadTooLong,    ///< ping/pong/close payload over 125 bytes
    InvalidCloseCodeToSend,   ///< close code that may not be sent
    NotOpen,                  ///< the handshake has not completed yet

    // Server handshake (RFC 6455 §4.2.1): answered with an HTTP error status.
    RequestHeadTooLarge,      ///< 431
    MalformedRequest,         ///< 400
    MethodNotGet,             ///< 405
    UnsupportedHttpVersion,   ///< 400 (HTTP/1.1 or later is required)
    MissingHost,              ///< 400
    MissingUpgradeWebSocket,  ///< 400 (Upgrade: websocket absent)
    MissingConnectionUpgrade, ///< 400 (Connection: Upgrade absent)
    InvalidKey,               ///< 400 (Sec-WebSocket-Key absent or not 16 bytes)
    UnsupportedVersion,       ///< 426 with Sec-WebSocket-Version: 13
    OriginNotAllowed,         ///< 403
    InvalidExtensionOffer,    ///< 400 (malformed Sec-WebSocket-Extensions)

    // Client handshake (RFC 6455 §4.1): the connection is not established.
    ResponseHeadTooLarge,      ///< the response head passed the client's limit
    MalformedResponse,         ///< the response head does not parse
    UnexpectedStatus,          ///< status other than 101
    MissingUpgradeResponse,    ///< Upgrade: websocket absent
    MissingConnectionResponse, ///< Connection: Upgrade absent
    InvalidAccept,             ///< Sec-WebSocket-Accept does not match the key
    UnexpectedSubprotocol,     ///< subprotocol not among those offered
    UnexpectedExtension,       ///< extension not offered, or invalid parameters
};

/// A short English sentence for logs and errorString(); never null.
WSKITCORE_EXPORT const char *errorText(Error error) noexcept;

/// The close code to send when failing an open connection with this error
/// (1002, 1007, 1009 or 1011), or 0 when the error is not a reason to fail one.
WSKITCORE_EXPORT std::uint16_t errorCloseCode(Error error) noexcept;

/// The HTTP status a server answers a handshake error with, or 0 for other errors.
WSKITCORE_EXPORT int errorHttpStatus(Error error) noexcept;

} // namespace WsKit::Core
