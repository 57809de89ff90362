#include "compressionoptions_p.h"
#include "connection_p.h"
#include "dialoperation_p.h"

#include <WsKit/Core/base64.h>
#include <WsKit/Core/handshake.h>
#include <WsKit/dialer.h>

#include <QtCore/QRandomGenerator>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkCookie>
#include <QtNetwork/QNetworkCookieJar>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QSslConfiguration>

#include <array>
#include <cstring>

namespace WsKit {

namespace {

std::string_view view(const QByteArray &bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

std::string toStdString(const QByteArray &bytes)
{
    return std::string(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

bool isNamed(const QByteArray &name, const char *wanted)
{
    return name.compare(wanted, Qt::CaseInsensitive) == 0;
}

// RFC 6455 §4.1: a fresh, random 16-byte nonce for every handshake.
std::string newClientKey()
{
    std::array<quint32, 4> words;
    QRandomGenerator::system()->fillRange(words.data(), static_cast<qsizetype>(words.size()));
    std::array<std::uint8_t, 16> bytes;
    std::memcpy(bytes.data(), words.data(), bytes.size());
    return Core::makeClientKey(bytes);
}

} // namespace

struct Dialer::Private {
    QStringList subprotocols;
    QSslConfiguration sslConfiguration = QSslConfiguration::defaultConfiguration();
    QNetworkProxy proxy{QNetworkProxy::DefaultProxy};
    QPointer<QNetworkCookieJar> cookieJar;
    std::chrono::milliseconds handshakeTimeout = DefaultHandshakeTimeout;
    qsizetype maxHeadSize = DefaultMaxHeadSize;
    ConnectionOptions connectionOptions;

    // Fills out from the URL, the header fields and the settings; returns why it
    // cannot, or an empty string.
    QString prepare(const QUrl &url, const HttpHeaderList &headers, DialRequest &out) const;
};

QString Dialer::Private::prepare(const QUrl &url, const HttpHeaderList &headers, DialRequest &out) const
{
    // RFC 6455 §3: ws-URI and wss-URI.
    if (!url.isValid())
        return QStringLiteral("The URL is not valid: %1").arg(url.errorString());
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("ws") && scheme != QLatin1String("wss")) {
        if (scheme.isEmpty())
            return QStringLiteral("The URL has no scheme; use ws:// or wss://");
        return QStringLiteral("Unsupported URL scheme \"%1\"; use ws:// or wss://").arg(url.scheme());
    }
    out.secure = scheme == QLatin1String("wss");
    // An internationalized name in its ASCII form, an IPv6 literal without brackets.
    out.host = url.host(QUrl::FullyEncoded);
    if (out.host.isEmpty())
        return QStringLiteral("The URL has no host");
    if (url.hasFragment())
        return QStringLiteral("A WebSocket URL has no fragment (RFC 6455 §3)");
    const int port = url.port(out.secure ? 443 : 80);
    if (port <= 0)
        return QStringLiteral("The URL's port is not valid");
    out.port = static_cast<quint16>(port);

    Core::ClientRequest &request = out.request;
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = QByteArrayLiteral("/");
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    request.target = toStdString(target);
    request.host = Core::hostHeaderValue(out.host.toStdString(), out.port, out.secure);
    request.key = newClientKey();
    // RFC 7692 §5: the permessage-deflate offer; empty when compression is off.
    out.deflate = deflateConfig(connectionOptions.compression(), Core::Role::Client);
    request.extensions = Core::deflateOffer(out.deflate);

    for (const QString &subprotocol : subprotocols) {
        const std::string name = subprotocol.toStdString();
        if (!Core::isHttpToken(name))
            return QStringLiteral("The subprotocol \"%1\" is not an HTTP token").arg(subprotocol);
        if (std::find(request.subprotocols.begin(), request.subprotocols.end(), name) != request.subprotocols.end())
            return QStringLiteral("The subprotocol \"%1\" is offered twice").arg(subprotocol);
        request.subprotocols.push_back(name);
    }

    bool hasAuthorization = false;
    QByteArray cookie;
    for (const auto &[name, value] : headers) {
        if (!Core::isHttpToken(view(name)))
            return QStringLiteral("The header field name \"%1\" is not an HTTP token").arg(QString::fromLatin1(name));
        if (!Core::isHttpFieldValue(view(value)))
            return QStringLiteral("The value of header field %1 holds control characters").arg(QString::fromLatin1(name));
        for (const char *reserved : {"Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                                     "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol"}) {
            if (isNamed(name, reserved))
                return QStringLiteral("The header field %1 is set by the handshake itself").arg(QString::fromLatin1(name));
        }
        if (isNamed(name, "Host")) {
            request.host = toStdString(value);
        } else if (isNamed(name, "Cookie")) {
            cookie = cookie.isEmpty() ? value : cookie + "; " + value;
        } else {
            hasAuthorization = hasAuthorization || isNamed(name, "Authorization");
            request.extra.add(toStdString(name), toStdString(value));
        }
    }

    // RFC 6455 §4.1 leaves authentication to HTTP: user information in the URL
    // becomes Basic credentials (RFC 7617).
    if (!hasAuthorization && !url.userInfo().isEmpty()) {
        const QByteArray credentials =
            (url.userName(QUrl::FullyDecoded) + QLatin1Char(':') + url.password(QUrl::FullyDecoded)).toUtf8();
        request.extra.add("Authorization", "Basic " + Core::base64Encode(view(credentials)));
    }

    // Cookies as for the same URL over HTTP (RFC 6455 §4.1, RFC 6265).
    QUrl cookieUrl = url.adjusted(QUrl::RemoveUserInfo);
    cookieUrl.setScheme(out.secure ? QStringLiteral("https") : QStringLiteral("http"));
    out.cookieUrl = cookieUrl;
    if (cookieJar) {
        const QList<QNetworkCookie> cookies = cookieJar->cookiesForUrl(cookieUrl);
        for (const QNetworkCookie &jarCookie : cookies) {
            const QByteArray pair = jarCookie.toRawForm(QNetworkCookie::NameAndValueOnly);
            cookie = cookie.isEmpty() ? pair : cookie + "; " + pair;
        }
    }
    if (!cookie.isEmpty()) {
        if (!Core::isHttpFieldValue(view(cookie)))
            return QStringLiteral("A cookie holds control characters");
        request.extra.add("Cookie", toStdString(cookie));
    }
    return {};
}

Dialer::Dialer()
    : d(std::make_unique<Private>())
{
}

Dialer::Dialer(const Dialer &other)
    : d(std::make_unique<Private>(*other.d))
{
}

Dialer::Dialer(Dialer &&other) noexcept
    : d(std::make_unique<Private>(std::move(*other.d)))
{
}

Dialer &Dialer::operator=(const Dialer &other)
{
    *d = *other.d;
    return *this;
}

Dialer &Dialer::operator=(Dialer &&other) noexcept
{
    *d = std::move(*other.d);
    return *this;
}

Dialer::~Dialer() = default;

QStringList Dialer::subprotocols() const
{
    return d->subprotocols;
}

void Dialer::setSubprotocols(const QStringList &subprotocols) &
{
    d->subprotocols = subprotocols;
}

QSslConfiguration Dialer::sslConfiguration() const
{
    return d->sslConfiguration;
}

void Dialer::setSslConfiguration(const QSslConfiguration &configuration) &
{
    d->sslConfiguration = configuration;
}

QNetworkProxy Dialer::proxy() const
{
    return d->proxy;
}

void Dialer::setProxy(const QNetworkProxy &proxy) &
{
    d->proxy = proxy;
}

QNetworkCookieJar *Dialer::cookieJar() const
{
    return d->cookieJar;
}

void Dialer::setCookieJar(QNetworkCookieJar *jar) &
{
    d->cookieJar = jar;
}

std::chrono::milliseconds Dialer::handshakeTimeout() const
{
    return d->handshakeTimeout;
}

void Dialer::setHandshakeTimeout(std::chrono::milliseconds timeout) &
{
    d->handshakeTimeout = timeout;
}

qsizetype Dialer::maxHeadSize() const
{
    return d->maxHeadSize;
}

void Dialer::setMaxHeadSize(qsizetype bytes) &
{
    d->maxHeadSize = bytes;
}

ConnectionOptions Dialer::connectionOptions() const
{
    return d->connectionOptions;
}

void Dialer::setConnectionOptions(const ConnectionOptions &options) &
{
    d->connectionOptions = options;
}

Connection *Dialer::dial(const QUrl &url, const HttpHeaderList &headers, QObject *parent) const
{
    Connection *connection = ConnectionPrivate::create(Connection::Role::Client, d->connectionOptions, parent);
    DialRequest request;
    const QString problem = d->prepare(url, headers, request);
    if (!problem.isEmpty()) {
        qCDebug(lcDialer) << "not dialing" << url.toDisplayString() << problem;
        // Reported from the event loop, like every other outcome of a dial.
        ConnectionPrivate *connectionPrivate = ConnectionPrivate::get(connection);
        QMetaObject::invokeMethod(connection, [connectionPrivate, problem] {
            connectionPrivate->failOpening(Connection::Error::InvalidRequest, problem);
        }, Qt::QueuedConnection);
        return connection;
    }
    new DialOperation(connection, std::move(request),
                      {d->sslConfiguration, d->proxy, d->cookieJar, d->handshakeTimeout, d->maxHeadSize});
    return connection;
}

Connection *Dialer::dial(const QUrl &url, QObject *parent) const
{
    return dial(url, HttpHeaderList(), parent);
}

} // namespace WsKit
