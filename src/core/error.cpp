#include <WsKit/Core/error.h>

#include <WsKit/Core/closecode.h>

namespace WsKit::Core {

// The switches below have no default so that the compiler (-Wswitch) names any
// value appended to Error without an entry here.

const char *errorText(Error error) noexcept
{
    switch (error) {
    case Error::None: return "No error.";
    case Error::ReservedBitsSet: return "A frame has reserved bits set that no extension claims.";
    case Error::UnknownOpcode: return "A frame has an unknown opcode.";
    case Error::ControlFrameTooLong: return "A control frame is longer than 125 bytes.";
    case Error::FragmentedControlFrame: return "A control frame is fragmented.";
    case Error::UnmaskedClientFrame: return "The client sent an unmasked frame.";
    case Error::MaskedServerFrame: return "The server sent a masked frame.";
    case Error::NonMinimalLength: return "A frame length is not in its shortest form.";
    case Error::LengthTopBitSet: return "A 64-bit frame length has its most significant bit set.";
    case Error::UnexpectedContinuation: return "A continuation frame arrived with no message open.";
    case Error::ExpectedContinuation: return "A new message began before the previous one ended.";
    case Error::InvalidUtf8: return "Text is not valid UTF-8.";
    case Error::InvalidClosePayload: return "A close frame payload is one byte long.";
    case Error::InvalidCloseCode: return "A close frame carries a code that may not be sent.";
    case Error::MessageTooBig: return "A message is larger than the configured maximum.";
    case Error::InvalidCompressedData: return "Compressed message data does not inflate.";
    case Error::CompressionFailed: return "Compressing a message failed.";
    case Error::SendAfterClose: return "A close frame was already sent.";
    case Error::NoMessageOpen: return "A fragment was sent with no message begun.";
    case Error::MessageAlreadyOpen: return "A message was begun while another one is open.";
    case Error::ControlPayloadTooLong: return "A control frame payload is longer than 125 bytes.";
    case Error::InvalidCloseCodeToSend: return "The close code may not be sent.";
    case Error::NotOpen: return "The connection is not open yet.";
    case Error::RequestHeadTooLarge: return "The request head is too large.";
    case Error::MalformedRequest: return "The request is malformed.";
    case Error::MethodNotGet: return "The request method is not GET.";
    case Error::UnsupportedHttpVersion: return "The request is not HTTP/1.1 or later.";
    case Error::MissingHost: return "The request has no Host header.";
    case Error::MissingUpgradeWebSocket: return "The request has no 'Upgrade: websocket' header.";
    case Error::MissingConnectionUpgrade: return "The request has no 'Connection: Upgrade' header.";
    case Error::InvalidKey: return "The Sec-WebSocket-Key header is absent or invalid.";
    case Error::UnsupportedVersion: return "The WebSocket version is not 13.";
    case Error::OriginNotAllowed: return "The request origin is not allowed.";
    case Error::InvalidExtensionOffer: return "The Sec-WebSocket-Extensions header is malformed.";
    case Error::ResponseHeadTooLarge: return "The response head is too large.";
    case Error::MalformedResponse: return "The response is malformed.";
    case Error::UnexpectedStatus: return "The server did not answer with status 101.";
    case Error::MissingUpgradeResponse: return "The response has no 'Upgrade: websocket' header.";
    case Error::MissingConnectionResponse: return "The response has no 'Connection: Upgrade' header.";
    case Error::InvalidAccept: return "The Sec-WebSocket-Accept header does not match the key.";
    case Error::UnexpectedSubprotocol: return "The server chose a subprotocol that was not offered.";
    case Error::UnexpectedExtension: return "The server chose an extension that was not offered, or invalid parameters.";
    }
    return "Unknown error.";
}

std::uint16_t errorCloseCode(Error error) noexcept
{
    switch (error) {
    case Error::ReservedBitsSet:
    case Error::UnknownOpcode:
    case Error::ControlFrameTooLong:
    case Error::FragmentedControlFrame:
    case Error::UnmaskedClientFrame:
    case Error::MaskedServerFrame:
    case Error::NonMinimalLength:
    case Error::LengthTopBitSet:
    case Error::UnexpectedContinuation:
    case Error::ExpectedContinuation:
    case Error::InvalidClosePayload:
    case Error::InvalidCloseCode:
        return CloseCode::ProtocolError;
    case Error::InvalidUtf8:
    case Error::InvalidCompressedData:
        return CloseCode::InvalidPayload;
    case Error::MessageTooBig:
        return CloseCode::MessageTooBig;
    case Error::CompressionFailed:
        return CloseCode::InternalError;
    case Error::None:
    case Error::SendAfterClose:
    case Error::NoMessageOpen:
    case Error::MessageAlreadyOpen:
    case Error::ControlPayloadTooLong:
    case Error::InvalidCloseCodeToSend:
    case Error::NotOpen:
    case Error::RequestHeadTooLarge:
    case Error::MalformedRequest:
    case Error::MethodNotGet:
    case Error::UnsupportedHttpVersion:
    case Error::MissingHost:
    case Error::MissingUpgradeWebSocket:
    case Error::MissingConnectionUpgrade:
    case Error::InvalidKey:
    case Error::UnsupportedVersion:
    case Error::OriginNotAllowed:
    case Error::InvalidExtensionOffer:
    case Error::ResponseHeadTooLarge:
    case Error::MalformedResponse:
    case Error::UnexpectedStatus:
    case Error::MissingUpgradeResponse:
    case Error::MissingConnectionResponse:
    case Error::InvalidAccept:
    case Error::UnexpectedSubprotocol:
    case Error::UnexpectedExtension:
        return 0;
    }
    return 0;
}

int errorHttpStatus(Error error) noexcept
{
    switch (error) {
    case Error::RequestHeadTooLarge:
        return 431; // Request Header Fields Too Large (RFC 6585 §5)
    case Error::MalformedRequest:
    case Error::UnsupportedHttpVersion:
    case Error::MissingHost:
    case Error::MissingUpgradeWebSocket:
    case Error::MissingConnectionUpgrade:
    case Error::InvalidKey:
    case Error::InvalidExtensionOffer:
        return 400;
    case Error::MethodNotGet:
        return 405;
    case Error::UnsupportedVersion:
        return 426; // Upgrade Required, with Sec-WebSocket-Version: 13 (RFC 6455 §4.4)
    case Error::OriginNotAllowed:
        return 403;
    case Error::None:
    case Error::ReservedBitsSet:
    case Error::UnknownOpcode:
    case Error::ControlFrameTooLong:
    case Error::FragmentedControlFrame:
    case Error::UnmaskedClientFrame:
    case Error::MaskedServerFrame:
    case Error::NonMinimalLength:
    case Error::LengthTopBitSet:
    case Error::UnexpectedContinuation:
    case Error::ExpectedContinuation:
    case Error::InvalidUtf8:
    case Error::InvalidClosePayload:
    case Error::InvalidCloseCode:
    case Error::MessageTooBig:
    case Error::InvalidCompressedData:
    case Error::CompressionFailed:
    case Error::SendAfterClose:
    case Error::NoMessageOpen:
    case Error::MessageAlreadyOpen:
    case Error::ControlPayloadTooLong:
    case Error::InvalidCloseCodeToSend:
    case Error::NotOpen:
    case Error::ResponseHeadTooLarge:
    case Error::MalformedResponse:
    case Error::UnexpectedStatus:
    case Error::MissingUpgradeResponse:
    case Error::MissingConnectionResponse:
    case Error::InvalidAccept:
    case Error::UnexpectedSubprotocol:
    case Error::UnexpectedExtension:
        return 0;
    }
    return 0;
}

} // namespace WsKit::Core
