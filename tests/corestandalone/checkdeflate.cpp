// permessage-deflate on this CPU: RFC 7692's example bytes, round trips of text and
// incompressible bytes for every window size with and without context takeover,
// in one piece and in frames, and a message of empty final blocks.

#include "check.h"

#include <WsKit/Core/deflate.h>

#include <cstdint>
#include <string>

using namespace WsKit::Core;

namespace CoreCheck {

namespace {

std::string pseudoRandom(std::size_t size, std::uint32_t seed)
{
    std::string out(size, '\0');
    for (char &byte : out) {
        seed = seed * 1664525u + 1013904223u;
        byte = static_cast<char>(seed >> 24);
    }
    return out;
}

std::string text(std::size_t size)
{
    static const char *const words[] = {"frame ", "socket ", "window ", "deflate ", "the ", "message "};
    std::string out;
    for (std::size_t i = 0; out.size() < size; ++i)
        out += words[(i * 7 + i / 3) % 6];
    out.resize(size);
    return out;
}

} // namespace

void checkDeflate()
{
    // RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello", then "Hello" again sharing the window.
    DeflateCodec sender(Role::Server, {});
    std::string first;
    std::string second;
    sender.compress("Hello", true, first);
    sender.compress("Hello", true, second);
    expect(first == std::string("\xf2\x48\xcd\xc9\xc9\x07\x00", 7), "deflate: RFC 7692 Hello");
    expect(second == std::string("\xf2\x00\x11\x00\x00", 5), "deflate: RFC 7692 shared window");

    const std::string messages[] = {text(3000), pseudoRandom(5000, 1), std::string(), text(70000), text(3000)};
    for (std::uint8_t bits = 8; bits <= 15; ++bits) {
        for (bool noTakeover : {false, true}) {
            DeflateParameters parameters;
            parameters.clientMaxWindowBits = bits;
            parameters.clientNoContextTakeover = noTakeover;
            DeflateCodec client(Role::Client, parameters);
            DeflateCodec server(Role::Server, parameters);
            for (const std::string &message : messages) {
                std::string wire;
                expect(client.compress(message, true, wire) == Error::None, "deflate: compress", bits);
                std::string out;
                expect(server.decompress(wire, true, 0, out) == Error::None && out == message, "deflate: round trip",
                       bits);
                // The same message as frames of 1000 bytes, each flushed.
                std::string framed;
                for (std::size_t offset = 0; offset < message.size() || offset == 0; offset += 1000) {
                    wire.clear();
                    const bool last = offset + 1000 >= message.size();
                    client.compress(std::string_view(message).substr(offset, 1000), last, wire);
                    expect(server.decompress(wire, last, 0, framed) == Error::None, "deflate: frame", bits);
                    if (last)
                        break;
                }
                expect(framed == message, "deflate: fragmented round trip", bits);
            }
        }
    }

    // Empty final blocks (03 00), each ending a DEFLATE stream, keep the window.
    std::string blocks;
    for (int i = 0; i < 1000; ++i)
        blocks += std::string("\x03\x00", 2);
    blocks += '\0';
    DeflateCodec receiver(Role::Client, {});
    std::string out;
    expect(receiver.decompress(first, true, 0, out) == Error::None, "deflate: first Hello");
    expect(receiver.decompress(blocks, true, 0, out) == Error::None, "deflate: empty final blocks");
    expect(receiver.decompress(second, true, 0, out) == Error::None && out == "HelloHello",
           "deflate: window kept across final blocks");
}

} // namespace CoreCheck
