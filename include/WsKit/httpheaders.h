#pragma once
/// @file
/// Header fields of an HTTP message head, in arrival order, as raw bytes.

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>

namespace WsKit {

/// Header fields as (name, value) pairs, in the order they were sent or are to be sent.
using HttpHeaderList = QList<QPair<QByteArray, QByteArray>>;

} // namespace WsKit
