#pragma once
/// @file
/// A WebSocket server on one port: accepts TCP (or TLS) connections, reads each
/// request head under a size limit and a timeout, hands upgrade requests to its
/// Upgrader and other requests to an HTTP handler, and emits newConnection().
///
/// Threads: everything up to newConnection() runs in the Server's thread. With
/// worker threads (Server::setWorkerCount()), each open connection then moves to
/// the least busy worker, whose event loop drives it from then on: its signals are
/// emitted there, and a slot runs there when its receiver (context object) lives
/// there, e.g. the connection itself; a slot of an object in another thread is
/// queued to that thread, as Qt does for every QObject. Without workers (the
/// default) connections stay in the Server's thread.

#include <WsKit/upgrader.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtNetwork/QHostAddress>

#include <chrono>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QSslConfiguration;
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

class Connection;
class HttpRequest;
class HttpResponse;
class ServerPrivate;

/// A WebSocket server on one port: accepts connections, reads request heads under
/// limits, upgrades through its Upgrader and announces open connections (see
/// docs/qt-layer.md).
class WSKIT_EXPORT Server : public QObject
{
    Q_OBJECT
    /// Whether the server accepts connections.
    Q_PROPERTY(bool listening READ isListening NOTIFY listeningChanged)
    /// How many connections are open.
    Q_PROPERTY(int connectionCount READ connectionCount NOTIFY connectionCountChanged)

public:
    /// 8 KiB: the largest request head by default.
    static constexpr qsizetype DefaultMaxHeadSize = 8 * 1024;
    /// 10 s: from accepting a socket to a complete request head, by default.
    static constexpr std::chrono::milliseconds DefaultHandshakeTimeout{10000};
    /// The most sockets accepted and not yet upgraded or answered, by default.
    static constexpr int DefaultMaxPendingHandshakes = 256;
    /// The most open connections, by default.
    static constexpr int DefaultMaxConnections = 10000;
    /// How long shutdown() waits for connections to close, by default.
    static constexpr std::chrono::milliseconds DefaultShutdownDeadline{5000};

    /// Answers a request that is not a WebSocket upgrade. The response starts as
    /// 404; the server sends it and closes the connection. Runs in the server's thread.
    using HttpHandler = std::function<void(const HttpRequest &request, HttpResponse &response)>;
    /// Takes over a connection whose first request is not a WebSocket upgrade, with
    /// that request (and whatever followed it) still unread in socket, e.g. to hand
    /// it to Qt HTTP Server (bindHttpServer() in WsKit::HttpServer). Returns true when
    /// it took the socket: it reads, answers, times and deletes it from then on.
    /// Returns false to have the HTTP handler answer instead. Runs in the server's
    /// thread.
    using HttpSocketHandler = std::function<bool(QTcpSocket *socket, const HttpRequest &request)>;

    /// A server that does not listen yet.
    explicit Server(QObject *parent = nullptr);
    /// Stops listening and deletes the connections that are still its children.
    ~Server() override;

    /// With a TLS configuration (certificate and key) set before listen(), the
    /// server speaks wss: TLS starts on every accepted socket.
    void setSslConfiguration(const QSslConfiguration &configuration);
    /// The TLS configuration; null for a plain server.
    QSslConfiguration sslConfiguration() const;
    /// Whether the server speaks TLS (wss, https).
    bool isSecure() const;

    /// Starts listening on address and port (0: any free port).
    ///
    /// Raises the process's soft limit on open descriptors, when it is lower and
    /// the hard limit allows, to what maxConnections() and maxPendingHandshakes()
    /// need (plus 128 for everything else), and warns when it cannot. Returns false
    /// with errorString() when the address cannot be used.
    bool listen(const QHostAddress &address = QHostAddress::Any, quint16 port = 0);
    /// Stops accepting; open connections and pending handshakes go on.
    void stopListening();
    /// Whether the server accepts connections.
    bool isListening() const;
    /// The address listened on.
    QHostAddress serverAddress() const;
    /// The port listened on (the one chosen, when listen() was given 0).
    quint16 serverPort() const;
    /// Why listen() failed.
    QString errorString() const;

    /// The handshake policy applied to upgrade requests (a copy: change it and set
    /// it back with setUpgrader()).
    Upgrader upgrader() const;
    /// Sets upgrader().
    void setUpgrader(const Upgrader &upgrader);

    /// Paths (without query) where upgrade requests are accepted; an upgrade
    /// request elsewhere gets 404. Empty (the default): every path.
    QStringList webSocketPaths() const;
    /// Sets webSocketPaths().
    void setWebSocketPaths(const QStringList &paths);

    /// Sets the handler of requests that are not upgrades; an empty function
    /// restores the default (404 Not Found).
    void setHttpHandler(HttpHandler handler);
    /// Sets the handler that may take over connections whose first request is not an
    /// upgrade, consulted before the HTTP handler; an empty function (the default)
    /// hands every such request to the HTTP handler.
    void setHttpSocketHandler(HttpSocketHandler handler);

