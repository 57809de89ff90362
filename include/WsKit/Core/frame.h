#pragma once
// The frame header codec (RFC 6455 §5.2): incremental parsing whatever the
// chunking, and encoding in the minimal length form.

#include <WsKit/Core/error.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace WsKit::Core {

// Which end of the connection a piece of the core works for.
enum class Role : std::uint8_t { Client, Server };

enum class Opcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

constexpr bool isControl(Opcode opcode) noexcept { return (static_cast<std::uint8_t>(opcode) & 0x8) != 0; }

inline constexpr std::size_t MaxControlPayload = 125;
inline constexpr std::size_t MaxFrameHeaderSize = 14; // 2 + 8 (length) + 4 (mask)

namespace Rsv {
inline constexpr std::uint8_t Rsv1 = 0x40; // claimed by permessage-deflate
inline constexpr std::uint8_t Rsv2 = 0x20;
inline constexpr std::uint8_t Rsv3 = 0x10;
} // namespace Rsv

// The bits of a header's first two bytes (RFC 6455 §5.2).
namespace HeaderBits {
inline constexpr std::uint8_t Fin = 0x80;        // byte 0
inline constexpr std::uint8_t OpcodeBits = 0x0f; // byte 0
inline constexpr std::uint8_t Mask = 0x80;       // byte 1
inline constexpr std::uint8_t LengthBits = 0x7f; // byte 1: the 7-bit length …
inline constexpr std::uint8_t Length16 = 126;    // … announcing a 16-bit length
inline constexpr std::uint8_t Length64 = 127;    // … announcing a 64-bit length
} // namespace HeaderBits

struct FrameHeader {
    bool fin = true;
    std::uint8_t rsv = 0; // the RSV bits as they sit in the first byte (Rsv::Rsv1 …)
    Opcode opcode = Opcode::Binary;
    bool masked = false;
    MaskKey maskKey{};
    std::uint64_t payloadLength = 0;
};

// Parses one frame header from bytes arriving in any chunking. Checks what the
// header alone can tell: reserved bits not in allowedRsv, unknown opcodes, control
// frames that are fragmented or longer than 125 bytes, masking for the role, the
// 64-bit length's top bit and non-minimal lengths. Message-level rules
// (continuations, sizes) belong to Protocol.
class WSKITCORE_EXPORT FrameHeaderParser
{
public:
    explicit FrameHeaderParser(Role receiver) noexcept : m_receiver(receiver) {}

    // Reserved bits an extension has claimed (Rsv::Rsv1 with permessage-deflate).
    void setAllowedRsv(std::uint8_t rsvBits) noexcept { m_allowedRsv = rsvBits; }

    enum class Status : std::uint8_t { NeedMore, Complete, Failed };

    // Consumes bytes of the header from data (at most up to the header's end) and
    // adds the count consumed to `consumed`. On Complete, header() is valid and
    // the next byte is payload; on Failed, error() says why. Call reset() before
    // parsing the next header.
    Status parse(const char *data, std::size_t size, std::size_t &consumed) noexcept;

    const FrameHeader &header() const noexcept { return m_header; }
    Error error() const noexcept { return m_error; }
    void reset() noexcept;

private:
    FrameHeader m_header;
    Role m_receiver;
    std::uint8_t m_allowedRsv = 0;
    std::uint8_t m_have = 0;   // header bytes seen so far
    std::uint8_t m_needed = 2; // header bytes needed, known after byte 2
    Error m_error = Error::None;
};

// Writes the header for a frame into out (at least MaxFrameHeaderSize bytes) and
// returns its size. The length uses its minimal form; the mask key is written when
// header.masked is set.
WSKITCORE_EXPORT std::size_t encodeFrameHeader(const FrameHeader &header, char *out) noexcept;

} // namespace WsKit::Core
