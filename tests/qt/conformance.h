#pragma once
// The frame of the conformance tests: a WsKit echo server in its own thread (the
// testee, as Autobahn's fuzzing client sees one) and the checks every case ends
// with — the exact events, the close code, and that the server ends TCP itself.

#include "rawclient.h"

#include <WsKit/connection.h>
#include <WsKit/connectionoptions.h>
#include <WsKit/messagewriter.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QThread>
#include <QtCore/QWaitCondition>
#include <QtTest/QtTest>

#include <functional>
#include <memory>

namespace Conformance {

// Autobahn 9.x sends messages up to 16 MiB; leave room above that.
inline constexpr qint64 EchoMaxMessageSize = 64 * 1024 * 1024;

// How quickly the server must react where Autobahn gives up (its killAfter(1) and
// the one second it waits for the server to end TCP).
inline constexpr int PromptMs = 1000;

enum class EchoMode {
    Assembled, // messageReceived → sendMessage
    Streaming, // incoming streaming: every chunk is echoed at once through a MessageWriter
};

// What the server side saw of one connection, told by the client's port.
struct ServerOutcome {
    bool closed = false;
    quint16 closeCode = 0;
    WsKit::Connection::Error error = WsKit::Connection::Error::NoError;
    QStringList problems; // echoes the server refused to send
};

class EchoServer
{
public:
    // tune adjusts the options of every connection; prepare runs on each new
    // connection in the server's thread before it is served.
    explicit EchoServer(EchoMode mode, std::function<void(WsKit::ConnectionOptions &)> tune = {},
                        std::function<void(WsKit::Connection *)> prepare = {})
        : m_mode(mode)
        , m_prepare(std::move(prepare))
    {
        m_thread.setObjectName(QStringLiteral("echo-server"));
        m_thread.start();
        m_context.moveToThread(&m_thread);
        QMetaObject::invokeMethod(&m_context, [this, tune] { start(tune); }, Qt::BlockingQueuedConnection);
    }

