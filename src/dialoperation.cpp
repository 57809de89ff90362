#include "dialoperation_p.h"

#include "connection_p.h"
#include "headreader_p.h"

#include <WsKit/Core/handshake.h>
#include <WsKit/dialer.h>

#include <QtCore/QTimerEvent>
#include <QtNetwork/QNetworkCookie>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpSocket>

#include <climits>

namespace WsKit {

Q_LOGGING_CATEGORY(lcDialer, "wskit.dialer", QtWarningMsg)

namespace {

// How long to wait for the body of a refused handshake once its head arrived.
constexpr std::chrono::milliseconds BodyWait{1000};
constexpr qint64 ReadChunk = 16 * 1024;

QByteArray toByteArray(std::string_view bytes)
{
    return QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()));
}

QString toQString(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

HttpHeaderList toHeaderList(const Core::HttpHeaders &headers)
{
    HttpHeaderList list;
    for (const auto &[name, value] : headers.fields())
        list.append({toByteArray(name), toByteArray(value)});
    return list;
}

// The header fields of the request we built, as the Connection reports them.
HttpHeaderList requestFields(const QByteArray &request)
{
    const auto size = static_cast<std::size_t>(request.size());
    Core::HttpHeadParser parser(Core::HttpHeadParser::Kind::Request, size);
    std::size_t consumed = 0;
    parser.parse(request.constData(), size, consumed);
    return toHeaderList(parser.request().headers);
}

} // namespace

DialOperation::DialOperation(Connection *connection, DialRequest request, DialSettings settings)
    : QObject(connection)
    , m_connection(connection)
    , m_connectionPrivate(ConnectionPrivate::get(connection))
    , m_request(std::move(request))
    , m_settings(std::move(settings))
    , m_parser(Core::HttpHeadParser::Kind::Response, static_cast<std::size_t>(m_settings.maxHeadSize))
{
    const std::string bytes = Core::buildClientRequest(m_request.request);
    m_requestBytes = toByteArray(bytes);
    // abort() while connecting ends the dial.
    connect(connection, &Connection::stateChanged, this, [this](Connection::State state) {
        if (state != Connection::State::Closed || m_phase == Phase::Done)
            return;
        m_phase = Phase::Done;
        m_timer.stop();
        releaseSocket();
        deleteLater();
    });
    // Started from the event loop: every outcome, even an immediate one, reaches
    // the signals the caller connects after dial() returned.
    QMetaObject::invokeMethod(this, &DialOperation::start, Qt::QueuedConnection);
}

DialOperation::~DialOperation()
{
    releaseSocket();
}

void DialOperation::start()
{
    if (m_settings.handshakeTimeout.count() > 0) {
        m_deadline.setRemainingTime(m_settings.handshakeTimeout);
        m_timer.start(static_cast<int>(qMin<qint64>(m_settings.handshakeTimeout.count(), INT_MAX)), this);
    } else {
        m_deadline = QDeadlineTimer(QDeadlineTimer::Forever);
    }
    if (m_request.secure) {
        m_sslSocket = new QSslSocket(this);
        m_socket = m_sslSocket;
        QSslConfiguration configuration = m_settings.sslConfiguration;
        if (configuration.allowedNextProtocols().isEmpty())
            configuration.setAllowedNextProtocols({QByteArray(QSslConfiguration::NextProtocolHttp1_1)});
        m_sslSocket->setSslConfiguration(configuration);
        connect(m_sslSocket, &QSslSocket::encrypted, this, &DialOperation::sendRequest);
        connect(m_sslSocket, &QSslSocket::sslErrors, this, &DialOperation::onSslErrors);
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QAbstractSocket::connected, this, &DialOperation::sendRequest);
    }
    m_socket->setProxy(m_settings.proxy);
    // Unread bytes past this stay in the kernel: a server cannot make us buffer
    // much more than a head before we decided.
    m_socket->setReadBufferSize(qMax<qint64>(m_settings.maxHeadSize, ReadChunk));
    connect(m_socket, &QIODevice::readyRead, this, &DialOperation::readResponse);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &DialOperation::onSocketError);
    connect(m_socket, &QAbstractSocket::disconnected, this, &DialOperation::onDisconnected);

    qCDebug(lcDialer) << "dialing" << m_request.host << m_request.port << (m_request.secure ? "with TLS" : "")
                      << "proxy" << m_settings.proxy.type();
    // The peer name for certificate verification and SNI is the URL's host.
    if (m_sslSocket)
        m_sslSocket->connectToHostEncrypted(m_request.host, m_request.port);
    else
        m_socket->connectToHost(m_request.host, m_request.port);
}

