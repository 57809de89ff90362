#pragma once
// An HTTP/1.1 request head as the server received it: what an Upgrader decides on
// and what a Server hands to its HTTP handler.

#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QUrlQuery>

#include <memory>

namespace WsKit {

namespace Core {
struct HttpRequestHead;
}

class WSKIT_EXPORT HttpRequest
{
public:
    HttpRequest();
    explicit HttpRequest(const Core::HttpRequestHead &head);
    HttpRequest(const HttpRequest &other);
    HttpRequest(HttpRequest &&other) noexcept;
    HttpRequest &operator=(const HttpRequest &other);
    HttpRequest &operator=(HttpRequest &&other) noexcept;
    ~HttpRequest();

    QByteArray method() const;
    // The request target as sent: path and query ("/chat?room=1").
    QByteArray target() const;
    // The percent-decoded path of the target, without the query ("/chat").
    QString path() const;
    QUrlQuery query() const;

    HttpHeaderList headers() const;
    // The first field with this name (case-insensitive), or a null QByteArray.
    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;

    // The parsed head, for calling the core's handshake functions.
    const Core::HttpRequestHead &head() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
