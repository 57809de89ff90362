// Echo server: serves a page at / whose script talks to ws://host/echo, and
// sends every message back as it came (text as text, binary as binary).
// Browsers offer permessage-deflate, which the server accepts: each connection
// says whether it travels compressed.
//
//   echo [--port 8080] [--no-compression] [--level 1-9]
//   then open http://127.0.0.1:8080/ in a browser

#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

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
    const QCommandLineOption noCompressionOption(QStringLiteral("no-compression"),
                                                 QStringLiteral("Decline permessage-deflate."));
    const QCommandLineOption levelOption(QStringLiteral("level"), QStringLiteral("zlib compression level (1-9)."),
                                         QStringLiteral("level"),
                                         QString::number(WsKit::CompressionOptions::DefaultLevel));
    parser.addOption(portOption);
    parser.addOption(noCompressionOption);
    parser.addOption(levelOption);
    parser.process(app);

    QFile pageFile(QStringLiteral(":/home.html"));
    if (!pageFile.open(QIODevice::ReadOnly))
        qFatal("the page resource is missing");
    const QByteArray page = pageFile.readAll();

    // Compression is on by default; the other settings (windows, context takeover,
    // threshold) keep their defaults, which suit many small connections.
    WsKit::CompressionOptions compression;
    compression.setEnabled(!parser.isSet(noCompressionOption));
    compression.setLevel(parser.value(levelOption).toInt());
    WsKit::ConnectionOptions options;
    options.setCompression(compression);
    WsKit::Upgrader upgrader;
    upgrader.setConnectionOptions(options);

    WsKit::Server server;
    server.setUpgrader(upgrader);
    server.setWebSocketPaths({QStringLiteral("/echo")});
    server.setHttpHandler([&page](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        if (request.path() != QStringLiteral("/"))
            return; // 404
        response.setStatusCode(200);
        response.setBody(page, "text/html; charset=utf-8");
    });
    QObject::connect(&server, &WsKit::Server::newConnection, &server, [](WsKit::Connection *connection) {
        const WsKit::CompressionOptions agreed = connection->negotiatedCompression();
        if (agreed.isEnabled()) {
            qInfo("%s connected, compressed (windows: ours %d bits, theirs %d bits)",
                  qPrintable(connection->peerAddress().toString()), agreed.windowBits(), agreed.peerWindowBits());
        } else {
            qInfo("%s connected, uncompressed", qPrintable(connection->peerAddress().toString()));
        }
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
