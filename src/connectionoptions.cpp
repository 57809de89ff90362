#include <WsKit/connectionoptions.h>

namespace WsKit {

struct ConnectionOptions::Private {
    qint64 maxMessageSize = DefaultMaxMessageSize;
    qint64 maxBufferedAmount = DefaultMaxBufferedAmount;
    qint64 outgoingFragmentSize = 0;
    bool incomingStreaming = false;
    std::chrono::milliseconds closeTimeout = DefaultCloseTimeout;
    std::chrono::milliseconds idleTimeout{0};
    std::chrono::milliseconds keepAliveInterval{0};
    std::chrono::milliseconds pongTimeout = DefaultPongTimeout;
    std::chrono::milliseconds writeTimeout{0};
    CompressionOptions compression;
};

ConnectionOptions::ConnectionOptions()
    : d(std::make_unique<Private>())
{
}

ConnectionOptions::ConnectionOptions(const ConnectionOptions &other)
    : d(std::make_unique<Private>(*other.d))
{
}

ConnectionOptions::ConnectionOptions(ConnectionOptions &&other) noexcept
    : d(std::make_unique<Private>(*other.d))
{
}

ConnectionOptions &ConnectionOptions::operator=(const ConnectionOptions &other)
{
    *d = *other.d;
    return *this;
}

ConnectionOptions &ConnectionOptions::operator=(ConnectionOptions &&other) noexcept
{
    *d = *other.d;
    return *this;
}

ConnectionOptions::~ConnectionOptions() = default;

ConnectionOptions ConnectionOptions::serverDefaults()
{
    ConnectionOptions options;
    options.setKeepAliveInterval(DefaultServerKeepAliveInterval);
    options.setWriteTimeout(DefaultServerWriteTimeout);
    return options;
}

qint64 ConnectionOptions::maxMessageSize() const
{
    return d->maxMessageSize;
}

void ConnectionOptions::setMaxMessageSize(qint64 bytes) &
{
    d->maxMessageSize = qMax<qint64>(0, bytes);
}

qint64 ConnectionOptions::maxBufferedAmount() const
{
    return d->maxBufferedAmount;
}

void ConnectionOptions::setMaxBufferedAmount(qint64 bytes) &
{
    d->maxBufferedAmount = qMax<qint64>(0, bytes);
}

qint64 ConnectionOptions::outgoingFragmentSize() const
{
    return d->outgoingFragmentSize;
}

void ConnectionOptions::setOutgoingFragmentSize(qint64 bytes) &
{
    d->outgoingFragmentSize = qMax<qint64>(0, bytes);
}

bool ConnectionOptions::isIncomingStreaming() const
{
    return d->incomingStreaming;
}

void ConnectionOptions::setIncomingStreaming(bool streaming) &
{
    d->incomingStreaming = streaming;
}

std::chrono::milliseconds ConnectionOptions::closeTimeout() const
{
    return d->closeTimeout;
}

void ConnectionOptions::setCloseTimeout(std::chrono::milliseconds timeout) &
{
    d->closeTimeout = qMax(std::chrono::milliseconds{0}, timeout);
}

std::chrono::milliseconds ConnectionOptions::idleTimeout() const
{
    return d->idleTimeout;
}

void ConnectionOptions::setIdleTimeout(std::chrono::milliseconds timeout) &
{
    d->idleTimeout = qMax(std::chrono::milliseconds{0}, timeout);
}

std::chrono::milliseconds ConnectionOptions::keepAliveInterval() const
{
    return d->keepAliveInterval;
}

void ConnectionOptions::setKeepAliveInterval(std::chrono::milliseconds interval) &
{
    d->keepAliveInterval = qMax(std::chrono::milliseconds{0}, interval);
}

std::chrono::milliseconds ConnectionOptions::pongTimeout() const
{
    return d->pongTimeout;
}

void ConnectionOptions::setPongTimeout(std::chrono::milliseconds timeout) &
{
    d->pongTimeout = qMax(std::chrono::milliseconds{0}, timeout);
}

std::chrono::milliseconds ConnectionOptions::writeTimeout() const
{
    return d->writeTimeout;
}

void ConnectionOptions::setWriteTimeout(std::chrono::milliseconds timeout) &
{
    d->writeTimeout = qMax(std::chrono::milliseconds{0}, timeout);
}

CompressionOptions ConnectionOptions::compression() const
{
    return d->compression;
}

void ConnectionOptions::setCompression(const CompressionOptions &compression) &
{
    d->compression = compression;
}

} // namespace WsKit
