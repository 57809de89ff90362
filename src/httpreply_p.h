#pragma once
// Answering a request over plain HTTP and ending the connection.

#include <QtCore/QByteArray>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

// Writes response, closes socket once it has been sent, and deletes it later.
void replyAndClose(QTcpSocket *socket, const QByteArray &response);

} // namespace WsKit
