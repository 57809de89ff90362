#include "httprequest_p.h"

#include <QtCore/QUrl>

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
    return d->secure;
}

QByteArray HttpRequest::host() const
{
    return d->host;
}

const Core::HttpRequestHead &HttpRequest::head() const
{
    return d->head;
}

} // namespace WsKit
