// Soak test: thousands of WebSocket connections through the public API (Server,
// Dialer, Connection) exchanging sequence-numbered messages both ways, with and
// without compression, fragmented and whole, while connections keep closing (from
// either side) and new ones open. The server runs in a child process so that its
// resident memory can be sampled alone.
//
// Verdict: no message lost, reordered or corrupted, no unexpected close on either
// side, no failed dial; and, in the long mode, the server's RSS flat after warm-up
// (the slope of a least-squares line through the samples is reported in every mode).
//
//   wskit_soak --short                      what CTest runs: 200 connections, 15 s
//   wskit_soak                              the long mode: 10,000 connections, 600 s
//   wskit_soak --connections N --seconds S --rate MESSAGES_PER_SECOND --warmup S
//
// The client sends "C <seq> <bye>\n" + text; the server answers each message with
// "S <its seq> <client seq>\n" + the same text, and closes (1000) after a message
// with bye set. Each connection lives for a random time, then stops sending and,
// once every echo is back, either closes (1000) or sends a last message with bye set.

#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <csignal>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <unordered_map>
#include <vector>

using WsKit::Connection;

namespace {

struct Settings {
    int connections = 10000;
    int seconds = 600;
    int rate = 2000;          // messages per second, all connections together
    int maxDialsInFlight = 256;
    int minLifetimeS = 60;    // seconds a connection lives before it closes
    int maxLifetimeS = 300;
    quint32 seed = 20261130;
    bool longMode = true;     // judge the RSS slope
    int warmupS = -1;         // RSS before this is not judged; -1: a third of the traffic time
};

// Raises the soft limit on open files to what `needed` descriptors take (and the
// hard limit too when allowed): 10,000 connections need more than the usual 1,024.
bool raiseFileLimit(rlim_t needed)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return false;
    if (limit.rlim_cur >= needed)
        return true;
    if (limit.rlim_max < needed) {
        rlimit raised{needed, needed};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            return true;
    }
    limit.rlim_cur = std::min<rlim_t>(needed, limit.rlim_max);
    return setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= needed;
}

double residentMiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return 0;
}

quint32 checksum(const char *data, qsizetype size)
{
    quint32 hash = 2166136261u;
    for (qsizetype i = 0; i < size; ++i)
        hash = (hash ^ static_cast<unsigned char>(data[i])) * 16777619u;
    return hash;
}

// Splits "<tag> <a> <b>\n<payload>" into its numbers and the payload.
bool parseMessage(const QByteArray &message, char tag, quint64 &a, quint64 &b, qsizetype &payloadStart)
{
    payloadStart = message.indexOf('\n');
    if (payloadStart < 0 || message.isEmpty() || message.at(0) != tag)
        return false;
    const QList<QByteArray> fields = message.left(payloadStart).split(' ');
    if (fields.size() != 3)
        return false;
    bool okA = false, okB = false;
    a = fields[1].toULongLong(&okA);
    b = fields[2].toULongLong(&okB);
    ++payloadStart;
    return okA && okB;
}

// ---- The server process ------------------------------------------------------------

struct ServerTally {
    quint64 accepted = 0, received = 0, reordered = 0, unexpectedCloses = 0, closedByServer = 0, closed = 0;
};

