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

// The same without taking anything out of the socket: feeds parser the bytes after
// the first `parsed` ones and advances `parsed` by what it used. The request stays
// in the socket for whoever answers it.
void peekHead(QIODevice *socket, Core::HttpHeadParser &parser, qint64 &parsed);

} // namespace WsKit
