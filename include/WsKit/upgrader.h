#pragma once
/// @file
/// The server side of the opening handshake (RFC 6455 §4.2) as a value: the
/// policy a server applies to upgrade requests, and the step that turns an
/// accepted request into a Connection.

#include <WsKit/connectionoptions.h>
#include <WsKit/httpheaders.h>
#include <WsKit/upgradedecision.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QStringList>

#include <chrono>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QObject;
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

class Connection;
class HttpRequest;

/// The server side of the opening handshake: the policy a server applies to
/// upgrade requests, as a value (see docs/qt-layer.md).
///
/// Setters take a variable only: one called on a copy a getter returned, such as
/// server.upgrader().setSubprotocols(list), would change nothing, so it does not compile.
class WSKIT_EXPORT Upgrader
{
public:
    /// Whether a request may open a WebSocket from its Origin. The default accepts
    /// a request without Origin, or whose Origin host and port equal Host (the
    /// browser same-origin rule); others get 403.
    using OriginCheck = std::function<bool(const HttpRequest &request)>;
    /// Told about every refused request: the HTTP status answered and why; status 0
    /// when the client went away before the decision.
    using ErrorHandler = std::function<void(const HttpRequest &request, int status, const QString &reason)>;
    /// Decides on each request that passed the handshake checks and the origin
    /// check: accept or reject it through decision, now or later (UpgradeDecision).
    using DecisionHandler = std::function<void(const HttpRequest &request, UpgradeDecision decision)>;
    /// Told the outcome of upgrade(): the open Connection, or nullptr when the
    /// request was refused or the client went away.
    using UpgradeCallback = std::function<void(Connection *connection)>;

    /// How long a deferred decision may take by default: the same as a Server's
    /// handshake timeout.
    static constexpr std::chrono::milliseconds DefaultDecisionTimeout{10000};

    Upgrader();
    /// A copy of other.
    Upgrader(const Upgrader &other);
    /// Takes over other's settings.
    Upgrader(Upgrader &&other) noexcept;
    /// Copies other's settings.
    Upgrader &operator=(const Upgrader &other);
    /// Takes over other's settings.
    Upgrader &operator=(Upgrader &&other) noexcept;
    /// Destroys the settings.
    ~Upgrader();

    /// An empty function restores the default.
    void setOriginCheck(OriginCheck check) &;
    /// Accepts every Origin: for servers that authenticate requests otherwise.
    void allowAnyOrigin() &;

    /// In preference order: the first one the client offered is chosen. When none
    /// matches, the connection opens without a subprotocol.
    QStringList subprotocols() const;
    /// Sets subprotocols().
    void setSubprotocols(const QStringList &subprotocols) &;

    /// Extra fields for every 101 response (e.g. Set-Cookie).
    HttpHeaderList responseHeaders() const;
    /// Sets responseHeaders().
    void setResponseHeaders(const HttpHeaderList &headers) &;

    /// Limits and timeouts of every Connection, and its compression: which
    /// permessage-deflate offers to accept (ConnectionOptions::compression()).
    /// Initially ConnectionOptions::serverDefaults(): keep-alive and a write timeout.
    ConnectionOptions connectionOptions() const;
    /// Sets connectionOptions().
    void setConnectionOptions(const ConnectionOptions &options) &;

    /// The hook told about every refused request.
    ErrorHandler errorHandler() const;
    /// Sets errorHandler().
    void setErrorHandler(ErrorHandler handler) &;

    /// Without a decision handler (the default) every request that passes the
    /// checks is accepted with the settings above. An empty function restores that.
    DecisionHandler decisionHandler() const;
    /// Sets decisionHandler().
    void setDecisionHandler(DecisionHandler handler) &;

    /// How long a deferred decision may take; the request is then answered with 503.
    std::chrono::milliseconds decisionTimeout() const;
    /// Sets decisionTimeout().
    void setDecisionTimeout(std::chrono::milliseconds timeout) &;

    /// Answers request, read from socket up to the end of its head, and calls done
    /// exactly once with the outcome: at once, or later when the decision handler
    /// defers its decision. On success the Connection is open, owns socket and has
    /// the given parent. Otherwise an HTTP error was written (400, 403, 405, 426 or
    /// 431 with a short body that says why, or the decision handler's answer), and
    /// socket is closed and deleted later. The request is taken as coming from
    /// socket's peer, over TLS when socket is encrypted: forwarded fields are
    /// believed only by a Server, which knows its trusted proxies.
    void upgrade(QTcpSocket *socket, const HttpRequest &request, QObject *parent, UpgradeCallback done) const;
    /// The same for a decision made at once: returns the open Connection, or nullptr
    /// when the request was refused. Returns nullptr too when the decision handler
    /// deferred its decision: use the form with a callback for such handlers.
    Connection *upgrade(QTcpSocket *socket, const HttpRequest &request, QObject *parent = nullptr) const;

private:
    friend class PendingUpgrade;
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
