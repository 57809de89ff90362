#pragma once
/// @file
/// The answer to one WebSocket upgrade request, given by an Upgrader's decision
/// handler at once or later.

#include <WsKit/connectionoptions.h>
#include <WsKit/httpheaders.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>

namespace WsKit {

class HttpRequest;
class HttpResponse;
class PendingUpgrade;

/// The answer to one upgrade request: accept it (with the subprotocol, extra
/// response fields and connection options chosen for this request) or reject it
/// (with any HTTP response).
///
/// An Upgrader's decision handler receives one per request that passed the
/// handshake checks and the origin check. It calls accept() or reject() before it
/// returns, or keeps a copy and calls one of them later, for example after asking
/// another service: copies share one decision. The request waits for at most the
/// Upgrader's decisionTimeout() (under a Server, its handshake timeout bounds it
/// too) and is then answered with 503. When the client goes away, the timeout
/// passes or the server shuts down first, the decision is abandoned: state()
/// says so and accept() and reject() return false. When every copy is gone
/// without a decision, the request is answered with 500 at once.
///
/// Use it in the thread of the server (the socket's thread).
class WSKIT_EXPORT UpgradeDecision
{
public:
    /// Where the decision stands.
    enum class State {
        Pending,   ///< not decided yet; the client is waiting
        Accepted,  ///< accept() was called: the 101 response was sent
        Rejected,  ///< reject() was called: the answer was sent
        Abandoned, ///< the client went away, the decision timed out (503), or the server shut down
    };

    /// A null decision (isNull()), which cannot be decided.
    UpgradeDecision();
    /// Another handle to the same decision.
    UpgradeDecision(const UpgradeDecision &other);
    /// Takes over other's decision; other becomes null.
    UpgradeDecision(UpgradeDecision &&other) noexcept;
    /// Makes this a handle to other's decision.
    UpgradeDecision &operator=(const UpgradeDecision &other);
    /// Takes over other's decision; other becomes null.
    UpgradeDecision &operator=(UpgradeDecision &&other) noexcept;
    /// Drops this handle; when it was the last one of a pending decision, the
    /// request is answered with 500.
    ~UpgradeDecision();

    /// Whether this handle refers to no decision (default-constructed or moved from).
    bool isNull() const;
    /// Where the decision stands.
    State state() const;
    /// Whether the decision can still be made (state() is Pending).
    bool isPending() const;

    /// The request to decide on: target, headers, cookies, peer address, TLS session.
    HttpRequest request() const;
    /// The subprotocols the client offered (Sec-WebSocket-Protocol), in its order.
    QStringList requestedSubprotocols() const;

    /// The subprotocol the connection will use: at first the first of the
    /// Upgrader's subprotocols that the client offered; empty for none.
    QString subprotocol() const;
    /// Chooses the subprotocol for this request. Returns false and changes nothing
    /// when the client did not offer it; an empty string chooses none.
    bool setSubprotocol(const QString &subprotocol);

    /// The extra fields of the 101 response: at first the Upgrader's responseHeaders().
    HttpHeaderList responseHeaders() const;
    /// Adds a field to the 101 response for this request only (e.g. Set-Cookie).
    /// Returns false and adds nothing when the name is not an HTTP token, the value
    /// holds a control character, or the field is one the handshake sets itself
    /// (Upgrade, Connection, Sec-WebSocket-*).
    bool addResponseHeader(const QByteArray &name, const QByteArray &value);

    /// The options of the connection: at first the Upgrader's connectionOptions().
    ConnectionOptions connectionOptions() const;
    /// Sets the limits, timeouts and compression of this connection;
    /// permessage-deflate is negotiated under these options' compression().
    void setConnectionOptions(const ConnectionOptions &options);

    /// Accepts the upgrade: sends the 101 response and opens the Connection (which
    /// a Server then announces with newConnection()). Returns false when the
    /// decision was already made or abandoned.
    bool accept();
    /// Rejects the upgrade with response (any status from 200 on, any fields and
    /// body); the server adds Content-Length and "Connection: close" and closes the
    /// connection once it is sent. Returns false when the decision was already made
    /// or abandoned.
    bool reject(const HttpResponse &response);
    /// Rejects the upgrade with statusCode and a text/plain body.
    bool reject(int statusCode, const QByteArray &body = {});

private:
    friend class PendingUpgrade;
    struct Private;
    explicit UpgradeDecision(std::shared_ptr<Private> d);
    std::shared_ptr<Private> d;
};

} // namespace WsKit
