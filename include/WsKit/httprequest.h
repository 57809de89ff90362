#pragma once
// An HTTP/1.1 request head as the server received it: what an Upgrader decides on
// and what a Server hands to its HTTP handler.

#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QUrlQuery>
#include <QtNetwork/QHostAddress>

#include <memory>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

namespace Core {
struct HttpRequestHead;
}

class TrustedProxies;

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

    /// Who sent the request: the socket's peer, or, when that is a trusted reverse
    /// proxy (Server::setTrustedProxies()), the client it forwarded. Null for a
    /// request not read from a socket.
    QHostAddress peerAddress() const;
    /// The port the client sent it from; 0 when not known (a proxy forwarded the
    /// address alone, or the request was not read from a socket).
    quint16 peerPort() const;
    /// Whether the client sent it over TLS: TLS on the socket, or behind a trusted
    /// proxy, the scheme the proxy forwarded (https, wss).
    bool isSecure() const;
    /// The host (and port) the client asked for: the Host field, or behind a trusted
    /// proxy the host it forwarded. The default origin check compares Origin with it.
    QByteArray host() const;

    // The parsed head, for calling the core's handshake functions.
    const Core::HttpRequestHead &head() const;

private:
    friend HttpRequest receivedRequest(const Core::HttpRequestHead &head, const QTcpSocket &socket,
                                       const TrustedProxies &proxies);
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
