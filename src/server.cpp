#include "server_p.h"

#include "httpreply_p.h"
#include "headreader_p.h"
#include "listener_p.h"
#include "logging_p.h"
#include "pendingupgrade_p.h"
#include "serverworker_p.h"

#include <WsKit/Core/closecode.h>
#include <WsKit/Core/handshake.h>
#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>

#include <QtCore/QTimer>
#include <QtCore/QTimerEvent>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpServer>

#include <unistd.h>

namespace WsKit {

namespace {

// Descriptors a process needs besides its sockets (files, the event loop,
// libraries), counted when raising the descriptor limit at listen().
constexpr qint64 ReservedDescriptors = 128;

// Logging of events an attacker can repeat at will is aggregated over this period.
constexpr std::chrono::seconds LogPeriod{10};

// Unread bytes past this stay in the kernel: a client cannot make us buffer more
// than a head's worth before it is answered. Heads are peeked, not read, so one
// byte more must fit to see a head that is too large.
qint64 headReadBufferSize(qsizetype maxHeadSize)
{
    return qMax<qint64>(maxHeadSize + 1, 16 * 1024);
}

QByteArray errorResponse(int status, std::string_view body)
{
    const std::string response = Core::buildErrorResponse(status, body);
    return QByteArray(response.data(), static_cast<qsizetype>(response.size()));
}

} // namespace

// ---- HandshakeReader --------------------------------------------------------

HandshakeReader::HandshakeReader(ServerPrivate *server, QTcpSocket *socket)
    : QObject(socket)
    , m_server(server)
    , m_socket(socket)
    , m_parser(Core::HttpHeadParser::Kind::Request, static_cast<std::size_t>(server->maxHeadSize))
    , m_timeout(static_cast<int>(server->handshakeTimeout.count()))
{
    m_socket->setReadBufferSize(headReadBufferSize(server->maxHeadSize));
    m_timer.start(m_timeout, this);
    connect(m_socket, &QIODevice::readyRead, this, &HandshakeReader::readHead);
    connect(m_socket, &QAbstractSocket::disconnected, this, [this] { m_socket->deleteLater(); });
}

HandshakeReader::~HandshakeReader()
{
    if (m_server)
        m_server->readerGone(this);
}

void HandshakeReader::readHead()
{
    if (!m_socket->isOpen())
        return;
    if (m_answered) {
        m_socket->skip(m_socket->bytesAvailable());
        return;
    }
    // Peeked: a request that goes to the HTTP socket handler stays in the socket.
    peekHead(m_socket, m_parser, m_headSize);
    switch (m_parser.status()) {
    case Core::HttpHeadParser::Status::NeedMore:
        return;
    case Core::HttpHeadParser::Status::Failed: {
        const int status = Core::errorHttpStatus(m_parser.error());
        const QString reason = QString::fromUtf8(Core::errorText(m_parser.error()));
        qCDebug(lcServer) << "bad request head from" << m_socket->peerAddress() << status << reason;
        reply(errorResponse(status, Core::errorText(m_parser.error())));
        if (m_server)
            Q_EMIT m_server->q->handshakeFailed(status, reason);
        return;
    }
    case Core::HttpHeadParser::Status::Complete:
        m_timer.stop();
        if (m_server)
            m_server->route(this, receivedRequest(m_parser.request(), *m_socket, m_server->trustedProxies));
        return;
    }
}

void HandshakeReader::reply(const QByteArray &response)
{
    m_answered = true;
    m_timer.start(m_timeout, this);
    replyAndClose(m_socket, response);
}

void HandshakeReader::drop(const QString &why)
{
    m_timer.stop();
    m_answered = true;
    // Nothing of ours runs on the socket again: it is closed from here on.
    m_socket->disconnect(this);
    m_socket->abort();
    m_socket->deleteLater();
    if (ServerPrivate *server = std::exchange(m_server, nullptr)) {
        server->readerGone(this);
        Q_EMIT server->q->handshakeFailed(0, why);
    }
}

void HandshakeReader::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    if (m_answered) {
        m_timer.stop();
        m_socket->abort();
        m_socket->deleteLater();
        return;
    }
    qCDebug(lcServer) << "no request head from" << m_socket->peerAddress() << "within the handshake timeout";
    drop(QStringLiteral("The request head did not arrive within the handshake timeout"));
}

