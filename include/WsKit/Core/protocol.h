#pragma once
/// @file
/// The per-connection WebSocket state machine (RFC 6455 §5-7), sans I/O: the caller
/// feeds it the bytes it read and pulls events; it asks it to send messages and
/// writes out the bytes it produced. It never calls back into the caller.

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

/// The kind of a data message.
enum class MessageType : std::uint8_t {
    Text,   ///< UTF-8 text
    Binary, ///< any bytes
};

/// Supplies a fresh, unpredictable mask key for every frame a client sends.
using MaskKeySource = std::function<MaskKey()>;

/// 16 MiB: the largest incoming message by default.
inline constexpr std::size_t DefaultMaxMessageSize = 16u * 1024u * 1024u;

/// The settings of a Protocol; most may change later through its setters.
struct ProtocolOptions {
    /// Largest incoming message, after inflation, in bytes; 0 means no limit.
    std::size_t maxMessageSize = DefaultMaxMessageSize;
    /// Split outgoing messages into frames of at most this payload size; 0: never.
    std::size_t outgoingFragmentSize = 0;
    /// Deliver incoming messages as MessageChunk events as their bytes arrive
    /// instead of assembling them into one Message event.
    bool streamIncoming = false;
    /// Answer every ping with a pong carrying its payload.
    bool autoPong = true;
    /// Answer a received close frame with a close frame echoing its code.
    bool autoCloseReply = true;
    /// Required for Role::Client: where mask keys come from.
    MaskKeySource maskKeySource;
    /// Messages shorter than this are sent uncompressed even when compression was
    /// negotiated.
    std::size_t compressionThreshold = 0;
    /// The compressor's level and memLevel, when permessage-deflate is negotiated.
    DeflateTuning deflateTuning;
};

/// Where the core assembles an incoming uncompressed message that arrives in more
/// than one piece. The default keeps a std::string and lets go of it after a large
/// message; a caller can supply storage whose bytes it hands on without a copy.
class WSKITCORE_EXPORT MessageStorage
{
public:
    /// Destroys the storage.
    virtual ~MessageStorage();
    /// A new message starts: drop the bytes of the previous one.
    virtual void clear() = 0;
    /// How many bytes fit without growing.
    virtual std::size_t capacity() const = 0;
    /// Makes room for at least `capacity` bytes in all.
    virtual void reserve(std::size_t capacity) = 0;
    /// Appends the next bytes of the message.
    virtual void append(std::string_view bytes) = 0;
    /// The message's bytes so far.
    virtual std::string_view bytes() const = 0;
};

/// What the bytes received so far amount to: one event at a time, from
/// Protocol::nextEvent().
struct Event {
    /// The kind of event.
    enum class Type : std::uint8_t {
        None,         ///< no more events until more bytes are received
        Message,      ///< a whole data message
        MessageChunk, ///< a piece of a data message (streamIncoming)
        Ping,         ///< the peer's ping (answered already when autoPong is on)
        Pong,         ///< the peer's pong
        Close,        ///< the peer's close frame; closeCode/closeReason are set
        Failed,       ///< we failed the connection; error and closeCode are set
    };
    Type type = Type::None;                        ///< the kind of event
    MessageType messageType = MessageType::Binary; ///< Message and MessageChunk: text or binary
    bool first = false; ///< MessageChunk: the chunk starts a message
    bool last = false;  ///< MessageChunk: the chunk ends the message
    /// Message, chunk, ping or pong bytes. Valid until the next call on the Protocol.
    std::string_view payload;
    std::uint16_t closeCode = 0;  ///< Close: the peer's code (1005 if none); Failed: the code we sent
    std::string_view closeReason; ///< Close: the peer's reason
    Error error = Error::None;    ///< Failed: why
};

/// The per-connection state machine of RFC 6455 §5-7, without I/O: bytes in,
/// events out; messages in, bytes out (see docs/architecture.md).
class WSKITCORE_EXPORT Protocol
{
public:
    /// Where the connection stands.
    enum class State : std::uint8_t {
        Connecting, ///< handshake in progress (the caller drives it); call open()
        Open,       ///< messages flow both ways
        Closing,    ///< we sent a close frame and wait for the peer's
        Closed,     ///< both close frames exchanged, or the connection failed
    };

    /// A connection of role in state Connecting.
    explicit Protocol(Role role, ProtocolOptions options = {});
    /// Destroys the state machine and its buffers.
    ~Protocol();
    /// Takes over another connection's state.
    Protocol(Protocol &&) noexcept;
    /// Takes over another connection's state.
    Protocol &operator=(Protocol &&) noexcept;

