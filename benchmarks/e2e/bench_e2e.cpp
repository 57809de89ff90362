// End-to-end benchmark: WsKit's Server against QtWebSockets' QWebSocketServer and
// against the protocol core on a bare epoll loop (the limit of what the machine
// allows), under the same load, in one run:
//
//   - echo round trips: CPU per message, throughput, and the round trip at one
//     message in flight (p50, p99), for the cases of issue 13;
//   - the small-message case on 0, 1 and 2 worker threads;
//   - a broadcast from one client to 1,000;
//   - resident bytes per idle connection (5,000 and 20,000), also with
//     compression negotiated, and after one message each way;
//   - resident memory and heap over cycles of opening and closing connections.
//
//   bench_e2e [--quick] [--only TEXT] [--repeat N]
//                                       every part whose name contains TEXT
//                                       (echo, workers, broadcast, idle, churn);
//                                       echo and worker runs N times each,
//                                       interleaved, reporting medians (default 3;
//                                       1 with --quick)
//   bench_e2e --serve KIND [--workers N] [--broadcast [--prepared]] [--cpus FIRST,COUNT]
//                                       (internal) one server, prints its port;
//                                       KIND: wskit, wskit-deflate, qt, epoll
//   bench_e2e --drive PORT SCENARIO     the load of echo scenario SCENARIO (0-3)
//                                       against a server started by hand, e.g.
//                                       under a profiler
//
// Each measurement starts a fresh server process, so its CPU time and resident
// memory can be read from /proc apart from the load generator's. The generator is
// written on the protocol core over bare sockets. On a machine with two or more
// CPUs the server runs on CPU 0 and the generator on CPU 1 (the worker runs give
// the server every CPU). BENCH_SERVER_WRAPPER runs the servers under a tool, e.g.
// BENCH_SERVER_WRAPPER="valgrind --tool=callgrind".

#include "epollechoserver.h"
#include "harness.h"

#include <WsKit/connection.h>
#include <WsKit/preparedmessage.h>
#include <WsKit/server.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

