#pragma once
// Helpers of the client tests: an echo server, waiting for a dial's outcome, peers and proxies
// run as child processes, a raw TCP server that answers handshakes byte for
// byte, and a test PKI made with openssl.

#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/connection.h>
#include <WsKit/server.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QPointer>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <chrono>
#include <functional>
#include <memory>

namespace DialerTest {

using namespace std::chrono_literals;
using WsKit::Connection;

// Runs the event loop until done() or the timeout; true when done() held.
inline bool spinUntil(const std::function<bool()> &done, std::chrono::milliseconds timeout = 10s)
{
    const QDeadlineTimer deadline(timeout);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

// How a dial ended: opened, or failed with an error.
struct Outcome {
    bool finished = false;
    bool opened = false;
    Connection::Error error = Connection::Error::NoError;
    QString errorString;
    int errorSignals = 0;
    int closedSignals = 0;
};

// Records the outcome of a dial as it happens. Watches from construction, so
// create it before anything can run the event loop.
class DialWatch : public Outcome
{
public:
    explicit DialWatch(Connection *connection)
        : m_connection(connection)
    {
        QObject::connect(connection, &Connection::opened, &m_context, [this] {
            opened = true;
            finished = true;
        });
        QObject::connect(connection, &Connection::errorOccurred, &m_context,
                         [this](Connection::Error newError, const QString &text) {
                             error = newError;
                             errorString = text;
                             ++errorSignals;
                         });
        QObject::connect(connection, &Connection::closed, &m_context, [this] {
            ++closedSignals;
            finished = true;
        });
    }

    // Runs the event loop until the dial ended; true when it did in time.
    bool wait(std::chrono::milliseconds timeout = 10s)
    {
        return spinUntil([this] { return finished || !m_connection; }, timeout);
    }

private:
    QPointer<Connection> m_connection;
    QObject m_context;
};

// Sends every message connection receives back as it came.
inline void echoMessages(Connection *connection)
{
    QObject::connect(connection, &Connection::messageReceived, connection,
                     [connection](const QByteArray &payload, Connection::MessageType type) {
                         connection->sendMessage(payload, type);
                     });
}

// Our own server (ws, or wss with tls) on address, echoing every message;
// nullptr when it cannot listen.
inline std::unique_ptr<WsKit::Server> startEchoServer(const QSslConfiguration &tls = {},
                                                      const QHostAddress &address = QHostAddress::LocalHost)
{
    auto server = std::make_unique<WsKit::Server>();
    if (!tls.isNull())
        server->setSslConfiguration(tls);
    QObject::connect(server.get(), &WsKit::Server::newConnection, server.get(), &echoMessages);
    if (!server->listen(address, 0))
        return nullptr;
    return server;
}

// Waits for connection (just dialed, the event loop not run since) to open or fail.
inline Outcome waitForOutcome(Connection *connection, std::chrono::milliseconds timeout = 10s)
{
    DialWatch watch(connection);
    watch.wait(timeout);
    return watch;
}

// Receives the next message that messageSignal carries (or an empty one when
// none comes within the timeout).
template <typename Message, typename Signal>
Message nextMessage(Connection *connection, Signal messageSignal, std::chrono::milliseconds timeout)
{
    Message first;
    bool received = false;
    QObject context;
    QObject::connect(connection, messageSignal, &context, [&](const Message &message) {
        if (!received)
            first = message;
        received = true;
    });
    spinUntil([&] { return received; }, timeout);
    return first;
}

inline QString nextText(Connection *connection, std::chrono::milliseconds timeout = 10s)
{
    return nextMessage<QString>(connection, &Connection::textMessageReceived, timeout);
}

inline QByteArray nextBinary(Connection *connection, std::chrono::milliseconds timeout = 10s)
{
    return nextMessage<QByteArray>(connection, &Connection::binaryMessageReceived, timeout);
}

// Records every message of a connection from construction on, for messages
// that may arrive right after the dial opened.
class MessageQueue
{
public:
    explicit MessageQueue(Connection *connection)
    {
        QObject::connect(connection, &Connection::messageReceived, &m_context,
                         [this](const QByteArray &payload, Connection::MessageType) { m_messages.append(payload); });
    }

    // The oldest message not taken yet; empty when none came within the timeout.
    QByteArray take(std::chrono::milliseconds timeout = 10s)
    {
        spinUntil([this] { return !m_messages.isEmpty(); }, timeout);
        return m_messages.isEmpty() ? QByteArray() : m_messages.takeFirst();
    }

private:
    QList<QByteArray> m_messages;
    QObject m_context;
};

// Closes with 1000 and waits for closed(); returns the code closed() carried.
inline int closeAndWait(Connection *connection, std::chrono::milliseconds timeout = 10s)
{
    int code = -1;
    QObject context;
    QObject::connect(connection, &Connection::closed, &context, [&code](quint16 closeCode) { code = closeCode; });
    if (!connection->close(1000, QStringLiteral("bye")))
        return -2;
    spinUntil([&] { return code != -1; }, timeout);
    return code;
}

// A port that was free a moment ago, for programs that want one on the command line.
inline quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

// True once something accepts TCP connections on 127.0.0.1:port.
inline bool waitUntilListening(quint16 port, std::chrono::milliseconds timeout = 10s)
{
    const QDeadlineTimer deadline(timeout);
    while (!deadline.hasExpired()) {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, port);
        if (probe.waitForConnected(200)) {
            probe.abort();
            return true;
        }
        QThread::msleep(20);
    }
    return false;
}

// A program started by a test, killed when this goes out of scope.
class ChildProcess
{
public:
    ChildProcess() { m_process.setProcessChannelMode(QProcess::MergedChannels); }
    ~ChildProcess() { stop(); }
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    // Starts program and, with a ready pattern, waits until a line of its output
    // matches it. False (see output()) when it could not start or was not ready in time.
    bool start(const QString &program, const QStringList &arguments, const QRegularExpression &ready = {},
               std::chrono::milliseconds timeout = 15s, const QString &workingDirectory = {})
    {
        if (!workingDirectory.isEmpty())
            m_process.setWorkingDirectory(workingDirectory);
        m_process.start(program, arguments);
        if (!m_process.waitForStarted(5000)) {
            m_output = m_process.errorString().toUtf8();
            return false;
        }
        if (ready.pattern().isEmpty())
            return true;
        const QDeadlineTimer deadline(timeout);
        while (!deadline.hasExpired()) {
            readOutput();
            for (const QByteArray &line : m_output.split('\n')) {
                const QRegularExpressionMatch match = ready.match(QString::fromUtf8(line));
                if (match.hasMatch()) {
                    m_readyMatch = match;
                    return true;
                }
            }
            if (m_process.state() != QProcess::Running)
                return false;
            m_process.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime())));
        }
        return false;
    }

    void setProcessEnvironment(const QProcessEnvironment &environment) { m_process.setProcessEnvironment(environment); }
    QRegularExpressionMatch readyMatch() const { return m_readyMatch; }
    QByteArray output()
    {
        readOutput();
        return m_output;
    }
    bool isRunning() const { return m_process.state() == QProcess::Running; }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();
        m_process.waitForFinished(5000);
    }

