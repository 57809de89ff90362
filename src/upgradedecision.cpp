#include "upgradedecision_p.h"

#include "pendingupgrade_p.h"

#include <WsKit/Core/http.h>

namespace WsKit {

namespace {

std::string_view view(const QByteArray &bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

// Fields the opening handshake sets itself (RFC 6455 §4.2.2).
bool isHandshakeField(const QByteArray &name)
{
    return name.compare("Upgrade", Qt::CaseInsensitive) == 0 || name.compare("Connection", Qt::CaseInsensitive) == 0
        || name.toLower().startsWith("sec-websocket-");
}

} // namespace

UpgradeDecision::Private::~Private()
{
    if (state == State::Pending && upgrade) {
        // Queued: the last copy may go away anywhere, even inside the upgrade's own calls.
        QMetaObject::invokeMethod(upgrade, [upgrade = upgrade.data()] { upgrade->decisionDropped(); },
                                  Qt::QueuedConnection);
    }
}

UpgradeDecision::UpgradeDecision() = default;

UpgradeDecision::UpgradeDecision(std::shared_ptr<Private> dd)
    : d(std::move(dd))
{
}

UpgradeDecision::UpgradeDecision(const UpgradeDecision &other) = default;
UpgradeDecision::UpgradeDecision(UpgradeDecision &&other) noexcept = default;
UpgradeDecision &UpgradeDecision::operator=(const UpgradeDecision &other) = default;
UpgradeDecision &UpgradeDecision::operator=(UpgradeDecision &&other) noexcept = default;
UpgradeDecision::~UpgradeDecision() = default;

bool UpgradeDecision::isNull() const
{
    return !d;
}

UpgradeDecision::State UpgradeDecision::state() const
{
    if (!d)
        return State::Abandoned;
    // The upgrade is gone with its socket without having said so.
    if (d->state == State::Pending && !d->upgrade)
        return State::Abandoned;
    return d->state;
}

bool UpgradeDecision::isPending() const
{
    return state() == State::Pending;
}

HttpRequest UpgradeDecision::request() const
{
    return d ? d->request : HttpRequest();
}

QStringList UpgradeDecision::requestedSubprotocols() const
{
    return d ? d->requestedSubprotocols : QStringList();
}

QString UpgradeDecision::subprotocol() const
{
    return d ? d->subprotocol : QString();
}

bool UpgradeDecision::setSubprotocol(const QString &subprotocol)
{
    // RFC 6455 §4.2.2: the server picks one of the client's values, or none.
    if (!d || (!subprotocol.isEmpty() && !d->requestedSubprotocols.contains(subprotocol)))
        return false;
    d->subprotocol = subprotocol;
    return true;
}

HttpHeaderList UpgradeDecision::responseHeaders() const
{
    return d ? d->responseHeaders : HttpHeaderList();
}

bool UpgradeDecision::addResponseHeader(const QByteArray &name, const QByteArray &value)
{
    if (!d || !Core::isHttpToken(view(name)) || !Core::isHttpFieldValue(view(value)) || isHandshakeField(name))
        return false;
    d->responseHeaders.append({name, value});
    return true;
}

ConnectionOptions UpgradeDecision::connectionOptions() const
{
    return d ? d->connectionOptions : ConnectionOptions();
}

void UpgradeDecision::setConnectionOptions(const ConnectionOptions &options)
{
    if (d)
        d->connectionOptions = options;
}

bool UpgradeDecision::accept()
{
    if (!isPending())
        return false;
    d->state = State::Accepted;
    d->upgrade->decided();
    return true;
}

bool UpgradeDecision::reject(const HttpResponse &response)
{
    if (!isPending())
        return false;
    d->state = State::Rejected;
    d->rejection = response;
    d->upgrade->decided();
    return true;
}

bool UpgradeDecision::reject(int statusCode, const QByteArray &body)
{
    HttpResponse response(statusCode);
    response.setBody(body, QByteArrayLiteral("text/plain; charset=utf-8"));
    return reject(response);
}

} // namespace WsKit