namespace {

using namespace WsKit;
using namespace Harness;

// ---- the servers ------------------------------------------------------------

int serveWsKit(bool compressed, int workers, bool broadcast, bool prepared)
{
    CompressionOptions compression;
    // The same settings as QtWebSockets, which has no compression, unless asked.
    compression.setEnabled(compressed);
    Server *server = startEchoServer(compression, broadcast ? 0 : workers);
    if (!server)
        return 1;
    if (broadcast) {
        // Every message goes to every connection, the sender's included.
        QObject::disconnect(server, &Server::newConnection, nullptr, nullptr);
        QObject::connect(server, &Server::newConnection, server, [server, prepared](Connection *connection) {
            QObject::connect(connection, &Connection::messageReceived, server,
                             [server, prepared](const QByteArray &payload, Connection::MessageType type) {
                                 const QList<Connection *> all = server->connections();
                                 if (prepared) {
                                     // Encoded once for every connection.
                                     const PreparedMessage message(payload, type);
                                     for (Connection *each : all)
                                         each->sendPrepared(message);
                                     return;
                                 }
                                 for (Connection *each : all)
                                     each->sendMessage(payload, type);
                             });
        });
    }
    answerOnStandardInput([server] { return server->connectionCount(); });
    std::printf("port %u\n", unsigned(server->serverPort()));
    std::fflush(stdout);
    return qApp->exec();
}

int serveQtWebSockets(bool broadcast)
{
    auto *server = new QWebSocketServer(QStringLiteral("bench"), QWebSocketServer::NonSecureMode, qApp);
    server->setMaxPendingConnections(100000);
    auto *sockets = new QList<QWebSocket *>;
    QObject::connect(server, &QWebSocketServer::newConnection, server, [server, sockets, broadcast] {
        while (QWebSocket *socket = server->nextPendingConnection()) {
            sockets->append(socket);
            socket->setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
            socket->setMaxAllowedIncomingFrameSize(64 * 1024 * 1024);
            QObject::connect(socket, &QWebSocket::textMessageReceived, socket, [socket, sockets, broadcast](const QString &text) {
                for (QWebSocket *each : broadcast ? *sockets : QList<QWebSocket *>{socket})
                    each->sendTextMessage(text);
            });
            QObject::connect(socket, &QWebSocket::binaryMessageReceived, socket,
                             [socket, sockets, broadcast](const QByteArray &data) {
                                 for (QWebSocket *each : broadcast ? *sockets : QList<QWebSocket *>{socket})
                                     each->sendBinaryMessage(data);
                             });
            QObject::connect(socket, &QWebSocket::disconnected, socket, [socket, sockets] {
                sockets->removeOne(socket);
                socket->deleteLater();
            });
        }
    });
    if (!server->listen(QHostAddress::LocalHost, 0))
        return 1;
    answerOnStandardInput([sockets] { return int(sockets->size()); });
    std::printf("port %u\n", unsigned(server->serverPort()));
    std::fflush(stdout);
    return qApp->exec();
}

int serve(const QStringList &arguments)
{
    const QString kind = arguments.at(arguments.indexOf(QStringLiteral("--serve")) + 1);
    const qsizetype workersAt = arguments.indexOf(QStringLiteral("--workers"));
    const int workers = workersAt >= 0 ? arguments.value(workersAt + 1).toInt() : 0;
    const bool broadcast = arguments.contains(QStringLiteral("--broadcast"));
    const bool prepared = arguments.contains(QStringLiteral("--prepared"));
    const qsizetype cpusAt = arguments.indexOf(QStringLiteral("--cpus"));
    if (cpusAt >= 0) {
        const QStringList cpus = arguments.value(cpusAt + 1).split(QLatin1Char(','));
        pinToCpus(cpus.value(0).toInt(), cpus.value(1).toInt());
    }
    raiseDescriptorLimit(50000);
    if (kind == QStringLiteral("qt"))
        return serveQtWebSockets(broadcast);
    if (kind == QStringLiteral("epoll"))
        return serveCoreOnEpoll(broadcast);
    return serveWsKit(kind == QStringLiteral("wskit-deflate"), workers, broadcast, prepared);
}

// ---- what runs --------------------------------------------------------------

// One server under test: what runs and how it is named in the tables.
struct Subject {
    const char *name;
    QStringList arguments;
    QStringList environment;
};

const Subject WsKitDescriptor{"WsKit", {QStringLiteral("--serve"), QStringLiteral("wskit")}, {}};
// The same server with every connection on Qt's socket: the transport before the
// descriptor one, and what TLS and proxies still use.
const Subject WsKitSocket{"WsKit (socket)", {QStringLiteral("--serve"), QStringLiteral("wskit")},
                          {QStringLiteral("WSKIT_TRANSPORT=socket")}};
// Broadcasts as one PreparedMessage, encoded once for all connections.
const Subject WsKitPrepared{"WsKit (prepared)",
                            {QStringLiteral("--serve"), QStringLiteral("wskit"), QStringLiteral("--prepared")},
                            {}};
const Subject QtWebSockets{"QtWebSockets", {QStringLiteral("--serve"), QStringLiteral("qt")}, {}};
const Subject Epoll{"core on epoll", {QStringLiteral("--serve"), QStringLiteral("epoll")}, {}};

// The server on CPU 0, the generator (pinned in main()) on CPU 1.
QStringList onOneCpu(QStringList arguments)
{
    return arguments << QStringLiteral("--cpus") << QStringLiteral("0,1");
}

QByteArray payloadFor(Core::MessageType type, qsizetype size)
{
    QByteArray payload(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        payload[i] = type == Core::MessageType::Text ? char('a' + i % 26) : char(i * 7);
    if (type == Core::MessageType::Text && size >= 64)
        payload.replace(0, 2, "\xc3\xa9"); // not only ASCII
    return payload;
}

double ratio(double value, double reference)
{
    return reference > 0 ? value / reference : 0;
}

// ---- echo round trips -------------------------------------------------------

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
    double p50 = 0; // round trip, microseconds
    double p99 = 0;
    bool ok = false;
};

// The scenario's load against the server at port; cpuSeconds reads the server's
// CPU time (0 when unknown).
Result runEchoLoad(quint16 port, const std::function<double()> &cpuSeconds, const Scenario &scenario)
{
    Result result;
    const QByteArray payload = payloadFor(scenario.type, scenario.size);
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (int i = 0; i < scenario.connections; ++i) {
        clients.push_back(std::make_unique<LoadClient>(port, scenario.messagesPerConnection, scenario.window,
                                                       scenario.type, QList<QByteArray>{payload}));
        clients.back()->setTiming(true);
    }
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isOpen)); }, 60000))
        return result;
    const double cpuBefore = cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    for (auto &client : clients)
        client->start();
    if (!waitUntil([&] { return allClients(clients, [](const LoadClient &c) { return c.isDone() || c.failed(); }); },
                   3600000)
        || !allClients(clients, std::mem_fn(&LoadClient::isDone))) {
        return result;
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double cpu = cpuSeconds() - cpuBefore;
    const double messages = double(scenario.connections) * scenario.messagesPerConnection;
    qint64 bytes = 0;
    std::vector<qint64> roundTrips;
    for (auto &client : clients) {
        bytes += client->receivedBytes();
        roundTrips.insert(roundTrips.end(), client->roundTrips().begin(), client->roundTrips().end());
    }
    std::sort(roundTrips.begin(), roundTrips.end());
    result.messagesPerSecond = messages / seconds;
    result.megabytesPerSecond = double(bytes) / seconds / 1e6;
    result.serverMicrosecondsPerMessage = cpu * 1e6 / messages;
    if (!roundTrips.empty()) {
        result.p50 = double(roundTrips[roundTrips.size() / 2]) / 1e3;
        result.p99 = double(roundTrips[roundTrips.size() * 99 / 100]) / 1e3;
    }
    result.ok = true;
    return result;
}

