#pragma once
// Where a WsKit Server hands connections to Qt HTTP Server: a QTcpServer that
// never listens and whose pending connections are the sockets handed to it.
// QAbstractHttpServer::bind() takes any QTcpServer and takes the sockets it announces.

#include <QtCore/QList>
#include <QtNetwork/QTcpServer>

namespace WsKit {

class HttpHandover : public QTcpServer
{
public:
    explicit HttpHandover(QObject *parent = nullptr);

    // Takes socket, whose first request is still unread, and announces it.
    void handOver(QTcpSocket *socket);

    bool hasPendingConnections() const override;
    QTcpSocket *nextPendingConnection() override;

private:
    QList<QTcpSocket *> m_pending;
};

} // namespace WsKit
