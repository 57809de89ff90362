#pragma once
/// @file
/// A plain HTTP/1.1 response that a Server's HTTP handler fills in. The server adds
/// Content-Length and "Connection: close" and closes the connection once it is sent.

#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>

#include <memory>

namespace WsKit {

/// An HTTP response to send: status, fields and body (a value type).
///
/// A Server's HTTP handler fills one in, an UpgradeDecision rejects with one, and a
/// Dialer's Connection reports the one a server refused it with
/// (Connection::handshakeResponse()).
class WSKIT_EXPORT HttpResponse
{
public:
    /// An empty response with statusCode.
    explicit HttpResponse(int statusCode = 404);
    /// A copy of other.
    HttpResponse(const HttpResponse &other);
    /// Takes over other's response.
    HttpResponse(HttpResponse &&other) noexcept;
    /// Copies other's response.
    HttpResponse &operator=(const HttpResponse &other);
    /// Takes over other's response.
    HttpResponse &operator=(HttpResponse &&other) noexcept;
    /// Destroys the response.
    ~HttpResponse();

    /// The status code, e.g. 200 or 401.
    int statusCode() const;
    /// Sets statusCode(); the reason phrase follows from it.
    void setStatusCode(int statusCode);

    /// The header fields, in order.
    HttpHeaderList headers() const;
    /// Replaces every field with this name (case-insensitive) by one field.
    void setHeader(const QByteArray &name, const QByteArray &value);
    /// Adds a field, keeping those of the same name (e.g. several Set-Cookie).
    void addHeader(const QByteArray &name, const QByteArray &value);

    /// The body.
    QByteArray body() const;
    /// Sets the body and, when contentType is not empty, the Content-Type field.
    void setBody(const QByteArray &body, const QByteArray &contentType = {});

    /// The response as bytes on the wire; withBody false for an answer to HEAD.
    /// Content-Length and "Connection: close" are the server's: fields of those
    /// names (and Transfer-Encoding) are left out, as are fields whose name is not
    /// an HTTP token or whose value holds a control character.
    QByteArray toByteArray(bool withBody = true) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
