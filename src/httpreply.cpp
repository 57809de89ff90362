#include "httpreply_p.h"

#include <QtNetwork/QTcpSocket>

namespace WsKit {

void replyAndClose(QTcpSocket *socket, const QByteArray &response)
{
    socket->write(response);
    QObject::connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost();
    if (socket->state() == QAbstractSocket::UnconnectedState)
        socket->deleteLater();
}

} // namespace WsKit