void DialOperation::sendRequest()
{
    if (m_phase != Phase::Connecting)
        return;
    m_phase = Phase::ReadingHead;
    m_socket->write(m_requestBytes);
    // The server may have answered already (a response without a request).
    if (m_socket->bytesAvailable() > 0)
        readHead();
}

void DialOperation::readResponse()
{
    if (m_phase == Phase::ReadingHead)
        readHead();
    else if (m_phase == Phase::ReadingBody)
        readBody();
}

void DialOperation::readHead()
{
    WsKit::readHead(m_socket, m_parser);
    switch (m_parser.status()) {
    case Core::HttpHeadParser::Status::NeedMore:
        return;
    case Core::HttpHeadParser::Status::Failed:
        fail(Connection::Error::HandshakeFailed,
             QStringLiteral("The server's response is not valid HTTP: %1")
                 .arg(QString::fromUtf8(Core::errorText(m_parser.error()))));
        return;
    case Core::HttpHeadParser::Status::Complete:
        onHeadComplete();
        return;
    }
}

void DialOperation::onHeadComplete()
{
    const Core::HttpResponseHead &head = m_parser.response();
    storeCookies(head.headers);
    HttpResponse &response = m_connectionPrivate->handshakeResponse();
    response.setStatusCode(head.status);
    for (const auto &[name, value] : head.headers.fields())
        response.addHeader(toByteArray(name), toByteArray(value));

    if (head.status != 101) {
        m_phase = Phase::ReadingBody;
        m_body.emplace(head, Dialer::MaxResponseBodyStart);
        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(m_deadline.remainingTimeAsDuration());
        m_timer.start(static_cast<int>(qMin(remaining, BodyWait).count()), this);
        readBody();
        return;
    }
    Core::ServerAcceptance acceptance;
    const Core::Error error = Core::validateServerResponse(head, m_request.request, acceptance);
    if (error != Core::Error::None) {
        fail(Connection::Error::HandshakeFailed,
             QStringLiteral("The server's 101 response is not valid: %1").arg(QString::fromUtf8(Core::errorText(error))));
        return;
    }
    // RFC 7692 §7.1: an answer we did not offer, or with parameters the offer does
    // not allow, fails the connection.
    std::optional<Core::DeflateParameters> deflate;
    const Core::Error deflateError = Core::acceptDeflateResponse(acceptance.extensions, m_request.deflate, deflate);
    if (deflateError != Core::Error::None) {
        fail(Connection::Error::HandshakeFailed,
             QStringLiteral("The server's 101 response is not valid: %1 (Sec-WebSocket-Extensions: %2; offered: %3)")
                 .arg(QString::fromUtf8(Core::errorText(deflateError)), toQString(acceptance.extensions),
                      toQString(m_request.request.extensions)));
        return;
    }
    succeed(acceptance, deflate);
}

void DialOperation::readBody()
{
    while (!m_body->isComplete() && m_socket->bytesAvailable() > 0)
        m_body->append(m_socket->read(ReadChunk));
    if (m_body->isComplete())
        refuse();
}

