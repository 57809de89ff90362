#pragma once
// The per-connection WebSocket state machine (RFC 6455 §5-7), sans I/O: the caller
// feeds it the bytes it read and pulls events; it asks it to send messages and
// writes out the bytes it produced. It never calls back into the caller.

#include <WsKit/Core/closecode.h>
#include <WsKit/Core/deflate.h>
#include <WsKit/Core/error.h>
#include <WsKit/Core/frame.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/utf8.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace WsKit::Core {

enum class MessageType : std::uint8_t { Text, Binary };

// Supplies a fresh, unpredictable mask key for every frame a client sends.
using MaskKeySource = std::function<MaskKey()>;

inline constexpr std::size_t DefaultMaxMessageSize = 16u * 1024u * 1024u;

struct ProtocolOptions {
    // Largest incoming message, after inflation, in bytes; 0 means no limit.
    std::size_t maxMessageSize = DefaultMaxMessageSize;
    // Split outgoing messages into frames of at most this payload size; 0: never.
    std::size_t outgoingFragmentSize = 0;
    // Deliver incoming messages as MessageChunk events as their bytes arrive
    // instead of assembling them into one Message event.
    bool streamIncoming = false;
    // Answer every ping with a pong carrying its payload.
    bool autoPong = true;
    // Answer a received close frame with a close frame echoing its code.
    bool autoCloseReply = true;
    // Required for Role::Client: where mask keys come from.
    MaskKeySource maskKeySource;
    // Messages shorter than this are sent uncompressed even when compression was
    // negotiated.
    std::size_t compressionThreshold = 0;
    DeflateTuning deflateTuning;
};

// Where the core assembles an incoming uncompressed message that arrives in more
// than one piece. The default keeps a std::string and lets go of it after a large
// message; a caller can supply storage whose bytes it hands on without a copy.
class WSKITCORE_EXPORT MessageStorage
{
public:
    virtual ~MessageStorage();
    // A new message starts: drop the bytes of the previous one.
    virtual void clear() = 0;
    virtual std::size_t capacity() const = 0;
    // Makes room for at least `capacity` bytes in all.
    virtual void reserve(std::size_t capacity) = 0;
    virtual void append(std::string_view bytes) = 0;
    virtual std::string_view bytes() const = 0;
};

struct Event {
    enum class Type : std::uint8_t {
        None,         // no more events until more bytes are received
        Message,      // a whole data message
        MessageChunk, // a piece of a data message (streamIncoming)
        Ping,
        Pong,
        Close,        // the peer's close frame; closeCode/closeReason are set
        Failed,       // we failed the connection; error and closeCode are set
    };
    Type type = Type::None;
    MessageType messageType = MessageType::Binary;
    bool first = false; // MessageChunk: the chunk starts a message
    bool last = false;  // MessageChunk: the chunk ends the message
    // Message, chunk, ping or pong bytes. Valid until the next call on the Protocol.
    std::string_view payload;
    std::uint16_t closeCode = 0;  // Close: the peer's code (1005 if none); Failed: the code we sent
    std::string_view closeReason; // Close: the peer's reason
    Error error = Error::None;    // Failed: why
};

class WSKITCORE_EXPORT Protocol
{
public:
    enum class State : std::uint8_t {
        Connecting, // handshake in progress (the caller drives it); call open()
        Open,
        Closing,    // we sent a close frame and wait for the peer's
        Closed,     // both close frames exchanged, or the connection failed
    };

    explicit Protocol(Role role, ProtocolOptions options = {});
    ~Protocol();
    Protocol(Protocol &&) noexcept;
    Protocol &operator=(Protocol &&) noexcept;

    Role role() const noexcept;
    State state() const noexcept;
    const ProtocolOptions &options() const noexcept;
    // Options may change at any time; a change applies from the next frame.
    void setMaxMessageSize(std::size_t bytes) noexcept;
    void setStreamIncoming(bool stream) noexcept;
    void setAutoPong(bool enabled) noexcept;
    void setAutoCloseReply(bool enabled) noexcept;
    void setOutgoingFragmentSize(std::size_t bytes) noexcept;
    void setCompressionThreshold(std::size_t bytes) noexcept;
    // The zlib level (0-9) of compressed messages begun from now on.
    void setCompressionLevel(int level) noexcept;

    // Assemble messages in storage (not owned; it must outlive the Protocol or be
    // replaced) instead of the core's own string. nullptr restores the default.
    void setMessageStorage(MessageStorage *storage) noexcept;

    // The handshake succeeded: enter Open, with permessage-deflate if negotiated.
    void open(const std::optional<DeflateParameters> &deflate = std::nullopt);
    bool isCompressionNegotiated() const noexcept;

    // Hands the core the next bytes read from the transport. The core unmasks in
    // place and may point events into these bytes, so they must stay writable and
    // unchanged until nextEvent() returns an event of Type::None. Ignored once Closed.
    void receive(char *data, std::size_t size);

    // The next event from the bytes received so far; Type::None when more bytes are
    // needed. Processes only as much input as the returned event needs.
    Event nextEvent();

    // Sending. Each appends frames to the pending output, or returns an error and
    // appends nothing (SendAfterClose once a close frame was sent). Text payloads are
    // sent as given: validate them first with isValidUtf8() when not known valid.
    Error sendMessage(MessageType type, std::string_view payload, bool compress = true);
    // Zero-copy sending of a payload the caller holds: when it can go on the wire as
    // it is (a server neither compressing nor fragmenting it), appends only the
    // frame header and returns true; the caller then writes pendingOutput() and the
    // payload, in that order, before sending anything else. Otherwise appends
    // nothing and returns false: use sendMessage(), which also reports errors.
    bool sendMessageHeader(MessageType type, std::size_t payloadSize, bool compress = true);
    // A message sent in pieces: every piece is one frame, the last one ends it.
    Error beginMessage(MessageType type, bool compress = true);
    Error sendFragment(std::string_view piece, bool last);
    bool isMessageOpen() const noexcept;
    Error ping(std::string_view payload);
    Error pong(std::string_view payload);
    // Starts the closing handshake (state Closing), or answers the peer's close
    // frame (state Closed). Code 1005 sends an empty close payload.
    Error close(std::uint16_t code, std::string_view reason = {});

    // Bytes waiting to be written to the transport, and how many were written.
    std::string_view pendingOutput() const noexcept;
    void consumeOutput(std::size_t bytes) noexcept;

    // True once the transport should be closed by this side: a server after the
    // closing handshake or any side after failing the connection. A client waits
    // for the server to close the TCP connection (RFC 6455 §7.1.1).
    bool shouldCloseTransport() const noexcept;
    bool closeSent() const noexcept;
    bool closeReceived() const noexcept;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit::Core
