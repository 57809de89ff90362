// End-to-end echo benchmark: WsKit's Server against QtWebSockets'
// QWebSocketServer under the same client load, in the same run, with the protocol
// core on a bare epoll loop as the baseline of what the machine allows.
//
//   bench_e2e [--quick]              runs every scenario against both servers
//   bench_e2e --only TEXT            only the scenarios whose name contains TEXT ("idle": memory)
//   bench_e2e --serve wskit|qt|epoll (internal) one echo server, prints its port
//
// Each scenario starts a fresh server process, so its CPU time and resident
// memory can be read from /proc apart from the load generator's, which shares
// the machine. The load generator is a client written on the protocol core.

#include "epollechoserver.h"
#include "harness.h"

#include <WsKit/connection.h>
#include <WsKit/server.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QTimer>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

namespace {

using namespace WsKit;
using namespace Harness;

// ---- the servers ------------------------------------------------------------

int serveWsKit()
{
    // The same settings as QtWebSockets, which has no compression.
    CompressionOptions uncompressed;
    uncompressed.setEnabled(false);
    Server *server = startEchoServer(uncompressed);
    if (!server)
        return 1;
    std::printf("port %u\n", unsigned(server->serverPort()));
    std::fflush(stdout);
    return qApp->exec();
}

int serveQtWebSockets()
{
    auto *server = new QWebSocketServer(QStringLiteral("bench"), QWebSocketServer::NonSecureMode, qApp);
    server->setMaxPendingConnections(100000);
    QObject::connect(server, &QWebSocketServer::newConnection, server, [server] {
        while (QWebSocket *socket = server->nextPendingConnection()) {
            socket->setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
            socket->setMaxAllowedIncomingFrameSize(64 * 1024 * 1024);
            QObject::connect(socket, &QWebSocket::textMessageReceived, socket,
                             [socket](const QString &text) { socket->sendTextMessage(text); });
            QObject::connect(socket, &QWebSocket::binaryMessageReceived, socket,
                             [socket](const QByteArray &data) { socket->sendBinaryMessage(data); });
            QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
    if (!server->listen(QHostAddress::LocalHost, 0))
        return 1;
    std::printf("port %u\n", unsigned(server->serverPort()));
    std::fflush(stdout);
    return qApp->exec();
}

struct Scenario {
    const char *name;
    int connections;
    int messagesPerConnection;
    int window;
    Core::MessageType type;
    qsizetype size;
};

struct Result {
    double messagesPerSecond = 0;
    double megabytesPerSecond = 0;
    double serverMicrosecondsPerMessage = 0;
    bool ok = false;
};

QByteArray payloadFor(Core::MessageType type, qsizetype size)
{
    QByteArray payload(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        payload[i] = type == Core::MessageType::Text ? char('a' + i % 26) : char(i * 7);
    if (type == Core::MessageType::Text && size >= 64)
        payload.replace(0, 2, "\xc3\xa9"); // not only ASCII
    return payload;
}

Result runThroughput(const QString &implementation, const Scenario &scenario)
{
    ServerProcess server({QStringLiteral("--serve"), implementation});
    Result result;
    if (!server.port())
        return result;
    const QByteArray payload = payloadFor(scenario.type, scenario.size);
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (int i = 0; i < scenario.connections; ++i) {
        clients.push_back(std::make_unique<LoadClient>(server.port(), scenario.messagesPerConnection, scenario.window,
                                                       scenario.type, QList<QByteArray>{payload}));
    }
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isOpen)); }, 30000))
        return result;
    const double cpuBefore = server.cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    for (auto &client : clients)
        client->start();
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isDone)); }, 300000))
        return result;
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double cpu = server.cpuSeconds() - cpuBefore;
    const double messages = double(scenario.connections) * scenario.messagesPerConnection;
    qint64 bytes = 0;
    for (auto &client : clients)
        bytes += client->receivedBytes();
    result.messagesPerSecond = messages / seconds;
    result.megabytesPerSecond = double(bytes) / seconds / 1e6;
    result.serverMicrosecondsPerMessage = cpu * 1e6 / messages;
    result.ok = true;
    return result;
}

