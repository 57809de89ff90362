#include "qmlwebsocket.h"

#include <QtCore/QMetaMethod>

#include <limits>

namespace WsKit {

namespace {

// The offers of a Sec-WebSocket-Protocol request field: comma-separated tokens.
QStringList offeredSubprotocols(const HttpHeaderList &headers)
{
    QStringList offered;
    for (const auto &[name, value] : headers) {
        if (name.compare("Sec-WebSocket-Protocol", Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &token : value.split(',')) {
            const QByteArray trimmed = token.trimmed();
            if (!trimmed.isEmpty())
                offered.append(QString::fromLatin1(trimmed));
        }
    }
    return offered;
}

// The URL a client asked for: its Host field and request target.
QUrl requestUrl(const Connection *connection, bool secure)
{
    QByteArray host;
    for (const auto &[name, value] : connection->requestHeaders()) {
        if (name.compare("Host", Qt::CaseInsensitive) == 0)
            host = value;
    }
    const QString scheme = secure ? QStringLiteral("wss://") : QStringLiteral("ws://");
    return QUrl(scheme + QString::fromLatin1(host + connection->requestTarget()));
}

} // namespace

qint64 byteCountFromQml(double bytes)
{
    if (!(bytes > 0))
        return 0;
    // 2^63 is the first double past qint64's range.
    if (bytes >= 9223372036854775808.0)
        return std::numeric_limits<qint64>::max();
    return static_cast<qint64>(bytes);
}

QmlWebSocket::QmlWebSocket(QObject *parent)
    : QObject(parent)
{
    connectClient();
}

QmlWebSocket::QmlWebSocket(Connection *accepted, bool secure, QObject *parent)
    : QObject(parent)
    , m_accepted(true)
{
    // Set before adopting: a URL given to an active client would be dialed.
    m_client.setUrl(requestUrl(accepted, secure));
    m_client.setRequestedSubprotocols(offeredSubprotocols(accepted->requestHeaders()));
    m_client.adopt(accepted);
    m_reportedActive = m_client.isActive();
    connectClient();
}

QmlWebSocket::~QmlWebSocket()
{
    // The Client goes first, without reporting anything to this half-destroyed object.
    m_client.disconnect(this);
}

void QmlWebSocket::connectClient()
{
    connect(&m_client, &Client::statusChanged, this,
            [this](Client::Status status) { Q_EMIT statusChanged(static_cast<Status>(status)); });
    connect(&m_client, &Client::activeChanged, this, &QmlWebSocket::reportActive);
    connect(&m_client, &Client::errorStringChanged, this, &QmlWebSocket::errorStringChanged);
    connect(&m_client, &Client::urlChanged, this, &QmlWebSocket::urlChanged);
    connect(&m_client, &Client::requestedSubprotocolsChanged, this, &QmlWebSocket::requestedSubprotocolsChanged);
    connect(&m_client, &Client::negotiatedSubprotocolChanged, this, &QmlWebSocket::negotiatedSubprotocolChanged);
    connect(&m_client, &Client::messageReceived, this,
            [this](const QByteArray &payload, Connection::MessageType type) {
                static const QMetaMethod textSignal = QMetaMethod::fromSignal(&QmlWebSocket::textMessageReceived);
                if (type == Connection::MessageType::Binary)
                    Q_EMIT binaryMessageReceived(payload);
                else if (isSignalConnected(textSignal))
                    Q_EMIT textMessageReceived(QString::fromUtf8(payload));
            });
    connect(&m_client, &Client::pong, this, &QmlWebSocket::pong);
    connect(&m_client, &Client::closed, this,
            [this](quint16 code, const QString &reason) { Q_EMIT closed(code, reason); });
    connect(&m_client, &Client::bufferedAmountChanged, this, &QmlWebSocket::bufferedAmountChanged);
    connect(&m_client, &Client::reconnectScheduled, this, [this](int attempt, std::chrono::milliseconds delay) {
        Q_EMIT reconnectScheduled(attempt, static_cast<int>(delay.count()));
    });
}

void QmlWebSocket::reportActive(bool active)
{
    if (m_reportedActive == active)
        return;
    m_reportedActive = active;
    Q_EMIT activeChanged(active);
}

void QmlWebSocket::classBegin()
{
    m_complete = false;
}

void QmlWebSocket::componentComplete()
{
    m_complete = true;
    if (m_activeAtCompletion)
        m_client.open();
}

QUrl QmlWebSocket::url() const
{
    return m_client.url();
}

void QmlWebSocket::setUrl(const QUrl &url)
{
    if (!m_accepted)
        m_client.setUrl(url);
}

QStringList QmlWebSocket::requestedSubprotocols() const
{
    return m_client.requestedSubprotocols();
}

void QmlWebSocket::setRequestedSubprotocols(const QStringList &subprotocols)
{
    if (!m_accepted)
        m_client.setRequestedSubprotocols(subprotocols);
}

QString QmlWebSocket::negotiatedSubprotocol() const
{
    return m_client.negotiatedSubprotocol();
}

QmlWebSocket::Status QmlWebSocket::status() const
{
    return static_cast<Status>(m_client.status());
}

QString QmlWebSocket::errorString() const
{
    return m_client.errorString();
}

bool QmlWebSocket::isActive() const
{
    return m_complete ? m_client.isActive() : m_activeAtCompletion;
}

void QmlWebSocket::setActive(bool active)
{
    if (!m_complete) {
        // Opened once every property of the declaration is set.
        m_activeAtCompletion = active;
        reportActive(active);
    } else if (!active || !m_accepted) {
        m_client.setActive(active);
    }
}

int QmlWebSocket::closeCode() const
{
    return m_client.closeCode();
}

QString QmlWebSocket::closeReason() const
{
    return m_client.closeReason();
}

double QmlWebSocket::bufferedAmount() const
{
    return static_cast<double>(m_client.bufferedAmount());
}

QVariantMap QmlWebSocket::requestHeaders() const
{
    const HttpHeaderList headers = m_accepted && m_client.connection() ? m_client.connection()->requestHeaders()
                                                                       : m_client.requestHeaders();
    QVariantMap map;
    for (const auto &[name, value] : headers)
        map.insert(QString::fromLatin1(name), QString::fromLatin1(value));
    return map;
}

void QmlWebSocket::setRequestHeaders(const QVariantMap &headers)
{
    if (m_accepted)
        return;
    HttpHeaderList list;
    for (auto it = headers.cbegin(); it != headers.cend(); ++it)
        list.append({it.key().toLatin1(), it.value().toString().toLatin1()});
    if (list == m_client.requestHeaders())
        return;
    m_client.setRequestHeaders(list);
    Q_EMIT requestHeadersChanged();
}

bool QmlWebSocket::isCompressionEnabled() const
{
    return m_client.connectionOptions().compression().isEnabled();
}

void QmlWebSocket::setCompressionEnabled(bool enabled)
{
    if (enabled == isCompressionEnabled())
        return;
    ConnectionOptions options = m_client.connectionOptions();
    CompressionOptions compression = options.compression();
    compression.setEnabled(enabled);
    options.setCompression(compression);
    m_client.setConnectionOptions(options);
    Q_EMIT compressionEnabledChanged();
}

bool QmlWebSocket::isCompressionNegotiated() const
{
    return m_client.isCompressionNegotiated();
}

int QmlWebSocket::keepAliveInterval() const
{
    return static_cast<int>(m_client.connectionOptions().keepAliveInterval().count());
}

void QmlWebSocket::setKeepAliveInterval(int milliseconds)
{
    updateOptions([milliseconds](ConnectionOptions &options) {
        options.setKeepAliveInterval(std::chrono::milliseconds{qMax(0, milliseconds)});
    });
}

int QmlWebSocket::pongTimeout() const
{
    return static_cast<int>(m_client.connectionOptions().pongTimeout().count());
}

void QmlWebSocket::setPongTimeout(int milliseconds)
{
    updateOptions([milliseconds](ConnectionOptions &options) {
        options.setPongTimeout(std::chrono::milliseconds{qMax(0, milliseconds)});
    });
}

double QmlWebSocket::maxMessageSize() const
{
    return static_cast<double>(m_client.connectionOptions().maxMessageSize());
}

void QmlWebSocket::setMaxMessageSize(double bytes)
{
    updateOptions([bytes](ConnectionOptions &options) { options.setMaxMessageSize(byteCountFromQml(bytes)); });
}

void QmlWebSocket::updateOptions(const std::function<void(ConnectionOptions &)> &change)
{
    const ConnectionOptions before = m_client.connectionOptions();
    ConnectionOptions options = before;
    change(options);
    if (options.keepAliveInterval() == before.keepAliveInterval() && options.pongTimeout() == before.pongTimeout()
        && options.maxMessageSize() == before.maxMessageSize()) {
        return;
    }
    m_client.setConnectionOptions(options);
    Q_EMIT optionsChanged();
}

bool QmlWebSocket::reconnect() const
{
    return m_client.reconnectPolicy().isEnabled();
}

void QmlWebSocket::setReconnect(bool enabled)
{
    updatePolicy([enabled](ReconnectPolicy &policy) { policy.setEnabled(enabled); });
}

int QmlWebSocket::reconnectMinDelay() const
{
    return static_cast<int>(m_client.reconnectPolicy().minDelay().count());
}

void QmlWebSocket::setReconnectMinDelay(int milliseconds)
{
    updatePolicy([milliseconds](ReconnectPolicy &policy) { policy.setMinDelay(std::chrono::milliseconds{milliseconds}); });
}

int QmlWebSocket::reconnectMaxDelay() const
{
    return static_cast<int>(m_client.reconnectPolicy().maxDelay().count());
}

void QmlWebSocket::setReconnectMaxDelay(int milliseconds)
{
    updatePolicy([milliseconds](ReconnectPolicy &policy) { policy.setMaxDelay(std::chrono::milliseconds{milliseconds}); });
}

void QmlWebSocket::updatePolicy(const std::function<void(ReconnectPolicy &)> &change)
{
    // The server's side of a connection has nowhere to dial.
    if (m_accepted)
        return;
    const ReconnectPolicy before = m_client.reconnectPolicy();
    ReconnectPolicy policy = before;
    change(policy);
    if (policy.isEnabled() == before.isEnabled() && policy.minDelay() == before.minDelay()
        && policy.maxDelay() == before.maxDelay()) {
        return;
    }
    m_client.setReconnectPolicy(policy);
    Q_EMIT reconnectChanged();
}

qint64 QmlWebSocket::sendTextMessage(const QString &message)
{
    if (m_client.status() != Client::Status::Open)
        return 0;
    const QByteArray utf8 = message.toUtf8();
    return m_client.sendTextUtf8(utf8) ? utf8.size() : 0;
}

qint64 QmlWebSocket::sendBinaryMessage(const QByteArray &message)
{
    if (m_client.status() != Client::Status::Open)
        return 0;
    return m_client.sendBinary(message) ? message.size() : 0;
}

bool QmlWebSocket::ping(const QByteArray &payload)
{
    return m_client.status() == Client::Status::Open && m_client.ping(payload);
}

void QmlWebSocket::open()
{
    if (m_accepted)
        return;
    if (m_complete)
        m_client.open();
    else
        setActive(true);
}

bool QmlWebSocket::close(int code, const QString &reason)
{
    if (code < 0 || code > 0xffff)
        return false;
    if (!m_complete) {
        setActive(false);
        return true;
    }
    return m_client.close(static_cast<quint16>(code), reason);
}

} // namespace WsKit
