#include "logging_p.h"

namespace WsKit {

Q_LOGGING_CATEGORY(lcConnection, "wskit.connection", QtWarningMsg)
Q_LOGGING_CATEGORY(lcUpgrader, "wskit.upgrader", QtWarningMsg)
Q_LOGGING_CATEGORY(lcServer, "wskit.server", QtWarningMsg)

} // namespace WsKit
