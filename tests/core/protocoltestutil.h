#pragma once
// Helpers for tests that drive a Protocol: build wire frames with the core's own
// constants and collect the events a byte stream produces, in any chunking.

#include <WsKit/Core/frame.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/protocol.h>

#include <QtCore/QDebug>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace TestUtil {

using namespace WsKit::Core;

struct FrameSpec {
    Opcode opcode = Opcode::Text;
    std::string payload;
    bool fin = true;
    std::uint8_t rsv = 0;
    bool masked = true; // frames from a client are masked
    MaskKey key{{0x37, 0xfa, 0x21, 0x3d}};
};

inline std::string frame(const FrameSpec &spec)
{
    FrameHeader header;
    header.fin = spec.fin;
    header.rsv = spec.rsv;
    header.opcode = spec.opcode;
    header.masked = spec.masked;
    header.maskKey = spec.key;
    header.payloadLength = spec.payload.size();
    char encoded[MaxFrameHeaderSize];
    std::string bytes(encoded, encodeFrameHeader(header, encoded));
    std::string payload = spec.payload;
    if (spec.masked)
        applyMask(payload.data(), payload.size(), spec.key);
    return bytes + payload;
}

// A frame as a client sends it (masked) or a server sends it (unmasked).
inline std::string clientFrame(Opcode opcode, std::string payload, bool fin = true, std::uint8_t rsv = 0)
{
    return frame({opcode, std::move(payload), fin, rsv, true, {{0x37, 0xfa, 0x21, 0x3d}}});
}
inline std::string serverFrame(Opcode opcode, std::string payload, bool fin = true, std::uint8_t rsv = 0)
{
    return frame({opcode, std::move(payload), fin, rsv, false, {}});
}

inline std::string closePayload(std::uint16_t code, std::string_view reason = {})
{
    std::string payload;
    payload += static_cast<char>(code >> 8);
    payload += static_cast<char>(code & 0xff);
    payload += reason;
    return payload;
}

// An event with its views copied, so it outlives the Protocol call.
struct Received {
    Event::Type type = Event::Type::None;
    MessageType messageType = MessageType::Binary;
    std::string payload;
    bool first = false;
    bool last = false;
    std::uint16_t closeCode = 0;
    std::string closeReason;
    Error error = Error::None;

    bool operator==(const Received &other) const
    {
        return type == other.type && messageType == other.messageType && payload == other.payload
               && first == other.first && last == other.last && closeCode == other.closeCode
               && closeReason == other.closeReason && error == other.error;
    }
};

inline Received copyOf(const Event &event)
{
    return {event.type, event.messageType, std::string(event.payload), event.first, event.last,
            event.closeCode, std::string(event.closeReason), event.error};
}

// Feeds bytes in pieces of at most `piece` bytes (0: all at once), draining the
// events after each piece.
inline std::vector<Received> feed(Protocol &protocol, const std::string &bytes, std::size_t piece = 0)
{
    std::vector<Received> events;
    if (piece == 0)
        piece = bytes.size() == 0 ? 1 : bytes.size();
    for (std::size_t offset = 0; offset < bytes.size(); offset += piece) {
        std::string chunk = bytes.substr(offset, piece);
        protocol.receive(chunk.data(), chunk.size());
        for (Event event = protocol.nextEvent(); event.type != Event::Type::None; event = protocol.nextEvent())
            events.push_back(copyOf(event));
    }
    return events;
}

// Takes all pending output.
inline std::string drainOutput(Protocol &protocol)
{
    std::string out(protocol.pendingOutput());
    protocol.consumeOutput(out.size());
    return out;
}

// Parses frames a Protocol wrote (unmasking client frames).
struct WireFrame {
    FrameHeader header;
    std::string payload;
};

inline std::vector<WireFrame> parseFrames(const std::string &bytes, Role sender)
{
    std::vector<WireFrame> frames;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        FrameHeaderParser parser(sender == Role::Client ? Role::Server : Role::Client);
        parser.setAllowedRsv(Rsv::Rsv1);
        std::size_t consumed = 0;
        if (parser.parse(bytes.data() + pos, bytes.size() - pos, consumed) != FrameHeaderParser::Status::Complete) {
            qWarning("parseFrames: incomplete or invalid frame at %zu", pos);
            return frames;
        }
        pos += consumed;
        WireFrame frame{parser.header(), bytes.substr(pos, parser.header().payloadLength)};
        pos += frame.payload.size();
        if (frame.header.masked)
            applyMask(frame.payload.data(), frame.payload.size(), frame.header.maskKey);
        frames.push_back(frame);
    }
    return frames;
}

inline MaskKeySource countingMaskSource()
{
    return [n = std::uint8_t(1)]() mutable {
        const std::uint8_t base = n;
        n = static_cast<std::uint8_t>(n + 4);
        return MaskKey{{base, static_cast<std::uint8_t>(base + 1), static_cast<std::uint8_t>(base + 2),
                        static_cast<std::uint8_t>(base + 3)}};
    };
}

inline Protocol openProtocol(Role role, ProtocolOptions options = {})
{
    if (role == Role::Client && !options.maskKeySource)
        options.maskKeySource = countingMaskSource();
    Protocol protocol(role, std::move(options));
    protocol.open();
    return protocol;
}

} // namespace TestUtil
