// File watch server: serves a page at / that shows a file and updates it over a
// WebSocket (/ws) whenever the file changes (as gorilla's filewatch example, with
// QFileSystemWatcher instead of polling).
//
//   filewatch [--port 8080] [--bind 127.0.0.1] FILE
//   then open http://127.0.0.1:8080/ in a browser and edit FILE

#include "filewatcher.h"

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
    parser.setApplicationDescription(QStringLiteral("Shows a file in a page, live"));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Port to listen on (0: any free port)."),
                                        QStringLiteral("port"), QStringLiteral("8080"));
    const QCommandLineOption bindOption(QStringLiteral("bind"),
                                        QStringLiteral("Address to listen on. Anyone who reaches it reads the file."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    parser.addOptions({portOption, bindOption});
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The file to show."));
    parser.process(app);
    if (parser.positionalArguments().size() != 1)
        parser.showHelp(1);

    QFile pageFile(QStringLiteral(":/home.html"));
    if (!pageFile.open(QIODevice::ReadOnly))
        qFatal("the page resource is missing");
    const QByteArray page = pageFile.readAll();

    FileWatcher watcher(parser.positionalArguments().constFirst());
    WsKit::Server server;
    server.setWebSocketPaths({QStringLiteral("/ws")});
    server.setHttpHandler([&page](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        if (request.path() != QStringLiteral("/"))
            return; // 404
        response.setStatusCode(200);
        response.setBody(page, "text/html; charset=utf-8");
    });
    QObject::connect(&server, &WsKit::Server::newConnection, &watcher, &FileWatcher::add);

    const QHostAddress address(parser.value(bindOption));
    const quint16 port = parser.value(portOption).toUShort();
    if (!server.listen(address, port)) {
        qCritical("cannot listen on %s:%u: %s", qPrintable(address.toString()), unsigned(port),
                  qPrintable(server.errorString()));
        return 1;
    }
    qInfo("showing %s at http://%s:%u/", qPrintable(parser.positionalArguments().constFirst()),
          qPrintable(address.toString()), unsigned(server.serverPort()));
    return app.exec();
}
