#pragma once
// Header fields of an HTTP message head, in arrival order, as raw bytes.

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>

namespace WsKit {

using HttpHeaderList = QList<QPair<QByteArray, QByteArray>>;

} // namespace WsKit
