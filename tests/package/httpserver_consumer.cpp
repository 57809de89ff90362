// Uses the installed WsKit::HttpServer component: a QHttpServer bound to a Server
// that listens on a free loopback port.
#include <WsKit/HttpServer/bindhttpserver.h>
#include <WsKit/server.h>

#include <QtCore/QCoreApplication>
#include <QtHttpServer/QHttpServer>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QHttpServer http;
    http.route(QStringLiteral("/"), [] { return QStringLiteral("page"); });
    WsKit::Server server;
    if (!WsKit::bindHttpServer(&server, &http) || !server.listen(QHostAddress::LocalHost, 0))
        return 1;
    std::printf("pages and WebSockets on %u\n", unsigned(server.serverPort()));
    return 0;
}