    ~EchoServer()
    {
        QMetaObject::invokeMethod(&m_context, [this] { delete m_server; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }

    EchoServer(const EchoServer &) = delete;
    EchoServer &operator=(const EchoServer &) = delete;

    quint16 port() const { return m_port; }
    EchoMode mode() const { return m_mode; }

    // Waits until the server's Connection for the client on clientPort emitted closed().
    std::optional<ServerOutcome> waitForOutcome(quint16 clientPort, int timeoutMs = 3000)
    {
        QMutexLocker lock(&m_mutex);
        const QDeadlineTimer deadline(timeoutMs);
        while (!m_outcomes.value(clientPort).closed) {
            if (!m_changed.wait(&m_mutex, deadline))
                return std::nullopt;
        }
        return m_outcomes.value(clientPort);
    }

    // What the server refused so far on the connection of the client on clientPort.
    QStringList problems(quint16 clientPort)
    {
        QMutexLocker lock(&m_mutex);
        return m_outcomes.value(clientPort).problems;
    }

private:
    void start(const std::function<void(WsKit::ConnectionOptions &)> &tune)
    {
        m_server = new WsKit::Server;
        WsKit::Upgrader upgrader;
        upgrader.allowAnyOrigin();
        WsKit::ConnectionOptions options;
        options.setMaxMessageSize(EchoMaxMessageSize);
        options.setIncomingStreaming(m_mode == EchoMode::Streaming);
        if (tune)
            tune(options);
        upgrader.setConnectionOptions(options);
        m_server->setUpgrader(upgrader);
        QObject::connect(m_server, &WsKit::Server::newConnection, m_server,
                         [this](WsKit::Connection *connection) { serve(connection); });
        if (m_server->listen(QHostAddress::LocalHost, 0))
            m_port = m_server->serverPort();
    }

    void serve(WsKit::Connection *connection)
    {
        if (m_prepare)
            m_prepare(connection);
        const quint16 peerPort = connection->peerPort();
        {
            // A port may come again later in the run: start its record afresh.
            QMutexLocker lock(&m_mutex);
            m_outcomes[peerPort] = {};
        }
        auto report = [this, peerPort](const QString &problem) {
            QMutexLocker lock(&m_mutex);
            m_outcomes[peerPort].problems.append(problem);
        };
        if (m_mode == EchoMode::Assembled) {
            QObject::connect(connection, &WsKit::Connection::messageReceived, connection,
                             [connection, report](const QByteArray &payload, WsKit::Connection::MessageType type) {
                                 if (!connection->sendMessage(payload, type))
                                     report(QStringLiteral("echo refused: ") + connection->errorString());
                             });
        } else {
            // The writer of the message being echoed lives as long as the connection.
            auto writer = std::make_shared<WsKit::MessageWriter>();
            QObject::connect(connection, &WsKit::Connection::messageChunkReceived, connection,
                             [connection, writer, report](const QByteArray &chunk, WsKit::Connection::MessageType type,
                                                          bool first, bool last) {
                                 if (first)
                                     *writer = connection->beginMessage(type);
                                 const bool sent = last ? writer->finish(chunk) : writer->write(chunk);
                                 if (!sent)
                                     report(QStringLiteral("echo chunk refused: ") + connection->errorString());
                             });
        }
        QObject::connect(connection, &WsKit::Connection::closed, connection,
                         [this, connection, peerPort](quint16 code, const QString &) {
                             QMutexLocker lock(&m_mutex);
                             ServerOutcome &outcome = m_outcomes[peerPort];
                             if (outcome.closed)
                                 outcome.problems.append(QStringLiteral("closed() emitted twice"));
                             outcome.closed = true;
                             outcome.closeCode = code;
                             outcome.error = connection->error();
                             m_changed.wakeAll();
                         });
    }

    EchoMode m_mode;
    std::function<void(WsKit::Connection *)> m_prepare;
    QThread m_thread;
    QObject m_context;
    WsKit::Server *m_server = nullptr; // lives in m_thread
    quint16 m_port = 0;
    QMutex m_mutex;
    QWaitCondition m_changed;
    QHash<quint16, ServerOutcome> m_outcomes;
};

// The base of the conformance test classes (which declare the slots): one echo
// server per run, and the steps every case is made of.
class ConformanceTest : public QObject
{
public:
    // Runs the test functions against an echo server in mode that lives as long
    // as the run.
    int run(EchoMode mode, int argc, char **argv)
    {
        m_mode = mode;
        qInfo("echo server mode: %s", streaming() ? "incoming streaming, echoed chunk by chunk" : "assembled messages");
        m_server = std::make_unique<EchoServer>(m_mode);
        const int status = QTest::qExec(this, argc, argv);
        m_server.reset();
        return status;
    }

protected:
    EchoMode mode() const { return m_mode; }
    bool streaming() const { return m_mode == EchoMode::Streaming; }
    EchoServer &server() { return *m_server; }

    // A connected client; the test fails when the handshake does not succeed.
    void connectClient(RawClient &client, EchoServer *echoServer = nullptr)
    {
        EchoServer &target = echoServer ? *echoServer : server();
        QVERIFY2(target.port() != 0, "the echo server is not listening");
        const QString error = client.open(target.port());
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    // The next events must be exactly these, in this order.
    static void expectEvents(RawClient &client, const QList<Event> &expected, int timeoutMs = 5000)
    {
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const Event event = client.nextEvent(timeoutMs);
            if (!sameEvent(event, expected[i])) {
                QFAIL(qPrintable(QStringLiteral("event %1: expected %2, got %3")
                                     .arg(i + 1)
                                     .arg(describe(expected[i]), describe(event))));
            }
        }
    }

    // The client starts the closing handshake (Autobahn's "closedByMe"): the server
    // must answer with a close frame carrying one of replyCodes (-1: empty payload),
    // send nothing else, and end TCP itself; its Connection reports serverCode.
    void closeByClient(RawClient &client, const QByteArray &closePayloadSent, const QList<int> &replyCodes,
                       quint16 serverCode, EchoServer *echoServer = nullptr)
    {
        client.sendFrame(closeFrame(closePayloadSent));
        expectCloseAnswered(client, replyCodes, serverCode, echoServer);
    }

    // The close frame the client sent is answered as closeByClient describes.
    void expectCloseAnswered(RawClient &client, const QList<int> &replyCodes, quint16 serverCode,
                             EchoServer *echoServer = nullptr)
    {
        expectCloseFrame(client, replyCodes);
        if (QTest::currentTestFailed())
            return;
        expectTcpEnd(client);
        if (QTest::currentTestFailed())
            return;
        expectServerOutcome(client, serverCode, WsKit::Connection::Error::NoError, echoServer);
    }

    void closeNormally(RawClient &client, EchoServer *echoServer = nullptr)
    {
        closeByClient(client, closePayload(Core::CloseCode::Normal), {Core::CloseCode::Normal}, Core::CloseCode::Normal,
                      echoServer);
    }

    // The server fails the connection (Autobahn's closedByMe false): a close frame
    // with exactly this code within PromptMs of the last bytes we sent, nothing
    // after it, and the end of TCP; Autobahn answers the close frame as we do here.
    void expectFailure(RawClient &client, quint16 code, EchoServer *echoServer = nullptr)
    {
        QElapsedTimer timer;
        timer.start();
        expectCloseFrame(client, {code}, PromptMs);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(timer.elapsed() < PromptMs, "the server failed the connection too late");
        client.sendFrame(closeFrame(closePayload(code)));
        expectTcpEnd(client);
        if (QTest::currentTestFailed())
            return;
        expectServerOutcome(client, code, failureError(code), echoServer);
    }

    static void expectCloseFrame(RawClient &client, const QList<int> &codes, int timeoutMs = 5000)
    {
        const Event event = client.nextEvent(timeoutMs);
        if (event.kind != Event::Kind::Close) {
            QFAIL(qPrintable(QStringLiteral("expected a close frame with code %1, got %2")
                                 .arg(codes.value(0))
                                 .arg(describe(event))));
        }
        if (!codes.contains(event.closeCode())) {
            QFAIL(qPrintable(QStringLiteral("close code %1, expected one of %2")
                                 .arg(event.closeCode())
                                 .arg(codeList(codes))));
        }
    }

    // After the closing handshake the server, not the client, ends TCP, promptly
    // and without another byte (RFC 6455 §7.1.1).
    static void expectTcpEnd(RawClient &client)
    {
        QVERIFY2(client.waitForDisconnected(PromptMs),
                 "the server did not end the TCP connection after the closing handshake");
    }

    // The server's Connection emitted closed(code) once, with error (NoError when
    // the peer closed), and refused no echo.
    void expectServerOutcome(RawClient &client, quint16 code, WsKit::Connection::Error error,
                             EchoServer *echoServer = nullptr)
    {
        EchoServer &target = echoServer ? *echoServer : server();
        const std::optional<ServerOutcome> outcome = target.waitForOutcome(client.localPort());
        QVERIFY2(outcome.has_value(), "the server's Connection never emitted closed()");
        QVERIFY2(outcome->problems.isEmpty(), qPrintable(outcome->problems.join(QStringLiteral("; "))));
        QCOMPARE(outcome->closeCode, code);
        QCOMPARE(outcome->error, error);
    }

    // The error a Connection reports when it failed the connection with code.
    static WsKit::Connection::Error failureError(quint16 code)
    {
        switch (code) {
        case Core::CloseCode::ProtocolError:
            return WsKit::Connection::Error::ProtocolError;
        case Core::CloseCode::InvalidPayload:
            return WsKit::Connection::Error::InvalidPayload;
        case Core::CloseCode::MessageTooBig:
            return WsKit::Connection::Error::MessageTooBig;
        default:
            return WsKit::Connection::Error::InternalError;
        }
    }

    // Connects client, sends frames (in chops of chopSize bytes, or each frame
    // synced) and expects exactly these events.
    void sendAndExpect(RawClient &client, const QList<OutFrame> &frames, qsizetype chopSize, bool sync,
                       const QList<Event> &expected)
    {
        connectClient(client);
        if (QTest::currentTestFailed())
            return;
        client.sendFrames(frames, chopSize, sync);
        expectEvents(client, expected);
    }

    // The common shape of a case: send frames (in chops of chopSize bytes, or each
    // frame synced), expect exactly these events, then either the server fails the
    // connection with failCode or, when failCode is 0, the client closes normally.
    void runCase(const QList<OutFrame> &frames, qsizetype chopSize, bool sync, const QList<Event> &expected,
                 quint16 failCode)
    {
        RawClient client;
        sendAndExpect(client, frames, chopSize, sync, expected);
        if (QTest::currentTestFailed())
            return;
        if (failCode != 0)
            expectFailure(client, failCode);
        else
            closeNormally(client);
    }

    // Nothing arrives for quietMs and the connection stays open.
    static void expectQuiet(RawClient &client, int quietMs)
    {
        const Event event = client.nextEvent(quietMs);
        if (event.kind != Event::Kind::Timeout)
            QFAIL(qPrintable(QStringLiteral("expected nothing, got ") + describe(event)));
    }

private:
    static QString codeList(const QList<int> &codes)
    {
        QStringList names;
        for (int code : codes)
            names.append(QString::number(code));
        return names.join(QLatin1Char(','));
    }

    EchoMode m_mode = EchoMode::Assembled;
    std::unique_ptr<EchoServer> m_server;
};

} // namespace Conformance

Q_DECLARE_METATYPE(Conformance::OutFrame)
Q_DECLARE_METATYPE(Conformance::Event)

namespace Conformance {

// Runs a test class once against each echo mode.
#define WSKIT_CONFORMANCE_MAIN(Class)                                                                    \
    int main(int argc, char **argv)                                                                      \
    {                                                                                                    \
        QCoreApplication app(argc, argv);                                                                \
        Class assembled;                                                                                 \
        Class streaming;                                                                                 \
        int status = assembled.run(Conformance::EchoMode::Assembled, argc, argv);                        \
        status |= streaming.run(Conformance::EchoMode::Streaming, argc, argv);                           \
        return status;                                                                                   \
    }

} // namespace Conformance
