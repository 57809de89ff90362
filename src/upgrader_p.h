#pragma once
// Upgrader's settings, which every upgrade it starts copies.

#include <WsKit/upgrader.h>

namespace WsKit {

struct Upgrader::Private {
    OriginCheck originCheck;
    QStringList subprotocols;
    HttpHeaderList responseHeaders;
    ConnectionOptions connectionOptions = ConnectionOptions::serverDefaults();
    ErrorHandler errorHandler;
    DecisionHandler decisionHandler;
    std::chrono::milliseconds decisionTimeout = DefaultDecisionTimeout;
};

} // namespace WsKit
