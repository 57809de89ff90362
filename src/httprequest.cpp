#include <WsKit/Core/http.h>
#include <WsKit/httprequest.h>

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

struct HttpRequest::Private {
    Core::HttpRequestHead head;
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    QSslConfiguration sslConfiguration; // null unless the socket was encrypted
};

HttpRequest::HttpRequest()
    : d(std::make_unique<Private>())
{
}

HttpRequest::HttpRequest(const Core::HttpRequestHead &head)
    : d(std::make_unique<Private>())
{
    d->head = head;
}

HttpRequest::HttpRequest(const Core::HttpRequestHead &head, const QTcpSocket *socket)
    : HttpRequest(head)
{
    d->peerAddress = socket->peerAddress();
    d->peerPort = socket->peerPort();
    const auto *sslSocket = qobject_cast<const QSslSocket *>(socket);
    if (sslSocket && sslSocket->isEncrypted())
        d->sslConfiguration = sslSocket->sslConfiguration();
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

bool HttpRequest::isSecure() const
{
    return !d->sslConfiguration.isNull();
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