    /// Largest request head (431 past it).
    qsizetype maxHeadSize() const;
    /// Sets maxHeadSize().
    void setMaxHeadSize(qsizetype bytes);
    /// Time from accepting a socket (including TLS) to a complete request head, and
    /// again for sending an HTTP answer; the socket is aborted after it.
    std::chrono::milliseconds handshakeTimeout() const;
    /// Sets handshakeTimeout().
    void setHandshakeTimeout(std::chrono::milliseconds timeout);
    /// Most sockets accepted but not yet upgraded or answered; an upgrade waiting
    /// for its decision (Upgrader::setDecisionHandler()) counts.
    ///
    /// When a socket arrives and the limit is reached, the oldest pending socket of
    /// the peer holding the most (an IPv4 address, or an IPv6 /64 network) is
    /// dropped to make room: a flood from one address displaces only its own
    /// sockets, and every newcomer gets its chance (docs/qt-layer.md).
    int maxPendingHandshakes() const;
    /// Sets maxPendingHandshakes().
    void setMaxPendingHandshakes(int count);
    /// Open connections; an upgrade request past it gets 503.
    int maxConnections() const;
    /// Sets maxConnections().
    void setMaxConnections(int count);

    /// Sets the reverse proxies whose word on who a client is gets believed.
    ///
    /// Each entry is an address ("10.0.0.7", "::1") or a network in CIDR notation
    /// ("10.0.0.0/8", "fd00::/8"). For a request whose peer is one of them, the
    /// client's address (and port, when given), scheme and host come from
    /// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host, or, when the request
    /// has none of those, from Forwarded (RFC 7239). The forwarding chain is walked
    /// from the nearest hop and believed only as far as its hops are trusted too, so
    /// entries a client wrote itself count for nothing.
    ///
    /// The request that the HTTP handler, the HTTP socket handler, the origin check,
    /// the decision handler and the error handler receive then speaks of the client
    /// (HttpRequest::peerAddress(), peerPort(), isSecure() and host()), and so do
    /// Connection::peerAddress() and peerPort(), the default origin check and the
    /// server's log; HttpRequest::socketPeerAddress() still names the proxy. A
    /// connection handed to Qt HTTP Server (bindHttpServer()) is read by it anew:
    /// its QHttpServerRequest::remoteAddress() is the proxy, and the forwarded fields
    /// reach it as plain header fields. The fields of any other peer are ignored.
    /// Empty (the default): nobody is trusted. Returns false, changing nothing, when
    /// an entry is neither an address nor a network. docs/deployment.md has the rules
    /// and an nginx configuration.
    bool setTrustedProxies(const QStringList &proxies);
    /// The trusted proxies, as set.
    QStringList trustedProxies() const;

    /// Whether accepting is paused because the process ran out of descriptors
    /// (or memory); see acceptPaused().
    bool isAcceptPaused() const;

    /// Worker threads that host the open connections; 0 (the default) keeps them
    /// in the Server's thread.
    ///
    /// A Server with N workers spreads its connections over N event loops, and so
    /// over N cores: it accepts, reads request heads, upgrades and emits
    /// newConnection() in its own thread, then moves each connection to the worker
    /// hosting the fewest. QThread::idealThreadCount() uses every core. The default
    /// is 0 because with workers a connection's slots run in a worker thread (see
    /// the threading rule above), which an application must be written for; QML,
    /// for one, needs its objects in the GUI thread.
    int workerCount() const;
    /// Sets the number of worker threads; takes effect at the first listen(), where
    /// the threads start. They end, with the connections they host, when the
    /// Server is deleted.
    void setWorkerCount(int count);

    /// Open connections, counted and listed in the Server's thread: a connection
    /// appears before newConnection() and leaves once its closed() was handled
    /// (with workers, a moment later, when its worker's report arrived).
    int connectionCount() const;
    /// The open connections, oldest first. With workers they live in other
    /// threads: call their methods there (QMetaObject::invokeMethod()), not here.
    QList<Connection *> connections() const;

    /// Stops listening, aborts pending handshakes, closes every connection with 1001
    /// and aborts those still open at the deadline; shutdownFinished() follows once
    /// every connection has closed.
    void shutdown(std::chrono::milliseconds deadline = DefaultShutdownDeadline);

Q_SIGNALS:
    /// A connection opened; it is a child of the server.
    ///
    /// The server deletes it (later) after its closed() signal unless it was given
    /// another parent.
    ///
    /// Emitted in the Server's thread, before the connection reads its first
    /// message: a slot may connect to it, send and configure it directly. With
    /// workers, the connection then moves to a worker thread, where its parent is
    /// an object of that worker (which deletes it after closed() as above); a slot
    /// that gives it another parent keeps it in the Server's thread.
    void newConnection(WsKit::Connection *connection);
    /// An upgrade request refused with an HTTP error status, or a socket dropped
    /// before its request head was complete (status 0).
    void handshakeFailed(int status, const QString &reason);
    /// isListening() changed.
    void listeningChanged(bool listening);
    /// Accepting stopped because accept failed for lack of resources (usually the
    /// descriptor limit: reason says). Connections wait in the listen backlog;
    /// accepting is retried after a delay that grows to 1 s, and resumes by itself.
    void acceptPaused(const QString &reason);
    /// A retry succeeded after acceptPaused(): connections are accepted again.
    void acceptResumed();
    /// connectionCount() changed.
    void connectionCountChanged(int count);
    /// After shutdown(): the last connection has closed.
    void shutdownFinished();

private:
    friend class ServerPrivate;
    std::unique_ptr<ServerPrivate> d;
};

} // namespace WsKit
