// Uses the installed Qt layer: a Server with the default Upgrader listens on a
// free loopback port.
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    WsKit::Server server;
    server.setUpgrader(WsKit::Upgrader());
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 1;
    std::printf("listening on %u\n", unsigned(server.serverPort()));
    return server.serverPort() != 0 ? 0 : 1;
}
