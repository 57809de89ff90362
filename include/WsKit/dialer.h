#pragma once
/// @file
/// The client side of the opening handshake (RFC 6455 §4.1) as a value: how to
/// reach a server (TLS, proxy, timeout), what to offer it (subprotocols, header
/// fields, cookies), and the step that turns a ws:// or wss:// URL into a
/// Connection.

#include <WsKit/connectionoptions.h>
#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QStringList>

#include <chrono>
#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkCookieJar;
class QNetworkProxy;
class QObject;
class QSslConfiguration;
class QUrl;
QT_END_NAMESPACE

namespace WsKit {

class Connection;

/// Opens client connections to ws:// and wss:// URLs: the client's handshake
/// policy as a value (see docs/client.md).
///
/// Setters take a variable only: one called on a temporary copy would change
/// nothing, so it does not compile.
class WSKIT_EXPORT Dialer
{
public:
    /// 30 s: from dial() to an open connection, every step included.
    static constexpr std::chrono::milliseconds DefaultHandshakeTimeout{30000};
    /// 8 KiB: the largest response head taken by default.
    static constexpr qsizetype DefaultMaxHeadSize = 8 * 1024;
    /// How much of the body of a refused handshake (a status other than 101) is
    /// kept for Connection::handshakeResponse().
    static constexpr qsizetype MaxResponseBodyStart = 4 * 1024;

    Dialer();
    /// A copy of other.
    Dialer(const Dialer &other);
    /// Takes over other's settings.
    Dialer(Dialer &&other) noexcept;
    /// Copies other's settings.
    Dialer &operator=(const Dialer &other);
    /// Takes over other's settings.
    Dialer &operator=(Dialer &&other) noexcept;
    /// Destroys the settings.
    ~Dialer();

    /// Offered in preference order (Sec-WebSocket-Protocol); the server picks one
    /// of them or none (Connection::subprotocol()). Each must be an HTTP token.
    QStringList subprotocols() const;
    /// Sets subprotocols().
    void setSubprotocols(const QStringList &subprotocols) &;

    /// TLS for wss://. The default configuration verifies the server's certificate
    /// against the system's CAs and its host name: add a CA to trust a private
    /// one, or set the peer verify mode to QSslSocket::VerifyNone to opt out. The
    /// host name is sent as SNI; ALPN offers http/1.1 unless the configuration
    /// already names protocols.
    QSslConfiguration sslConfiguration() const;
    /// Sets sslConfiguration().
    void setSslConfiguration(const QSslConfiguration &configuration) &;

    /// QNetworkProxy::DefaultProxy (the default) uses the application's proxy
    /// (QNetworkProxy::setApplicationProxy()); NoProxy connects directly;
    /// HttpProxy tunnels with CONNECT and Socks5Proxy goes through SOCKS5, both
    /// with the proxy's credentials when it asks for them. wss:// runs TLS through
    /// the tunnel, end to end.
    QNetworkProxy proxy() const;
    /// Sets proxy().
    void setProxy(const QNetworkProxy &proxy) &;

    /// Cookies for the URL (as for http:// or https://) go into the request, and
    /// the Set-Cookie fields of the response go back into the jar. Not owned;
    /// null (the default) sends and keeps no cookies.
    QNetworkCookieJar *cookieJar() const;
    /// Sets cookieJar().
    void setCookieJar(QNetworkCookieJar *jar) &;

    /// The whole dial: name lookup, TCP, proxy, TLS and the HTTP exchange; past it
    /// the dial fails with HandshakeTimeout. 0: no limit.
    std::chrono::milliseconds handshakeTimeout() const;
    /// Sets handshakeTimeout().
    void setHandshakeTimeout(std::chrono::milliseconds timeout) &;

    /// Largest response head accepted from the server.
    qsizetype maxHeadSize() const;
    /// Sets maxHeadSize().
    void setMaxHeadSize(qsizetype bytes) &;

    /// Limits and timeouts of every Connection dialed, as on the server side, and its
    /// compression: the permessage-deflate offer (ConnectionOptions::compression()).
    /// A 101 answer that the offer does not allow fails the dial (HandshakeFailed).
    ConnectionOptions connectionOptions() const;
    /// Sets connectionOptions().
    void setConnectionOptions(const ConnectionOptions &options) &;

    /// Opens a WebSocket to url (ws:// or wss://; default ports 80 and 443). The
    /// Connection lives in the calling thread.
    /// Returns at once a client Connection in state Connecting, with the given
    /// parent; nothing happens before control returns to the event loop, so
    /// connect its signals first. It then emits opened(), or errorOccurred() with
    /// what went wrong (InvalidRequest, HostNotFound, ConnectionRefused, TlsError,
    /// ProxyError, HandshakeTimeout, HandshakeFailed, TransportError) followed by
    /// closed(1006). abort() or deleting the Connection cancels the dial.
    ///
    /// headers go into the request as given (Origin, Authorization, User-Agent …);
    /// a Host field replaces the one derived from the URL and a Cookie field is
    /// joined with the jar's cookies. Fields the handshake itself sets (Upgrade,
    /// Connection, Sec-WebSocket-*) are refused, as is a name that is not a token
    /// or a value with control characters. User information in the URL becomes
    /// Basic authentication unless headers carry an Authorization field.
    Connection *dial(const QUrl &url, const HttpHeaderList &headers = {}, QObject *parent = nullptr) const;
    /// Opens a WebSocket to url without extra header fields; the Connection gets the
    /// given parent. The same as dial(url, {}, parent), so that dial(url, this) does
    /// what it says.
    Connection *dial(const QUrl &url, QObject *parent) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
