#pragma once
// One of a Server's worker threads: an event loop that hosts open connections,
// so a Server uses more than one core. The Server accepts, reads request heads
// and upgrades in its own thread, emits newConnection() there, and then moves the
// connection to the least busy worker, where all its slots run from then on.

#include "connection_p.h"

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPointer>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace WsKit {

class ServerPrivate;

// Server::shutdown() for connections of one thread: each one still alive is
// closed with 1001 (Going Away), or aborted.
void shutDownConnections(const QList<Connection *> &connections, bool abort);

class ServerWorker final : public QObject, public ConnectionTracker
{
public:
    // Starts the worker's thread; the object lives there.
    ServerWorker(ServerPrivate *server, int index);
    // Ends the thread, whose last act is shutdownNow(); from the server's thread.
    ~ServerWorker() override;

    // In the server's thread: open connections placed here and not gone yet.
    int load = 0;

    // In the worker's thread, each queued from the server's thread.
    // Takes connection, just moved here: it becomes a child of this worker.
    void adopt(const QPointer<Connection> &connection);
    // Server::shutdown(): closes every hosted connection with 1001, or aborts it.
    void shutDownAll(bool abort);
    // The thread ends with the server: deletes every hosted connection, in this
    // thread, without reporting to the server.
    void shutdownNow();

    // ConnectionTracker, in the worker's thread.
    void connectionClosed(Connection *connection) override;
    void connectionDestroyed(Connection *connection) override;

private:
    // Tells the server (in its thread) that a connection is gone.
    void reportGone(Connection *connection);

    ServerPrivate *m_server;
    QThread *m_thread;
    QList<Connection *> m_connections; // adopted and not deleted
};

} // namespace WsKit
