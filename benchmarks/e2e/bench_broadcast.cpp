// One message broadcast to many connections: the server's CPU per broadcast when
// each connection is sent it with sendText() (the message encoded for every
// connection), with sendMessage() on the UTF-8 bytes, and with one PreparedMessage
// (encoded once per kind of connection), uncompressed and with permessage-deflate
// with and without the server's context takeover.
//
//   bench_broadcast [--quick] [--connections N]
//   bench_broadcast --serve SIZE           (internal) the server; prints its port
//
// The server runs in its own process; a load generator on the core holds the
// connections and reads everything. Each broadcast is one line on the server's
// standard input naming the way to send; the next goes once every connection
// received the previous one. CPU is the server process's user+system time
// (getrusage), from before the first broadcast until every connection received the
// last one.

#include "corpus.h"
#include "harness.h"

#include <WsKit/preparedmessage.h>
#include <WsKit/upgrader.h>

#include <QtCore/QSocketNotifier>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace {

using namespace WsKit;
using namespace Harness;

// ---- the server ---------------------------------------------------------------

// Microseconds of user+system CPU time this process used so far.
qint64 cpuMicroseconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return qint64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 + usage.ru_utime.tv_usec
        + usage.ru_stime.tv_usec;
}

// Answers "cpu" with its CPU time, and a way to send with "sent" once it sent the
// next message of the corpus that way to every connection.
int serve(qsizetype size)
{
    const QByteArray corpus = QByteArray::fromStdString(BenchmarkCorpus::jsonText());
    auto *server = new Server(qApp);
    ConnectionOptions options;
    options.setMaxBufferedAmount(256 * 1024 * 1024);
    Upgrader upgrader;
    upgrader.setConnectionOptions(options); // compression on, as the client offers
    server->setUpgrader(upgrader);
    server->setMaxConnections(100000);
    server->setMaxPendingHandshakes(100000);
    auto *connections = new QList<Connection *>;
    QObject::connect(server, &Server::newConnection, server,
                     [connections](Connection *connection) { connections->append(connection); });
    if (!server->listen(QHostAddress::LocalHost, 0))
        return 1;

    auto *input = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, qApp);
    QObject::connect(input, &QSocketNotifier::activated, qApp, [connections, corpus, size, next = qsizetype(0)]() mutable {
        char line[64];
        const ssize_t length = ::read(STDIN_FILENO, line, sizeof line - 1);
        if (length <= 0) {
            QCoreApplication::quit();
            return;
        }
        const QByteArray command = QByteArray(line, qsizetype(length)).trimmed();
        if (command == "cpu") {
            std::printf("cpu %lld\n", static_cast<long long>(cpuMicroseconds()));
            std::fflush(stdout);
            return;
        }
        // Each broadcast a different message, as in a chat: compression with
        // context takeover must not gain from repeats that real traffic lacks.
        const QByteArray utf8 = corpus.mid(next, size);
        next = (next + size) % (corpus.size() - size);
        if (command == "sendText") {
            const QString text = QString::fromUtf8(utf8);
            for (Connection *connection : std::as_const(*connections))
                connection->sendText(text);
        } else if (command == "sendMessage") {
            for (Connection *connection : std::as_const(*connections))
                connection->sendMessage(utf8, Connection::MessageType::Text);
        } else if (command == "sendPrepared") {
            const PreparedMessage message(utf8, Connection::MessageType::Text);
            for (Connection *connection : std::as_const(*connections))
                connection->sendPrepared(message);
        }
        std::printf("sent\n");
        std::fflush(stdout);
    });
    std::printf("port %u\n", unsigned(server->serverPort()));
    std::fflush(stdout);
    return qApp->exec();
}

// ---- the load ------------------------------------------------------------------

struct Scenario {
    const char *connectionKind;
    std::optional<Core::DeflateConfig> offer;
};

struct Result {
    double microsecondsPerBroadcast = 0;
    double wireBytesPerMessage = 0;
    bool ok = false;
};

