// Command server: runs a command for each page that connects and connects the
// command's stdout and stderr to the page, and the page's input to its stdin, over
// a WebSocket (as gorilla's command example). The process ends when the page goes.
//
//   command [--port 8080] [--bind 127.0.0.1] -- PROGRAM [ARGUMENTS...]
//   e.g. command -- bc -q, then open http://127.0.0.1:8080/ in a browser
//
// Whoever reaches the port runs the command: it listens on 127.0.0.1 unless told
// otherwise.

#include "session.h"

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
    parser.setApplicationDescription(QStringLiteral("Runs a command for each page that connects"));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Port to listen on (0: any free port)."),
                                        QStringLiteral("port"), QStringLiteral("8080"));
    const QCommandLineOption bindOption(QStringLiteral("bind"),
                                        QStringLiteral("Address to listen on. Anyone who reaches it runs the command."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    parser.addOptions({portOption, bindOption});
    parser.addPositionalArgument(QStringLiteral("program"), QStringLiteral("The command to run."));
    parser.addPositionalArgument(QStringLiteral("arguments"), QStringLiteral("Its arguments."),
                                 QStringLiteral("[arguments...]"));
    parser.process(app);
    QStringList command = parser.positionalArguments();
    if (command.isEmpty())
        parser.showHelp(1);
    const QString program = command.takeFirst();

    QFile pageFile(QStringLiteral(":/home.html"));
    if (!pageFile.open(QIODevice::ReadOnly))
        qFatal("the page resource is missing");
    const QByteArray page = pageFile.readAll();

    WsKit::Server server;
    server.setWebSocketPaths({QStringLiteral("/ws")});
    // Every connection is a process: a few at a time are plenty for a console.
    server.setMaxConnections(8);
    server.setHttpHandler([&page](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        if (request.path() != QStringLiteral("/"))
            return; // 404
        response.setStatusCode(200);
        response.setBody(page, "text/html; charset=utf-8");
    });
    QObject::connect(&server, &WsKit::Server::newConnection, &server,
                     [&program, &command](WsKit::Connection *connection) {
                         new Session(connection, program, command);
                     });

    const QHostAddress address(parser.value(bindOption));
    const quint16 port = parser.value(portOption).toUShort();
    if (!server.listen(address, port)) {
        qCritical("cannot listen on %s:%u: %s", qPrintable(address.toString()), unsigned(port),
                  qPrintable(server.errorString()));
        return 1;
    }
    if (!address.isLoopback())
        qWarning("listening on %s: anyone who reaches it can run %s", qPrintable(address.toString()),
                 qPrintable(program));
    qInfo("running %s for every page at http://%s:%u/", qPrintable(program), qPrintable(address.toString()),
          unsigned(server.serverPort()));
    return app.exec();
}
