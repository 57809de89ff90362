#pragma once
// How a Connection's bytes reach the network. A plain TCP connection reads and
// writes its socket descriptor itself (DescriptorTransport): no copy into and out
// of Qt's socket buffers, and no per-connection buffers while idle. TLS and
// proxied connections keep Qt's socket (SocketTransport), which encrypts or
// tunnels. The Connection sees only this interface; the choice is made once,
// when the opening handshake is done (Transport::create()).

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QtGlobal>
#include <QtNetwork/QHostAddress>

#include <memory>
#include <string_view>

QT_BEGIN_NAMESPACE
class QObject;
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

// What a transport reports to its Connection.
class TransportEvents
{
public:
    // Bytes may be waiting: call Transport::read().
    virtual void transportReadable() = 0;
    // Queued bytes went to the kernel, so bytesToWrite() shrank.
    virtual void transportWritten() = 0;
    // The connection ended: the peer closed it, it failed, or disconnectFromHost()
    // completed. Always from the event loop, never from inside a Transport call.
    virtual void transportEnded() = 0;

protected:
    ~TransportEvents() = default;
};

class Transport
{
public:
    enum class Kind { Descriptor, Socket };

    // The transport for a socket whose opening handshake is done: its descriptor,
    // when the socket is plain TCP that reaches the peer directly and the
    // WSKIT_TRANSPORT environment variable does not ask for "socket"; otherwise the
    // socket itself. Either way the transport takes the socket: it deletes it (the
    // descriptor keeps a duplicate) or makes it a child of owner. Qt objects the
    // transport creates are children of owner, so they follow it to other threads.
    static std::unique_ptr<Transport> create(QTcpSocket *socket, QObject *owner, TransportEvents *events);
    // The kind create() makes when it can, as the environment selects it.
    static Kind preferredKind();

    virtual ~Transport();
    Transport(const Transport &) = delete;
    Transport &operator=(const Transport &) = delete;

    virtual Kind kind() const = 0;

    // Up to `size` bytes the peer sent; 0 when none are there now, or once the
    // transport ended (transportEnded() follows).
    virtual qint64 read(char *data, qint64 size) = 0;
    // Stops or resumes watching for input. While stopped, unread bytes stay in the
    // kernel (beyond a bounded buffer) and TCP flow control slows the peer down.
    virtual void setReading(bool reading) = 0;
    // Whether read() may have bytes without the socket becoming readable again.
    virtual bool hasBufferedInput() const = 0;

    // Sends bytes; what the kernel does not take now is queued, in order.
    virtual void write(std::string_view bytes) = 0;
    // Sends header, then payload; a queued payload is shared, not copied.
    virtual void write(std::string_view header, const QByteArray &payload) = 0;
    // Bytes queued and not yet handed to the kernel.
    virtual qint64 bytesToWrite() const = 0;
    // Bytes handed to the kernel so far (for TLS, encrypted bytes).
    virtual qint64 bytesWritten() const = 0;

    // Closes once the queued bytes went out; transportEnded() follows.
    virtual void disconnectFromHost() = 0;
    // Closes at once and drops what is queued.
    virtual void abort() = 0;
    // The owner is being deleted from inside one of this transport's callbacks:
    // the Qt objects that emitted it must outlive the emission, so they are
    // deleted from the event loop instead of with the transport.
    virtual void deferDeletion() = 0;

    // After transportEnded(): whether the peer closed the connection, rather than
    // it failing.
    virtual bool closedByPeer() const = 0;
    virtual QString errorString() const = 0;

    // TCP_NODELAY.
    virtual void setNoDelay(bool noDelay) = 0;

    virtual QHostAddress localAddress() const = 0;
    virtual quint16 localPort() const = 0;
    virtual QHostAddress peerAddress() const = 0;
    virtual quint16 peerPort() const = 0;
    // The socket, for a Socket transport; nullptr otherwise.
    virtual QTcpSocket *socket() const = 0;
    // The native descriptor, -1 once closed.
    virtual qintptr descriptor() const = 0;

protected:
    Transport() = default;
};

} // namespace WsKit