private:
    void readOutput() { m_output += m_process.readAll(); }

    QProcess m_process;
    QByteArray m_output;
    QRegularExpressionMatch m_readyMatch;
};

// A plain TCP server on 127.0.0.1 for handshakes written by hand: it collects
// what each client sends, and the test answers with bytes of its own choice.
class RawServer : public QObject
{
public:
    RawServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                m_sockets.append(socket);
                m_received.append(QByteArray());
                const qsizetype index = m_sockets.size() - 1;
                connect(socket, &QIODevice::readyRead, this,
                        [this, socket, index] { m_received[index] += socket->readAll(); });
            }
        });
    }

    bool listen(const QHostAddress &address = QHostAddress::LocalHost) { return m_server.listen(address, 0); }
    quint16 port() const { return m_server.serverPort(); }
    QString url(const QString &path = QStringLiteral("/")) const
    {
        return QStringLiteral("ws://127.0.0.1:%1%2").arg(port()).arg(path);
    }

    // Waits for the index-th connection's request head (up to its empty line).
    bool waitForHead(qsizetype index = 0, std::chrono::milliseconds timeout = 10s)
    {
        return spinUntil([&] { return m_received.size() > index && m_received[index].contains("\r\n\r\n"); },
                         timeout);
    }
    bool waitForConnection(qsizetype index = 0, std::chrono::milliseconds timeout = 10s)
    {
        return spinUntil([&] { return m_sockets.size() > index; }, timeout);
    }

    QTcpSocket *socket(qsizetype index = 0) const { return m_sockets.value(index); }
    QByteArray received(qsizetype index = 0) const { return m_received.value(index); }
    qsizetype connectionCount() const { return m_sockets.size(); }

    // The index-th request head, parsed.
    WsKit::Core::HttpRequestHead requestHead(qsizetype index = 0) const { return parseHead(received(index)); }

    // The Sec-WebSocket-Accept value that answers the index-th request.
    QByteArray acceptKey(qsizetype index = 0) const { return acceptKeyFor(received(index)); }

    // A correct 101 for the index-th request, with extra fields ("Name: value\r\n" each).
    QByteArray acceptResponse(qsizetype index = 0, const QByteArray &extraFields = {}) const
    {
        return acceptResponseFor(received(index), extraFields);
    }

    static WsKit::Core::HttpRequestHead parseHead(const QByteArray &bytes)
    {
        WsKit::Core::HttpHeadParser parser(WsKit::Core::HttpHeadParser::Kind::Request);
        std::size_t consumed = 0;
        parser.parse(bytes.constData(), static_cast<std::size_t>(bytes.size()), consumed);
        return parser.request();
    }

    static QByteArray acceptKeyFor(const QByteArray &request)
    {
        const WsKit::Core::HttpRequestHead head = parseHead(request);
        const auto key = head.headers.value("Sec-WebSocket-Key");
        return QByteArray::fromStdString(WsKit::Core::computeAcceptKey(key.value_or(std::string_view())));
    }

    static QByteArray acceptResponseFor(const QByteArray &request, const QByteArray &extraFields = {})
    {
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: " + acceptKeyFor(request) + "\r\n" + extraFields + "\r\n";
    }

    void write(const QByteArray &bytes, qsizetype index = 0) { m_sockets.value(index)->write(bytes); }

