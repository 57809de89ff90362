#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/httpresponse.h>

namespace WsKit {

struct HttpResponse::Private {
    int statusCode = 404;
    HttpHeaderList headers;
    QByteArray body;
};

HttpResponse::HttpResponse(int statusCode)
    : d(std::make_unique<Private>())
{
    d->statusCode = statusCode;
}

HttpResponse::HttpResponse(const HttpResponse &other)
    : d(std::make_unique<Private>(*other.d))
{
}

HttpResponse::HttpResponse(HttpResponse &&other) noexcept
    : d(std::make_unique<Private>(std::move(*other.d)))
{
}

HttpResponse &HttpResponse::operator=(const HttpResponse &other)
{
    *d = *other.d;
    return *this;
}

HttpResponse &HttpResponse::operator=(HttpResponse &&other) noexcept
{
    *d = std::move(*other.d);
    return *this;
}

HttpResponse::~HttpResponse() = default;

int HttpResponse::statusCode() const
{
    return d->statusCode;
}

void HttpResponse::setStatusCode(int statusCode)
{
    d->statusCode = statusCode;
}

HttpHeaderList HttpResponse::headers() const
{
    return d->headers;
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    d->headers.removeIf([&name](const auto &field) { return field.first.compare(name, Qt::CaseInsensitive) == 0; });
    d->headers.append({name, value});
}

void HttpResponse::addHeader(const QByteArray &name, const QByteArray &value)
{
    d->headers.append({name, value});
}

QByteArray HttpResponse::body() const
{
    return d->body;
}

void HttpResponse::setBody(const QByteArray &body, const QByteArray &contentType)
{
    d->body = body;
    if (!contentType.isEmpty())
        setHeader(QByteArrayLiteral("Content-Type"), contentType);
}

QByteArray HttpResponse::toByteArray(bool withBody) const
{
    const std::string_view reason = Core::httpReasonPhrase(d->statusCode);
    QByteArray bytes = "HTTP/1.1 " + QByteArray::number(d->statusCode) + ' '
        + QByteArray(reason.data(), static_cast<qsizetype>(reason.size())) + "\r\n";
    for (const auto &[name, value] : std::as_const(d->headers)) {
        // The framing fields are ours (added below); a field that is not a token and
        // a clean value could split the head, so it is left out.
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0
            || name.compare("Connection", Qt::CaseInsensitive) == 0
            || name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0
            || !Core::isHttpToken({name.constData(), std::size_t(name.size())})
            || !Core::isHttpFieldValue({value.constData(), std::size_t(value.size())}))
            continue;
        bytes += name + ": " + value + "\r\n";
    }
    // Every answer ends the connection: the server speaks HTTP only to hand out a
    // page or refuse an upgrade, so it does not keep connections alive.
    bytes += "Content-Length: " + QByteArray::number(d->body.size()) + "\r\nConnection: close\r\n\r\n";
    if (withBody)
        bytes += d->body;
    return bytes;
}

} // namespace WsKit
