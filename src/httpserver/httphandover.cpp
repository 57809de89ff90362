#include "httphandover_p.h"

#include <QtCore/QMetaMethod>
#include <QtNetwork/QTcpSocket>

namespace WsKit {

HttpHandover::HttpHandover(QObject *parent)
    : QTcpServer(parent)
{
    setObjectName(QStringLiteral("WsKit::Server hand-over"));
}

void HttpHandover::handOver(QTcpSocket *socket)
{
    socket->setParent(this);
    m_pending.append(socket);
    // QTcpServer's own queue warns on every take when not listening, so the queue
    // is ours; the signal is QTcpServer's, which only the meta-object lets us emit.
    static const QMetaMethod available = QMetaMethod::fromSignal(&QTcpServer::pendingConnectionAvailable);
    available.invoke(this, Qt::DirectConnection);
    // The request is already buffered: no readyRead would come for it.
    if (socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(socket, &QIODevice::readyRead, Qt::QueuedConnection);
}

bool HttpHandover::hasPendingConnections() const
{
    return !m_pending.isEmpty();
}

QTcpSocket *HttpHandover::nextPendingConnection()
{
    return m_pending.isEmpty() ? nullptr : m_pending.takeFirst();
}

} // namespace WsKit
