#pragma once
// A Server on 127.0.0.1 that records the connections it opens, for tests.

#include "testclient.h"

#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/server.h>

#include <QtCore/QPointer>
#include <QtNetwork/QTcpServer>

#include <functional>

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

    // shutdown() with a 200 ms deadline; true when shutdownFinished() followed
    // well before the 5 s close timeout, so the deadline ended the connections.
    bool shutDownAtDeadline()
    {
        bool finished = false;
        const QMetaObject::Connection watch =
            QObject::connect(&server, &Server::shutdownFinished, [&finished] { finished = true; });
        QElapsedTimer timer;
        timer.start();
        server.shutdown(std::chrono::milliseconds(200));
        const bool ended = QTest::qWaitFor([&finished] { return finished; }, Wait);
        QObject::disconnect(watch);
        return ended && timer.elapsed() < 4000;
    }

    Server server;
    QList<QPointer<Connection>> connections;
};

// A program without Server: a bare QTcpServer that reads each request head
// itself and hands the socket and the request to onHead, which upgrades it.
struct HeadReadingListener {
    HeadReadingListener()
    {
        QObject::connect(&listener, &QTcpServer::newConnection, &listener, [this] {
            QTcpSocket *socket = listener.nextPendingConnection();
            QObject::connect(socket, &QIODevice::readyRead, &listener, [this, socket] {
                Core::HttpHeadParser parser(Core::HttpHeadParser::Kind::Request);
                const QByteArray head = socket->readAll();
                std::size_t consumed = 0;
                if (parser.parse(head.constData(), std::size_t(head.size()), consumed)
                    != Core::HttpHeadParser::Status::Complete)
                    return;
                socket->disconnect(&listener);
                onHead(socket, HttpRequest(parser.request()));
            });
        });
    }

    bool listen() { return listener.listen(QHostAddress::LocalHost); }
    quint16 port() const { return listener.serverPort(); }

    QTcpServer listener;
    std::function<void(QTcpSocket *socket, const HttpRequest &request)> onHead;
};

} // namespace TestClient
