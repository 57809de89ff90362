// End-to-end permessage-deflate benchmark: WsKit's echo Server with given
// compression settings, a load generator on the core that negotiates them, over
// loopback, in the same run for every setting.
//
//   bench_compression [--quick] [--only TEXT]   every scenario ("memory": the memory sweep)
//   bench_compression --serve SETTINGS          (internal) one echo server, prints its port
//
// Throughput: messages cut from a 1 MiB corpus (English-like text or JSON) echoed
// by 10 connections; "ratio" is the bytes on the wire from the server over the
// payload bytes, "CPU" the server process's user+system time per message.
// Memory: heap (malloc's bytes in use) and resident bytes the server holds per
// connection after one 4 KiB message each way, for every window size and memLevel
// with context takeover (both zlib streams stay), against compression off.

#include "corpus.h"
#include "harness.h"

#include <WsKit/compressionoptions.h>
#include <WsKit/connection.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QCoreApplication>

#include <cstdio>
#include <vector>

namespace {

using namespace WsKit;
using namespace Harness;

// ---- the server ---------------------------------------------------------------

// "off", or key=value pairs separated by commas: level, mem, window, peer, nct
// (no context takeover, ours), pnct (the peer's), threshold.
CompressionOptions parseSettings(const QString &settings)
{
    CompressionOptions compression;
    if (settings == QStringLiteral("off")) {
        compression.setEnabled(false);
        return compression;
    }
    for (const QString &pair : settings.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString key = pair.section(QLatin1Char('='), 0, 0);
        const int value = pair.section(QLatin1Char('='), 1).toInt();
        if (key == QStringLiteral("level"))
            compression.setLevel(value);
        else if (key == QStringLiteral("mem"))
            compression.setMemLevel(value);
        else if (key == QStringLiteral("window"))
            compression.setWindowBits(value);
        else if (key == QStringLiteral("peer"))
            compression.setPeerWindowBits(value);
        else if (key == QStringLiteral("nct"))
            compression.setNoContextTakeover(value != 0);
        else if (key == QStringLiteral("pnct"))
            compression.setPeerNoContextTakeover(value != 0);
        else if (key == QStringLiteral("threshold"))
            compression.setThreshold(value);
    }
    return compression;
}

int serve(const QString &settings)
{
    Server *server = startEchoServer(parseSettings(settings));
    if (!server)
        return 1;
    answerOnStandardInput();
    std::printf("port %u\n", unsigned(server->serverPort()));
    std::fflush(stdout);
    return qApp->exec();
}

// What the load generator offers for the server's settings: the same windows and
// context takeover, so each setting is what both ends use.
std::optional<Core::DeflateConfig> offerFor(const QString &settings)
{
    const CompressionOptions server = parseSettings(settings);
    if (!server.isEnabled())
        return std::nullopt;
    Core::DeflateConfig offer;
    offer.clientMaxWindowBits = std::uint8_t(server.peerWindowBits());
    offer.clientNoContextTakeover = server.peerNoContextTakeover();
    return offer;
}

// ---- throughput ----------------------------------------------------------------

struct Scenario {
    const char *name;
    int corpus; // 0 English-like text, 1 JSON
    qsizetype messageSize;
    int messagesPerConnection;
    const char *settings;
    const char *what;
};

struct Result {
    double messagesPerSecond = 0;
    double megabytesPerSecond = 0;
    double ratio = 0;
    double serverMicrosecondsPerMessage = 0;
    bool ok = false;
};

QList<QByteArray> piecesOf(int corpus, qsizetype size)
{
    static const QByteArray text = QByteArray::fromStdString(BenchmarkCorpus::englishText());
    static const QByteArray json = QByteArray::fromStdString(BenchmarkCorpus::jsonText());
    const QByteArray &data = corpus == 0 ? text : json;
    QList<QByteArray> pieces;
    for (qsizetype offset = 0; offset + size <= data.size(); offset += size)
        pieces.append(data.mid(offset, size));
    return pieces;
}

Result runThroughput(const Scenario &scenario)
{
    constexpr int Connections = 10;
    constexpr int Window = 8;
    ServerProcess server({QStringLiteral("--serve"), QString::fromLatin1(scenario.settings)});
    Result result;
    if (!server.port())
        return result;
    const QList<QByteArray> pieces = piecesOf(scenario.corpus, scenario.messageSize);
    const std::optional<Core::DeflateConfig> offer = offerFor(QString::fromLatin1(scenario.settings));
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (int i = 0; i < Connections; ++i) {
        // Each connection starts elsewhere in the corpus.
        QList<QByteArray> rotated = pieces.mid(i * pieces.size() / Connections) + pieces.first(i * pieces.size() / Connections);
        clients.push_back(std::make_unique<LoadClient>(server.port(), scenario.messagesPerConnection, Window,
                                                       Core::MessageType::Text, rotated, offer));
    }
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isOpen)); }, 30000))
        return result;
    if (!allClients(clients, [&offer](const LoadClient &client) { return client.isCompressed() == offer.has_value(); }))
        return result;
    const double cpuBefore = server.cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    for (auto &client : clients)
        client->start();
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isDone)); }, 600000))
        return result;
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double cpu = server.cpuSeconds() - cpuBefore;
    const double messages = double(Connections) * scenario.messagesPerConnection;
    qint64 payload = 0;
    qint64 wire = 0;
    for (auto &client : clients) {
        payload += client->receivedBytes();
        wire += client->wireBytesReceived();
    }
    result.messagesPerSecond = messages / seconds;
    result.megabytesPerSecond = double(payload) / seconds / 1e6;
    result.ratio = double(wire) / double(payload);
    result.serverMicrosecondsPerMessage = cpu * 1e6 / messages;
    result.ok = true;
    return result;
}