// Resident bytes the server needs per open, idle connection.
double runIdle(const QString &implementation, int connections)
{
    ServerProcess server({QStringLiteral("--serve"), implementation});
    if (!server.port())
        return 0;
    // One connection first, so one-time allocations are not counted.
    const QList<QByteArray> none{QByteArray()};
    auto warmup = std::make_unique<LoadClient>(server.port(), 0, 1, Core::MessageType::Binary, none);
    if (!waitUntil([&] { return warmup->isOpen(); }, 10000))
        return 0;
    waitUntil([] { return false; }, 300); // let the server settle
    const qint64 before = server.residentBytes();
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (int i = 0; i < connections; ++i) {
        clients.push_back(std::make_unique<LoadClient>(server.port(), 0, 1, Core::MessageType::Binary, none));
        if (i % 200 == 199)
            waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isOpen)); }, 30000);
    }
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isOpen)); }, 60000))
        return 0;
    waitUntil([] { return false; }, 500);
    return double(server.residentBytes() - before) / connections;
}

void printRow(const char *what, const char *implementation, const Result &result)
{
    std::printf("  %-24s %-13s %12.0f %10.1f %14.2f\n", what, implementation, result.messagesPerSecond,
                result.megabytesPerSecond, result.serverMicrosecondsPerMessage);
}

int runAll(bool quick, const QString &only)
{
    const int scale = quick ? 10 : 1;
    const std::vector<Scenario> scenarios = {
        {"16 B binary, 100 conns", 100, 4000 / scale, 8, Core::MessageType::Binary, 16},
        {"64 KiB binary, 10 conns", 10, 600 / scale, 4, Core::MessageType::Binary, 64 * 1024},
        {"1 MiB text, 4 conns", 4, 60 / scale, 2, Core::MessageType::Text, 1024 * 1024},
    };
    std::printf("echo round trips over loopback; server CPU = user+system time of the server process\n\n");
    std::printf("  %-24s %-13s %12s %10s %14s\n", "scenario", "server", "messages/s", "MB/s", "CPU us/msg");
    for (const Scenario &scenario : scenarios) {
        if (!QString::fromLatin1(scenario.name).contains(only))
            continue;
        const Result wskit = runThroughput(QStringLiteral("wskit"), scenario);
        const Result qt = runThroughput(QStringLiteral("qt"), scenario);
        const Result epoll = runThroughput(QStringLiteral("epoll"), scenario);
        if (!wskit.ok || !qt.ok || !epoll.ok) {
            std::printf("  %-24s failed\n", scenario.name);
            return 1;
        }
        printRow(scenario.name, "WsKit", wskit);
        printRow("", "QtWebSockets", qt);
        printRow("", "core on epoll", epoll);
        std::printf("  %-24s %-13s %11.2fx %9.2fx %13.2fx\n", "", "WsKit/Qt", wskit.messagesPerSecond / qt.messagesPerSecond,
                    wskit.megabytesPerSecond / qt.megabytesPerSecond,
                    wskit.serverMicrosecondsPerMessage / qt.serverMicrosecondsPerMessage);
        std::printf("  %-24s %-13s %11.2fx %9.2fx %13.2fx\n", "", "WsKit/epoll",
                    wskit.messagesPerSecond / epoll.messagesPerSecond, wskit.megabytesPerSecond / epoll.megabytesPerSecond,
                    wskit.serverMicrosecondsPerMessage / epoll.serverMicrosecondsPerMessage);
    }
    if (!QStringLiteral("idle").contains(only))
        return 0;
    const int idle = quick ? 500 : 5000;
    const double wskitIdle = runIdle(QStringLiteral("wskit"), idle);
    const double qtIdle = runIdle(QStringLiteral("qt"), idle);
    const double epollIdle = runIdle(QStringLiteral("epoll"), idle);
    std::printf("\n  resident memory per idle connection (%d connections)\n", idle);
    std::printf("  %-24s %-13s %10.0f bytes\n", "", "WsKit", wskitIdle);
    std::printf("  %-24s %-13s %10.0f bytes\n", "", "QtWebSockets", qtIdle);
    std::printf("  %-24s %-13s %10.0f bytes\n", "", "core on epoll", epollIdle);
    std::printf("  %-24s %-13s %10.2fx\n", "", "WsKit/Qt", qtIdle > 0 ? wskitIdle / qtIdle : 0.0);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    const qsizetype serve = arguments.indexOf(QStringLiteral("--serve"));
    if (serve >= 0 && serve + 1 < arguments.size()) {
        const QString implementation = arguments.at(serve + 1);
        if (implementation == QStringLiteral("qt"))
            return serveQtWebSockets();
        return implementation == QStringLiteral("epoll") ? serveCoreOnEpoll() : serveWsKit();
    }
    const qsizetype only = arguments.indexOf(QStringLiteral("--only"));
    return runAll(arguments.contains(QStringLiteral("--quick")),
                  only >= 0 && only + 1 < arguments.size() ? arguments.at(only + 1) : QString());
}