Result runEcho(const QStringList &arguments, const QStringList &environment, const Scenario &scenario)
{
    ServerProcess server(arguments, environment);
    if (!server.port())
        return {};
    return runEchoLoad(server.port(), [&server] { return server.cpuSeconds(); }, scenario);
}

// How often each echo and worker measurement runs; its median is reported.
int g_repeat = 3;

// The median of each figure over runs (each a fresh server process): a shared
// machine slows single runs down, and rarely the middle one.
Result median(std::vector<Result> runs)
{
    Result result;
    result.ok = !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const Result &r) { return r.ok; });
    if (!result.ok)
        return result;
    const auto middle = [&runs](double Result::*field) {
        std::vector<double> values;
        for (const Result &run : runs)
            values.push_back(run.*field);
        std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(values.size() / 2), values.end());
        return values[values.size() / 2];
    };
    result.messagesPerSecond = middle(&Result::messagesPerSecond);
    result.megabytesPerSecond = middle(&Result::megabytesPerSecond);
    result.serverMicrosecondsPerMessage = middle(&Result::serverMicrosecondsPerMessage);
    result.p50 = middle(&Result::p50);
    result.p99 = middle(&Result::p99);
    return result;
}

// Each server g_repeat times, taking turns, so that a slow spell of the machine
// touches them alike; the median of each.
std::vector<Result> runEchoRounds(const std::vector<std::pair<QStringList, QStringList>> &servers,
                                  const Scenario &scenario)
{
    std::vector<std::vector<Result>> runs(servers.size());
    for (int round = 0; round < g_repeat; ++round) {
        for (std::size_t i = 0; i < servers.size(); ++i)
            runs[i].push_back(runEcho(servers[i].first, servers[i].second, scenario));
    }
    std::vector<Result> results;
    for (std::vector<Result> &each : runs)
        results.push_back(median(std::move(each)));
    return results;
}

void printEchoRow(const char *scenario, const char *server, const Result &result)
{
    std::printf("  %-34s %-15s %11.0f %9.1f %10.2f %9.0f %9.0f\n", scenario, server, result.messagesPerSecond,
                result.megabytesPerSecond, result.serverMicrosecondsPerMessage, result.p50, result.p99);
}

