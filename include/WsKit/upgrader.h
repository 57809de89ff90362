#pragma once
// The server side of the opening handshake (RFC 6455 §4.2) as a value: the
// policy a server applies to upgrade requests, and the step that turns an
// accepted request into a Connection.

#include <WsKit/connectionoptions.h>
#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QStringList>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QObject;
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

class Connection;
class HttpRequest;

class WSKIT_EXPORT Upgrader
{
public:
    // Whether a request may open a WebSocket from its Origin. The default accepts
    // a request without Origin, or whose Origin host and port equal Host (the
    // browser same-origin rule); others get 403.
    using OriginCheck = std::function<bool(const HttpRequest &request)>;
    // Told about every refused request: the HTTP status answered and why.
    using ErrorHandler = std::function<void(const HttpRequest &request, int status, const QString &reason)>;

    Upgrader();
    Upgrader(const Upgrader &other);
    Upgrader(Upgrader &&other) noexcept;
    Upgrader &operator=(const Upgrader &other);
    Upgrader &operator=(Upgrader &&other) noexcept;
    ~Upgrader();

    // An empty function restores the default.
    void setOriginCheck(OriginCheck check);
    // Accepts every Origin: for servers that authenticate requests otherwise.
    void allowAnyOrigin();

    // In preference order: the first one the client offered is chosen. When none
    // matches, the connection opens without a subprotocol.
    QStringList subprotocols() const;
    void setSubprotocols(const QStringList &subprotocols);

    // Extra fields for every 101 response (e.g. Set-Cookie).
    HttpHeaderList responseHeaders() const;
    void setResponseHeaders(const HttpHeaderList &headers);

    // Limits and timeouts of every Connection, and its compression: which
    // permessage-deflate offers to accept (ConnectionOptions::compression()).
    // Initially ConnectionOptions::serverDefaults(): keep-alive and a write timeout.
    ConnectionOptions connectionOptions() const;
    void setConnectionOptions(const ConnectionOptions &options);

    ErrorHandler errorHandler() const;
    void setErrorHandler(ErrorHandler handler);

    // Answers request, read from socket up to the end of its head. On success
    // returns an open server-side Connection that owns socket, with the given parent.
    // Otherwise writes an HTTP error (400, 403, 405, 426 or 431) whose short body
    // says why, closes and deletes socket later, and returns nullptr.
    Connection *upgrade(QTcpSocket *socket, const HttpRequest &request, QObject *parent = nullptr) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
