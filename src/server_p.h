#pragma once
// Server's private side: the listening socket, the sockets still in their
// opening handshake, and the open connections.

#include "connection_p.h"
#include "heaptrim_p.h"
#include "logthrottle_p.h"
#include "pendinghandshakes_p.h"
#include "requestorigin_p.h"

#include <WsKit/Core/http.h>
#include <WsKit/server.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtNetwork/QSslConfiguration>

#include <memory>
#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QTcpServer;
class QTcpSocket;
class QTimer;
QT_END_NAMESPACE

namespace WsKit {

class HandshakeReader;
class Listener;
class ServerWorker;

class ServerPrivate final : public ConnectionTracker
{
public:
    explicit ServerPrivate(Server *server);
    ~ServerPrivate();

    // A socket was accepted: start reading its request head, making room among
    // the pending handshakes if they are full.
    void accept(qintptr descriptor);
    void acceptPaused(const QString &reason);
    void acceptResumed();
    // Descriptors the connection limits need, beyond what the process holds otherwise.
    qint64 descriptorsWanted() const;
    // The request head on reader's socket is complete: upgrade it or answer it.
    void route(HandshakeReader *reader, const HttpRequest &request);
    // The upgrade of socket ended: connection is open, or nullptr when refused.
    // An open connection is counted, announced, then handed to a worker thread.
    void upgraded(QTcpSocket *socket, Connection *connection);
    void readerGone(HandshakeReader *reader);
    void handOver(Connection *connection);
    void connectionGone(Connection *connection);
    // A worker's connection is gone; id tells it from a later one at its address.
    void hostedGone(Connection *connection, quint64 id);
    void checkShutdownFinished();
    void startWorkers();
    // shutdown(): every connection, in the thread it lives in, is closed with 1001,
    // or aborted.
    void shutDownAll(bool abort);

    // ConnectionTracker, for the connections in the server's own thread.
    void connectionClosed(Connection *connection) override;
    void connectionDestroyed(Connection *connection) override;

    Server *q;
    QTcpServer *tcpServer = nullptr; // binds and listens; the Listener accepts
    Listener *listener = nullptr;
    // Set only for TLS: a default QSslConfiguration loads the TLS backend, about
    // 1 MiB and 25 million instructions that a plain server does without.
    std::optional<QSslConfiguration> sslConfiguration;
    bool secure = false;
    Upgrader upgrader;
    QStringList webSocketPaths;
    Server::HttpHandler httpHandler;
    Server::HttpSocketHandler httpSocketHandler;
    qsizetype maxHeadSize = Server::DefaultMaxHeadSize;
    std::chrono::milliseconds handshakeTimeout = Server::DefaultHandshakeTimeout;
    int maxPendingHandshakes = Server::DefaultMaxPendingHandshakes;
    int maxConnections = Server::DefaultMaxConnections;
    TrustedProxies trustedProxies;
    PendingHandshakes readers;
    LogThrottle droppedLog;
    LogThrottle pausedLog;
    QElapsedTimer pausedFor;
    QList<QTcpSocket *> deciding; // upgrades waiting for the Upgrader's decision
    QList<Connection *> connections;
    int workerCount = 0;
    std::vector<std::unique_ptr<ServerWorker>> workers;
    // Connections living in a worker thread: where, and their tracking id.
    struct Hosted {
        ServerWorker *worker = nullptr;
        quint64 id = 0;
    };
    QHash<Connection *, Hosted> hosted;
    quint64 lastTrackingId = 0;
    HeapTrimmer heapTrimmer{q};
    QTimer *shutdownTimer = nullptr;
    bool shuttingDown = false;
    QString errorString;
};

// Reads one request head from a freshly accepted socket, under the server's size
// limit and handshake timeout. A child of its socket; gone with it.
class HandshakeReader : public QObject
{
public:
    HandshakeReader(ServerPrivate *server, QTcpSocket *socket);
    ~HandshakeReader() override;

    QTcpSocket *socket() const { return m_socket; }
    // Bytes of the request head, still in the socket (peeked, not read).
    qint64 headSize() const { return m_headSize; }
    // The server is going away: stop reporting to it.
    void detach() { m_server = nullptr; }
    // Sends an HTTP answer; the handshake timeout bounds its delivery too.
    void reply(const QByteArray &response);
    void drop(const QString &why);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void readHead();

    ServerPrivate *m_server;
    QTcpSocket *m_socket;
    Core::HttpHeadParser m_parser;
    qint64 m_headSize = 0;
    QBasicTimer m_timer;
    int m_timeout; // ms
    bool m_answered = false;
};

} // namespace WsKit
