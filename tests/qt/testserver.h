#pragma once
// A Server on 127.0.0.1 that records the connections it opens, for tests.

#include "testclient.h"

#include <WsKit/connection.h>
#include <WsKit/server.h>

#include <QtCore/QPointer>

namespace TestClient {

struct TestServer {
    TestServer()
    {
        QObject::connect(&server, &Server::newConnection, &server,
                         [this](Connection *connection) { connections.append(connection); });
    }

    bool listen() { return server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return server.serverPort(); }

    // Connects client, upgrades on target and returns the server's side of it.
    Connection *accept(Client &client, const QByteArray &target = "/")
    {
        const qsizetype before = connections.size();
        if (!client.connectTo(port(), server.isSecure()) || client.upgrade(target) != 101)
            return nullptr;
        if (!QTest::qWaitFor([&] { return connections.size() > before; }, Wait))
            return nullptr;
        return connections.last();
    }

    Server server;
    QList<QPointer<Connection>> connections;
};

} // namespace TestClient
