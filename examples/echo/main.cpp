// Echo server: serves a page at / whose script talks to ws://host/echo, and
// sends every message back as it came (text as text, binary as binary).
//
//   echo [--port 8080]   then open http://127.0.0.1:8080/ in a browser

#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/server.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("WebSocket echo server with a test page"));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Port to listen on."),
                                        QStringLiteral("port"), QStringLiteral("8080"));
    parser.addOption(portOption);
    parser.process(app);

    QFile pageFile(QStringLiteral(":/home.html"));
    if (!pageFile.open(QIODevice::ReadOnly))
        qFatal("the page resource is missing");
    const QByteArray page = pageFile.readAll();

    WsKit::Server server;
    server.setWebSocketPaths({QStringLiteral("/echo")});
    server.setHttpHandler([&page](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        if (request.path() != QStringLiteral("/"))
            return; // 404
        response.setStatusCode(200);
        response.setBody(page, "text/html; charset=utf-8");
    });
    QObject::connect(&server, &WsKit::Server::newConnection, &server, [](WsKit::Connection *connection) {
        QObject::connect(connection, &WsKit::Connection::messageReceived, connection,
                         [connection](const QByteArray &payload, WsKit::Connection::MessageType type) {
                             connection->sendMessage(payload, type);
                         });
    });

    const quint16 port = parser.value(portOption).toUShort();
    if (!server.listen(QHostAddress::LocalHost, port)) {
        qCritical("cannot listen on 127.0.0.1:%u: %s", unsigned(port), qPrintable(server.errorString()));
        return 1;
    }
    qInfo("open http://127.0.0.1:%u/ in a browser", unsigned(server.serverPort()));
    return app.exec();
}