int runServer(const Settings &settings)
{
    // The server process ends with the driver, however the driver ends.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    WsKit::Server server;
    server.setMaxConnections(settings.connections * 2);
    server.setMaxPendingHandshakes(settings.maxDialsInFlight * 4);
    // Generous timeouts: the soak is about losing nothing, also when thousands of
    // connections close at once on a loaded machine.
    server.setHandshakeTimeout(std::chrono::minutes(2));
    WsKit::Upgrader upgrader = server.upgrader();
    WsKit::ConnectionOptions options = upgrader.connectionOptions();
    options.setCloseTimeout(std::chrono::minutes(2));
    upgrader.setConnectionOptions(options);
    server.setUpgrader(upgrader);
    ServerTally tally;

    QObject::connect(&server, &WsKit::Server::newConnection, &server, [&tally](Connection *connection) {
        ++tally.accepted;
        auto expected = std::make_shared<quint64>(0);
        auto ownSeq = std::make_shared<quint64>(0);
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [=, &tally](const QByteArray &message, Connection::MessageType type) {
                             ++tally.received;
                             quint64 seq = 0, bye = 0;
                             qsizetype payload = 0;
                             if (!parseMessage(message, 'C', seq, bye, payload) || seq != *expected)
                                 ++tally.reordered;
                             *expected = seq + 1;
                             QByteArray reply = "S " + QByteArray::number((*ownSeq)++) + ' ' + QByteArray::number(seq)
                                                + '\n';
                             reply.append(message.constData() + payload, message.size() - payload);
                             connection->sendMessage(reply, type);
                             if (bye) {
                                 ++tally.closedByServer;
                                 connection->close(1000, QStringLiteral("bye"));
                             }
                         });
        QObject::connect(connection, &Connection::closed, connection, [&tally](quint16 code, const QString &) {
            ++tally.closed;
            if (code != 1000)
                ++tally.unexpectedCloses;
        });
    });

    if (!server.listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "server: listen failed: %s\n", qPrintable(server.errorString()));
        return 2;
    }
    std::printf("port %u\n", server.serverPort());
    std::fflush(stdout);

    // The heap bytes in use, every second: with the RSS, it tells growth that is
    // held by live objects from memory the allocator keeps after it was freed.
    QTimer heapReport;
    QObject::connect(&heapReport, &QTimer::timeout, [] {
        const struct mallinfo2 info = mallinfo2();
        std::printf("heap %.1f\n", double(info.uordblks + info.hblkhd) / (1024.0 * 1024.0));
        std::fflush(stdout);
    });
    heapReport.start(1000);

    // "report" on stdin: print the tally and quit.
    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&input, &QSocketNotifier::activated, &input, [&] {
        char buffer[64];
        [[maybe_unused]] const ssize_t ignored = ::read(STDIN_FILENO, buffer, sizeof buffer);
        // The RSS left after every connection closed, and after malloc_trim() gave
        // the allocator's free memory back: what the allocator kept, not what leaked.
        const double resident = residentMiB(QCoreApplication::applicationPid());
        malloc_trim(0);
        std::printf("stats %llu %llu %llu %llu %llu %llu %d %.1f %.1f\n", tally.accepted, tally.received,
                    tally.reordered, tally.unexpectedCloses, tally.closedByServer, tally.closed,
                    server.connectionCount(), resident, residentMiB(QCoreApplication::applicationPid()));
        std::fflush(stdout);
        QCoreApplication::quit();
    });
    return QCoreApplication::exec();
}

// ---- The client side and the verdict -----------------------------------------------

struct Peer {
    quint64 id = 0;
    Connection *connection = nullptr;
    bool open = false;
    bool serverCloses = false; // the last message asks the server to close
    bool finishing = false;    // no more messages: closing once every echo is back
    bool byeSent = false;      // the server closes once it answered the last message
    quint64 nextSeq = 0;
    quint64 expectedServerSeq = 0;
    std::deque<std::pair<quint64, quint32>> inFlight; // seq and checksum of each unanswered message
};

class Driver : public QObject
{
public:
    Driver(const Settings &settings, quint16 port) : m_settings(settings), m_random(settings.seed)
    {
        m_url = QUrl(QStringLiteral("ws://127.0.0.1:%1/soak").arg(port));
        // Four kinds of connection: plain or compressed, whole or in 4 KiB frames.
        for (int kind = 0; kind < 4; ++kind) {
            WsKit::ConnectionOptions options;
            WsKit::CompressionOptions compression;
            compression.setEnabled(kind % 2 == 1);
            options.setCompression(compression);
            options.setOutgoingFragmentSize(kind >= 2 ? 4096 : 0);
            options.setCloseTimeout(std::chrono::minutes(2));
            m_dialers[kind].setConnectionOptions(options);
            m_dialers[kind].setHandshakeTimeout(std::chrono::minutes(2));
        }
        static const char *const words[] = {"frame",  "socket", "window", "deflate", "message", "server",
                                            "client", "sends",  "reads",  "closes",  "the",     "of"};
        while (m_text.size() < 256 * 1024) {
            m_text += words[m_random() % std::size(words)];
            m_text += m_random() % 9 == 0 ? ".\n" : " ";
        }
    }