void DialOperation::onSocketError(QAbstractSocket::SocketError socketError)
{
    if (m_phase == Phase::Done)
        return;
    if (m_phase == Phase::ReadingBody && socketError == QAbstractSocket::RemoteHostClosedError) {
        // The body of a refusal may well end with the connection.
        readBody();
        if (m_phase != Phase::Done)
            refuse();
        return;
    }
    const QString target = QStringLiteral("%1:%2").arg(m_request.host).arg(m_request.port);
    switch (socketError) {
    case QAbstractSocket::HostNotFoundError:
        fail(Connection::Error::HostNotFound, QStringLiteral("Host %1 not found").arg(m_request.host));
        return;
    case QAbstractSocket::ConnectionRefusedError:
        fail(Connection::Error::ConnectionRefused, QStringLiteral("Connection to %1 refused").arg(target));
        return;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError: {
        QStringList reasons;
        for (const QSslError &sslError : std::as_const(m_sslErrors))
            reasons.append(sslError.errorString());
        const QString why = reasons.isEmpty() ? m_socket->errorString() : reasons.join(QStringLiteral("; "));
        fail(Connection::Error::TlsError, QStringLiteral("TLS handshake with %1 failed: %2").arg(target, why));
        return;
    }
    case QAbstractSocket::ProxyAuthenticationRequiredError:
    case QAbstractSocket::ProxyConnectionRefusedError:
    case QAbstractSocket::ProxyConnectionClosedError:
    case QAbstractSocket::ProxyConnectionTimeoutError:
    case QAbstractSocket::ProxyNotFoundError:
    case QAbstractSocket::ProxyProtocolError:
        fail(Connection::Error::ProxyError, QStringLiteral("Proxy: %1").arg(m_socket->errorString()));
        return;
    case QAbstractSocket::SocketAccessError:
        // An HTTP proxy that answers CONNECT with 403 or 405.
        if (isProxied()) {
            fail(Connection::Error::ProxyError, QStringLiteral("Proxy: %1").arg(m_socket->errorString()));
            return;
        }
        break;
    case QAbstractSocket::SocketTimeoutError:
        fail(Connection::Error::HandshakeTimeout,
             QStringLiteral("Connecting to %1 timed out: %2").arg(target, m_socket->errorString()));
        return;
    case QAbstractSocket::RemoteHostClosedError:
        if (m_phase == Phase::Connecting && m_sslSocket) {
            fail(Connection::Error::TlsError,
                 QStringLiteral("The server closed the connection during the TLS handshake"));
        } else {
            fail(Connection::Error::HandshakeFailed,
                 QStringLiteral("The server closed the connection before answering the handshake"));
        }
        return;
    default:
        break;
    }
    fail(Connection::Error::TransportError, m_socket->errorString());
}

void DialOperation::onSslErrors(const QList<QSslError> &errors)
{
    qCDebug(lcDialer) << "TLS errors" << errors;
    m_sslErrors = errors;
    m_connectionPrivate->ignoreSslErrors = false;
    const QPointer<DialOperation> guard(this);
    Q_EMIT m_connection->sslErrors(errors);
    // The receiver may have deleted or aborted the Connection.
    if (guard && m_sslSocket && m_connectionPrivate->ignoreSslErrors)
        m_sslSocket->ignoreSslErrors();
}

void DialOperation::onDisconnected()
{
    if (m_phase == Phase::ReadingBody) {
        readBody();
        if (m_phase != Phase::Done)
            refuse();
    } else if (m_phase != Phase::Done) {
        fail(Connection::Error::HandshakeFailed,
             QStringLiteral("The server closed the connection before answering the handshake"));
    }
}

bool DialOperation::isProxied() const
{
    const QNetworkProxy proxy = m_settings.proxy.type() == QNetworkProxy::DefaultProxy
        ? QNetworkProxy::applicationProxy()
        : m_settings.proxy;
    return proxy.type() != QNetworkProxy::NoProxy && proxy.type() != QNetworkProxy::DefaultProxy;
}

