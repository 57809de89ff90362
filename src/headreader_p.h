#pragma once
// Reading an HTTP message head off a socket for the opening handshake.

#include <WsKit/Core/http.h>

#include <QtCore/QtGlobal>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace WsKit {

// Feeds the socket's available bytes to parser up to the end of the head. Bytes
// after the head stay unread in the socket: they are WebSocket frames, which the
// Connection reads.
void readHead(QIODevice *socket, Core::HttpHeadParser &parser);

} // namespace WsKit
