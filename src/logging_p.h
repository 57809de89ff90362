#pragma once
// Logging categories of the Qt layer (enable with QT_LOGGING_RULES="wskit.*=true").

#include <QtCore/QLoggingCategory>

namespace WsKit {

Q_DECLARE_LOGGING_CATEGORY(lcConnection)
Q_DECLARE_LOGGING_CATEGORY(lcUpgrader)
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcClient)

} // namespace WsKit
