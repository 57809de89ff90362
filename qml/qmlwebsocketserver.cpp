#include "qmlwebsocketserver.h"

#include <WsKit/httprequest.h>
#include <WsKit/upgrader.h>

#include <QtCore/QPointer>
#include <QtQml/QQmlEngine>

namespace WsKit {

namespace {

// The address a host property names: an IP address, "localhost", or empty for any.
QHostAddress hostAddress(const QString &host)
{
    if (host.isEmpty())
        return QHostAddress(QHostAddress::Any);
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return QHostAddress(QHostAddress::LocalHost);
    return QHostAddress(host);
}

} // namespace

QmlWebSocketServer::QmlWebSocketServer(QObject *parent)
    : QObject(parent)
    , m_host(QHostAddress(QHostAddress::LocalHost).toString())
{
    connect(&m_server, &Server::newConnection, this, &QmlWebSocketServer::onNewConnection);
    connect(&m_server, &Server::listeningChanged, this, &QmlWebSocketServer::listeningChanged);
    updateUpgrader();
}

QmlWebSocketServer::~QmlWebSocketServer()
{
    // The clients' connections go with their WebSockets, children of this object;
    // none of them may report to it while it is being destroyed.
    for (QmlWebSocket *client : std::as_const(m_clients))
        client->disconnect(this);
    m_server.disconnect(this);
}

void QmlWebSocketServer::classBegin()
{
    m_complete = false;
}

void QmlWebSocketServer::componentComplete()
{
    m_complete = true;
    updateListening();
}

QUrl QmlWebSocketServer::url() const
{
    QUrl url;
    url.setScheme(m_server.isSecure() ? QStringLiteral("wss") : QStringLiteral("ws"));
    url.setHost(m_host);
    url.setPort(m_port);
    return url;
}

QString QmlWebSocketServer::host() const
{
    return m_host;
}

void QmlWebSocketServer::setHost(const QString &host)
{
    if (m_host == host)
        return;
    m_host = host;
    Q_EMIT hostChanged(m_host);
    Q_EMIT urlChanged(url());
    updateListening();
}

int QmlWebSocketServer::port() const
{
    return m_port;
}

void QmlWebSocketServer::setPort(int port)
{
    if (m_port == port)
        return;
    if (port < 0 || port > 0xffff) {
        setErrorString(QStringLiteral("The port %1 is not in the range 0-65535").arg(port));
        return;
    }
    m_port = port;
    Q_EMIT portChanged(m_port);
    Q_EMIT urlChanged(url());
    updateListening();
}

QString QmlWebSocketServer::name() const
{
    return m_name;
}

void QmlWebSocketServer::setName(const QString &name)
{
    if (m_name == name)
        return;
    m_name = name;
    updateUpgrader();
    Q_EMIT nameChanged(m_name);
}

QString QmlWebSocketServer::errorString() const
{
    return m_errorString;
}

void QmlWebSocketServer::setErrorString(const QString &errorString)
{
    if (m_errorString == errorString)
        return;
    m_errorString = errorString;
    Q_EMIT errorStringChanged(m_errorString);
}

bool QmlWebSocketServer::listen() const
{
    return m_listen;
}

void QmlWebSocketServer::setListen(bool listen)
{
    if (m_listen == listen)
        return;
    m_listen = listen;
    Q_EMIT listenChanged(m_listen);
    updateListening();
}

bool QmlWebSocketServer::accept() const
{
    return m_accept;
}

void QmlWebSocketServer::setAccept(bool accept)
{
    if (m_accept == accept)
        return;
    m_accept = accept;
    // Not accepting: every upgrade request is answered 503 Service Unavailable, and
    // the connections already open stay.
    m_server.setMaxConnections(accept ? Server::DefaultMaxConnections : 0);
    Q_EMIT acceptChanged(m_accept);
}

bool QmlWebSocketServer::isListening() const
{
    return m_server.isListening();
}

void QmlWebSocketServer::updateListening()
{
    if (!m_complete)
        return;
    m_server.stopListening();
    if (!m_listen)
        return;
    const QHostAddress address = hostAddress(m_host);
    if (address.isNull()) {
        setErrorString(QStringLiteral("The host \"%1\" is not an IP address").arg(m_host));
        return;
    }
    if (!m_server.listen(address, static_cast<quint16>(m_port))) {
        setErrorString(m_server.errorString());
        return;
    }
    setErrorString(QString());
    // As QtWebSockets: port 0 becomes the port chosen, the host the address bound.
    const int boundPort = m_server.serverPort();
    const QString boundHost = m_server.serverAddress().toString();
    if (boundPort == m_port && boundHost == m_host)
        return;
    const bool portMoved = boundPort != m_port;
    const bool hostMoved = boundHost != m_host;
    m_port = boundPort;
    m_host = boundHost;
    if (portMoved)
        Q_EMIT portChanged(m_port);
    if (hostMoved)
        Q_EMIT hostChanged(m_host);
    Q_EMIT urlChanged(url());
}

QStringList QmlWebSocketServer::subprotocols() const
{
    return m_subprotocols;
}

void QmlWebSocketServer::setSubprotocols(const QStringList &subprotocols)
{
    if (m_subprotocols == subprotocols)
        return;
    m_subprotocols = subprotocols;
    updateUpgrader();
    Q_EMIT subprotocolsChanged();
}

QStringList QmlWebSocketServer::allowedOrigins() const
{
    return m_allowedOrigins;
}

void QmlWebSocketServer::setAllowedOrigins(const QStringList &origins)
{
    if (m_allowedOrigins == origins)
        return;
    m_allowedOrigins = origins;
    updateUpgrader();
    Q_EMIT allowedOriginsChanged();
}

double QmlWebSocketServer::maxMessageSize() const
{
    return static_cast<double>(m_options.maxMessageSize());
}

void QmlWebSocketServer::setMaxMessageSize(double bytes)
{
    updateOptions([bytes](ConnectionOptions &options) { options.setMaxMessageSize(byteCountFromQml(bytes)); });
}

bool QmlWebSocketServer::isCompressionEnabled() const
{
    return m_options.compression().isEnabled();
}

void QmlWebSocketServer::setCompressionEnabled(bool enabled)
{
    updateOptions([enabled](ConnectionOptions &options) {
        CompressionOptions compression = options.compression();
        compression.setEnabled(enabled);
        options.setCompression(compression);
    });
}

int QmlWebSocketServer::keepAliveInterval() const
{
    return static_cast<int>(m_options.keepAliveInterval().count());
}

void QmlWebSocketServer::setKeepAliveInterval(int milliseconds)
{
    updateOptions([milliseconds](ConnectionOptions &options) {
        options.setKeepAliveInterval(std::chrono::milliseconds{qMax(0, milliseconds)});
    });
}

void QmlWebSocketServer::updateOptions(const std::function<void(ConnectionOptions &)> &change)
{
    ConnectionOptions options = m_options;
    change(options);
    if (options.maxMessageSize() == m_options.maxMessageSize()
        && options.compression().isEnabled() == m_options.compression().isEnabled()
        && options.keepAliveInterval() == m_options.keepAliveInterval()) {
        return;
    }
    m_options = options;
    updateUpgrader();
    Q_EMIT optionsChanged();
}

void QmlWebSocketServer::updateUpgrader()
{
    Upgrader upgrader = m_server.upgrader();
    upgrader.setSubprotocols(m_subprotocols);
    upgrader.setConnectionOptions(m_options);
    HttpHeaderList responseHeaders;
    if (!m_name.isEmpty())
        responseHeaders.append({QByteArrayLiteral("Server"), m_name.toUtf8()});
    upgrader.setResponseHeaders(responseHeaders);
    if (m_allowedOrigins.contains(QLatin1String("*"))) {
        upgrader.allowAnyOrigin();
    } else if (m_allowedOrigins.isEmpty()) {
        upgrader.setOriginCheck({}); // the browsers' same-origin rule
    } else {
        // A request without Origin comes from no browser, and is let through.
        upgrader.setOriginCheck([origins = m_allowedOrigins](const HttpRequest &request) {
            const QByteArray origin = request.header(QByteArrayLiteral("Origin"));
            return origin.isNull() || origins.contains(QString::fromLatin1(origin), Qt::CaseInsensitive);
        });
    }
    m_server.setUpgrader(upgrader);
}

QQmlListProperty<QmlWebSocket> QmlWebSocketServer::clients()
{
    return QQmlListProperty<QmlWebSocket>(
        this, &m_clients,
        [](QQmlListProperty<QmlWebSocket> *list) {
            return static_cast<QList<QmlWebSocket *> *>(list->data)->size();
        },
        [](QQmlListProperty<QmlWebSocket> *list, qsizetype index) {
            return static_cast<QList<QmlWebSocket *> *>(list->data)->at(index);
        });
}

void QmlWebSocketServer::onNewConnection(Connection *connection)
{
    auto *webSocket = new QmlWebSocket(connection, m_server.isSecure(), this);
    // Owned here while it is open, whatever JavaScript holds.
    QQmlEngine::setObjectOwnership(webSocket, QQmlEngine::CppOwnership);
    m_clients.append(webSocket);
    connect(webSocket, &QmlWebSocket::closed, this, [this, webSocket] {
        m_clients.removeOne(webSocket);
        const QPointer<QmlWebSocketServer> guard(this);
        Q_EMIT clientsChanged();
        if (guard)
            Q_EMIT clientDisconnected(webSocket);
        // Once the signals are over, from the event loop.
        if (guard)
            QMetaObject::invokeMethod(this, [this, closed = QPointer<QmlWebSocket>(webSocket)] { release(closed); },
                                      Qt::QueuedConnection);
    });
    const QPointer<QmlWebSocketServer> guard(this);
    Q_EMIT clientsChanged();
    if (guard)
        Q_EMIT clientConnected(webSocket);
}

void QmlWebSocketServer::release(QmlWebSocket *webSocket)
{
    if (!webSocket)
        return;
    QJSEngine *engine = qjsEngine(this);
    if (!engine) {
        webSocket->deleteLater();
        return;
    }
    // As with QtWebSockets, script that kept the closed WebSocket still reads it (status
    // Closed, sends return 0); the garbage collector frees it once nothing refers to it.
    webSocket->setParent(nullptr);
    QJSEngine::setObjectOwnership(webSocket, QJSEngine::JavaScriptOwnership);
    engine->newQObject(webSocket); // a wrapper for the collector to find, unless it had one
}

} // namespace WsKit