int runThroughputs(bool quick, const QString &only)
{
    const int scale = quick ? 10 : 1;
    const char *defaults = "";
    const std::vector<Scenario> scenarios = {
        {"text 4 KiB", 0, 4096, 2000 / scale, "off", "uncompressed"},
        {"text 4 KiB", 0, 4096, 2000 / scale, defaults, "defaults (level 1, memLevel 5, window 12)"},
        {"text 4 KiB", 0, 4096, 2000 / scale, "level=6", "level 6"},
        {"text 4 KiB", 0, 4096, 2000 / scale, "level=6,mem=8,window=15", "zlib's defaults (6, 8, 15)"},
        {"text 4 KiB", 0, 4096, 2000 / scale, "nct=1,pnct=1", "no context takeover"},
        {"JSON 4 KiB", 1, 4096, 2000 / scale, "off", "uncompressed"},
        {"JSON 4 KiB", 1, 4096, 2000 / scale, defaults, "defaults (level 1, memLevel 5, window 12)"},
        {"JSON 4 KiB", 1, 4096, 2000 / scale, "level=6", "level 6"},
        {"JSON 4 KiB", 1, 4096, 2000 / scale, "level=6,mem=8,window=15", "zlib's defaults (6, 8, 15)"},
        {"JSON 4 KiB", 1, 4096, 2000 / scale, "nct=1,pnct=1", "no context takeover"},
        {"JSON 256 B", 1, 256, 20000 / scale, "off", "uncompressed"},
        {"JSON 256 B", 1, 256, 20000 / scale, defaults, "defaults"},
        {"JSON 256 B", 1, 256, 20000 / scale, "nct=1,pnct=1", "no context takeover"},
        {"JSON 128 B", 1, 128, 20000 / scale, "off", "uncompressed"},
        {"JSON 128 B", 1, 128, 20000 / scale, defaults, "defaults (at the threshold)"},
        {"JSON 128 B", 1, 128, 20000 / scale, "nct=1,pnct=1", "no context takeover"},
        {"JSON 64 B", 1, 64, 20000 / scale, "off", "uncompressed"},
        {"JSON 64 B", 1, 64, 20000 / scale, defaults, "defaults (under the 128 B threshold)"},
        {"JSON 64 B", 1, 64, 20000 / scale, "threshold=0", "threshold 0"},
        {"JSON 64 B", 1, 64, 20000 / scale, "threshold=0,nct=1,pnct=1", "threshold 0, no context takeover"},
    };
    std::printf("echo round trips over loopback, 10 connections, 8 messages in flight each\n");
    std::printf("ratio = wire bytes from the server / payload bytes; CPU = the server process's user+system time\n\n");
    std::printf("  %-11s %-42s %11s %8s %7s %11s\n", "messages", "server settings", "messages/s", "MB/s", "ratio",
                "CPU us/msg");
    for (const Scenario &scenario : scenarios) {
        if (!QString::fromLatin1(scenario.name).contains(only))
            continue;
        const Result result = runThroughput(scenario);
        if (!result.ok) {
            std::printf("  %-11s %-42s failed\n", scenario.name, scenario.what);
            return 1;
        }
        std::printf("  %-11s %-42s %11.0f %8.1f %7.3f %11.2f\n", scenario.name, scenario.what,
                    result.messagesPerSecond, result.megabytesPerSecond, result.ratio,
                    result.serverMicrosecondsPerMessage);
        std::fflush(stdout);
    }
    return 0;
}

