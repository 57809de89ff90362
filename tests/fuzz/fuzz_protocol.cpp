// Drives a Protocol of either role with arbitrary bytes in arbitrary chunking.
// The only acceptable outcomes are events and documented errors; the output must
// always parse as frames this side may send.

#include <WsKit/Core/frame.h>
#include <WsKit/Core/protocol.h>

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace WsKit::Core;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

// Every byte a Protocol writes must be a sequence of well-formed frames.
void checkOutput(std::string_view output, Role sender)
{
    std::size_t pos = 0;
    while (pos < output.size()) {
        FrameHeaderParser parser(sender == Role::Client ? Role::Server : Role::Client);
        parser.setAllowedRsv(Rsv::Rsv1);
        std::size_t consumed = 0;
        check(parser.parse(output.data() + pos, output.size() - pos, consumed) == FrameHeaderParser::Status::Complete);
        pos += consumed + parser.header().payloadLength;
        check(pos <= output.size());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 3)
        return 0;
    // The first bytes choose the configuration, the rest is the stream.
    const std::uint8_t config = data[0];
    const std::uint8_t chunkSeed = data[1];
    const Role role = (config & 1) ? Role::Client : Role::Server;
    ProtocolOptions options;
    options.streamIncoming = (config & 2) != 0;
    options.autoPong = (config & 4) != 0;
    options.autoCloseReply = (config & 8) != 0;
    options.maxMessageSize = (config & 16) ? 1024 : 1 << 20;
    options.maskKeySource = [] { return MaskKey{{1, 2, 3, 4}}; };
    Protocol protocol(role, options);
    if (config & 32) {
        DeflateParameters parameters;
        parameters.clientNoContextTakeover = (config & 64) != 0;
        parameters.serverNoContextTakeover = (config & 128) != 0;
        protocol.open(parameters);
    } else {
        protocol.open();
    }

    std::string stream(reinterpret_cast<const char *>(data + 2), size - 2);
    std::size_t offset = 0;
    std::uint32_t state = chunkSeed + 1u;
    bool failed = false;
    while (offset < stream.size()) {
        state = state * 1103515245u + 12345u;
        const std::size_t piece = 1 + (state >> 16) % 64;
        std::string chunk = stream.substr(offset, piece);
        offset += chunk.size();
        protocol.receive(chunk.data(), chunk.size());
        for (Event event = protocol.nextEvent(); event.type != Event::Type::None; event = protocol.nextEvent()) {
            check(!failed); // nothing follows a failure
            if (event.type == Event::Type::Failed) {
                failed = true;
                check(event.error != Error::None);
                check(errorCloseCode(event.error) == event.closeCode);
            }
            if (event.type == Event::Type::Message)
                check(options.maxMessageSize == 0 || event.payload.size() <= options.maxMessageSize);
        }
        if (protocol.state() == Protocol::State::Open && (state & 0x100))
            check(protocol.sendMessage(MessageType::Binary, "echo") == Error::None);
    }
    checkOutput(protocol.pendingOutput(), role);
    return 0;
}