// ---- ServerPrivate ----------------------------------------------------------

ServerPrivate::ServerPrivate(Server *server)
    : q(server)
    , droppedLog(server, LogPeriod, [](int count, std::chrono::milliseconds period) {
        qCWarning(lcServer).nospace() << "too many pending handshakes: dropped " << count << " more in the last "
                                      << period.count() << " ms";
    })
    , pausedLog(server, LogPeriod, [](int count, std::chrono::milliseconds period) {
        qCWarning(lcServer).nospace() << "accepting paused " << count << " more times in the last " << period.count()
                                      << " ms";
    })
{
}

ServerPrivate::~ServerPrivate()
{
    for (HandshakeReader *reader : readers.readers())
        reader->detach();
    // Each worker's thread ends, deleting its connections there. Once they have
    // ended nothing posts to the Server any more, so ~QObject drops every report
    // still queued for it.
    workers.clear();
}

void ServerPrivate::accept(qintptr descriptor)
{
    QTcpSocket *socket = secure ? new QSslSocket(q) : new QTcpSocket(q);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcServer) << "cannot take an accepted socket:" << socket->errorString();
        ::close(static_cast<int>(descriptor));
        delete socket;
        return;
    }
    auto *reader = new HandshakeReader(this, socket);
    readers.add(reader, socket->peerAddress());
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        tls->setSslConfiguration(*sslConfiguration);
        QObject::connect(tls, &QAbstractSocket::errorOccurred, tls, [tls] {
            qCDebug(lcServer) << "TLS handshake with" << tls->peerAddress() << "failed:" << tls->errorString();
        });
        tls->startServerEncryption();
    }
    // Upgrades waiting for their decision count, but only sockets still reading
    // their head make room.
    if (readers.size() + deciding.size() <= maxPendingHandshakes)
        return;
    // Full: the oldest socket of the busiest peer makes room, so a flood from one
    // address cannot lock out the others, and never the newcomer alone.
    HandshakeReader *victim = readers.victim();
    if (droppedLog.admit()) {
        qCWarning(lcServer) << "too many pending handshakes; dropping the oldest from"
                            << victim->socket()->peerAddress();
    }
    victim->drop(QStringLiteral("Too many pending handshakes"));
}

void ServerPrivate::acceptPaused(const QString &reason)
{
    pausedFor.start();
    if (pausedLog.admit()) {
        qCWarning(lcServer).nospace().noquote() << "cannot accept connections (" << reason << "); retrying every "
                                      << Listener::LastRetryDelay.count() << " ms at most";
    }
    Q_EMIT q->acceptPaused(reason);
}

void ServerPrivate::acceptResumed()
{
    qCInfo(lcServer) << "accepting connections again after" << pausedFor.elapsed() << "ms";
    Q_EMIT q->acceptResumed();
}

qint64 ServerPrivate::descriptorsWanted() const
{
    return qint64(maxConnections) + maxPendingHandshakes + ReservedDescriptors;
}

