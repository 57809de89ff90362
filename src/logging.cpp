#include "logging_p.h"

namespace WsKit {

Q_LOGGING_CATEGORY(lcConnection, "wskit.connection", QtWarningMsg)
Q_LOGGING_CATEGORY(lcUpgrader, "wskit.upgrader", QtWarningMsg)
Q_LOGGING_CATEGORY(lcServer, "wskit.server", QtWarningMsg)
Q_LOGGING_CATEGORY(lcClient, "wskit.client", QtWarningMsg)

} // namespace WsKit
