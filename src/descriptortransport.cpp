#include <QtCore/qsystemdetection.h>

#if defined(Q_OS_UNIX)

#include "descriptortransport_p.h"

#include <QtCore/QEvent>
#include <QtCore/QSocketNotifier>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpSocket>

#include <cerrno>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace WsKit {

namespace {

// Writes never raise SIGPIPE: a peer that went away is an error value.
#if defined(MSG_NOSIGNAL)
constexpr int SendFlags = MSG_NOSIGNAL;
#else
constexpr int SendFlags = 0;
#endif

// Segments gathered into one system call.
constexpr int MaxGathered = 16;

struct Endpoint {
    QHostAddress address;
    quint16 port = 0;
};

Endpoint endpoint(const sockaddr_storage &storage)
{
    Endpoint result;
    result.address = QHostAddress(reinterpret_cast<const sockaddr *>(&storage));
    if (storage.ss_family == AF_INET)
        result.port = ntohs(reinterpret_cast<const sockaddr_in *>(&storage)->sin_port);
    else if (storage.ss_family == AF_INET6)
        result.port = ntohs(reinterpret_cast<const sockaddr_in6 *>(&storage)->sin6_port);
    return result;
}

// The address getsockname() (ours) or getpeername() (the peer's) gives for fd.
Endpoint endpointOf(int fd, int (*name)(int, sockaddr *, socklen_t *))
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (fd < 0 || name(fd, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return {};
    return endpoint(storage);
}

Endpoint localEndpoint(int fd)
{
    return endpointOf(fd, ::getsockname);
}

Endpoint peerEndpoint(int fd)
{
    return endpointOf(fd, ::getpeername);
}

// Whether the bytes on socket's descriptor are the connection itself: not the
// leg to a proxy (whose address the descriptor's peer would be), not TLS records.
bool carriesTheStreamItself(QTcpSocket *socket)
{
    if (qobject_cast<QSslSocket *>(socket) || socket->state() != QAbstractSocket::ConnectedState)
        return false;
    const Endpoint peer = peerEndpoint(static_cast<int>(socket->socketDescriptor()));
    return peer.port == socket->peerPort()
        && peer.address.isEqual(socket->peerAddress(), QHostAddress::ConvertV4MappedToIPv4);
}

} // namespace

// Calls its transport straight from the event instead of through a signal
// connection, which would cost more memory per connection than the notifier.
class DescriptorTransport::Notifier final : public QSocketNotifier
{
public:
    Notifier(int fd, Type type, QObject *owner, DescriptorTransport *transport, void (DescriptorTransport::*handler)())
        : QSocketNotifier(fd, type, owner)
        , m_transport(transport)
        , m_handler(handler)
    {
    }

protected:
    bool event(QEvent *event) override
    {
        if (event->type() != QEvent::SockAct)
            return QSocketNotifier::event(event); // thread changes among others
        (m_transport->*m_handler)(); // may delete this
        return true;
    }

private:
    DescriptorTransport *m_transport;
    void (DescriptorTransport::*m_handler)();
};

std::unique_ptr<Transport> DescriptorTransport::adopt(QTcpSocket *socket, QObject *owner, TransportEvents *events)
{
    if (!carriesTheStreamItself(socket))
        return nullptr;
    // What the opening handshake left in Qt's write buffer (the 101 response) goes
    // out first; if the kernel does not take it all, the socket stays in charge.
    socket->flush();
    if (socket->bytesToWrite() > 0)
        return nullptr;
    const int fd = ::fcntl(static_cast<int>(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return nullptr; // out of descriptors: the socket goes on as it is
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    QByteArray unread = socket->readAll();
    // Closes Qt's descriptor and notifiers now, so Qt reads nothing more from the
    // connection; the object goes from the event loop, since this may run inside
    // one of its signals. Its observers hear nothing of it.
    socket->blockSignals(true);
    socket->abort();
    socket->setParent(nullptr);
    socket->deleteLater();
    return std::make_unique<DescriptorTransport>(fd, std::move(unread), owner, events);
}

DescriptorTransport::DescriptorTransport(int fd, QByteArray unread, QObject *owner, TransportEvents *events)
    : m_fd(fd)
    , m_unread(std::move(unread))
    , m_owner(owner)
    , m_events(events)
    , m_readNotifier(new Notifier(fd, QSocketNotifier::Read, owner, this, &DescriptorTransport::onReadable))
{
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
}

DescriptorTransport::~DescriptorTransport()
{
    end(0, false);
}

void DescriptorTransport::deleteNotifier(Notifier *&notifier)
{
    if (!notifier)
        return;
    // Safe from inside its own event: the event dispatchers look a notifier up
    // again after every activation.
    delete notifier;
    notifier = nullptr;
}

void DescriptorTransport::end(int error, bool report)
{
    if (m_fd < 0)
        return;
    m_error = error;
    deleteNotifier(m_readNotifier);
    deleteNotifier(m_writeNotifier);
    ::close(m_fd);
    m_fd = -1;
    m_queue.clear();
    if (report) {
        TransportEvents *events = m_events;
        QMetaObject::invokeMethod(m_owner, [events] { events->transportEnded(); }, Qt::QueuedConnection);
    }
}

void DescriptorTransport::onReadable()
{
    m_mayHaveInput = true;
    m_events->transportReadable(); // may delete this
}

qint64 DescriptorTransport::read(char *data, qint64 size)
{
    if (!m_unread.isEmpty()) {
        const qint64 taken = qMin(size, static_cast<qint64>(m_unread.size()));
        memcpy(data, m_unread.constData(), static_cast<std::size_t>(taken));
        m_unread = taken == m_unread.size() ? QByteArray() : m_unread.mid(taken);
        return taken;
    }
    if (m_fd < 0 || !m_mayHaveInput)
        return 0;
    for (;;) {
        const ssize_t received = ::recv(m_fd, data, static_cast<std::size_t>(size), 0);
        if (received > 0) {
            // A short read emptied the kernel's buffer: the next bytes make the
            // descriptor readable again, so asking once more would only cost a call.
            m_mayHaveInput = received == size;
            return received;
        }
        if (received == 0) {
            end(0, true); // the peer closed the connection
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            m_mayHaveInput = false;
            return 0;
        }
        end(errno, true);
        return 0;
    }
}

void DescriptorTransport::setReading(bool reading)
{
    if (reading == m_reading)
        return;
    m_reading = reading;
    if (reading)
        m_mayHaveInput = true;
    if (m_readNotifier)
        m_readNotifier->setEnabled(reading && !m_closing);
}

qint64 DescriptorTransport::send(const std::string_view *views, int count)
{
    iovec vectors[MaxGathered];
    for (int i = 0; i < count; ++i)
        vectors[i] = {const_cast<char *>(views[i].data()), views[i].size()};
    msghdr message{};
    message.msg_iov = vectors;
    message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(count);
    for (;;) {
        const ssize_t sent = ::sendmsg(m_fd, &message, SendFlags);
        if (sent >= 0) {
            m_bytesWritten += sent;
            return sent;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        end(errno, true);
        return -1;
    }
}

void DescriptorTransport::write(std::string_view bytes)
{
    if (m_fd < 0 || m_closing || bytes.empty())
        return;
    if (m_queue.isEmpty()) {
        const qint64 sent = send(&bytes, 1);
        if (sent < 0)
            return;
        bytes.remove_prefix(static_cast<std::size_t>(sent));
        if (bytes.empty())
            return;
    }
    m_queue.append(bytes);
    watchWritable(true);
}

void DescriptorTransport::write(std::string_view header, const QByteArray &payload)
{
    if (m_fd < 0 || m_closing)
        return;
    qsizetype payloadSent = 0;
    if (m_queue.isEmpty()) {
        const std::string_view views[] = {header, {payload.constData(), static_cast<std::size_t>(payload.size())}};
        const qint64 sent = send(views, 2);
        if (sent < 0)
            return;
        const auto headerSent = std::min(static_cast<std::size_t>(sent), header.size());
        header.remove_prefix(headerSent);
        payloadSent = static_cast<qsizetype>(sent - static_cast<qint64>(headerSent));
        if (header.empty() && payloadSent == payload.size())
            return;
    }
    m_queue.append(header);
    m_queue.append(payload, payloadSent);
    watchWritable(true);
}

void DescriptorTransport::watchWritable(bool watch)
{
    if (!watch) {
        // Gone while idle, so an idle connection holds one notifier only.
        deleteNotifier(m_writeNotifier);
        return;
    }
    if (m_writeNotifier || m_fd < 0)
        return;
    m_writeNotifier = new Notifier(m_fd, QSocketNotifier::Write, m_owner, this, &DescriptorTransport::onWritable);
}

void DescriptorTransport::onWritable()
{
    std::string_view views[MaxGathered];
    const qint64 sent = send(views, m_queue.peek(views, MaxGathered));
    if (sent <= 0)
        return; // nothing taken, or ended
    m_queue.consume(sent);
    if (m_queue.isEmpty()) {
        watchWritable(false);
        if (m_closing)
            end(0, true);
    }
    m_events->transportWritten(); // may delete this
}

void DescriptorTransport::disconnectFromHost()
{
    if (m_fd < 0 || m_closing)
        return;
    m_closing = true;
    if (m_readNotifier)
        m_readNotifier->setEnabled(false);
    if (m_queue.isEmpty())
        end(0, true);
}

void DescriptorTransport::abort()
{
    end(ECONNABORTED, false);
}

QString DescriptorTransport::errorString() const
{
    return m_error == 0 ? QStringLiteral("The remote host closed the connection") : qt_error_string(m_error);
}

void DescriptorTransport::setNoDelay(bool noDelay)
{
    const int value = noDelay ? 1 : 0;
    if (m_fd >= 0)
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value);
}

QHostAddress DescriptorTransport::localAddress() const
{
    return localEndpoint(m_fd).address;
}

quint16 DescriptorTransport::localPort() const
{
    return localEndpoint(m_fd).port;
}

QHostAddress DescriptorTransport::peerAddress() const
{
    return peerEndpoint(m_fd).address;
}

quint16 DescriptorTransport::peerPort() const
{
    return peerEndpoint(m_fd).port;
}

} // namespace WsKit

#endif // Q_OS_UNIX