    void start()
    {
        m_clock.start();
        connect(&m_ticker, &QTimer::timeout, this, &Driver::tick);
        m_ticker.start(10);
        tick();
    }

    // Stops sending and waits for every connection to finish its exchange and close.
    void drain()
    {
        m_draining = true;
        std::vector<quint64> ids;
        for (const auto &entry : m_peers)
            ids.push_back(entry.first);
        for (quint64 id : ids)
            finish(id);
    }

    bool finished() const { return m_draining && m_peers.empty(); }
    qint64 elapsedMs() const { return m_clock.elapsed(); }
    int openCount() const { return m_openCount; }

    quint64 opened = 0, closedByClient = 0, closedByServer = 0, sent = 0, echoed = 0;
    quint64 reordered = 0, corrupted = 0, unexpectedCloses = 0, failedDials = 0, refusedSends = 0;

private:
    void tick()
    {
        while (!m_draining && int(m_peers.size()) < m_settings.connections && m_dialsInFlight < m_settings.maxDialsInFlight)
            dial();
        // Churn: connections whose lifetime is over finish their exchange and close.
        while (!m_lifetimes.empty() && m_lifetimes.top().first <= m_clock.elapsed()) {
            finish(m_lifetimes.top().second);
            m_lifetimes.pop();
        }
        // Messages this tick may send, from the rate (bursts of 1-4 per idle connection).
        m_budget += m_settings.rate / 100.0;
        while (!m_draining && m_budget >= 1 && !m_idle.empty()) {
            const quint64 id = m_idle.front();
            m_idle.pop_front();
            auto found = m_peers.find(id);
            if (found == m_peers.end() || !found->second.open || found->second.finishing
                || !found->second.inFlight.empty())
                continue;
            const int burst = 1 + int(m_random() % 4);
            for (int i = 0; i < burst; ++i, m_budget -= 1)
                send(found->second, false);
        }
        if (m_idle.empty())
            m_budget = std::min(m_budget, 1.0 * m_settings.rate); // idle time does not bank
    }

    void dial()
    {
        const quint64 id = m_nextId++;
        Peer &peer = m_peers[id];
        peer.id = id;
        // The first connections live anywhere up to the longest lifetime, so that
        // they do not all end together and the number open stays level.
        const int shortest = m_rampDone ? m_settings.minLifetimeS : 1;
        const int lifetimeS = shortest + int(m_random() % quint32(m_settings.maxLifetimeS - shortest + 1));
        peer.serverCloses = m_random() % 2 == 0;
        peer.connection = m_dialers[id % 4].dial(m_url, {}, this);
        ++m_dialsInFlight;
        Connection *connection = peer.connection;
        connect(connection, &Connection::opened, this, [this, id, lifetimeS] {
            --m_dialsInFlight;
            ++opened;
            ++m_openCount;
            m_rampDone = m_rampDone || m_openCount >= m_settings.connections;
            m_peers.at(id).open = true;
            if (m_draining) {
                finish(id);
                return;
            }
            m_idle.push_back(id);
            m_lifetimes.emplace(m_clock.elapsed() + lifetimeS * 1000LL, id);
        });
        connect(connection, &Connection::messageReceived, this,
                [this, id](const QByteArray &message, Connection::MessageType) { onMessage(m_peers.at(id), message); });
        connect(connection, &Connection::closed, this, [this, id](quint16 code, const QString &reason) {
            onClosed(id, code, reason);
        });
    }

    void send(Peer &peer, bool bye)
    {
        const quint32 pick = m_random() % 100;
        const qsizetype size = pick < 70 ? 16 + qsizetype(m_random() % 200)
                               : pick < 99 ? 1024 + qsizetype(m_random() % 7168)
                                           : 32768 + qsizetype(m_random() % 32768);
        const qsizetype offset = qsizetype(m_random() % quint32(m_text.size() - size));
        QByteArray message = "C " + QByteArray::number(peer.nextSeq) + (bye ? " 1\n" : " 0\n");
        message.append(m_text.constData() + offset, size);
        peer.inFlight.emplace_back(peer.nextSeq, checksum(m_text.constData() + offset, size));
        ++peer.nextSeq;
        ++sent;
        if (!peer.connection->sendTextUtf8(message))
            ++refusedSends;
        peer.byeSent = bye;
    }