void ServerPrivate::route(HandshakeReader *reader, const HttpRequest &request)
{
    QTcpSocket *socket = reader->socket();
    const bool isUpgrade = Core::isWebSocketUpgrade(request.head())
        && (webSocketPaths.isEmpty() || webSocketPaths.contains(request.path()));
    if (!isUpgrade && httpSocketHandler) {
        // The handler gets the socket with the request unread; from here on it
        // reads it and times it, so nothing of ours may touch it.
        socket->setReadBufferSize(0);
        const QPointer<HandshakeReader> alive(reader);
        if (httpSocketHandler(socket, request)) {
            qCDebug(lcServer) << request.method() << request.target() << "-> HTTP socket handler";
            delete alive.data();
            return;
        }
        if (!alive)
            return;
        socket->setReadBufferSize(headReadBufferSize(maxHeadSize)); // declined: ours again
    }
    if (!isUpgrade) {
        HttpResponse response(404);
        if (httpHandler)
            httpHandler(request, response);
        else
            response.setBody(QByteArrayLiteral("Not Found\n"), QByteArrayLiteral("text/plain; charset=utf-8"));
        qCDebug(lcServer) << request.method() << request.target() << "->" << response.statusCode();
        reader->reply(response.toByteArray(request.method() != "HEAD"));
        return;
    }
    // Upgrades still being decided count: each may become a connection.
    if (connections.size() + deciding.size() >= maxConnections) {
        qCWarning(lcServer) << "connection limit reached; refusing" << request.peerAddress();
        reader->reply(errorResponse(503, "Too many connections"));
        Q_EMIT q->handshakeFailed(503, QStringLiteral("Too many connections"));
        return;
    }

    socket->skip(reader->headSize()); // the Upgrader reads on after the head
    delete reader; // the socket belongs to the upgrade from here on
    deciding.append(socket);
    Upgrader effective = upgrader;
    // The handshake timeout bounds the decision too.
    effective.setDecisionTimeout(qMin(upgrader.decisionTimeout(), handshakeTimeout));
    const QPointer<Server> guard(q);
    // Learn why an upgrade failed without replacing the user's error handler.
    effective.setErrorHandler([guard, handler = upgrader.errorHandler()](const HttpRequest &failed, int status,
                                                                         const QString &reason) {
        if (handler)
            handler(failed, status, reason);
        if (guard)
            Q_EMIT guard->handshakeFailed(status, reason);
    });
    // The request as resolved here: behind a trusted proxy, from the client it forwarded.
    PendingUpgrade::start(socket, request, effective, q, [guard, socket](Connection *connection) {
        if (guard)
            guard->d->upgraded(socket, connection);
    });
}

void ServerPrivate::upgraded(QTcpSocket *socket, Connection *connection)
{
    deciding.removeOne(socket);
    if (!connection)
        return;
    connections.append(connection);
    heapTrimmer.connectionCountChanged(static_cast<int>(connections.size()));
    ConnectionPrivate::get(connection)->tracker = this;
    const QPointer<Server> guard(q);
    const QPointer<Connection> alive(connection);
    Q_EMIT q->connectionCountChanged(static_cast<int>(connections.size()));
    if (guard)
        Q_EMIT q->newConnection(connection);
    if (guard && alive)
        handOver(connection);
}

void ServerPrivate::handOver(Connection *connection)
{
    // It stays here without workers, once closed, or when the newConnection()
    // slot gave it a parent of its own. TLS connections stay too: Qt's TLS backend
    // keeps an object of its own in the socket's first thread, which would go on
    // using the socket from there.
    if (workers.empty() || connection->state() == Connection::State::Closed || connection->parent() != q
        || qobject_cast<QSslSocket *>(connection->socket())) {
        return;
    }
    ServerWorker *worker = workers.front().get();
    for (const auto &candidate : workers) {
        if (candidate->load < worker->load)
            worker = candidate.get();
    }
    ++worker->load;
    const quint64 id = ++lastTrackingId;
    hosted.insert(connection, {worker, id});
    ConnectionPrivate *connectionPrivate = ConnectionPrivate::get(connection);
    connectionPrivate->tracker = worker;
    connectionPrivate->trackingId = id;
    connection->setParent(nullptr);
    connection->moveToThread(worker->thread());
    QMetaObject::invokeMethod(worker, [worker, moved = QPointer<Connection>(connection)] { worker->adopt(moved); },
                              Qt::QueuedConnection);
}

void ServerPrivate::connectionClosed(Connection *connection)
{
    // Gone from the count now; its deletion, later, may come after the Server's.
    ConnectionPrivate::get(connection)->tracker = nullptr;
    if (connection->parent() == q)
        connection->deleteLater();
    connectionGone(connection);
}

void ServerPrivate::connectionDestroyed(Connection *connection)
{
    connectionGone(connection);
}

