#include "httprequest_p.h"

#include <QtCore/QUrl>
#include <QtNetwork/QSslSocket>

namespace WsKit {

namespace {

QByteArray toByteArray(std::string_view bytes)
{
    return QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()));
}

std::string_view view(const QByteArray &bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

} // namespace

HttpRequest::HttpRequest()
    : d(std::make_unique<Private>())
{
}

HttpRequest::HttpRequest(const Core::HttpRequestHead &head)
    : d(std::make_unique<Private>())
{
    d->head = head;
    d->host = toByteArray(head.headers.value("Host").value_or(std::string_view()));
}

HttpRequest::HttpRequest(const Core::HttpRequestHead &head, const QTcpSocket *socket)
    : HttpRequest(head)
{
    d->peerAddress = d->socketPeerAddress = socket->peerAddress();
    d->peerPort = d->socketPeerPort = socket->peerPort();
    const auto *sslSocket = qobject_cast<const QSslSocket *>(socket);
    if (sslSocket && sslSocket->isEncrypted()) {
        d->sslConfiguration = sslSocket->sslConfiguration();
        d->secure = true;
    }
}

HttpRequest::HttpRequest(const HttpRequest &other)
    : d(std::make_unique<Private>(*other.d))
{
}

HttpRequest::HttpRequest(HttpRequest &&other) noexcept
    : d(std::make_unique<Private>(std::move(*other.d)))
{
}

HttpRequest &HttpRequest::operator=(const HttpRequest &other)
{
    *d = *other.d;
    return *this;
}

HttpRequest &HttpRequest::operator=(HttpRequest &&other) noexcept
{
    *d = std::move(*other.d);
    return *this;
}

HttpRequest::~HttpRequest() = default;

QByteArray HttpRequest::method() const
{
    return toByteArray(d->head.method);
}

QByteArray HttpRequest::target() const
{
    return toByteArray(d->head.target);
}

QString HttpRequest::path() const
{
    const QByteArray target = this->target();
    const qsizetype query = target.indexOf('?');
    return QUrl::fromPercentEncoding(query < 0 ? target : target.left(query));
}

QUrlQuery HttpRequest::query() const
{
    const QByteArray target = this->target();
    const qsizetype query = target.indexOf('?');
    return query < 0 ? QUrlQuery() : QUrlQuery(QString::fromUtf8(target.mid(query + 1)));
}

HttpHeaderList HttpRequest::headers() const
{
    HttpHeaderList list;
    list.reserve(static_cast<qsizetype>(d->head.headers.fields().size()));
    for (const auto &[name, value] : d->head.headers.fields())
        list.append({toByteArray(name), toByteArray(value)});
    return list;
}

QByteArray HttpRequest::header(const QByteArray &name) const
{
    const auto value = d->head.headers.value(view(name));
    return value ? toByteArray(*value) : QByteArray();
}

bool HttpRequest::hasHeader(const QByteArray &name) const
{
    return d->head.headers.contains(view(name));
}

QList<QNetworkCookie> HttpRequest::cookies() const
{
    // RFC 6265 §5.4: "name=value" pairs separated by "; ". Pairs without '=' are
    // not cookies and are skipped.
    QList<QNetworkCookie> cookies;
    for (const auto &[name, value] : d->head.headers.fields()) {
        if (!Core::equalsIgnoringCase(name, "Cookie"))
            continue;
        const QList<QByteArray> pairs = toByteArray(value).split(';');
        for (const QByteArray &pair : pairs) {
            const qsizetype equals = pair.indexOf('=');
            const QByteArray cookieName = pair.left(equals).trimmed();
            if (equals <= 0 || cookieName.isEmpty())
                continue;
            cookies.append(QNetworkCookie(cookieName, pair.mid(equals + 1).trimmed()));
        }
    }
    return cookies;
}

QByteArray HttpRequest::cookie(const QByteArray &name) const
{
    const QList<QNetworkCookie> all = cookies();
    for (const QNetworkCookie &candidate : all) {
        if (candidate.name() == name)
            return candidate.value();
    }
    return {};
}

QHostAddress HttpRequest::peerAddress() const
{
    return d->peerAddress;
}

quint16 HttpRequest::peerPort() const
{
    return d->peerPort;
}

QHostAddress HttpRequest::socketPeerAddress() const
{
    return d->socketPeerAddress;
}

quint16 HttpRequest::socketPeerPort() const
{
    return d->socketPeerPort;
}

bool HttpRequest::isSecure() const
{
    return d->secure;
}

QByteArray HttpRequest::host() const
{
    return d->host;
}

QSslConfiguration HttpRequest::sslConfiguration() const
{
    return d->sslConfiguration;
}

const Core::HttpRequestHead &HttpRequest::head() const
{
    return d->head;
}

} // namespace WsKit