    void onMessage(Peer &peer, const QByteArray &message)
    {
        quint64 serverSeq = 0, echo = 0;
        qsizetype payload = 0;
        if (!parseMessage(message, 'S', serverSeq, echo, payload) || peer.inFlight.empty()) {
            ++corrupted;
            return;
        }
        ++echoed;
        if (serverSeq != peer.expectedServerSeq)
            ++reordered;
        peer.expectedServerSeq = serverSeq + 1;
        const auto [seq, sum] = peer.inFlight.front();
        if (echo != seq)
            ++reordered;
        else if (checksum(message.constData() + payload, message.size() - payload) != sum)
            ++corrupted;
        peer.inFlight.pop_front();
        if (!peer.inFlight.empty())
            return;
        if (!peer.finishing)
            m_idle.push_back(peer.id);
        else if (!peer.byeSent)
            conclude(peer);
    }

    // Ends a connection's exchange: no new messages; it closes once the last echo is back.
    void finish(quint64 id)
    {
        auto found = m_peers.find(id);
        if (found == m_peers.end() || !found->second.open || found->second.finishing)
            return;
        found->second.finishing = true;
        if (found->second.inFlight.empty())
            conclude(found->second);
    }

    // Every echo is back: the client closes, or asks the server to with a last message.
    void conclude(Peer &peer)
    {
        if (peer.serverCloses && !m_draining)
            send(peer, true);
        else
            peer.connection->close(1000, QStringLiteral("done"));
    }

    void onClosed(quint64 id, quint16 code, const QString &reason)
    {
        Peer &peer = m_peers.at(id);
        if (!peer.open) {
            --m_dialsInFlight;
            ++failedDials;
            std::fprintf(stderr, "dial failed: %s\n", qPrintable(peer.connection->errorString()));
        } else {
            --m_openCount;
            const bool expected = code == 1000 && peer.finishing && peer.inFlight.empty();
            if (!expected) {
                ++unexpectedCloses;
                std::fprintf(stderr, "unexpected close %u (%s), %zu unanswered\n", code, qPrintable(reason),
                             peer.inFlight.size());
            } else if (reason == QLatin1String("bye")) {
                ++closedByServer;
            } else {
                ++closedByClient;
            }
        }
        peer.connection->deleteLater();
        m_peers.erase(id);
    }

    Settings m_settings;
    std::mt19937 m_random;
    QUrl m_url;
    WsKit::Dialer m_dialers[4];
    QByteArray m_text;
    QTimer m_ticker;
    QElapsedTimer m_clock;
    std::unordered_map<quint64, Peer> m_peers;
    std::deque<quint64> m_idle;
    // When each open connection is to finish (earliest first).
    std::priority_queue<std::pair<qint64, quint64>, std::vector<std::pair<qint64, quint64>>, std::greater<>>
        m_lifetimes;
    quint64 m_nextId = 0;
    int m_dialsInFlight = 0;
    int m_openCount = 0;
    double m_budget = 0;
    bool m_draining = false;
    bool m_rampDone = false; // every connection was open once
};

struct Sample {
    double seconds;
    double serverMiB;
    double serverHeapMiB; // in use, as the server last reported it
    double clientMiB;
};

// Least-squares slope in MiB per minute of the samples from `from` seconds on.
double slopePerMinute(const std::vector<Sample> &samples, double from, double Sample::*value)
{
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const Sample &sample : samples) {
        if (sample.seconds < from)
            continue;
        const double x = sample.seconds / 60.0;
        const double y = sample.*value;
        n += 1;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    const double denominator = n * sxx - sx * sx;
    return n < 3 || denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
}