void ServerPrivate::hostedGone(Connection *connection, quint64 id)
{
    const auto found = hosted.constFind(connection);
    if (found == hosted.cend() || found->id != id)
        return; // reported already, or a later connection at the same address
    --found->worker->load;
    hosted.erase(found);
    connectionGone(connection);
}

void ServerPrivate::startWorkers()
{
    for (int i = static_cast<int>(workers.size()); i < workerCount; ++i)
        workers.push_back(std::make_unique<ServerWorker>(this, i + 1));
}

void ServerPrivate::shutDownAll(bool abort)
{
    for (const auto &worker : workers) {
        ServerWorker *target = worker.get();
        QMetaObject::invokeMethod(target, [target, abort] { target->shutDownAll(abort); }, Qt::QueuedConnection);
    }
    QList<Connection *> local;
    for (Connection *connection : std::as_const(connections)) {
        if (!hosted.contains(connection))
            local.append(connection);
    }
    shutDownConnections(local, abort);
}

void ServerPrivate::readerGone(HandshakeReader *reader)
{
    readers.remove(reader);
}

void ServerPrivate::connectionGone(Connection *connection)
{
    if (!connections.removeOne(connection))
        return;
    heapTrimmer.connectionCountChanged(static_cast<int>(connections.size()));
    const QPointer<Server> guard(q);
    Q_EMIT q->connectionCountChanged(static_cast<int>(connections.size()));
    if (guard)
        checkShutdownFinished();
}

void ServerPrivate::checkShutdownFinished()
{
    if (!shuttingDown || !connections.isEmpty())
        return;
    shuttingDown = false;
    if (shutdownTimer)
        shutdownTimer->stop();
    qCInfo(lcServer) << "shutdown finished";
    Q_EMIT q->shutdownFinished();
}

// ---- Server -----------------------------------------------------------------

Server::Server(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<ServerPrivate>(this))
{
}

Server::~Server()
{
    // Children (sockets, connections) outlive d; cut what would call back into it.
    delete d->listener;
    for (HandshakeReader *reader : d->readers.readers())
        reader->detach();
    d->readers = {};
    for (Connection *connection : std::as_const(d->connections)) {
        if (!d->hosted.contains(connection))
            ConnectionPrivate::get(connection)->tracker = nullptr;
    }
}

void Server::setSslConfiguration(const QSslConfiguration &configuration)
{
    d->sslConfiguration = configuration.isNull() ? std::nullopt : std::optional(configuration);
    d->secure = !configuration.isNull();
}

QSslConfiguration Server::sslConfiguration() const
{
    return d->sslConfiguration.value_or(QSslConfiguration());
}

bool Server::isSecure() const
{
    return d->secure;
}

bool Server::listen(const QHostAddress &address, quint16 port)
{
    if (isListening()) {
        d->errorString = QStringLiteral("The server is already listening");
        return false;
    }
    delete d->listener;
    d->listener = nullptr;
    delete d->tcpServer;
    d->tcpServer = new QTcpServer(this);
    if (!d->tcpServer->listen(address, port)) {
        d->errorString = d->tcpServer->errorString();
        qCWarning(lcServer) << "cannot listen on" << address << port << d->errorString;
        return false;
    }
    d->startWorkers();
    // The QTcpServer only binds and listens: its accept loop would spin when
    // descriptors run out (listener_p.h). TLS starts on each accepted socket.
    d->tcpServer->pauseAccepting();
    d->listener = new Listener(d->tcpServer->socketDescriptor(),
                               {[this](qintptr descriptor) { d->accept(descriptor); },
                                [this](const QString &reason) { d->acceptPaused(reason); },
                                [this] { d->acceptResumed(); }},
                               this);
    const qint64 wanted = d->descriptorsWanted();
    const qint64 limit = Listener::reserveDescriptors(wanted);
    if (limit >= 0 && limit < wanted) {
        qCWarning(lcServer) << "the limit of" << limit << "open descriptors is below the" << wanted
                            << "that maxConnections and maxPendingHandshakes need; accepting pauses while it is reached";
    }
    d->errorString.clear();
    qCInfo(lcServer) << "listening on" << serverAddress() << serverPort() << (d->secure ? "(TLS)" : "");
    Q_EMIT listeningChanged(true);
    return true;
}

