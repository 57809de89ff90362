#pragma once
// The parts of the end-to-end benchmarks that are not about one library: a server
// run as a child process and seen from /proc, and a load generator written on the
// protocol core (with permessage-deflate when asked).

#include <WsKit/Core/deflatenegotiation.h>
#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/Core/protocol.h>

#include <WsKit/connection.h>
#include <WsKit/server.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QList>
#include <QtCore/QProcess>
#include <QtNetwork/QTcpSocket>

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
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

// This program again, with arguments that make it serve; it prints "port N" first.
// A WsKit Server on 127.0.0.1 (an ephemeral port) that echoes every message with
// the given compression settings, with limits out of the load's way; nullptr if it
// cannot listen.
inline WsKit::Server *startEchoServer(const WsKit::CompressionOptions &compression)
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
    server->setMaxConnections(100000);
    server->setMaxPendingHandshakes(100000);
    QObject::connect(server, &Server::newConnection, server, [](Connection *connection) {
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [connection](const QByteArray &payload, Connection::MessageType type) {
                             connection->sendMessage(payload, type);
                         });
    });
    return server->listen(QHostAddress::LocalHost, 0) ? server : nullptr;
}

class ServerProcess
{
public:
    explicit ServerProcess(const QStringList &arguments)
    {
        m_process.setProgram(QCoreApplication::applicationFilePath());
        m_process.setArguments(arguments);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        m_process.waitForStarted();
        const QByteArray line = readLine();
        m_port = line.startsWith("port ") ? line.mid(5).toUShort() : 0;
    }
    ~ServerProcess()
    {
        m_process.kill();
        m_process.waitForFinished();
    }

    quint16 port() const { return m_port; }

    // Writes a line to the server's standard input and returns the line it answers.
    QByteArray ask(const QByteArray &line)
    {
        m_process.write(line + '\n');
        return readLine();
    }

    // User plus system CPU time in seconds.
    double cpuSeconds() const
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(m_process.processId()));
        if (!stat.open(QIODevice::ReadOnly))
            return 0;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        // Fields 14 and 15 of the file (utime, stime); 3 is the first after the name.
        return double(fields.at(11).toLongLong() + fields.at(12).toLongLong()) / double(sysconf(_SC_CLK_TCK));
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
    QByteArray readLine()
    {
        while (!m_process.canReadLine() && m_process.waitForReadyRead(10000)) {
        }
        return m_process.readLine().trimmed();
    }

    QProcess m_process;
    quint16 m_port = 0;
};

// One client connection: sends its messages (the payloads in turn) keeping
// `window` of them in flight, and counts the echoes and the bytes on the wire.
class LoadClient : public QObject
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
        connect(&m_socket, &QIODevice::readyRead, this, &LoadClient::readAvailable);
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        QByteArray request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        if (m_offer)
            request += "Sec-WebSocket-Extensions: " + QByteArray::fromStdString(Core::deflateOffer(*m_offer)) + "\r\n";
        m_socket.write(request + "\r\n");
    }

    bool isOpen() const { return m_open; }
    bool isDone() const { return m_received >= m_total; }
    bool failed() const { return m_failed; }
    bool isCompressed() const { return m_protocol.isCompressionNegotiated(); }
    // Payload bytes of the echoes, and the bytes that carried them.
    qint64 receivedBytes() const { return m_receivedBytes; }
    qint64 wireBytesReceived() const { return m_wireReceived; }

    void start()
    {
        while (m_sent < m_total && m_sent - m_received < m_window)
            sendOne();
        flush();
    }

private:
    static Core::ProtocolOptions clientOptions()
    {
        Core::ProtocolOptions options;
        options.maxMessageSize = 0;
        options.maskKeySource = [] { return Core::MaskKey{{0x12, 0x34, 0x56, 0x78}}; };
        // The generator shares the machine with the server: compress cheaply.
        options.deflateTuning.level = 1;
        return options;
    }

    void sendOne()
    {
        const QByteArray &payload = m_payloads.at(m_sent % m_payloads.size());
        m_protocol.sendMessage(m_type, {payload.constData(), std::size_t(payload.size())});
        ++m_sent;
    }

    void flush()
    {
        const std::string_view output = m_protocol.pendingOutput();
        if (!output.empty()) {
            m_socket.write(output.data(), qint64(output.size()));
            m_protocol.consumeOutput(output.size());
        }
    }

    void readAvailable()
    {
        QByteArray bytes = m_socket.readAll();
        if (!m_open) {
            std::size_t consumed = 0;
            if (m_head.parse(bytes.constData(), std::size_t(bytes.size()), consumed)
                != Core::HttpHeadParser::Status::Complete)
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
            bytes = bytes.mid(qsizetype(consumed));
        }
        m_wireReceived += bytes.size();
        m_protocol.receive(bytes.data(), std::size_t(bytes.size()));
        for (Core::Event event = m_protocol.nextEvent(); event.type != Core::Event::Type::None;
             event = m_protocol.nextEvent()) {
            if (event.type != Core::Event::Type::Message)
                continue;
            ++m_received;
            m_receivedBytes += qint64(event.payload.size());
            if (m_sent < m_total)
                sendOne();
        }
        flush();
    }

    QTcpSocket m_socket;
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
};

template<typename Predicate>
bool allClients(const std::vector<std::unique_ptr<LoadClient>> &clients, Predicate predicate)
{
    return std::all_of(clients.begin(), clients.end(), [&](const auto &client) { return predicate(*client); });
}

} // namespace Harness