void printEchoRatio(const char *what, const Result &result, const Result &reference)
{
    std::printf("  %-34s %-15s %10.2fx %8.2fx %9.2fx %8.2fx %8.2fx\n", "", what,
                ratio(result.messagesPerSecond, reference.messagesPerSecond),
                ratio(result.megabytesPerSecond, reference.megabytesPerSecond),
                ratio(result.serverMicrosecondsPerMessage, reference.serverMicrosecondsPerMessage),
                ratio(result.p50, reference.p50), ratio(result.p99, reference.p99));
}

std::vector<Scenario> echoScenarios(bool quick)
{
    // About a second each on a current machine; a tenth of it with --quick.
    const int scale = quick ? 10 : 1;
    return {
        {"16 B text, 1 conn x 1 in flight", 1, 40000 / scale, 1, Core::MessageType::Text, 16},
        {"16 B binary, 64 conns x 8 in flight", 64, 12000 / scale, 8, Core::MessageType::Binary, 16},
        {"64 KiB binary, 8 conns x 4 in flight", 8, 4000 / scale, 4, Core::MessageType::Binary, 64 * 1024},
        {"1 MiB text, 1 conn x 2 in flight", 1, 1000 / scale, 2, Core::MessageType::Text, 1024 * 1024},
    };
}

bool runEchoes(bool quick)
{
    const std::vector<Scenario> scenarios = echoScenarios(quick);
    std::printf("echo round trips over loopback; CPU = user+system time of the server process per message;\n"
                "p50/p99 = round trip of each message as the generator sees it; medians of %d runs\n\n",
                g_repeat);
    std::printf("  %-34s %-15s %11s %9s %10s %9s %9s\n", "scenario", "server", "messages/s", "MB/s", "CPU us/msg",
                "p50 us", "p99 us");
    for (const Scenario &scenario : scenarios) {
        const std::vector<Result> results =
            runEchoRounds({{onOneCpu(WsKitDescriptor.arguments), WsKitDescriptor.environment},
                           {onOneCpu(WsKitSocket.arguments), WsKitSocket.environment},
                           {onOneCpu(QtWebSockets.arguments), QtWebSockets.environment},
                           {onOneCpu(Epoll.arguments), Epoll.environment}},
                          scenario);
        const Result &wskit = results[0];
        const Result &socket = results[1];
        const Result &qt = results[2];
        const Result &epoll = results[3];
        if (!wskit.ok || !socket.ok || !qt.ok || !epoll.ok) {
            std::printf("  %-34s failed\n", scenario.name);
            return false;
        }
        printEchoRow(scenario.name, WsKitDescriptor.name, wskit);
        printEchoRow("", WsKitSocket.name, socket);
        printEchoRow("", QtWebSockets.name, qt);
        printEchoRow("", Epoll.name, epoll);
        printEchoRatio("WsKit/epoll", wskit, epoll);
        printEchoRatio("WsKit/Qt", wskit, qt);
        std::fflush(stdout);
    }
    return true;
}

// ---- worker threads ---------------------------------------------------------