    /// Which end of the connection this is.
    Role role() const noexcept;
    /// Where the connection stands.
    State state() const noexcept;
    /// The options in force.
    const ProtocolOptions &options() const noexcept;
    /// Sets ProtocolOptions::maxMessageSize. Options may change at any time; a
    /// change applies from the next frame.
    void setMaxMessageSize(std::size_t bytes) noexcept;
    /// Sets ProtocolOptions::streamIncoming.
    void setStreamIncoming(bool stream) noexcept;
    /// Sets ProtocolOptions::autoPong.
    void setAutoPong(bool enabled) noexcept;
    /// Sets ProtocolOptions::autoCloseReply.
    void setAutoCloseReply(bool enabled) noexcept;
    /// Sets ProtocolOptions::outgoingFragmentSize.
    void setOutgoingFragmentSize(std::size_t bytes) noexcept;
    /// Sets ProtocolOptions::compressionThreshold.
    void setCompressionThreshold(std::size_t bytes) noexcept;
    /// The zlib level (0-9) of compressed messages begun from now on.
    void setCompressionLevel(int level) noexcept;

    /// Assemble messages in storage (not owned; it must outlive the Protocol or be
    /// replaced) instead of the core's own string. nullptr restores the default.
    void setMessageStorage(MessageStorage *storage) noexcept;

    /// The handshake succeeded: enter Open, with permessage-deflate if negotiated.
    void open(const std::optional<DeflateParameters> &deflate = std::nullopt);
    /// Whether open() was given permessage-deflate parameters.
    bool isCompressionNegotiated() const noexcept;
    /// The permessage-deflate parameters given to open(), when negotiated.
    const std::optional<DeflateParameters> &deflateParameters() const noexcept;

    /// Hands the core the next bytes read from the transport. The core unmasks in
    /// place and may point events into these bytes, so they must stay writable and
    /// unchanged until nextEvent() returns an event of Type::None. Ignored once Closed.
    void receive(char *data, std::size_t size);

    /// The next event from the bytes received so far; Type::None when more bytes are
    /// needed. Processes only as much input as the returned event needs.
    Event nextEvent();

    /// Sends a whole message: appends its frames to the pending output.
    ///
    /// This and the other sends return an error and append nothing when they cannot
    /// send (SendAfterClose once a close frame was sent). Text payloads are sent as
    /// given: validate them first with isValidUtf8() when not known valid.
    Error sendMessage(MessageType type, std::string_view payload, bool compress = true);
    /// Zero-copy sending of a payload the caller holds: when it can go on the wire as
    /// it is (a server neither compressing nor fragmenting it), appends only the
    /// frame header and returns true; the caller then writes pendingOutput() and the
    /// payload, in that order, before sending anything else. Otherwise appends
    /// nothing and returns false: use sendMessage(), which also reports errors.
    bool sendMessageHeader(MessageType type, std::size_t payloadSize, bool compress = true);
    /// Begins a message sent in pieces: every piece is one frame, the last one ends it.
    Error beginMessage(MessageType type, bool compress = true);
    /// Sends the next piece of the message begun; last ends it.
    Error sendFragment(std::string_view piece, bool last);
    /// Whether a message begun with beginMessage() is not finished yet.
    bool isMessageOpen() const noexcept;
    /// Sends a ping with payload (at most 125 bytes).
    Error ping(std::string_view payload);
    /// Sends a pong with payload (at most 125 bytes).
    Error pong(std::string_view payload);
    /// Starts the closing handshake (state Closing), or answers the peer's close
    /// frame (state Closed). Code 1005 sends an empty close payload.
    Error close(std::uint16_t code, std::string_view reason = {});

    /// Bytes waiting to be written to the transport.
    std::string_view pendingOutput() const noexcept;
    /// Tells how many bytes of pendingOutput() were written; they are dropped.
    void consumeOutput(std::size_t bytes) noexcept;

    /// True once the transport should be closed by this side: a server after the
    /// closing handshake or any side after failing the connection. A client waits
    /// for the server to close the TCP connection (RFC 6455 §7.1.1).
    bool shouldCloseTransport() const noexcept;
    /// Whether our close frame was sent.
    bool closeSent() const noexcept;
    /// Whether the peer's close frame arrived.
    bool closeReceived() const noexcept;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit::Core
