#pragma once
/// @file
/// The frame header codec (RFC 6455 §5.2): incremental parsing whatever the
/// chunking, and encoding in the minimal length form.

#include <WsKit/Core/error.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace WsKit::Core {

/// Which end of the connection a piece of the core works for.
enum class Role : std::uint8_t {
    Client, ///< the end that opened the connection; masks what it sends
    Server, ///< the end that accepted it
};

/// A frame's opcode (RFC 6455 §5.2).
enum class Opcode : std::uint8_t {
    Continuation = 0x0, ///< a further frame of a fragmented message
    Text = 0x1,         ///< the first frame of a text message
    Binary = 0x2,       ///< the first frame of a binary message
    Close = 0x8,        ///< the closing handshake
    Ping = 0x9,         ///< a ping, to be answered with a pong
    Pong = 0xA,         ///< a pong
};

/// Whether opcode is a control frame's (close, ping, pong).
constexpr bool isControl(Opcode opcode) noexcept { return (static_cast<std::uint8_t>(opcode) & 0x8) != 0; }

/// The largest payload of a control frame (RFC 6455 §5.5).
inline constexpr std::size_t MaxControlPayload = 125;
/// The largest frame header: 2 bytes, 8 of length and 4 of mask key.
inline constexpr std::size_t MaxFrameHeaderSize = 14;

/// The reserved bits of a header's first byte.
namespace Rsv {
inline constexpr std::uint8_t Rsv1 = 0x40; ///< claimed by permessage-deflate
inline constexpr std::uint8_t Rsv2 = 0x20; ///< claimed by no extension we know
inline constexpr std::uint8_t Rsv3 = 0x10; ///< claimed by no extension we know
} // namespace Rsv

/// The bits of a header's first two bytes (RFC 6455 §5.2).
namespace HeaderBits {
inline constexpr std::uint8_t Fin = 0x80;        ///< byte 0
inline constexpr std::uint8_t OpcodeBits = 0x0f; ///< byte 0
inline constexpr std::uint8_t Mask = 0x80;       ///< byte 1
inline constexpr std::uint8_t LengthBits = 0x7f; ///< byte 1: the 7-bit length …
inline constexpr std::uint8_t Length16 = 126;    ///< … announcing a 16-bit length
inline constexpr std::uint8_t Length64 = 127;    ///< … announcing a 64-bit length
} // namespace HeaderBits

/// One frame header, as parsed or to be encoded.
struct FrameHeader {
    bool fin = true;                 ///< the frame ends its message
    std::uint8_t rsv = 0;            ///< the RSV bits as they sit in the first byte (Rsv::Rsv1 …)
    Opcode opcode = Opcode::Binary;  ///< what the frame carries
    bool masked = false;             ///< a mask key follows the length
    MaskKey maskKey{};               ///< the mask key, when masked
    std::uint64_t payloadLength = 0; ///< the payload's size in bytes
};

/// Parses one frame header from bytes arriving in any chunking. Checks what the
/// header alone can tell: reserved bits not in allowedRsv, unknown opcodes, control
/// frames that are fragmented or longer than 125 bytes, masking for the role, the
/// 64-bit length's top bit and non-minimal lengths. Message-level rules
/// (continuations, sizes) belong to Protocol.
class WSKITCORE_EXPORT FrameHeaderParser
{
public:
    /// A parser for frames that receiver receives (a server expects masked frames).
    explicit FrameHeaderParser(Role receiver) noexcept : m_receiver(receiver) {}

    /// Reserved bits an extension has claimed (Rsv::Rsv1 with permessage-deflate).
    void setAllowedRsv(std::uint8_t rsvBits) noexcept { m_allowedRsv = rsvBits; }

    /// Where parsing stands.
    enum class Status : std::uint8_t {
        NeedMore, ///< the header is not complete yet
        Complete, ///< header() holds the whole header
        Failed,   ///< the header breaks a rule; error() says which
    };

    /// Consumes bytes of the header from data (at most up to the header's end) and
    /// adds the count consumed to `consumed`. On Complete, header() is valid and
    /// the next byte is payload; on Failed, error() says why. Call reset() before
    /// parsing the next header.
    Status parse(const char *data, std::size_t size, std::size_t &consumed) noexcept;

    /// The header parsed, once parse() returned Complete.
    const FrameHeader &header() const noexcept { return m_header; }
    /// Why parse() returned Failed.
    Error error() const noexcept { return m_error; }
    /// Starts over for the next header.
    void reset() noexcept;

private:
    FrameHeader m_header;
    Role m_receiver;
    std::uint8_t m_allowedRsv = 0;
    std::uint8_t m_have = 0;   // header bytes seen so far
    std::uint8_t m_needed = 2; // header bytes needed, known after byte 2
    Error m_error = Error::None;
};

/// Writes the header for a frame into out (at least MaxFrameHeaderSize bytes) and
/// returns its size. The length uses its minimal form; the mask key is written when
/// header.masked is set.
WSKITCORE_EXPORT std::size_t encodeFrameHeader(const FrameHeader &header, char *out) noexcept;

} // namespace WsKit::Core