// Broadcasts `count` times to `connections` connections of this kind, sent `how`.
Result run(const Scenario &scenario, const char *how, qsizetype size, int connections, int count)
{
    ServerProcess server({QStringLiteral("--serve"), QString::number(size)});
    Result result;
    if (!server.port())
        return result;
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (int i = 0; i < connections; ++i) {
        // Receives only: it never sends a message of its own.
        clients.push_back(
            std::make_unique<LoadClient>(server.port(), 0, 0, Core::MessageType::Text, QList<QByteArray>{}, scenario.offer));
    }
    const auto compressedAsOffered = [&scenario](const LoadClient &client) {
        return client.isOpen() && client.isCompressed() == scenario.offer.has_value();
    };
    if (!waitUntil([&] { return allClients(clients, compressedAsOffered); }, 60000))
        return result;

    const auto received = [&clients](qint64 bytes) {
        return allClients(clients, [bytes](const LoadClient &client) { return client.receivedBytes() >= bytes; });
    };
    const qint64 cpuBefore = server.ask("cpu").mid(4).toLongLong();
    for (int i = 1; i <= count; ++i) {
        server.ask(how);
        if (!waitUntil([&] { return received(i * size); }, 60000))
            return result;
    }
    const double cpu = double(server.ask("cpu").mid(4).toLongLong() - cpuBefore) / 1e6;
    qint64 wire = 0;
    for (const auto &client : clients)
        wire += client->wireBytesReceived();
    result.microsecondsPerBroadcast = cpu * 1e6 / count;
    result.wireBytesPerMessage = double(wire) / double(connections) / count;
    result.ok = true;
    return result;
}

Core::DeflateConfig offer(bool serverNoContextTakeover)
{
    Core::DeflateConfig config;
    config.serverNoContextTakeover = serverNoContextTakeover;
    return config;
}

int runAll(bool quick, int connections)
{
    const std::vector<Scenario> scenarios = {
        {"uncompressed", std::nullopt},
        {"deflate, no context takeover", offer(true)},
        {"deflate, context takeover", offer(false)},
    };
    const QList<qsizetype> sizes = {256, 4096};
    std::printf("one JSON text message broadcast to %d connections over loopback (server defaults:\n"
                "level 1, memLevel 5, window 12); CPU = the server process's user+system time\n\n",
                connections);
    std::printf("  %-7s %-30s %-12s %14s %14s %12s\n", "message", "connections", "sent with", "CPU us/bcast",
                "us/connection", "wire B/msg");
    for (const qsizetype size : sizes) {
        for (const Scenario &scenario : scenarios) {
            const bool compressing = scenario.offer.has_value();
            const int count = (compressing ? 20 : 100) / (quick ? 5 : 1);
            for (const char *how : {"sendText", "sendMessage", "sendPrepared"}) {
                const Result result = run(scenario, how, size, connections, count);
                if (!result.ok) {
                    std::printf("  %-7lld %-30s %-12s failed\n", static_cast<long long>(size), scenario.connectionKind,
                                how);
                    return 1;
                }
                std::printf("  %-7lld %-30s %-12s %14.0f %14.2f %12.0f\n", static_cast<long long>(size),
                            scenario.connectionKind, how, result.microsecondsPerBroadcast,
                            result.microsecondsPerBroadcast / connections, result.wireBytesPerMessage);
                std::fflush(stdout);
            }
        }
    }
    return 0;
}

// Each connection is a descriptor in both processes.
void raiseDescriptorLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    raiseDescriptorLimit();
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    const qsizetype serveAt = arguments.indexOf(QStringLiteral("--serve"));
    if (serveAt >= 0 && serveAt + 1 < arguments.size())
        return serve(arguments.at(serveAt + 1).toLongLong());
    const qsizetype connectionsAt = arguments.indexOf(QStringLiteral("--connections"));
    const int connections =
        connectionsAt >= 0 && connectionsAt + 1 < arguments.size() ? arguments.at(connectionsAt + 1).toInt() : 1000;
    return runAll(arguments.contains(QStringLiteral("--quick")), connections);
}