void DialOperation::storeCookies(const Core::HttpHeaders &headers)
{
    if (!m_settings.cookieJar)
        return;
    QList<QNetworkCookie> cookies;
    for (const auto &[name, value] : headers.fields()) {
        if (Core::equalsIgnoringCase(name, "Set-Cookie"))
            cookies += QNetworkCookie::parseCookies(toByteArray(value));
    }
    if (!cookies.isEmpty())
        m_settings.cookieJar->setCookiesFromUrl(cookies, m_request.cookieUrl);
}

void DialOperation::succeed(const Core::ServerAcceptance &acceptance,
                            const std::optional<Core::DeflateParameters> &deflate)
{
    m_phase = Phase::Done;
    m_timer.stop();
    ConnectionPrivate::Handshake handshake;
    handshake.subprotocol = toQString(acceptance.subprotocol);
    handshake.requestTarget = toByteArray(m_request.request.target);
    handshake.requestHeaders = requestFields(m_requestBytes);
    handshake.responseHeaders = m_connectionPrivate->handshakeResponse().headers();
    handshake.deflate = deflate;
    qCDebug(lcDialer) << "opened" << m_request.host << m_request.port << "subprotocol" << handshake.subprotocol
                      << "compressed:" << deflate.has_value();

    // The Connection takes the socket from the event loop, not from inside this
    // readyRead(): QSslSocket may hand over the next records from inside it, and
    // their messages must come after opened(). Until then the socket keeps
    // whatever arrives (or its end) for the Connection.
    QTcpSocket *socket = m_socket;
    socket->disconnect(this);
    socket->setParent(m_connection);
    m_socket = nullptr;
    m_sslSocket = nullptr;
    ConnectionPrivate *connection = m_connectionPrivate;
    QMetaObject::invokeMethod(m_connection, [connection, socket, handshake] {
        if (connection->state != Connection::State::Connecting) {
            socket->abort(); // the dial was aborted meanwhile
            socket->deleteLater();
            return;
        }
        connection->open(socket, handshake);
        connection->notifyOpened();
    }, Qt::QueuedConnection);
    deleteLater();
}

void DialOperation::refuse()
{
    const HttpResponse &response = m_connectionPrivate->handshakeResponse();
    m_connectionPrivate->handshakeResponse().setBody(m_body->body());
    QString reason = toQString(m_parser.response().reason);
    if (reason.isEmpty())
        reason = toQString(Core::httpReasonPhrase(response.statusCode()));
    fail(Connection::Error::HandshakeFailed,
         QStringLiteral("The server answered %1 %2 instead of 101 Switching Protocols")
             .arg(response.statusCode())
             .arg(reason)
             .trimmed());
}

void DialOperation::fail(Connection::Error error, const QString &text)
{
    m_phase = Phase::Done;
    m_timer.stop();
    qCDebug(lcDialer) << "failed" << m_request.host << m_request.port << error << text;
    releaseSocket();
    ConnectionPrivate *connection = m_connectionPrivate;
    QMetaObject::invokeMethod(m_connection, [connection, error, text] { connection->failOpening(error, text); },
                              Qt::QueuedConnection);
    deleteLater();
}

void DialOperation::releaseSocket()
{
    if (!m_socket)
        return;
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    m_sslSocket = nullptr;
    socket->disconnect(this);
    socket->setParent(nullptr);
    socket->abort();
    socket->deleteLater();
}

void DialOperation::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    m_timer.stop();
    switch (m_phase) {
    case Phase::Connecting:
        fail(Connection::Error::HandshakeTimeout,
             QStringLiteral("Connecting to %1:%2 took longer than the handshake timeout (%3 ms)")
                 .arg(m_request.host)
                 .arg(m_request.port)
                 .arg(m_settings.handshakeTimeout.count()));
        return;
    case Phase::ReadingHead:
        fail(Connection::Error::HandshakeTimeout,
             QStringLiteral("The server did not answer the handshake within the handshake timeout (%1 ms)")
                 .arg(m_settings.handshakeTimeout.count()));
        return;
    case Phase::ReadingBody:
        refuse();
        return;
    case Phase::Done:
        return;
    }
}

} // namespace WsKit
