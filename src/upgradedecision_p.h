#pragma once
// The state every copy of an UpgradeDecision shares, and the upgrade it answers.

#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/upgradedecision.h>

#include <QtCore/QPointer>

namespace WsKit {

struct UpgradeDecision::Private {
    // The last copy went away: a pending decision can no longer be made, so the
    // upgrade answers at once rather than at its timeout.
    ~Private();

    QPointer<PendingUpgrade> upgrade;
    HttpRequest request;
    QStringList requestedSubprotocols;
    QString subprotocol;
    HttpHeaderList responseHeaders;
    ConnectionOptions connectionOptions;
    HttpResponse rejection;
    State state = State::Pending;
};

} // namespace WsKit
