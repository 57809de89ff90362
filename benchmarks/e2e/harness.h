#pragma once
// The parts of the end-to-end benchmarks that are not about one library: a server
// run as a child process and seen from /proc, answering questions on its standard
// input; a load generator written on the protocol core over bare sockets (with
// permessage-deflate when asked), so it costs the shared machine little; and idle
// connections opened without an event loop.

#include <WsKit/Core/deflatenegotiation.h>
#include <WsKit/Core/frame.h>
#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/protocol.h>

#include <WsKit/connection.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QList>
#include <QtCore/QProcess>
#include <QtCore/QSocketNotifier>

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Harness {

using namespace WsKit;

inline bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!condition()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

// Raises this process's descriptor limit toward `wanted` (a privileged process
// may raise the hard limit too, others up to it); returns the limit now in force.
inline rlim_t raiseDescriptorLimit(rlim_t wanted)
{
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur >= wanted)
        return limit.rlim_cur;
    rlimit raised{wanted, std::max(limit.rlim_max, wanted)};
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        raised = {limit.rlim_max, limit.rlim_max};
        setrlimit(RLIMIT_NOFILE, &raised);
    }
    getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

// Runs this process on the given CPUs only (ignored where there are fewer).
inline void pinToCpus(int first, int count)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    const long available = sysconf(_SC_NPROCESSORS_ONLN);
    for (int cpu = first; cpu < first + count && cpu < available; ++cpu)
        CPU_SET(cpu, &set);
    if (CPU_COUNT(&set) > 0)
        sched_setaffinity(0, sizeof set, &set);
}

inline qint64 heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return qint64(info.uordblks + info.hblkhd);
}

// A server answers lines on its standard input: "heap" with the heap in use,
// "connections" with connectionCount() (-1 where it has no such count), anything
// else with "ok"; end of input quits.
inline void answerOnStandardInput(std::function<int()> connectionCount = {})
{
    auto *input = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, qApp);
    QObject::connect(input, &QSocketNotifier::activated, qApp, [connectionCount] {
        char line[64] = {};
        if (::read(STDIN_FILENO, line, sizeof line - 1) <= 0) {
            QCoreApplication::quit();
            return;
        }
        const QByteArray question = QByteArray(line).trimmed();
        if (question == "heap")
            std::printf("heap %lld\n", static_cast<long long>(heapInUse()));

        else if (question == "connections")
            std::printf("connections %d\n", connectionCount ? connectionCount() : -1);
        else
            std::printf("ok\n");
        std::fflush(stdout);
    });
}

// A WsKit Server on 127.0.0.1 (an ephemeral port) that echoes every message with
// the given compression settings, with limits out of the load's way; nullptr if it
// cannot listen.
inline WsKit::Server *startEchoServer(const WsKit::CompressionOptions &compression, int workers = 0)
{
    using namespace WsKit;
    auto *server = new Server(qApp);
    ConnectionOptions options;
    options.setMaxMessageSize(64 * 1024 * 1024);
    options.setMaxBufferedAmount(256 * 1024 * 1024);
    options.setCompression(compression);
    Upgrader upgrader;
    upgrader.setConnectionOptions(options);
    server->setUpgrader(upgrader);
    // Limits out of the load's way: the generator opens at most 100 fewer
    // connections than the descriptor limit, in batches of 100, and the server
    // holds one descriptor per connection and a few of its own.
    const auto descriptors = static_cast<int>(raiseDescriptorLimit(200000));
    server->setMaxPendingHandshakes(1000);
    server->setMaxConnections(std::max(1, descriptors - 64));
    server->setWorkerCount(workers);
    QObject::connect(server, &Server::newConnection, server, [](Connection *connection) {
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [connection](const QByteArray &payload, Connection::MessageType type) {
                             connection->sendMessage(payload, type);
                         });
    });
    return server->listen(QHostAddress::LocalHost, 0) ? server : nullptr;
}

