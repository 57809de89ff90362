// Fault injection: our Dialer's client and our Server (and Python's websockets as
// a client) talk through FaultProxy, which splits and delays their bytes, resets
// both connections or half-closes one direction in the middle of the opening
// handshake or of a frame, in either direction. Every case must end in exactly one
// closed() on each of our ends, with 1000 after a clean close and 1006 when the
// transport broke, and a control connection that does not go through the proxy must
// keep working. Each row has a seed; WSKIT_FAULT_SEED adds an offset to replay or
// vary them.

#include "faultproxy.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>

#include <QtCore/QPointer>
#include <QtCore/QProcess>
#include <QtCore/QUrl>
#include <QtTest/QtTest>

#include <functional>
#include <memory>
#include <random>

using WsKit::Connection;
using Direction = FaultProxy::Direction;
using Fault = FaultProxy::Fault;

Q_DECLARE_METATYPE(FaultProxy::Direction)
Q_DECLARE_METATYPE(FaultProxy::Fault)

namespace {

constexpr int Wait = 60000;

// How one end of a connection closed.
struct CloseRecord {
    QPointer<Connection> connection;
    int closes = 0;
    quint16 code = 0;
    Connection::Error error = Connection::Error::NoError;

    void watch(Connection *watched)
    {
        connection = watched;
        QObject::connect(watched, &Connection::closed, watched, [this, watched](quint16 closeCode, const QString &) {
            ++closes;
            code = closeCode;
            error = watched->error();
        });
    }
};

quint32 seedOffset()
{
    return qEnvironmentVariableIntValue("WSKIT_FAULT_SEED");
}

QByteArray randomBytes(qsizetype size, std::mt19937 &random)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (char &byte : bytes)
        byte = char(random());
    return bytes;
}

const char *name(Direction direction)
{
    return direction == Direction::ToServer ? "to server" : "to client";
}

const char *name(Fault fault)
{
    return fault == Fault::Reset ? "reset" : "half-close";
}

} // namespace

class tst_Faults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void splitAndDelayed_data();
    void splitAndDelayed();
    void faultMidHandshake_data();
    void faultMidHandshake();
    void faultMidFrame_data();
    void faultMidFrame();
    void pythonClient_data();
    void pythonClient();

private:
    Connection *dial(quint16 port, bool compression, CloseRecord &record);
    bool echoes(Connection *client, const QByteArray &message);
    void expectOneClose(CloseRecord &record, quint16 code, const char *end);

    WsKit::Server m_server;
    // The server's side of every connection of the current test.
    std::vector<std::unique_ptr<CloseRecord>> m_serverEnds;
    // Called for each text message the server receives before it echoes it.
    std::function<void(Connection *, const QByteArray &)> m_onServerMessage;
    CloseRecord m_control;
    QObject *m_clients = nullptr; // parent of the current test's client connections
    int m_controlRounds = 0;
};

void tst_Faults::initTestCase()
{
    QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
    connect(&m_server, &WsKit::Server::newConnection, this, [this](Connection *connection) {
        m_serverEnds.push_back(std::make_unique<CloseRecord>());
        m_serverEnds.back()->watch(connection);
        connect(connection, &Connection::messageReceived, connection,
                [this, connection](const QByteArray &payload, Connection::MessageType type) {
                    if (m_onServerMessage && type == Connection::MessageType::Text)
                        m_onServerMessage(connection, payload);
                    if (type == Connection::MessageType::Text && payload == "close-me")
                        connection->close(1000);
                    else if (payload != "ready?")
                        connection->sendMessage(payload, type);
                });
    });
    // The control connection, directly to the server: it must live through it all.
    Connection *control = dial(m_server.serverPort(), true, m_control);
    control->setParent(this);
    QTRY_COMPARE_WITH_TIMEOUT(control->state(), Connection::State::Open, Wait);
    QVERIFY(echoes(control, "control"));
    // The control connection's server end is not part of any case.
    m_serverEnds.clear();
}

void tst_Faults::init()
{
    m_clients = new QObject(this);
    m_onServerMessage = nullptr;
}

void tst_Faults::cleanup()
{
    delete m_clients;
    m_clients = nullptr;
    // Other connections are unaffected: the control connection still echoes.
    QVERIFY(m_control.connection && m_control.connection->state() == Connection::State::Open);
    QVERIFY(echoes(m_control.connection, "control " + QByteArray::number(++m_controlRounds)));
    QCOMPARE(m_control.closes, 0);
    // Every connection of the case is gone from the server.
    QTRY_COMPARE_WITH_TIMEOUT(m_server.connectionCount(), 1, Wait);
    m_serverEnds.clear();
}

Connection *tst_Faults::dial(quint16 port, bool compression, CloseRecord &record)
{
    WsKit::Dialer dialer;
    WsKit::ConnectionOptions options;
    WsKit::CompressionOptions deflate;
    deflate.setEnabled(compression);
    options.setCompression(deflate);
    dialer.setConnectionOptions(options);
    Connection *connection = dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)), {}, m_clients);
    record.watch(connection);
    return connection;
}

