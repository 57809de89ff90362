#include <WsKit/Core/messageencoding.h>

namespace WsKit::Core {

std::optional<MessageEncoding> sharedEncoding(const Protocol &protocol, MessageType, std::size_t payloadSize,
                                              bool compress)
{
    if (protocol.role() != Role::Server)
        return std::nullopt;
    const bool canSend = (protocol.state() == Protocol::State::Open || protocol.state() == Protocol::State::Closing)
        && !protocol.closeSent() && !protocol.isMessageOpen();
    if (!canSend)
        return std::nullopt;

    const ProtocolOptions &options = protocol.options();
    const std::optional<DeflateParameters> &deflate = protocol.deflateParameters();
    MessageEncoding encoding;
    encoding.fragmentSize = options.outgoingFragmentSize;
    if (deflate && compress && payloadSize >= options.compressionThreshold) {
        if (!deflate->serverNoContextTakeover)
            return std::nullopt;
        encoding.compressed = true;
        encoding.windowBits = deflate->serverMaxWindowBits;
        encoding.tuning = options.deflateTuning;
    } else if (payloadSize <= encoding.fragmentSize) {
        encoding.fragmentSize = 0; // one frame either way
    }
    return encoding;
}

Error encodeMessage(MessageType type, std::string_view payload, const MessageEncoding &encoding, std::string &out)
{
    // The frames are what a server connection with this encoding writes: a fresh
    // server Protocol writes them, so both can never differ.
    ProtocolOptions options;
    options.outgoingFragmentSize = encoding.fragmentSize;
    options.deflateTuning = encoding.tuning;
    Protocol server(Role::Server, options);
    std::optional<DeflateParameters> deflate;
    if (encoding.compressed) {
        deflate.emplace();
        deflate->serverNoContextTakeover = true;
        deflate->serverMaxWindowBits = encoding.windowBits;
    }
    server.open(deflate);
    if (const Error error = server.sendMessage(type, payload, encoding.compressed); error != Error::None)
        return error;
    out.append(server.pendingOutput());
    return Error::None;
}

} // namespace WsKit::Core
