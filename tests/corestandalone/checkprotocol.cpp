// A client and a server core talking to each other: messages of every size class
// both ways, fragmented and whole, compressed and not, a ping, and the closing
// handshake; each side receives exactly what the other sent.

#include "check.h"

#include <WsKit/Core/protocol.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using namespace WsKit::Core;

namespace CoreCheck {

namespace {

struct Received {
    Event::Type type;
    std::string payload;
    std::uint16_t code;
};

// Moves everything `from` wrote to `to`, in pieces of `piece` bytes, and collects
// the events `to` produced.
std::vector<Received> transfer(Protocol &from, Protocol &to, std::size_t piece)
{
    std::string wire(from.pendingOutput());
    from.consumeOutput(wire.size());
    std::vector<Received> events;
    for (std::size_t offset = 0; offset < wire.size(); offset += piece) {
        std::string chunk = wire.substr(offset, piece);
        to.receive(chunk.data(), chunk.size());
        for (Event event = to.nextEvent(); event.type != Event::Type::None; event = to.nextEvent())
            events.push_back({event.type, std::string(event.payload), event.closeCode});
    }
    return events;
}

void converse(const std::optional<DeflateParameters> &deflate, std::size_t fragmentSize, std::size_t piece)
{
    std::uint32_t seed = 7;
    ProtocolOptions clientOptions;
    clientOptions.maskKeySource = [&seed] {
        seed = seed * 1664525u + 1013904223u;
        return MaskKey{{std::uint8_t(seed >> 24), std::uint8_t(seed >> 16), std::uint8_t(seed >> 8),
                        std::uint8_t(seed)}};
    };
    clientOptions.outgoingFragmentSize = fragmentSize;
    ProtocolOptions serverOptions;
    serverOptions.outgoingFragmentSize = fragmentSize;
    Protocol client(Role::Client, clientOptions);
    Protocol server(Role::Server, serverOptions);
    client.open(deflate);
    server.open(deflate);

    for (std::size_t size : {0, 1, 125, 126, 65535, 65536, 100000}) {
        std::string message(size, '\0');
        for (std::size_t i = 0; i < size; ++i)
            message[i] = static_cast<char>('a' + (i * i + i / 7) % 26);
        for (Protocol *sender : {&client, &server}) {
            Protocol &receiver = sender == &client ? server : client;
            expect(sender->sendMessage(MessageType::Text, message) == Error::None, "protocol: send",
                   static_cast<long long>(size));
            const auto events = transfer(*sender, receiver, piece);
            expect(events.size() == 1 && events[0].type == Event::Type::Message && events[0].payload == message,
                   "protocol: message arrives whole", static_cast<long long>(size));
        }
    }

    expect(client.ping("are you there") == Error::None, "protocol: ping");
    auto events = transfer(client, server, piece);
    expect(events.size() == 1 && events[0].type == Event::Type::Ping, "protocol: ping arrives");
    events = transfer(server, client, piece);
    expect(events.size() == 1 && events[0].type == Event::Type::Pong && events[0].payload == "are you there",
           "protocol: pong answers");

    expect(client.close(1000, "done") == Error::None, "protocol: close");
    events = transfer(client, server, piece);
    expect(events.size() == 1 && events[0].type == Event::Type::Close && events[0].code == 1000,
           "protocol: server sees close");
    events = transfer(server, client, piece);
    expect(events.size() == 1 && events[0].type == Event::Type::Close && events[0].code == 1000,
           "protocol: client sees close reply");
    expect(client.state() == Protocol::State::Closed && server.shouldCloseTransport(), "protocol: both closed");
}

} // namespace

void checkProtocol()
{
    DeflateParameters deflate;
    deflate.clientMaxWindowBits = 12;
    for (const std::optional<DeflateParameters> &parameters : {std::optional<DeflateParameters>(), std::optional(deflate)}) {
        converse(parameters, 0, 1 << 20);
        converse(parameters, 1000, 1 << 20);
        converse(parameters, 0, 777);
    }
}

} // namespace CoreCheck