// This program again, with arguments that make it serve; it prints "port N" first.
// BENCH_SERVER_WRAPPER (e.g. "valgrind --tool=callgrind") runs it under a tool;
// extraEnvironment adds NAME=value pairs to its environment.
class ServerProcess
{
public:
    explicit ServerProcess(const QStringList &arguments, const QStringList &extraEnvironment = {})
    {
        QStringList command = qEnvironmentVariable("BENCH_SERVER_WRAPPER").split(QLatin1Char(' '), Qt::SkipEmptyParts);
        command << QCoreApplication::applicationFilePath() << arguments;
        m_process.setProgram(command.takeFirst());
        m_process.setArguments(command);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const QString &pair : extraEnvironment)
            environment.insert(pair.section(QLatin1Char('='), 0, 0), pair.section(QLatin1Char('='), 1));
        m_process.setProcessEnvironment(environment);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        m_process.waitForStarted();
        const QByteArray line = readLine(60000);
        m_port = line.startsWith("port ") ? line.mid(5).toUShort() : 0;
    }
    ~ServerProcess()
    {
        // End of input makes a server quit (so tools write their reports); kill it
        // if it does not.
        m_process.closeWriteChannel();
        if (!m_process.waitForFinished(30000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

    quint16 port() const { return m_port; }

    // Writes a line to the server's standard input and returns the line it answers.
    QByteArray ask(const QByteArray &line)
    {
        m_process.write(line + '\n');
        return readLine(10000);
    }
    // The number after the word in the answer to `question` ("heap", "connections").
    qint64 askNumber(const QByteArray &question)
    {
        const QByteArray answer = ask(question);
        return answer.startsWith(question + ' ') ? answer.mid(question.size() + 1).toLongLong() : -1;
    }

    // User plus system CPU time in seconds.
    // The process's CPU time, every thread's, user and system, to the nanosecond
    // (/proc's tick of 10 ms would blur runs of a second).
    double cpuSeconds() const
    {
        clockid_t clock{};
        timespec time{};
        if (clock_getcpuclockid(pid_t(m_process.processId()), &clock) != 0 || clock_gettime(clock, &time) != 0)
            return 0;
        return double(time.tv_sec) + double(time.tv_nsec) / 1e9;
    }

    qint64 residentBytes() const
    {
        QFile status(QStringLiteral("/proc/%1/status").arg(m_process.processId()));
        if (!status.open(QIODevice::ReadOnly))
            return 0;
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
        }
        return 0;
    }

private:
    QByteArray readLine(int timeoutMs)
    {
        while (!m_process.canReadLine() && m_process.waitForReadyRead(timeoutMs)) {
        }
        return m_process.readLine().trimmed();
    }

    QProcess m_process;
    quint16 m_port = 0;
};

// A connected TCP socket to 127.0.0.1:port with TCP_NODELAY, blocking; -1 on failure.
inline int connectTo(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline QByteArray upgradeRequest(const std::optional<Core::DeflateConfig> &deflate)
{
    QByteArray request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (deflate)
        request += "Sec-WebSocket-Extensions: " + QByteArray::fromStdString(Core::deflateOffer(*deflate)) + "\r\n";
    return request + "\r\n";
}

inline Core::ProtocolOptions clientOptions()
{
    Core::ProtocolOptions options;
    options.maxMessageSize = 0;
    options.maskKeySource = [] { return Core::MaskKey{{0x12, 0x34, 0x56, 0x78}}; };
    // The generator shares the machine with the server: compress cheaply.
    options.deflateTuning.level = 1;
    return options;
}

// One client connection: sends its messages (the payloads in turn) keeping
// `window` of them in flight, and counts the messages that come back (echoes, or
// broadcasts) and the bytes on the wire. It reads and writes its socket itself,
// one notifier per direction, so the generator adds no copies of its own.
class LoadClient
{
public:
    LoadClient(quint16 port, int total, int window, Core::MessageType type, const QList<QByteArray> &payloads,
               const std::optional<Core::DeflateConfig> &deflate = std::nullopt)
        : m_protocol(Core::Role::Client, clientOptions())
        , m_total(total)
        , m_window(window)
        , m_type(type)
        , m_payloads(payloads)
        , m_offer(deflate)
    {
        m_fd = connectTo(port);
        if (m_fd < 0) {
            m_failed = true;
            return;
        }
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
        m_reader = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        QObject::connect(m_reader.get(), &QSocketNotifier::activated, m_reader.get(), [this] { readAvailable(); });
        m_writer = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Write);
        m_writer->setEnabled(false);
        QObject::connect(m_writer.get(), &QSocketNotifier::activated, m_writer.get(), [this] { writeQueued(); });
        write(upgradeRequest(m_offer).toStdString());
    }
    ~LoadClient()
    {
        m_reader.reset();
        m_writer.reset();
        if (m_fd >= 0)
            ::close(m_fd);
    }
    LoadClient(const LoadClient &) = delete;
    LoadClient &operator=(const LoadClient &) = delete;

    bool isOpen() const { return m_open; }
    bool isDone() const { return m_received >= m_total; }
    bool failed() const { return m_failed; }
    bool isCompressed() const { return m_protocol.isCompressionNegotiated(); }
    int received() const { return m_received; }
    // Payload bytes of the messages received, and the bytes that carried them.
    qint64 receivedBytes() const { return m_receivedBytes; }
    qint64 wireBytesReceived() const { return m_wireReceived; }
    // With timing on, nanoseconds from sending each message to its echo.
    void setTiming(bool timing) { m_timing = timing; }
    const std::vector<qint64> &roundTrips() const { return m_roundTrips; }
    // Expects `total` messages in all (a receiver of broadcasts sends none).
    void expect(int total) { m_total = total; }

    void start()
    {
        m_clock.start();
        while (m_sent < toSend() && m_sent - m_received < m_window)
            sendOne();
        flush();
    }

private:
    // Messages to send: none for a receiver without payloads.
    int toSend() const { return m_payloads.isEmpty() ? 0 : m_total; }

    void sendOne()
    {
        const QByteArray &payload = m_payloads.at(m_sent % m_payloads.size());
        m_protocol.sendMessage(m_type, {payload.constData(), std::size_t(payload.size())});
        if (m_timing)
            m_sentAt.push_back(m_clock.nsecsElapsed());
        ++m_sent;
    }

    void flush()
    {
        const std::string_view output = m_protocol.pendingOutput();
        if (output.empty())
            return;
        write(output);
        m_protocol.consumeOutput(output.size());
    }

    void write(std::string_view bytes)
    {
        if (m_unsent.empty()) {
            const ssize_t sent = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (sent > 0)
                bytes.remove_prefix(std::size_t(sent));
            else if (sent < 0 && errno != EAGAIN)
                m_failed = true;
        }
        if (!bytes.empty() && !m_failed) {
            m_unsent.append(bytes);
            m_writer->setEnabled(true);
        }
    }

    void writeQueued()
    {
        const ssize_t sent = ::send(m_fd, m_unsent.data(), m_unsent.size(), MSG_NOSIGNAL);
        if (sent > 0)
            m_unsent.erase(0, std::size_t(sent));
        if (m_unsent.empty())
            m_writer->setEnabled(false);
    }

    void readAvailable()
    {
        static std::string buffer(256 * 1024, '\0');
        const ssize_t size = ::recv(m_fd, buffer.data(), buffer.size(), 0);
        if (size <= 0) {
            if (size == 0 || errno != EAGAIN) {
                m_failed = !isDone();
                m_reader->setEnabled(false);
            }
            return;
        }
        char *data = buffer.data();
        auto available = std::size_t(size);
        if (!m_open) {
            std::size_t consumed = 0;
            if (m_head.parse(data, available, consumed) != Core::HttpHeadParser::Status::Complete)
                return;
            const Core::HttpResponseHead &response = m_head.response();
            std::optional<Core::DeflateParameters> agreed;
            m_failed = response.status != 101
                || (m_offer
                    && Core::acceptDeflateResponse(response.headers.combinedValue("Sec-WebSocket-Extensions"),
                                                   *m_offer, agreed)
                        != Core::Error::None);
            m_open = !m_failed;
            m_protocol.open(agreed);
            data += consumed;
            available -= consumed;
        }
        m_wireReceived += qint64(available);
        m_protocol.receive(data, available);
        for (Core::Event event = m_protocol.nextEvent(); event.type != Core::Event::Type::None;
             event = m_protocol.nextEvent()) {
            if (event.type != Core::Event::Type::Message)
                continue;
            ++m_received;
            m_receivedBytes += qint64(event.payload.size());
            if (m_timing && !m_sentAt.empty()) {
                m_roundTrips.push_back(m_clock.nsecsElapsed() - m_sentAt.front());
                m_sentAt.pop_front();
            }
            if (m_sent < toSend())
                sendOne();
        }
        flush();
    }

    int m_fd = -1;
    std::unique_ptr<QSocketNotifier> m_reader;
    std::unique_ptr<QSocketNotifier> m_writer;
    std::string m_unsent;
    Core::Protocol m_protocol;
    Core::HttpHeadParser m_head{Core::HttpHeadParser::Kind::Response};
    int m_total;
    int m_window;
    Core::MessageType m_type;
    QList<QByteArray> m_payloads;
    std::optional<Core::DeflateConfig> m_offer;
    int m_sent = 0;
    int m_received = 0;
    qint64 m_receivedBytes = 0;
    qint64 m_wireReceived = 0;
    bool m_open = false;
    bool m_failed = false;
    bool m_timing = false;
    QElapsedTimer m_clock;
    std::deque<qint64> m_sentAt;
    std::vector<qint64> m_roundTrips;
};

template<typename Predicate>
bool allClients(const std::vector<std::unique_ptr<LoadClient>> &clients, Predicate predicate)
{
    return std::all_of(clients.begin(), clients.end(), [&](const auto &client) { return predicate(*client); });
}

// Connections that completed the opening handshake and then stay idle, held as
// bare descriptors (no event loop, a few bytes each in this process). Each may
// first exchange one message with an echo server. They open in batches whose
// handshakes are all in flight at once, so the server handles many per wake-up.
class IdleConnections
{
public:
    static constexpr int Batch = 100;

    IdleConnections() = default;
    ~IdleConnections() { closeAll(); }
    IdleConnections(const IdleConnections &) = delete;
    IdleConnections &operator=(const IdleConnections &) = delete;

    // Opens `count` more; false (with what went wrong on stderr) on the first failure.
    bool open(quint16 port, int count, const std::optional<Core::DeflateConfig> &deflate = std::nullopt,
              const QByteArray &message = {})
    {
        const QByteArray request = upgradeRequest(deflate);
        for (int done = 0; done < count; done += Batch) {
            std::vector<Pending> batch;
            for (int i = done; i < std::min(count, done + Batch); ++i) {
                const int fd = connectTo(port);
                if (fd < 0) {
                    std::fprintf(stderr, "connection %d: %s\n", i, std::strerror(errno));
                    return false;
                }
                m_fds.push_back(fd);
                if (::send(fd, request.constData(), std::size_t(request.size()), MSG_NOSIGNAL) != request.size())
                    return false;
                batch.push_back(Pending{fd, deflate, message});
            }
            if (!finish(batch)) {
                std::fprintf(stderr, "connections %d-%d: no handshake or echo\n", done, done + Batch - 1);
                return false;
            }
        }
        return true;
    }

    void closeAll()
    {
        for (const int fd : m_fds)
            ::close(fd);
        m_fds.clear();
    }

    int size() const { return int(m_fds.size()); }

private:
    // One connection's handshake (and echo) in progress.
    struct Pending {
        Pending(int descriptor, const std::optional<Core::DeflateConfig> &offer, const QByteArray &exchange)
            : fd(descriptor), deflate(offer), message(exchange)
        {
        }
        // Takes the bytes that arrived; true once done, and sets failed on a failure.
        bool take(char *data, std::size_t available)
        {
            if (protocol.state() == Core::Protocol::State::Connecting) {
                std::size_t consumed = 0;
                if (head.parse(data, available, consumed) != Core::HttpHeadParser::Status::Complete) {
                    failed = head.status() == Core::HttpHeadParser::Status::Failed;
                    return failed;
                }
                std::optional<Core::DeflateParameters> agreed;
                failed = head.response().status != 101
                    || (deflate
                        && Core::acceptDeflateResponse(head.response().headers.combinedValue("Sec-WebSocket-Extensions"),
                                                       *deflate, agreed)
                            != Core::Error::None);
                if (failed)
                    return true;
                protocol.open(agreed);
                if (message.isEmpty())
                    return true;
                protocol.sendMessage(Core::MessageType::Binary, {message.constData(), std::size_t(message.size())});
                const std::string_view output = protocol.pendingOutput();
                failed = ::send(fd, output.data(), output.size(), MSG_NOSIGNAL) != ssize_t(output.size());
                protocol.consumeOutput(output.size());
                if (failed)
                    return true;
                data += consumed;
                available -= consumed;
            }
            protocol.receive(data, available);
            for (Core::Event event = protocol.nextEvent(); event.type != Core::Event::Type::None;
                 event = protocol.nextEvent()) {
                if (event.type == Core::Event::Type::Message)
                    return true;
            }
            return false;
        }

        int fd;
        std::optional<Core::DeflateConfig> deflate;
        QByteArray message;
        Core::HttpHeadParser head{Core::HttpHeadParser::Kind::Response};
        Core::Protocol protocol{Core::Role::Client, clientOptions()};
        bool failed = false;
    };

    // Waits until every connection of the batch is done; false on a failure.
    static bool finish(std::vector<Pending> &batch)
    {
        std::vector<Pending *> waiting;
        for (Pending &pending : batch)
            waiting.push_back(&pending);
        char buffer[16 * 1024];
        while (!waiting.empty()) {
            std::vector<pollfd> fds;
            for (const Pending *pending : waiting)
                fds.push_back({pending->fd, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), 30000) <= 0)
                return false;
            std::vector<Pending *> still;
            for (std::size_t i = 0; i < waiting.size(); ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                    still.push_back(waiting[i]);
                    continue;
                }
                const ssize_t size = ::recv(waiting[i]->fd, buffer, sizeof buffer, 0);
                if (size <= 0)
                    return false;
                if (!waiting[i]->take(buffer, std::size_t(size)))
                    still.push_back(waiting[i]);
                else if (waiting[i]->failed)
                    return false;
            }
            waiting.swap(still);
        }
        return true;
    }

    std::vector<int> m_fds;
};

} // namespace Harness
