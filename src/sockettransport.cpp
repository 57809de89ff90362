#include "sockettransport_p.h"

#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpSocket>

namespace WsKit {

namespace {

// Qt's read buffer is capped so that, while the Connection does not read,
// unread bytes stay in the kernel and TCP slows the peer down.
constexpr qint64 ReadBufferSize = 256 * 1024;

} // namespace

SocketTransport::SocketTransport(QTcpSocket *socket, QObject *owner, TransportEvents *events)
    : m_socket(socket)
    , m_sslSocket(qobject_cast<QSslSocket *>(socket))
    , m_owner(owner)
{
    m_socket->setParent(owner);
    m_socket->setReadBufferSize(ReadBufferSize);
    QObject::connect(m_socket, &QIODevice::readyRead, owner, [events] { events->transportReadable(); });
    // With TLS, what reaches the kernel is counted in encrypted bytes.
    QObject::connect(m_socket, &QIODevice::bytesWritten, owner, [this, events](qint64 written) {
        if (!m_sslSocket)
            m_bytesWritten += written;
        events->transportWritten();
    });
    if (m_sslSocket) {
        QObject::connect(m_sslSocket, &QSslSocket::encryptedBytesWritten, owner, [this, events](qint64 written) {
            m_bytesWritten += written;
            events->transportWritten();
        });
    }
    // Queued: the socket may report its end from inside our own calls (abort(),
    // disconnectFromHost()), and the end must come from the event loop.
    QObject::connect(m_socket, &QAbstractSocket::disconnected, owner, [events] { events->transportEnded(); },
                     Qt::QueuedConnection);
    QObject::connect(m_socket, &QAbstractSocket::errorOccurred, owner, [this, events] {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            events->transportEnded();
    }, Qt::QueuedConnection);
}

SocketTransport::~SocketTransport()
{
    m_socket->disconnect(m_owner);
    if (m_deferDeletion) {
        m_socket->setParent(nullptr);
        m_socket->abort();
        m_socket->deleteLater();
    } else {
        delete m_socket;
    }
}

qint64 SocketTransport::read(char *data, qint64 size)
{
    return qMax<qint64>(0, m_socket->read(data, size));
}

bool SocketTransport::hasBufferedInput() const
{
    return m_socket->bytesAvailable() > 0;
}

void SocketTransport::write(std::string_view bytes)
{
    m_socket->write(bytes.data(), static_cast<qint64>(bytes.size()));
}

void SocketTransport::write(std::string_view header, const QByteArray &payload)
{
    write(header);
    // Qt's write buffer shares a payload this large instead of copying it.
    m_socket->write(payload);
}

qint64 SocketTransport::bytesToWrite() const
{
    qint64 amount = m_socket->bytesToWrite();
    if (m_sslSocket)
        amount += m_sslSocket->encryptedBytesToWrite();
    return amount;
}

void SocketTransport::disconnectFromHost()
{
    // Sends what is buffered first; the end is reported through disconnected().
    m_socket->disconnectFromHost();
}

void SocketTransport::abort()
{
    m_socket->abort();
}

bool SocketTransport::closedByPeer() const
{
    return m_socket->error() == QAbstractSocket::RemoteHostClosedError;
}

QString SocketTransport::errorString() const
{
    return m_socket->errorString();
}

void SocketTransport::setNoDelay(bool noDelay)
{
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, noDelay ? 1 : 0);
}

QHostAddress SocketTransport::localAddress() const
{
    return m_socket->localAddress();
}

quint16 SocketTransport::localPort() const
{
    return m_socket->localPort();
}

QHostAddress SocketTransport::peerAddress() const
{
    return m_socket->peerAddress();
}

quint16 SocketTransport::peerPort() const
{
    return m_socket->peerPort();
}

qintptr SocketTransport::descriptor() const
{
    return m_socket->socketDescriptor();
}

} // namespace WsKit
