#pragma once
// The permessage-deflate codec (RFC 7692 §7.2) over zlib: compresses outgoing
// messages and inflates incoming ones in bounded steps.

#include <WsKit/Core/error.h>
#include <WsKit/Core/frame.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace WsKit::Core {

// The parameters both ends agreed on in the handshake.
struct DeflateParameters {
    bool serverNoContextTakeover = false;
    bool clientNoContextTakeover = false;
    std::uint8_t serverMaxWindowBits = 15; // 8-15
    std::uint8_t clientMaxWindowBits = 15; // 8-15
};

// Local choices that do not go on the wire; they trade memory and CPU for ratio.
struct DeflateTuning {
    int level = 6;    // zlib compression level 0-9
    int memLevel = 8; // zlib memLevel 1-9: the deflater uses about (1 << (memLevel + 9)) bytes
};

class WSKITCORE_EXPORT DeflateCodec
{
public:
    DeflateCodec(Role role, const DeflateParameters &parameters, const DeflateTuning &tuning = {});
    ~DeflateCodec();
    DeflateCodec(const DeflateCodec &) = delete;
    DeflateCodec &operator=(const DeflateCodec &) = delete;

    // Compresses the next piece of an outgoing message and appends the result to
    // out. With last set, the message ends: the 00 00 ff ff tail is removed and the
    // context is reset if this side may not keep it.
    Error compress(std::string_view data, bool last, std::string &out);

    // Inflates the next piece of an incoming compressed message and appends the
    // result to out. With last set, the 00 00 ff ff tail is restored first and the
    // context reset if the peer may not keep it. Fails with MessageTooBig as soon
    // as out would grow past maxOutputSize (0: no limit), without inflating further,
    // and with InvalidCompressedData on corrupt input.
    Error decompress(std::string_view data, bool last, std::size_t maxOutputSize, std::string &out);

private:
    struct Streams;
    std::unique_ptr<Streams> m_streams;
};

} // namespace WsKit::Core