// ---- memory per connection -----------------------------------------------------

struct Memory {
    double heap = 0;     // malloc's bytes in use, per connection
    double resident = 0; // VmRSS, per connection
    bool ok = false;
};

Memory runMemory(const QString &settings, int connections)
{
    ServerProcess server({QStringLiteral("--serve"), settings});
    Memory memory;
    if (!server.port())
        return memory;
    const QList<QByteArray> message{piecesOf(0, 4096).first()};
    const std::optional<Core::DeflateConfig> offer = offerFor(settings);
    // One connection first, so one-time allocations are not counted.
    LoadClient warmup(server.port(), 1, 1, Core::MessageType::Text, message, offer);
    if (!waitUntil([&] { return warmup.isOpen(); }, 10000))
        return memory;
    warmup.start();
    if (!waitUntil([&] { return warmup.isDone(); }, 10000))
        return memory;
    waitUntil([] { return false; }, 200);
    const qint64 heapBefore = server.askNumber("heap");
    const qint64 residentBefore = server.residentBytes();
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (int i = 0; i < connections; ++i)
        clients.push_back(std::make_unique<LoadClient>(server.port(), 1, 1, Core::MessageType::Text, message, offer));
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isOpen)); }, 30000))
        return memory;
    for (auto &client : clients)
        client->start();
    if (!waitUntil([&] { return allClients(clients, std::mem_fn(&LoadClient::isDone)); }, 30000))
        return memory;
    waitUntil([] { return false; }, 300);
    memory.heap = double(server.askNumber("heap") - heapBefore) / connections;
    memory.resident = double(server.residentBytes() - residentBefore) / connections;
    memory.ok = true;
    return memory;
}

int runMemorySweep(bool quick)
{
    const int connections = quick ? 50 : 200;
    const Memory off = runMemory(QStringLiteral("off"), connections);
    if (!off.ok)
        return 1;
    std::printf("\nbytes per connection after one 4 KiB message each way (%d connections); compression\n"
                "= heap minus the same connection uncompressed (%.0f heap, %.0f resident bytes)\n\n",
                connections, off.heap, off.resident);
    std::printf("  %-10s %-9s %12s %12s %12s\n", "windowBits", "memLevel", "heap", "compression", "resident");
    // The defaults: our window 12 bits, the client's 15 (what browsers use).
    const Memory defaults = runMemory(QString(), connections);
    if (!defaults.ok)
        return 1;
    std::printf("  %-20s %12.0f %12.0f %12.0f   (defaults: 12, 5; the peer's window 15)\n", "", defaults.heap,
                defaults.heap - off.heap, defaults.resident);
    const QList<int> windows = quick ? QList<int>{8, 12, 15} : QList<int>{8, 9, 10, 11, 12, 13, 14, 15};
    const QList<int> memLevels = quick ? QList<int>{1, 5, 8, 9} : QList<int>{1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (int window : windows) {
        for (int memLevel : memLevels) {
            const Memory memory = runMemory(
                QStringLiteral("window=%1,peer=%1,mem=%2,threshold=0").arg(window).arg(memLevel), connections);
            if (!memory.ok)
                return 1;
            std::printf("  %-10d %-9d %12.0f %12.0f %12.0f\n", window, memLevel, memory.heap, memory.heap - off.heap,
                        memory.resident);
            std::fflush(stdout);
        }
    }
    // Without context takeover both streams are freed after every message.
    const Memory reset = runMemory(QStringLiteral("window=15,peer=15,mem=8,nct=1,pnct=1,threshold=0"), connections);
    if (!reset.ok)
        return 1;
    std::printf("  %-20s %12.0f %12.0f %12.0f   (15, 8, no context takeover)\n", "", reset.heap,
                reset.heap - off.heap, reset.resident);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    const qsizetype serveAt = arguments.indexOf(QStringLiteral("--serve"));
    if (serveAt >= 0 && serveAt + 1 < arguments.size())
        return serve(arguments.at(serveAt + 1));
    const bool quick = arguments.contains(QStringLiteral("--quick"));
    const qsizetype onlyAt = arguments.indexOf(QStringLiteral("--only"));
    const QString only = onlyAt >= 0 && onlyAt + 1 < arguments.size() ? arguments.at(onlyAt + 1) : QString();
    if (only != QStringLiteral("memory") && runThroughputs(quick, only) != 0)
        return 1;
    if (!QStringLiteral("memory").contains(only))
        return 0;
    return runMemorySweep(quick);
}