private:
    QTcpServer m_server;
    QList<QTcpSocket *> m_sockets;
    QList<QByteArray> m_received;
};

// A CA and server certificates signed by it, made by openssl in a directory.
struct TestPki {
    QString directory;
    QSslCertificate ca;
    QSslCertificate server;      // for localhost, 127.0.0.1 and ::1
    QSslCertificate otherServer; // for elsewhere.example only
    QSslKey serverKey;
    QSslKey otherServerKey;
    QString error;

    QString path(const QString &name) const { return directory + QLatin1Char('/') + name; }

    // A client's TLS configuration that trusts the test CA.
    QSslConfiguration trustingConfiguration() const
    {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.addCaCertificate(ca);
        return configuration;
    }

    // A server's TLS configuration with this certificate, not asking for the client's.
    static QSslConfiguration serverConfiguration(const QSslCertificate &certificate, const QSslKey &key)
    {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setLocalCertificate(certificate);
        configuration.setPrivateKey(key);
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
        return configuration;
    }

    // Runs openssl; false (with error set) when it failed.
    bool make(const QString &dir)
    {
        directory = dir;
        const QString ecKey = QStringLiteral("ec_paramgen_curve:prime256v1");
        if (!openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", ecKey, "-nodes", "-keyout", path("ca.key"),
                      "-out", path("ca.crt"), "-days", "2", "-subj", "/CN=WsKit Test CA", "-addext",
                      "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"})) {
            return false;
        }
        if (!makeLeaf(QStringLiteral("server"), QStringLiteral("localhost"),
                      QStringLiteral("DNS:localhost,IP:127.0.0.1,IP:::1"))
            || !makeLeaf(QStringLiteral("other"), QStringLiteral("elsewhere.example"),
                         QStringLiteral("DNS:elsewhere.example"))) {
            return false;
        }
        ca = load(path("ca.crt"));
        server = load(path("server.crt"));
        otherServer = load(path("other.crt"));
        serverKey = loadKey(path("server.key"));
        otherServerKey = loadKey(path("other.key"));
        if (ca.isNull() || server.isNull() || otherServer.isNull() || serverKey.isNull() || otherServerKey.isNull()) {
            error = QStringLiteral("could not load what openssl made");
            return false;
        }
        return true;
    }

private:
    bool makeLeaf(const QString &name, const QString &commonName, const QString &altNames)
    {
        QFile extensions(path(name + QStringLiteral(".ext")));
        if (!extensions.open(QIODevice::WriteOnly))
            return false;
        extensions.write("subjectAltName=" + altNames.toUtf8()
                         + "\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
        extensions.close();
        return openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                        path(name + QStringLiteral(".key")), "-out", path(name + QStringLiteral(".csr")), "-subj",
                        QStringLiteral("/CN=") + commonName})
            && openssl({"x509", "-req", "-in", path(name + QStringLiteral(".csr")), "-CA", path("ca.crt"), "-CAkey",
                        path("ca.key"), "-CAcreateserial", "-out", path(name + QStringLiteral(".crt")), "-days", "2",
                        "-extfile", path(name + QStringLiteral(".ext"))});
    }

    bool openssl(const QStringList &arguments)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral("openssl"), arguments);
        if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit
            || process.exitCode() != 0) {
            error = QStringLiteral("openssl %1 failed: %2 %3")
                        .arg(arguments.join(QLatin1Char(' ')), process.errorString(),
                             QString::fromUtf8(process.readAll()));
            return false;
        }
        return true;
    }

    static QSslCertificate load(const QString &file)
    {
        const QList<QSslCertificate> certificates = QSslCertificate::fromPath(file);
        return certificates.isEmpty() ? QSslCertificate() : certificates.first();
    }

    static QSslKey loadKey(const QString &file)
    {
        QFile keyFile(file);
        if (!keyFile.open(QIODevice::ReadOnly))
            return {};
        return QSslKey(&keyFile, QSsl::Ec);
    }
};

} // namespace DialerTest