bool tst_Faults::echoes(Connection *client, const QByteArray &message)
{
    QByteArray echo;
    bool received = false;
    const QMetaObject::Connection watch = connect(client, &Connection::messageReceived, this,
                                                  [&](const QByteArray &payload, Connection::MessageType) {
                                                      echo = payload;
                                                      received = true;
                                                  });
    const bool sent = client->sendBinary(message);
    const bool arrived = sent && QTest::qWaitFor([&] { return received; }, Wait);
    disconnect(watch);
    return arrived && echo == message;
}

// The end closed once with `code`, and no second closed() follows.
void tst_Faults::expectOneClose(CloseRecord &record, quint16 code, const char *end)
{
    QVERIFY2(QTest::qWaitFor([&] { return record.closes > 0; }, Wait), end);
    QTest::qWait(100);
    QVERIFY2(record.closes == 1, qPrintable(QStringLiteral("%1: %2 closes").arg(end).arg(record.closes)));
    QVERIFY2(record.code == code, qPrintable(QStringLiteral("%1: code %2, expected %3").arg(end).arg(record.code).arg(code)));
}

void tst_Faults::splitAndDelayed_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("maxChunk");
    QTest::addColumn<int>("maxDelayMs");
    QTest::addColumn<bool>("compression");
    QTest::addColumn<bool>("serverCloses");
    quint32 seed = 1;
    for (bool compression : {false, true}) {
        for (const auto &[chunk, delay] : {std::pair{1, 0}, {7, 0}, {300, 1}, {4096, 2}}) {
            const bool serverCloses = seed % 2 == 0;
            QTest::addRow("chunks of 1-%d, delay 0-%d ms, %s, %s closes", chunk, delay,
                          compression ? "compressed" : "plain", serverCloses ? "server" : "client")
                << seed++ << chunk << delay << compression << serverCloses;
        }
    }
}

void tst_Faults::splitAndDelayed()
{
    QFETCH(quint32, seed);
    QFETCH(int, maxChunk);
    QFETCH(int, maxDelayMs);
    QFETCH(bool, compression);
    QFETCH(bool, serverCloses);
    seed += seedOffset();
    std::mt19937 random(seed);

    // Both directions, from the first byte of the handshake to the last of the close.
    FaultProxy proxy(m_server.serverPort(), seed);
    proxy.setPlan(Direction::ToServer, {maxChunk, maxDelayMs});
    proxy.setPlan(Direction::ToClient, {maxChunk, maxDelayMs});
    CloseRecord client;
    Connection *connection = dial(proxy.port(), compression, client);
    QTRY_COMPARE_WITH_TIMEOUT(connection->state(), Connection::State::Open, Wait);
    QCOMPARE(connection->isCompressionNegotiated(), compression);

    const QByteArray text = QByteArray("the frame of the socket of the window ").repeated(2000);
    for (const QByteArray &message : {QByteArray(), QByteArray("x"), randomBytes(125, random), randomBytes(126, random),
                                      text.left(4000), randomBytes(70000, random), text}) {
        QVERIFY2(echoes(connection, message), qPrintable(QStringLiteral("seed %1, %2 bytes").arg(seed).arg(message.size())));
    }

    QCOMPARE(m_serverEnds.size(), std::size_t(1));
    if (serverCloses)
        QVERIFY(connection->sendText(QStringLiteral("close-me")));
    else
        QVERIFY(connection->close(1000));
    expectOneClose(client, 1000, "client");
    expectOneClose(*m_serverEnds.front(), 1000, "server");
    QTRY_COMPARE_WITH_TIMEOUT(proxy.openLinks(), 0, Wait);
}

void tst_Faults::faultMidHandshake_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<Direction>("direction");
    QTest::addColumn<Fault>("fault");
    quint32 seed = 100;
    for (Direction direction : {Direction::ToServer, Direction::ToClient}) {
        for (Fault fault : {Fault::Reset, Fault::HalfClose}) {
            for (int round = 0; round < 3; ++round, ++seed)
                QTest::addRow("%s %s, seed %u", name(fault), name(direction), seed) << seed << direction << fault;
        }
    }
}

void tst_Faults::faultMidHandshake()
{
    QFETCH(quint32, seed);
    QFETCH(Direction, direction);
    QFETCH(Fault, fault);
    seed += seedOffset();
    std::mt19937 random(seed);

    // Request and response heads are longer than 100 bytes: the fault falls inside.
    FaultProxy proxy(m_server.serverPort(), seed);
    FaultProxy::Plan plan{1 + int(random() % 40), 0, 1 + qint64(random() % 99), fault};
    proxy.setPlan(direction, plan);
    CloseRecord client;
    Connection *connection = dial(proxy.port(), true, client);
    bool opened = false;
    connect(connection, &Connection::opened, this, [&opened] { opened = true; });

    expectOneClose(client, 1006, "client");
    QVERIFY(!opened);
    QVERIFY(client.error != Connection::Error::NoError);
    QVERIFY(proxy.faultInjected());
    QTRY_COMPARE_WITH_TIMEOUT(proxy.openLinks(), 0, Wait);
    if (direction == Direction::ToServer) {
        // The request never arrived whole: no connection was made.
        QCOMPARE(m_serverEnds.size(), std::size_t(0));
    } else {
        // The server answered 101 and opened its end, which must close once.
        QCOMPARE(m_serverEnds.size(), std::size_t(1));
        expectOneClose(*m_serverEnds.front(), 1006, "server");
    }
}

