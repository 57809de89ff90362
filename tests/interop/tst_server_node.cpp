// A WsKit server against Node's ws as the client: an independent implementation
// that checks what it receives strictly (framing, UTF-8, close codes) and offers
// permessage-deflate by default. Each scenario is run by node/client.js, which
// exits 0 when everything it saw was right; the server side is checked here.

#include <WsKit/connection.h>
#include <WsKit/connectionoptions.h>
#include <WsKit/messagewriter.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtTest/QtTest>

#include <memory>

namespace {

struct Observed {
    QList<QPair<quint16, QString>> closes; // closed(code, reason) of each connection
    QList<QByteArray> pongs;
    QList<QByteArray> pings;
    QStringList subprotocols;
    QStringList problems;
};

} // namespace

class TestServerNode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void echo();
    void fragments();
    void ping();
    void serverPing();
    void serverClose();
    void clientCloseCode();
    void subprotocol();
    void serverFragments();
    void streaming();

private:
    void serve(WsKit::Connection *connection);
    void runScenario(const QString &scenario);
    void expectOneNormalClose(const QString &reason = {});

    WsKit::Server m_server;
    Observed m_observed;
};

void TestServerNode::initTestCase()
{
    QVERIFY2(QFileInfo::exists(QStringLiteral(WSKIT_NODE_MODULES "/ws/package.json")),
             "ws is not installed (the interop/node_install fixture runs npm install)");
    WsKit::Upgrader upgrader;
    upgrader.allowAnyOrigin();
    upgrader.setSubprotocols({QStringLiteral("superchat"), QStringLiteral("chat")});
    WsKit::ConnectionOptions options;
    options.setMaxMessageSize(64 * 1024 * 1024);
    upgrader.setConnectionOptions(options);
    m_server.setUpgrader(upgrader);
    connect(&m_server, &WsKit::Server::newConnection, this, &TestServerNode::serve);
    QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
}

void TestServerNode::cleanupTestCase()
{
    m_server.stopListening();
}

void TestServerNode::init()
{
    m_observed = {};
}

// The path chooses what the server does: /echo, /fragmenting (1300-byte frames),
// /streaming (echo chunk by chunk), /server-ping, /server-close.
void TestServerNode::serve(WsKit::Connection *connection)
{
    const QByteArray path = connection->requestTarget();
    m_observed.subprotocols.append(connection->subprotocol());
    connect(connection, &WsKit::Connection::closed, this,
            [this](quint16 code, const QString &reason) { m_observed.closes.append({code, reason}); });
    connect(connection, &WsKit::Connection::pong, this,
            [this](qint64, const QByteArray &payload) { m_observed.pongs.append(payload); });
    connect(connection, &WsKit::Connection::pingReceived, this,
            [this](const QByteArray &payload) { m_observed.pings.append(payload); });

    if (path == "/streaming") {
        WsKit::ConnectionOptions options = connection->options();
        options.setIncomingStreaming(true);
        connection->setOptions(options);
        auto writer = std::make_shared<WsKit::MessageWriter>();
        connect(connection, &WsKit::Connection::messageChunkReceived, connection,
                [this, connection, writer](const QByteArray &chunk, WsKit::Connection::MessageType type, bool first,
                                           bool last) {
                    if (first)
                        *writer = connection->beginMessage(type);
                    if (!(last ? writer->finish(chunk) : writer->write(chunk)))
                        m_observed.problems.append(QStringLiteral("chunk refused: ") + connection->errorString());
                });
        return;
    }
    if (path == "/fragmenting") {
        WsKit::ConnectionOptions options = connection->options();
        options.setOutgoingFragmentSize(1300);
        connection->setOptions(options);
    }
    if (path == "/server-ping")
        connection->ping("wskit-ping");
    connect(connection, &WsKit::Connection::messageReceived, connection,
            [this, connection, path](const QByteArray &payload, WsKit::Connection::MessageType type) {
                if (path == "/server-close") {
                    connection->close(1001, QStringLiteral("going away"));
                    return;
                }
                if (!connection->sendMessage(payload, type))
                    m_observed.problems.append(QStringLiteral("echo refused: ") + connection->errorString());
            });
}

void TestServerNode::runScenario(const QString &scenario)
{
    QProcess node;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("NODE_PATH"), QStringLiteral(WSKIT_NODE_MODULES));
    node.setProcessEnvironment(environment);
    node.start(QStringLiteral(WSKIT_NODE_EXECUTABLE),
               {QStringLiteral(WSKIT_NODE_CLIENT), QStringLiteral("ws://127.0.0.1:%1").arg(m_server.serverPort()),
                scenario});
    QVERIFY2(node.waitForStarted(), qPrintable(node.errorString()));
    // The server runs in this thread: wait with the event loop turning.
    QTRY_VERIFY_WITH_TIMEOUT(node.state() == QProcess::NotRunning, 30000);
    const QByteArray output = node.readAllStandardOutput() + node.readAllStandardError();
    QVERIFY2(node.exitStatus() == QProcess::NormalExit && node.exitCode() == 0, output.constData());
    QCOMPARE(output.trimmed(), QByteArray("ok"));
    // The server's side of the closing handshake ends after ws saw it.
    QTRY_VERIFY_WITH_TIMEOUT(!m_observed.closes.isEmpty(), 5000);
    QVERIFY2(m_observed.problems.isEmpty(), qPrintable(m_observed.problems.join(QStringLiteral("; "))));
}

void TestServerNode::expectOneNormalClose(const QString &reason)
{
    QCOMPARE(m_observed.closes.size(), 1);
    QCOMPARE(m_observed.closes.first().first, quint16(1000));
    QCOMPARE(m_observed.closes.first().second, reason);
}

void TestServerNode::echo()
{
    runScenario(QStringLiteral("echo"));
    expectOneNormalClose(QStringLiteral("done"));
}

void TestServerNode::fragments()
{
    runScenario(QStringLiteral("fragments"));
    expectOneNormalClose();
}

void TestServerNode::ping()
{
    runScenario(QStringLiteral("ping"));
    QCOMPARE(m_observed.pings, QList<QByteArray>{"hello"});
    expectOneNormalClose();
}

void TestServerNode::serverPing()
{
    runScenario(QStringLiteral("serverPing"));
    QCOMPARE(m_observed.pongs, QList<QByteArray>{"wskit-ping"});
    expectOneNormalClose();
}

void TestServerNode::serverClose()
{
    runScenario(QStringLiteral("serverClose"));
    // closed() carries the peer's answer: ws echoes our code.
    QCOMPARE(m_observed.closes.size(), 1);
    QCOMPARE(m_observed.closes.first().first, quint16(1001));
}

void TestServerNode::clientCloseCode()
{
    runScenario(QStringLiteral("clientCloseCode"));
    QCOMPARE(m_observed.closes.size(), 1);
    QCOMPARE(m_observed.closes.first().first, quint16(4000));
    QCOMPARE(m_observed.closes.first().second, QStringLiteral("bye"));
}

void TestServerNode::subprotocol()
{
    runScenario(QStringLiteral("subprotocol"));
    QCOMPARE(m_observed.subprotocols, QStringList{QStringLiteral("superchat")});
    expectOneNormalClose();
}

void TestServerNode::serverFragments()
{
    runScenario(QStringLiteral("serverFragments"));
    expectOneNormalClose();
}

void TestServerNode::streaming()
{
    runScenario(QStringLiteral("streaming"));
    expectOneNormalClose();
}

QTEST_MAIN(TestServerNode)

#include "tst_server_node.moc"