bool runWorkers(bool quick)
{
    const Scenario scenario = echoScenarios(quick).at(1);
    std::printf("\nworker threads: %s, the server on every CPU (%ld here)\n\n", scenario.name,
                sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("  %-34s %11s %10s\n", "server", "messages/s", "CPU us/msg");
    std::vector<std::pair<QStringList, QStringList>> servers;
    for (int workers = 0; workers <= 2; ++workers) {
        servers.push_back(
            {WsKitDescriptor.arguments + QStringList{QStringLiteral("--workers"), QString::number(workers)}, {}});
    }
    const std::vector<Result> byWorkers = runEchoRounds(servers, scenario);
    for (int workers = 0; workers <= 2; ++workers) {
        if (!byWorkers[workers].ok) {
            std::printf("  %d workers: failed\n", workers);
            return false;
        }
        const QByteArray name = workers == 0 ? QByteArray("WsKit, no workers (server's thread)")
                                             : "WsKit, " + QByteArray::number(workers) + " worker(s)";
        std::printf("  %-34s %11.0f %10.2f\n", name.constData(), byWorkers[workers].messagesPerSecond,
                    byWorkers[workers].serverMicrosecondsPerMessage);
    }
    std::printf("  %-34s %10.2fx %9.2fx\n", "2 workers / 1 worker",
                ratio(byWorkers[2].messagesPerSecond, byWorkers[1].messagesPerSecond),
                ratio(byWorkers[2].serverMicrosecondsPerMessage, byWorkers[1].serverMicrosecondsPerMessage));
    std::fflush(stdout);
    return true;
}

// ---- broadcast --------------------------------------------------------------

struct BroadcastResult {
    double broadcastsPerSecond = 0;
    double serverMicrosecondsPerDelivery = 0;
    bool ok = false;
};

// `receivers` clients listen; one more publishes `count` messages, each after the
// previous one came back to it; done when every receiver has every message.
BroadcastResult runBroadcast(const Subject &subject, int receivers, int count)
{
    ServerProcess server(onOneCpu(subject.arguments + QStringList{QStringLiteral("--broadcast")}), subject.environment);
    BroadcastResult result;
    if (!server.port())
        return result;
    const QByteArray payload = payloadFor(Core::MessageType::Binary, 16);
    std::vector<std::unique_ptr<LoadClient>> listeners;
    for (int i = 0; i < receivers; ++i) {
        listeners.push_back(std::make_unique<LoadClient>(server.port(), count, 1, Core::MessageType::Binary,
                                                         QList<QByteArray>{}));
        if (i % 200 == 199 && !waitUntil([&] { return allClients(listeners, std::mem_fn(&LoadClient::isOpen)); }, 30000))
            return result;
    }
    LoadClient publisher(server.port(), count, 1, Core::MessageType::Binary, {payload});
    if (!waitUntil([&] { return publisher.isOpen() && allClients(listeners, std::mem_fn(&LoadClient::isOpen)); }, 60000)
        || !waitUntil([&] { return server.askNumber("connections") == receivers + 1; }, 30000)) {
        return result;
    }
    const double cpuBefore = server.cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    publisher.start();
    if (!waitUntil([&] { return publisher.isDone() && allClients(listeners, std::mem_fn(&LoadClient::isDone)); },
                   600000)) {
        return result;
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double cpu = server.cpuSeconds() - cpuBefore;
    result.broadcastsPerSecond = count / seconds;
    result.serverMicrosecondsPerDelivery = cpu * 1e6 / (double(count) * (receivers + 1));
    result.ok = true;
    return result;
}

bool runBroadcasts(bool quick)
{
    constexpr int Receivers = 1000;
    const int count = quick ? 50 : 500;
    std::printf("\nbroadcast: one client publishes 16 B messages, the server sends each to all %d + 1\n"
                "connections; CPU per delivered message\n\n",
                Receivers);
    std::printf("  %-34s %13s %16s\n", "server", "broadcasts/s", "CPU us/delivery");
    BroadcastResult results[5];
    const Subject *subjects[5] = {&WsKitDescriptor, &WsKitSocket, &QtWebSockets, &Epoll, &WsKitPrepared};
    for (int i = 0; i < 5; ++i) {
        results[i] = runBroadcast(*subjects[i], Receivers, count);
        if (!results[i].ok) {
            std::printf("  %-34s failed\n", subjects[i]->name);
            return false;
        }
        std::printf("  %-34s %13.0f %16.3f\n", subjects[i]->name, results[i].broadcastsPerSecond,
                    results[i].serverMicrosecondsPerDelivery);
    }
    const auto printRatio = [&results](const char *what, int of, int to) {
        std::printf("  %-34s %12.2fx %15.2fx\n", what, ratio(results[of].broadcastsPerSecond, results[to].broadcastsPerSecond),
                    ratio(results[of].serverMicrosecondsPerDelivery, results[to].serverMicrosecondsPerDelivery));
    };
    printRatio("WsKit/epoll", 0, 3);
    printRatio("WsKit/Qt", 0, 2);
    printRatio("WsKit (prepared)/epoll", 4, 3);
    std::fflush(stdout);
    return true;
}

// ---- idle connections -------------------------------------------------------

struct Idle {
    double resident = 0; // bytes per connection
    double heap = 0;     // malloc's bytes in use per connection (-1 when unknown)
    bool ok = false;
};

// Resident bytes the server needs per open, idle connection; with a message,
// each connection first exchanged it (an echo) before going idle.
Idle runIdle(const QStringList &arguments, const QStringList &environment, int connections,
             const std::optional<Core::DeflateConfig> &deflate = std::nullopt, const QByteArray &message = {})
{
    ServerProcess server(arguments, environment);
    Idle idle;
    if (!server.port())
        return idle;
    // One connection first, so one-time allocations are not counted.
    IdleConnections warmup;
    if (!warmup.open(server.port(), 1, deflate, message))
        return idle;
    waitUntil([] { return false; }, 300); // let the server settle
    const qint64 residentBefore = server.residentBytes();
    const qint64 heapBefore = server.askNumber("heap");
    IdleConnections idleConnections;
    if (!idleConnections.open(server.port(), connections, deflate, message))
        return idle;
    if (!waitUntil([&] { return server.askNumber("connections") == connections + 1; }, 60000))
        return idle;
    waitUntil([] { return false; }, 500);
    idle.resident = double(server.residentBytes() - residentBefore) / connections;
    idle.heap = double(server.askNumber("heap") - heapBefore) / connections;
    idle.ok = true;
    return idle;
}

bool runIdles(bool quick)
{
    // The server and this generator each hold one descriptor per connection, and
    // a few more of their own.
    const int most = int(raiseDescriptorLimit(50000)) - 100;
    QList<int> counts;
    for (const int wanted : quick ? QList<int>{500, 2000} : QList<int>{5000, 20000})
        counts.append(std::min(wanted, most));
    std::printf("\nresident bytes per idle connection (VmRSS growth / connections; heap: malloc's bytes in use)\n");
    if (counts.last() < (quick ? 2000 : 20000))
        std::printf("(%d, not more: the descriptor limit is %d; a privileged run raises it)\n", counts.last(), most + 100);
    std::printf("\n");
    std::printf("  %-60s", "server");
    for (int count : counts)
        std::printf(" %8d rss %7s", count, "heap");
    std::printf("\n");
    const QByteArray message = payloadFor(Core::MessageType::Binary, 4096);
    Core::DeflateConfig deflate;
    struct Row {
        const char *what;
        const Subject *subject;
        const char *kind; // overrides the subject's server kind when set
        bool compressed;
        // One message each way first; measured at the first count only, since the
        // figure per connection stays the same.
        bool exchange;
    };
    const Row rows[] = {
        {"WsKit", &WsKitDescriptor, nullptr, false, false},
        {"WsKit, Qt's socket per connection", &WsKitSocket, nullptr, false, false},
        {"QtWebSockets", &QtWebSockets, nullptr, false, false},
        {"core on epoll", &Epoll, nullptr, false, false},
        {"WsKit, compression negotiated, never used", &WsKitDescriptor, "wskit-deflate", true, false},
        {"WsKit, after one 4 KiB message each way", &WsKitDescriptor, nullptr, false, true},
        {"WsKit, Qt's socket, after one 4 KiB message each way", &WsKitSocket, nullptr, false, true},
        {"WsKit, compressed, after one 4 KiB message each way", &WsKitDescriptor, "wskit-deflate", true, true},
    };
    std::vector<std::vector<Idle>> results;
    for (const Row &row : rows) {
        QStringList arguments = row.subject->arguments;
        if (row.kind)
            arguments[1] = QString::fromLatin1(row.kind);
        std::printf("  %-60s", row.what);
        results.emplace_back();
        for (int count : counts) {
            if (row.exchange && count != counts.first())
                break;
            const Idle idle = runIdle(onOneCpu(arguments), row.subject->environment, count,
                                      row.compressed ? std::optional<Core::DeflateConfig>(deflate) : std::nullopt,
                                      row.exchange ? message : QByteArray());
            if (!idle.ok) {
                std::printf(" failed\n");
                return false;
            }
            results.back().push_back(idle);
            std::printf(" %12.0f %7.0f", idle.resident, idle.heap);
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    std::printf("  %-60s", "WsKit/epoll, WsKit/Qt");
    for (std::size_t i = 0; i < std::size_t(counts.size()); ++i)
        std::printf(" %7.2fx %5.2fx      ", ratio(results[0][i].resident, results[3][i].resident),
                    ratio(results[0][i].resident, results[2][i].resident));
    std::printf("\n");
    std::fflush(stdout);
    return true;
}

// ---- churn ------------------------------------------------------------------

// Opens `connections` connections, each exchanging one message, closes them all,
// `cycles` times; prints the server's resident memory and heap after each close.
bool runChurn(const Subject &subject, int connections, int cycles)
{
    ServerProcess server(onOneCpu(subject.arguments), subject.environment);
    if (!server.port())
        return false;
    const QByteArray message = payloadFor(Core::MessageType::Binary, 1000);
    {
        IdleConnections warmup;
        if (!warmup.open(server.port(), 1, std::nullopt, message))
            return false;
    }
    if (!waitUntil([&] { return server.askNumber("connections") == 0; }, 30000))
        return false;
    const qint64 baseline = server.residentBytes();
    std::printf("  %-18s baseline %7.1f MiB, heap %6.1f MiB; after each cycle:", subject.name, double(baseline) / 1048576,
                double(server.askNumber("heap")) / 1048576);
    qint64 peak = 0;
    for (int cycle = 0; cycle < cycles; ++cycle) {
        IdleConnections open;
        if (!open.open(server.port(), connections, std::nullopt, message))
            return false;
        if (!waitUntil([&] { return server.askNumber("connections") == connections; }, 60000))
            return false;
        peak = std::max(peak, server.residentBytes());
        open.closeAll();
        if (!waitUntil([&] { return server.askNumber("connections") == 0; }, 60000))
            return false;
        // WsKit's Server returns free heap memory 2 s after the closing is over.
        waitUntil([] { return false; }, 3000);
        std::printf(" %.1f/%.1f", double(server.residentBytes()) / 1048576, double(server.askNumber("heap")) / 1048576);
        std::fflush(stdout);
    }
    std::printf(" MiB (rss/heap); open: %.1f MiB\n", double(peak) / 1048576);
    return true;
}

bool runChurns(bool quick)
{
    const int connections = std::min(quick ? 500 : 5000, int(raiseDescriptorLimit(50000)) - 100);
    const int cycles = quick ? 3 : 6;
    std::printf("\nchurn: %d cycles of %d connections opening, exchanging 1000 B each way and closing\n\n", cycles,
                connections);
    return runChurn(WsKitDescriptor, connections, cycles) && runChurn(WsKitSocket, connections, cycles)
        && runChurn(QtWebSockets, connections, cycles);
}

int runAll(bool quick, const QString &only)
{
    const struct {
        const char *name;
        bool (*run)(bool);
    } parts[] = {
        {"echo", runEchoes}, {"workers", runWorkers}, {"broadcast", runBroadcasts}, {"idle", runIdles}, {"churn", runChurns},
    };
    pinToCpus(1, 1);
    for (const auto &part : parts) {
        if (QString::fromLatin1(part.name).contains(only) && !part.run(quick))
            return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    const qsizetype serveAt = arguments.indexOf(QStringLiteral("--serve"));
    if (serveAt >= 0 && serveAt + 1 < arguments.size())
        return serve(arguments);
    const qsizetype driveAt = arguments.indexOf(QStringLiteral("--drive"));
    if (driveAt >= 0 && driveAt + 2 < arguments.size()) {
        const Scenario scenario = echoScenarios(false).at(std::size_t(arguments.at(driveAt + 2).toInt()));
        const Result result = runEchoLoad(arguments.at(driveAt + 1).toUShort(), [] { return 0.0; }, scenario);
        printEchoRow(scenario.name, "(by hand)", result);
        return result.ok ? 0 : 1;
    }
    const qsizetype only = arguments.indexOf(QStringLiteral("--only"));
    const bool quick = arguments.contains(QStringLiteral("--quick"));
    const qsizetype repeat = arguments.indexOf(QStringLiteral("--repeat"));
    g_repeat = std::max(1, repeat >= 0 ? arguments.value(repeat + 1).toInt() : (quick ? 1 : 3));
    return runAll(quick,
                  only >= 0 && only + 1 < arguments.size() ? arguments.at(only + 1) : QString());
}
