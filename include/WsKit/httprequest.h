#pragma once
/// @file
/// An HTTP/1.1 request head as the server received it: what an Upgrader decides on
/// and what a Server hands to its HTTP handler.

#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QUrlQuery>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QNetworkCookie>
#include <QtNetwork/QSslConfiguration>

#include <memory>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

namespace Core {
struct HttpRequestHead;
}

class TrustedProxies;

/// A request head as received: method, target, fields, cookies, and who sent it
/// over what (a value type).
///
/// Behind a reverse proxy that the Server trusts (Server::setTrustedProxies()),
/// peerAddress(), peerPort(), isSecure() and host() speak of the client the proxy
/// forwarded, and socketPeerAddress() and socketPeerPort() of the proxy itself.
class WSKIT_EXPORT HttpRequest
{
public:
    /// An empty request.
    HttpRequest();
    /// The request of head, without a peer (peerAddress() is null).
    explicit HttpRequest(const Core::HttpRequestHead &head);
    /// The head as it arrived on socket, with the peer's address and port and, for a
    /// QSslSocket, its TLS session.
    HttpRequest(const Core::HttpRequestHead &head, const QTcpSocket *socket);
    /// A copy of other.
    HttpRequest(const HttpRequest &other);
    /// Takes over other's request.
    HttpRequest(HttpRequest &&other) noexcept;
    /// Copies other's request.
    HttpRequest &operator=(const HttpRequest &other);
    /// Takes over other's request.
    HttpRequest &operator=(HttpRequest &&other) noexcept;
    /// Destroys the request.
    ~HttpRequest();

    /// The method, as sent ("GET").
    QByteArray method() const;
    /// The request target as sent: path and query ("/chat?room=1").
    QByteArray target() const;
    /// The percent-decoded path of the target, without the query ("/chat").
    QString path() const;
    /// The query of the target ("room=1"), empty without one.
    QUrlQuery query() const;

    /// Every header field, in arrival order.
    HttpHeaderList headers() const;
    /// The first field with this name (case-insensitive), or a null QByteArray.
    QByteArray header(const QByteArray &name) const;
    /// Whether a field with this name (case-insensitive) is present.
    bool hasHeader(const QByteArray &name) const;

    /// The cookies of every Cookie field ("name=value; name2=value2"), in order; only
    /// their names and values are set.
    QList<QNetworkCookie> cookies() const;
    /// The value of the first cookie with this name (case-sensitive), or a null
    /// QByteArray.
    QByteArray cookie(const QByteArray &name) const;

    /// Who sent the request: the socket's peer, or, when that is a reverse proxy the
    /// Server trusts (Server::setTrustedProxies()), the client it forwarded. Null for
    /// a request not read from a socket.
    QHostAddress peerAddress() const;
    /// The port the client sent it from; 0 when not known (a trusted proxy forwarded
    /// the address alone, or the request was not read from a socket).
    quint16 peerPort() const;
    /// The address of the socket's peer: the same as peerAddress(), unless a trusted
    /// proxy forwarded the request, in which case it is the proxy's. Null for a
    /// request not read from a socket.
    QHostAddress socketPeerAddress() const;
    /// The port of the socket's peer (see socketPeerAddress()); 0 for a request not
    /// read from a socket.
    quint16 socketPeerPort() const;
    /// Whether the client sent the request over TLS (wss, https): TLS on the socket,
    /// or, behind a trusted proxy, the scheme the proxy forwarded (https, wss).
    bool isSecure() const;
    /// The host (and port) the client asked for: the Host field, or, behind a trusted
    /// proxy, the host it forwarded. The default origin check compares Origin with it.
    QByteArray host() const;
    /// The TLS session of the socket: protocol, cipher and the client's certificate
    /// chain when one was asked for (QSslConfiguration::peerCertificate()). Null
    /// when the socket is not encrypted, also when a trusted proxy terminated TLS
    /// (then isSecure() may be true).
    QSslConfiguration sslConfiguration() const;

    /// The parsed head, for calling the core's handshake functions.
    const Core::HttpRequestHead &head() const;

private:
    friend HttpRequest receivedRequest(const Core::HttpRequestHead &head, const QTcpSocket &socket,
                                       const TrustedProxies &proxies);
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
