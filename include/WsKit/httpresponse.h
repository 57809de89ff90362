#pragma once
// A plain HTTP/1.1 response that a Server's HTTP handler fills in. The server adds
// Content-Length and "Connection: close" and closes the connection once it is sent.

#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>

#include <memory>

namespace WsKit {

class WSKIT_EXPORT HttpResponse
{
public:
    explicit HttpResponse(int statusCode = 404);
    HttpResponse(const HttpResponse &other);
    HttpResponse(HttpResponse &&other) noexcept;
    HttpResponse &operator=(const HttpResponse &other);
    HttpResponse &operator=(HttpResponse &&other) noexcept;
    ~HttpResponse();

    int statusCode() const;
    void setStatusCode(int statusCode);

    HttpHeaderList headers() const;
    // Replaces every field with this name (case-insensitive) by one field.
    void setHeader(const QByteArray &name, const QByteArray &value);
    void addHeader(const QByteArray &name, const QByteArray &value);

    QByteArray body() const;
    // Sets the body and, when contentType is not empty, the Content-Type field.
    void setBody(const QByteArray &body, const QByteArray &contentType = {});

    // The response as bytes on the wire; withBody false for an answer to HEAD.
    QByteArray toByteArray(bool withBody = true) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
