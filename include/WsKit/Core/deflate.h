#pragma once
/// @file
/// The permessage-deflate codec (RFC 7692 §7.2) over zlib: compresses outgoing
/// messages and inflates incoming ones in bounded steps. zlib streams are allocated
/// on first use and, in a direction without context takeover, freed after each
/// message. With a window of 8 bits agreed for our side, messages are coded without
/// back-references (zlib cannot deflate within a 256-byte window).

#include <WsKit/Core/error.h>
#include <WsKit/Core/frame.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace WsKit::Core {

/// The parameters both ends agreed on in the handshake.
struct DeflateParameters {
    bool serverNoContextTakeover = false;  ///< the server compresses every message on its own
    bool clientNoContextTakeover = false;  ///< the client compresses every message on its own
    std::uint8_t serverMaxWindowBits = 15; ///< the server's compression window, 8-15 bits
    std::uint8_t clientMaxWindowBits = 15; ///< the client's compression window, 8-15 bits
};

/// Local choices that do not go on the wire; they trade memory and CPU for ratio.
/// The deflater takes about (1 << (windowBits + 2)) + (1 << (memLevel + 9)) bytes
/// while it exists (256 KiB at 15 and 8), the inflater about 7 KiB + (1 << windowBits).
struct DeflateTuning {
    int level = 6;    ///< zlib compression level 0-9
    int memLevel = 8; ///< zlib memLevel 1-9
};

/// One connection's permessage-deflate codec: compresses what role sends and
/// inflates what it receives, under the agreed parameters.
class WSKITCORE_EXPORT DeflateCodec
{
public:
    /// A codec for role's end of a connection that agreed on parameters.
    DeflateCodec(Role role, const DeflateParameters &parameters, const DeflateTuning &tuning = {});
    ~DeflateCodec();
    DeflateCodec(const DeflateCodec &) = delete;
    DeflateCodec &operator=(const DeflateCodec &) = delete;

    /// Compresses the next piece of an outgoing message and appends the result to
    /// out. Every piece is flushed, so each piece's output can be sent as a frame and
    /// inflated on arrival. With last set, the message ends: the 00 00 ff ff tail is
    /// removed and the context is reset if this side may not keep it. An empty
    /// message compresses to the single byte 00. Fails only with CompressionFailed.
    Error compress(std::string_view data, bool last, std::string &out);

    /// The zlib level (0-9) for messages begun from now on; a message being
    /// compressed keeps its level. The context (the window of earlier messages) is
    /// kept, so the peer notices nothing but the ratio. memLevel cannot change.
    void setLevel(int level) noexcept;
    /// The zlib level of the next message.
    int level() const noexcept { return m_tuning.level; }

    /// Inflates the next piece of an incoming compressed message and appends the
    /// result to out. With last set, the 00 00 ff ff tail is restored first and the
    /// context reset if the peer may not keep it. Fails with MessageTooBig as soon
    /// as out would grow past maxOutputSize (0: no limit), without inflating further,
    /// and with InvalidCompressedData on corrupt input or a message that does not end
    /// on a block boundary. After an error, out holds an unspecified prefix and the
    /// incoming context is lost: the connection is to be failed.
    Error decompress(std::string_view data, bool last, std::size_t maxOutputSize, std::string &out);

private:
    class Deflater; // a zlib stream, allocated on first use (an idle codec holds none)
    class Inflater;
    std::unique_ptr<Deflater> m_deflater;
    std::unique_ptr<Inflater> m_inflater;
    DeflateTuning m_tuning;
    std::uint8_t m_deflateWindowBits;     // our side's window when compressing
    std::uint8_t m_inflateWindowBits;     // the peer's window when inflating
    bool m_deflateNoContextTakeover;      // reset (and free) the deflater after each message
    bool m_inflateNoContextTakeover;      // reset (and free) the inflater after each message
    bool m_compressing = false;           // an outgoing message is between its first and last piece
};

} // namespace WsKit::Core
