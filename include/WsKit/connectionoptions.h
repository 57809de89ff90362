#pragma once
/// @file
/// Limits and timeouts of one Connection. An Upgrader or a Dialer hands a copy to
/// every Connection it creates; Connection::setOptions() changes them later. An
/// Upgrader starts from serverDefaults(), a Dialer from the defaults.

#include <WsKit/compressionoptions.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QtGlobal>

#include <chrono>
#include <memory>

namespace WsKit {

/// The limits, timeouts and compression settings of a connection (a value type).
///
/// Setters take a variable only: one called on a copy a getter returned, such as
/// connection->options().setMaxMessageSize(n), would change nothing, so it does not compile.
class WSKIT_EXPORT ConnectionOptions
{
public:
    /// 16 MiB: the largest message assembled in memory by default.
    static constexpr qint64 DefaultMaxMessageSize = 16 * 1024 * 1024;
    /// 16 MiB: a default-sized message can always be queued on an idle connection.
    static constexpr qint64 DefaultMaxBufferedAmount = 16 * 1024 * 1024;
    /// 5 s: how long to wait for the peer's close frame by default.
    static constexpr std::chrono::milliseconds DefaultCloseTimeout{5000};
    /// 10 s: how long keep-alive waits for a pong by default.
    static constexpr std::chrono::milliseconds DefaultPongTimeout{10000};
    /// Keep-alive interval in serverDefaults(): well below the 60 s after which
    /// common proxies and load balancers drop a quiet connection.
    static constexpr std::chrono::milliseconds DefaultServerKeepAliveInterval{30000};
    /// Write timeout in serverDefaults().
    static constexpr std::chrono::milliseconds DefaultServerWriteTimeout{30000};

    /// The options an Upgrader, and so a Server, starts with: the defaults plus a
    /// ping every DefaultServerKeepAliveInterval (pongTimeout() as by default) and
    /// a write timeout of DefaultServerWriteTimeout, so that a peer that vanished
    /// or stopped reading cannot hold our memory for longer than that.
    static ConnectionOptions serverDefaults();

    ConnectionOptions();
    /// A copy of other.
    ConnectionOptions(const ConnectionOptions &other);
    /// Takes over other's settings.
    ConnectionOptions(ConnectionOptions &&other) noexcept;
    /// Copies other's settings.
    ConnectionOptions &operator=(const ConnectionOptions &other);
    /// Takes over other's settings.
    ConnectionOptions &operator=(ConnectionOptions &&other) noexcept;
    /// Destroys the settings.
    ~ConnectionOptions();

    /// Largest incoming message in bytes (after inflation); a bigger one fails the
    /// connection with 1009. 0: no limit.
    qint64 maxMessageSize() const;
    /// Sets maxMessageSize().
    void setMaxMessageSize(qint64 bytes) &;

    /// Most bytes waiting to be sent (Connection::bufferedAmount()). While the buffer
    /// is over it the connection stops reading, so a peer that does not read cannot
    /// grow our memory. A send that would go past it is refused
    /// (Error::WriteBufferFull), except from a slot handling what this connection
    /// received (an echo or an answer): that send is queued and reading pauses.
    /// Automatic pongs and close replies are never refused. 0: no limit.
    qint64 maxBufferedAmount() const;
    /// Sets maxBufferedAmount().
    void setMaxBufferedAmount(qint64 bytes) &;

    /// Outgoing messages are split into frames of at most this payload size. 0: one
    /// frame per message.
    qint64 outgoingFragmentSize() const;
    /// Sets outgoingFragmentSize().
    void setOutgoingFragmentSize(qint64 bytes) &;

    /// Deliver incoming messages piece by piece (Connection::messageChunkReceived)
    /// instead of assembling them; maxMessageSize still bounds a whole message.
    bool isIncomingStreaming() const;
    /// Sets isIncomingStreaming().
    void setIncomingStreaming(bool streaming) &;

    /// How long to wait for the peer's close frame after ours, and for the TCP
    /// connection to end after the closing handshake, before aborting it.
    std::chrono::milliseconds closeTimeout() const;
    /// Sets closeTimeout().
    void setCloseTimeout(std::chrono::milliseconds timeout) &;

    /// Close the connection (1001, Error::IdleTimeout) when nothing was received for
    /// this long. 0: never.
    std::chrono::milliseconds idleTimeout() const;
    /// Sets idleTimeout().
    void setIdleTimeout(std::chrono::milliseconds timeout) &;

    /// Send a ping every interval and abort the connection (1006,
    /// Error::PongTimeout) when no pong came back within pongTimeout. 0: off.
    std::chrono::milliseconds keepAliveInterval() const;
    /// Sets keepAliveInterval().
    void setKeepAliveInterval(std::chrono::milliseconds interval) &;
    /// How long keep-alive waits for a pong before aborting the connection.
    std::chrono::milliseconds pongTimeout() const;
    /// Sets pongTimeout().
    void setPongTimeout(std::chrono::milliseconds timeout) &;

    /// How long our output (Connection::bufferedAmount()) may wait for the peer's
    /// TCP to take it; past it the connection is aborted (1006,
    /// Connection::Error::WriteTimeout).
    ///
    /// Output is timed in batches: what waits when the previous batch has gone out
    /// must go within the timeout, so a byte waits at most about that long (twice
    /// in the worst case). It ends a peer that stopped reading, and the memory its unsent output held.
    /// A buffer of maxBufferedAmount() bytes so needs a peer that takes at least
    /// maxBufferedAmount() / writeTimeout() bytes per second. 0 (the default
    /// outside serverDefaults()): never.
    std::chrono::milliseconds writeTimeout() const;
    /// Sets writeTimeout(); negative values mean 0.
    void setWriteTimeout(std::chrono::milliseconds timeout) &;

    /// permessage-deflate: on by default. What to negotiate, and memLevel, are read
    /// when the connection opens; a new level and threshold apply from the next
    /// message (Connection::setOptions()).
    CompressionOptions compression() const;
    /// Sets compression().
    void setCompression(const CompressionOptions &compression) &;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