void tst_Faults::faultMidFrame_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<Direction>("direction");
    QTest::addColumn<Fault>("fault");
    QTest::addColumn<bool>("compression");
    quint32 seed = 200;
    for (Direction direction : {Direction::ToServer, Direction::ToClient}) {
        for (Fault fault : {Fault::Reset, Fault::HalfClose}) {
            for (bool compression : {false, true}) {
                for (int round = 0; round < 2; ++round, ++seed)
                    QTest::addRow("%s %s, %s, seed %u", name(fault), name(direction),
                                  compression ? "compressed" : "plain", seed)
                        << seed << direction << fault << compression;
            }
        }
    }
}

void tst_Faults::faultMidFrame()
{
    QFETCH(quint32, seed);
    QFETCH(Direction, direction);
    QFETCH(Fault, fault);
    QFETCH(bool, compression);
    seed += seedOffset();
    std::mt19937 random(seed);

    FaultProxy proxy(m_server.serverPort(), seed);
    const FaultProxy::Plan split{1 + int(random() % 2000), 0};
    proxy.setPlan(Direction::ToServer, split);
    proxy.setPlan(Direction::ToClient, split);
    CloseRecord client;
    Connection *connection = dial(proxy.port(), compression, client);
    QTRY_COMPARE_WITH_TIMEOUT(connection->state(), Connection::State::Open, Wait);
    QVERIFY(echoes(connection, "before"));
    QCOMPARE(m_serverEnds.size(), std::size_t(1));

    // 100 KB that do not compress: whichever way the fault is armed, the next bytes
    // in that direction are this message's frame (or its echo's), and the fault
    // falls between its 2nd and its 60,000th byte.
    proxy.arm(direction, proxy.forwarded(direction) + 2 + qint64(random() % 60000), fault);
    QVERIFY(connection->sendBinary(randomBytes(100000, random)));

    expectOneClose(client, 1006, "client");
    expectOneClose(*m_serverEnds.front(), 1006, "server");
    QVERIFY(proxy.faultInjected());
    QCOMPARE(client.error, Connection::Error::TransportError);
    QCOMPARE(m_serverEnds.front()->error, Connection::Error::TransportError);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.openLinks(), 0, Wait);
}

void tst_Faults::pythonClient_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<Fault>("fault");
    QTest::newRow("split 1-7 bytes, clean close") << 300u << QStringLiteral("echo") << Fault::None;
    QTest::newRow("reset mid-frame") << 301u << QStringLiteral("big") << Fault::Reset;
    QTest::newRow("half-close mid-frame") << 302u << QStringLiteral("big") << Fault::HalfClose;
}

void tst_Faults::pythonClient()
{
    QFETCH(quint32, seed);
    QFETCH(QString, mode);
    QFETCH(Fault, fault);
    seed += seedOffset();
    std::mt19937 random(seed);

    FaultProxy proxy(m_server.serverPort(), seed);
    proxy.setPlan(Direction::ToServer, {7, 0});
    proxy.setPlan(Direction::ToClient, {7, 0});
    // "ready?" arms the fault inside the message that follows it, then says "go".
    m_onServerMessage = [&](Connection *connection, const QByteArray &payload) {
        if (payload != "ready?")
            return;
        proxy.setPlan(Direction::ToServer, {});
        proxy.arm(Direction::ToServer, proxy.forwarded(Direction::ToServer) + 2 + qint64(random() % 60000), fault);
        connection->sendText(QStringLiteral("go"));
    };

    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(WSKIT_PYTHON),
                 {QStringLiteral(WSKIT_FAULT_DIR "/python_peer.py"),
                  QStringLiteral("ws://127.0.0.1:%1/").arg(proxy.port()), mode});
    QVERIFY(python.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(m_serverEnds.size() == 1, Wait);
    expectOneClose(*m_serverEnds.front(), fault == Fault::None ? 1000 : 1006, "server");
    if (python.state() != QProcess::NotRunning && !python.waitForFinished(Wait)) {
        python.kill();
        python.waitForFinished();
        QFAIL("the Python client did not finish");
    }
    const QByteArray output = python.readAll();
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0, output.constData());
    QCOMPARE(proxy.faultInjected(), fault != Fault::None);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.openLinks(), 0, Wait);
}

QTEST_GUILESS_MAIN(tst_Faults)
#include "tst_faults.moc"
