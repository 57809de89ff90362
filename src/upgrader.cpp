#include "pendingupgrade_p.h"
#include "upgrader_p.h"

#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/upgrader.h>

#include <QtCore/QPointer>

namespace WsKit {

Upgrader::Upgrader()
    : d(std::make_unique<Private>())
{
}

Upgrader::Upgrader(const Upgrader &other)
    : d(std::make_unique<Private>(*other.d))
{
}

Upgrader::Upgrader(Upgrader &&other) noexcept
    : d(std::make_unique<Private>(std::move(*other.d)))
{
}

Upgrader &Upgrader::operator=(const Upgrader &other)
{
    *d = *other.d;
    return *this;
}

Upgrader &Upgrader::operator=(Upgrader &&other) noexcept
{
    *d = std::move(*other.d);
    return *this;
}

Upgrader::~Upgrader() = default;

void Upgrader::setOriginCheck(OriginCheck check) &
{
    d->originCheck = std::move(check);
}

void Upgrader::allowAnyOrigin() &
{
    d->originCheck = [](const HttpRequest &) { return true; };
}

QStringList Upgrader::subprotocols() const
{
    return d->subprotocols;
}

void Upgrader::setSubprotocols(const QStringList &subprotocols) &
{
    d->subprotocols = subprotocols;
}

HttpHeaderList Upgrader::responseHeaders() const
{
    return d->responseHeaders;
}

void Upgrader::setResponseHeaders(const HttpHeaderList &headers) &
{
    d->responseHeaders = headers;
}

ConnectionOptions Upgrader::connectionOptions() const
{
    return d->connectionOptions;
}

void Upgrader::setConnectionOptions(const ConnectionOptions &options) &
{
    d->connectionOptions = options;
}

Upgrader::ErrorHandler Upgrader::errorHandler() const
{
    return d->errorHandler;
}

void Upgrader::setErrorHandler(ErrorHandler handler) &
{
    d->errorHandler = std::move(handler);
}

Upgrader::DecisionHandler Upgrader::decisionHandler() const
{
    return d->decisionHandler;
}

void Upgrader::setDecisionHandler(DecisionHandler handler) &
{
    d->decisionHandler = std::move(handler);
}

std::chrono::milliseconds Upgrader::decisionTimeout() const
{
    return d->decisionTimeout;
}

void Upgrader::setDecisionTimeout(std::chrono::milliseconds timeout) &
{
    d->decisionTimeout = qMax(std::chrono::milliseconds{1}, timeout);
}

void Upgrader::upgrade(QTcpSocket *socket, const HttpRequest &request, QObject *parent, UpgradeCallback done) const
{
    // The socket is the truth about who asked and over what.
    PendingUpgrade::start(socket, HttpRequest(request.head(), socket), *this, parent, std::move(done));
}

Connection *Upgrader::upgrade(QTcpSocket *socket, const HttpRequest &request, QObject *parent) const
{
    // Shared: a deferred decision calls back after this function returned.
    auto outcome = std::make_shared<QPointer<Connection>>();
    upgrade(socket, request, parent, [outcome](Connection *connection) { *outcome = connection; });
    return *outcome;
}

} // namespace WsKit
