#include "serverworker_p.h"

#include "server_p.h"

#include <WsKit/Core/closecode.h>

#include <QtCore/QThread>

namespace WsKit {

ServerWorker::ServerWorker(ServerPrivate *server, int index)
    : m_server(server)
    , m_thread(new QThread)
{
    m_thread->setObjectName(QStringLiteral("WsKit worker %1").arg(index));
    moveToThread(m_thread);
    // In the worker's thread, after its event loop ended: this needs no event
    // delivery, which stops while the application object is being destroyed.
    connect(m_thread, &QThread::finished, this, &ServerWorker::shutdownNow, Qt::DirectConnection);
    m_thread->start();
}

ServerWorker::~ServerWorker()
{
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

void ServerWorker::adopt(const QPointer<Connection> &connection)
{
    if (!connection)
        return;
    m_connections.append(connection);
    // A slot that ran here before may already have given it a parent of its own.
    if (!connection->parent())
        connection->setParent(this);
    if (connection->state() == Connection::State::Closed && connection->parent() == this)
        connection->deleteLater();
}

void shutDownConnections(const QList<Connection *> &connections, bool abort)
{
    // Guarded: a slot may delete other connections along the way.
    const QList<QPointer<Connection>> open(connections.begin(), connections.end());
    for (const QPointer<Connection> &connection : open) {
        if (!connection)
            continue;
        if (abort)
            connection->abort();
        else
            connection->close(Core::CloseCode::GoingAway, QStringLiteral("Server shutting down"));
    }
}

void ServerWorker::shutDownAll(bool abort)
{
    shutDownConnections(m_connections, abort);
}

void ServerWorker::shutdownNow()
{
    m_server = nullptr;
    while (!m_connections.isEmpty())
        delete m_connections.takeLast();
}

void ServerWorker::connectionClosed(Connection *connection)
{
    if (connection->parent() == this)
        connection->deleteLater();
    reportGone(connection);
}

void ServerWorker::connectionDestroyed(Connection *connection)
{
    m_connections.removeOne(connection);
    reportGone(connection);
}

void ServerWorker::reportGone(Connection *connection)
{
    if (!m_server)
        return;
    // The address may be reused once this connection is deleted; the server
    // knows it by its tracking id too.
    ServerPrivate *server = m_server;
    const quint64 id = ConnectionPrivate::get(connection)->trackingId;
    QMetaObject::invokeMethod(server->q, [server, connection, id] { server->hostedGone(connection, id); },
                              Qt::QueuedConnection);
}

} // namespace WsKit
