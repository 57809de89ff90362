#pragma once
/// @file
/// A whole data message encoded once as the frames a server sends, so that the same
/// bytes can go to many connections (a broadcast). sharedEncoding() tells which
/// encoding a connection needs, or that it must encode the message on its own;
/// encodeMessage() builds the frames of an encoding.

#include <WsKit/Core/deflate.h>
#include <WsKit/Core/error.h>
#include <WsKit/Core/protocol.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace WsKit::Core {

/// Everything that decides the bytes of a message a server sends: whether it is
/// compressed and how, and how it is fragmented. Two connections that need equal
/// encodings can be sent the same bytes. An uncompressed encoding keeps the default
/// window and tuning, so all uncompressed ones that fragment alike are equal.
struct MessageEncoding {
    bool compressed = false;      ///< permessage-deflate compresses the message
    std::uint8_t windowBits = 15; ///< compressed: the server's window (8-15)
    DeflateTuning tuning;         ///< compressed: zlib level and memLevel
    std::size_t fragmentSize = 0; ///< frames of at most this payload; 0: one frame

    /// Whether both encodings give the same bytes.
    bool operator==(const MessageEncoding &other) const noexcept
    {
        return compressed == other.compressed && windowBits == other.windowBits && tuning.level == other.tuning.level
            && tuning.memLevel == other.tuning.memLevel && fragmentSize == other.fragmentSize;
    }
    /// Whether the encodings give different bytes.
    bool operator!=(const MessageEncoding &other) const noexcept { return !(*this == other); }
};

/// The encoding a message of this type and size gets on this connection if sent now
/// with Protocol::sendMessage(type, payload, compress); std::nullopt when its bytes
/// cannot be shared and the connection must send it with sendMessage() itself:
/// - a client masks every frame with a key of its own (RFC 6455 §5.3);
/// - a server compressing it with context takeover: its deflater's context must see
///   every message it compresses (RFC 7692 §7.2.1), so shared bytes would corrupt
///   the next message; without context takeover a message is compressed from a
///   fresh context, and equal window and tuning give equal bytes;
/// - the connection cannot send a message now (not open, closing, a message sent in
///   pieces is open); sendMessage() reports why.
/// With an encoding, the caller writes pendingOutput() and then the encoded frames,
/// in that order, before sending anything else.
WSKITCORE_EXPORT std::optional<MessageEncoding> sharedEncoding(const Protocol &protocol, MessageType type,
                                                               std::size_t payloadSize, bool compress = true);

/// Appends the complete frames of one message, unmasked as a server sends them and
/// encoded as `encoding` says, to out: the bytes Protocol::sendMessage() writes on
/// every server connection whose sharedEncoding() equals `encoding`. Text must be
/// valid UTF-8 (not checked). Fails only with CompressionFailed, appending nothing.
WSKITCORE_EXPORT Error encodeMessage(MessageType type, std::string_view payload, const MessageEncoding &encoding,
                                     std::string &out);

} // namespace WsKit::Core
