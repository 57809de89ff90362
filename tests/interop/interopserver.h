#pragma once
// The server side of the interop tests: our Server echoing every message, with a
// few text commands so a foreign client can make it ping or close, and a record
// of how each connection closed.

#include <WsKit/connection.h>
#include <WsKit/server.h>

#include <QtCore/QList>
#include <QtCore/QPair>

struct InteropServer {
    InteropServer()
    {
        QObject::connect(&server, &WsKit::Server::newConnection, &server, [this](WsKit::Connection *connection) {
            using WsKit::Connection;
            QObject::connect(connection, &Connection::messageReceived, connection,
                             [connection](const QByteArray &payload, Connection::MessageType type) {
                                 if (type == Connection::MessageType::Text && payload == "ping-me")
                                     connection->ping("from-server");
                                 else if (type == Connection::MessageType::Text && payload.startsWith("close-me:"))
                                     connection->close(payload.mid(9).toUShort(), QStringLiteral("server bye"));
                                 else
                                     connection->sendMessage(payload, type);
                             });
            // Tells the client our ping came back.
            QObject::connect(connection, &Connection::pongReceived, connection,
                             [connection](qint64, const QByteArray &payload) { connection->sendTextUtf8("pong:" + payload); });
            QObject::connect(connection, &Connection::closed, &server, [this](quint16 code, const QString &reason) {
                closes.append({code, reason});
            });
        });
    }

    WsKit::Server server;
    QList<QPair<quint16, QString>> closes;
};