void Server::stopListening()
{
    if (!isListening())
        return;
    delete d->listener;
    d->listener = nullptr;
    d->tcpServer->close();
    Q_EMIT listeningChanged(false);
}

bool Server::isAcceptPaused() const
{
    return d->listener && d->listener->isPaused();
}

bool Server::isListening() const
{
    return d->tcpServer && d->tcpServer->isListening();
}

QHostAddress Server::serverAddress() const
{
    return d->tcpServer ? d->tcpServer->serverAddress() : QHostAddress();
}

quint16 Server::serverPort() const
{
    return d->tcpServer ? d->tcpServer->serverPort() : 0;
}

QString Server::errorString() const
{
    return d->errorString;
}

Upgrader Server::upgrader() const
{
    return d->upgrader;
}

void Server::setUpgrader(const Upgrader &upgrader)
{
    d->upgrader = upgrader;
}

QStringList Server::webSocketPaths() const
{
    return d->webSocketPaths;
}

void Server::setWebSocketPaths(const QStringList &paths)
{
    d->webSocketPaths = paths;
}

void Server::setHttpHandler(HttpHandler handler)
{
    d->httpHandler = std::move(handler);
}

void Server::setHttpSocketHandler(HttpSocketHandler handler)
{
    d->httpSocketHandler = std::move(handler);
}

qsizetype Server::maxHeadSize() const
{
    return d->maxHeadSize;
}

void Server::setMaxHeadSize(qsizetype bytes)
{
    d->maxHeadSize = qMax<qsizetype>(1, bytes);
}

std::chrono::milliseconds Server::handshakeTimeout() const
{
    return d->handshakeTimeout;
}

void Server::setHandshakeTimeout(std::chrono::milliseconds timeout)
{
    d->handshakeTimeout = qMax(std::chrono::milliseconds{1}, timeout);
}

int Server::maxPendingHandshakes() const
{
    return d->maxPendingHandshakes;
}

void Server::setMaxPendingHandshakes(int count)
{
    d->maxPendingHandshakes = qMax(1, count);
}

int Server::maxConnections() const
{
    return d->maxConnections;
}

void Server::setMaxConnections(int count)
{
    d->maxConnections = qMax(0, count);
}

int Server::workerCount() const
{
    return d->workerCount;
}

void Server::setWorkerCount(int count)
{
    d->workerCount = qMax(0, count);
}

bool Server::setTrustedProxies(const QStringList &proxies)
{
    if (d->trustedProxies.set(proxies))
        return true;
    qCWarning(lcServer) << "not a proxy address or network among" << proxies;
    return false;
}

QStringList Server::trustedProxies() const
{
    return d->trustedProxies.entries();
}

int Server::connectionCount() const
{
    return static_cast<int>(d->connections.size());
}

QList<Connection *> Server::connections() const
{
    return d->connections;
}

void Server::shutdown(std::chrono::milliseconds deadline)
{
    if (d->shuttingDown)
        return;
    d->shuttingDown = true;
    qCInfo(lcServer) << "shutting down;" << d->connections.size() << "connections";
    stopListening();
    for (HandshakeReader *reader : d->readers.readers())
        reader->drop(QStringLiteral("The server is shutting down"));
    // Upgrades waiting for a decision end as if their clients went away.
    for (QTcpSocket *socket : QList<QTcpSocket *>(d->deciding))
        socket->abort();
    if (!d->shutdownTimer) {
        d->shutdownTimer = new QTimer(this);
        d->shutdownTimer->setSingleShot(true);
        connect(d->shutdownTimer, &QTimer::timeout, this, [this] { d->shutDownAll(true); });
    }
    d->shutdownTimer->start(deadline);
    d->shutDownAll(false);
    d->checkShutdownFinished();
}

} // namespace WsKit