int runDriver(const Settings &settings)
{
    QProcess serverProcess;
    serverProcess.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    serverProcess.start(QCoreApplication::applicationFilePath(),
                        {QStringLiteral("--serve"), QStringLiteral("--connections"),
                         QString::number(settings.connections)});
    if (!serverProcess.waitForStarted(30000) || !serverProcess.waitForReadyRead(60000)) {
        std::fprintf(stderr, "soak: the server process did not start\n");
        return 2;
    }
    const QByteArray portLine = serverProcess.readLine().trimmed();
    const quint16 port = portLine.startsWith("port ") ? quint16(portLine.mid(5).toUInt()) : 0;
    if (port == 0) {
        std::fprintf(stderr, "soak: unexpected server output: %s\n", portLine.constData());
        serverProcess.kill();
        serverProcess.waitForFinished(10000);
        return 2;
    }

    // The server's lines: "heap <MiB in use>" every second, "stats …" at the end.
    double serverHeap = 0;
    QByteArray stats;
    QObject::connect(&serverProcess, &QProcess::readyReadStandardOutput, [&] {
        while (serverProcess.canReadLine()) {
            const QByteArray line = serverProcess.readLine().trimmed();
            if (line.startsWith("heap "))
                serverHeap = line.mid(5).toDouble();
            else if (line.startsWith("stats"))
                stats = line;
        }
    });

    Driver driver(settings, port);
    std::vector<Sample> samples;
    const int sampleMs = settings.longMode ? 5000 : 1000;
    QTimer sampler;
    QObject::connect(&sampler, &QTimer::timeout, [&] {
        samples.push_back({driver.elapsedMs() / 1000.0, residentMiB(serverProcess.processId()), serverHeap,
                           residentMiB(QCoreApplication::applicationPid())});
        if (settings.longMode)
            std::printf("%6.0f s  %5d open  %9llu sent  server %7.1f MiB (heap in use %7.1f)  client %7.1f MiB\n",
                        samples.back().seconds, driver.openCount(), driver.sent, samples.back().serverMiB,
                        samples.back().serverHeapMiB, samples.back().clientMiB);
        std::fflush(stdout);
    });
    sampler.start(sampleMs);

    // Traffic for the given time, then a drain bounded by a generous deadline.
    QTimer::singleShot(settings.seconds * 1000, &driver, [&driver] { driver.drain(); });
    QTimer drainCheck;
    QObject::connect(&drainCheck, &QTimer::timeout, [&] {
        if (driver.finished() || driver.elapsedMs() > (settings.seconds + 300) * 1000LL)
            QCoreApplication::quit();
    });
    drainCheck.start(100);
    driver.start();
    QCoreApplication::exec();
    sampler.stop();

    const bool drained = driver.finished();
    serverProcess.write("report\n");
    // The readyRead handler above picks up the answer.
    const QDeadlineTimer deadline(60000);
    while (stats.isEmpty() && !deadline.hasExpired())
        serverProcess.waitForReadyRead(1000);
    serverProcess.waitForFinished(60000);
    if (serverProcess.state() != QProcess::NotRunning) {
        serverProcess.kill();
        serverProcess.waitForFinished(10000);
    }
    const QList<QByteArray> fields = stats.split(' ');
    const auto field = [&fields](int i) { return fields.value(i + 1).toULongLong(); };
    const quint64 serverReceived = field(1), serverReordered = field(2), serverUnexpected = field(3),
                  serverClosed = field(5), serverOpen = field(6);

    // Warm-up: the ramp to every connection open, and every connection's buffers
    // and compression streams allocated once, which takes longer on a busy machine.
    const double warm = settings.warmupS >= 0 ? settings.warmupS : settings.seconds / 3.0;
    const double serverSlope = slopePerMinute(samples, warm, &Sample::serverMiB);
    const double clientSlope = slopePerMinute(samples, warm, &Sample::clientMiB);
    const double heapSlope = slopePerMinute(samples, warm, &Sample::serverHeapMiB);
    double warmServer = 0, endServer = 0, peakServer = 0;
    for (const Sample &sample : samples) {
        if (warmServer == 0 && sample.seconds >= warm)
            warmServer = sample.serverMiB;
        if (sample.seconds <= settings.seconds)
            endServer = sample.serverMiB;
        peakServer = std::max(peakServer, sample.serverMiB);
    }
    // Flat: the trend over the measured time stays within 5 % of the warm RSS (at
    // least 4 MiB, allocator noise).
    const double measuredMinutes = (settings.seconds - warm) / 60.0;
    const double drift = std::abs(serverSlope) * measuredMinutes;
    const bool flat = drift <= std::max(4.0, warmServer * 0.05);

    // Every message sent must come back: what did not was lost on the way.
    const quint64 lost = driver.sent - driver.echoed;
    std::printf("soak: %d connections, %d s, %d messages/s, seed %u\n", settings.connections, settings.seconds,
                settings.rate, settings.seed);
    std::printf("connections: %llu opened, %llu closed by the client, %llu by the server; server saw %llu, "
                "closed %llu, %llu still open\n",
                driver.opened, driver.closedByClient, driver.closedByServer, field(0), serverClosed, serverOpen);
    std::printf("messages: %llu sent, %llu echoed; the server received %llu\n", driver.sent, driver.echoed,
                serverReceived);
    std::printf("lost %llu, reordered %llu (server %llu), corrupted %llu, unexpected closes %llu (server %llu), "
                "failed dials %llu, refused sends %llu\n",
                lost, driver.reordered, serverReordered, driver.corrupted, driver.unexpectedCloses, serverUnexpected,
                driver.failedDials, driver.refusedSends);
    std::printf("server RSS: %.1f MiB after warm-up (%.0f s), %.1f MiB at the end of traffic, peak %.1f MiB; "
                "slope %+.3f MiB/min (%s)\n",
                warmServer, warm, endServer, peakServer, serverSlope,
                settings.longMode ? (flat ? "flat" : "GROWING") : "not judged in the short mode");
    std::printf("server heap in use: slope %+.3f MiB/min; client RSS slope %+.3f MiB/min\n", heapSlope,
                clientSlope);
    std::printf("server RSS after every connection closed: %.1f MiB, %.1f MiB after malloc_trim(0)\n",
                fields.value(8).toDouble(), fields.value(9).toDouble());

    const bool ok = drained && lost == 0 && driver.reordered == 0 && serverReordered == 0 && driver.corrupted == 0
                    && driver.unexpectedCloses == 0 && serverUnexpected == 0 && driver.failedDials == 0
                    && driver.refusedSends == 0
                    && stats.startsWith("stats") && serverReceived == driver.sent && serverClosed == driver.opened
                    && serverOpen == 0 && (!settings.longMode || flat);
    if (!drained)
        std::printf("connections still open at the deadline\n");
    std::printf("soak: %d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption shortMode(QStringLiteral("short"), QStringLiteral("The CTest run: 200 connections, 15 s."));
    const QCommandLineOption serve(QStringLiteral("serve"), QStringLiteral("Run as the server process."));
    const QCommandLineOption connections(QStringLiteral("connections"), QStringLiteral("Open connections."),
                                         QStringLiteral("count"));
    const QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("Traffic time."),
                                     QStringLiteral("seconds"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Messages per second in all."),
                                  QStringLiteral("count"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("number"));
    const QCommandLineOption warmup(QStringLiteral("warmup"),
                                    QStringLiteral("Seconds before the RSS is judged (default: a third of the time)."),
                                    QStringLiteral("seconds"));
    parser.addOptions({shortMode, serve, connections, seconds, rate, seed, warmup});
    parser.process(app);

    Settings settings;
    if (parser.isSet(shortMode)) {
        settings.longMode = false;
        settings.connections = 200;
        settings.seconds = 15;
        settings.rate = 1000;
        settings.minLifetimeS = 1;
        settings.maxLifetimeS = 6;
    }
    if (parser.isSet(connections))
        settings.connections = parser.value(connections).toInt();
    if (parser.isSet(seconds))
        settings.seconds = parser.value(seconds).toInt();
    if (parser.isSet(rate))
        settings.rate = parser.value(rate).toInt();
    if (parser.isSet(seed))
        settings.seed = parser.value(seed).toUInt();
    if (parser.isSet(warmup))
        settings.warmupS = parser.value(warmup).toInt();

    // Each side holds one descriptor per connection, plus a margin.
    if (!raiseFileLimit(rlim_t(settings.connections) + 512)) {
        std::fprintf(stderr, "soak: cannot raise the open-file limit to %d\n", settings.connections + 512);
        return 2;
    }
    return parser.isSet(serve) ? runServer(settings) : runDriver(settings);
}
