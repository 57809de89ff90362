// A Server with worker threads over real loopback sockets: connections spread
// over the workers, newConnection() in the Server's thread and every later slot
// in the connection's own thread, counts, limits and shutdown across threads,
// TLS connections staying, upgrades decided later and with options of their own,
// and a Server deleted with connections still open.

#include "dialertestutil.h"
#include "testserver.h"

#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/server.h>
#include <WsKit/upgradedecision.h>
#include <WsKit/upgrader.h>

#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace TestClient;
using Type = WsKit::Core::Event::Type;
using WsKit::Connection;
using WsKit::Server;
using WsKit::UpgradeDecision;
namespace CloseCode = WsKit::Core::CloseCode;

namespace {

// What happened, written from any thread.
template<typename T>
class Log
{
public:
    void add(T value)
    {
        const QMutexLocker lock(&m_mutex);
        m_values.append(value);
    }
    QList<T> values() const
    {
        const QMutexLocker lock(&m_mutex);
        return m_values;
    }

private:
    mutable QMutex m_mutex;
    QList<T> m_values;
};

// What a WorkerServer's slots record from any thread. A base listed before the
// server's, so it outlives the server and the worker threads.
struct WorkerLogs {
    Log<QThread *> newConnectionThreads;
    Log<QThread *> slotThreads;
    Log<int> closeCodes;
};

// A Server with `workers` worker threads whose connections echo every message
// from a slot in their own thread, logging the thread each slot ran in and the
// codes they closed with.
struct WorkerServer : WorkerLogs, TestServer {
    explicit WorkerServer(int workers)
    {
        server.setWorkerCount(workers);
        QObject::connect(&server, &Server::newConnection, &server, [this](Connection *connection) {
            newConnectionThreads.add(QThread::currentThread());
            QObject::connect(connection, &Connection::messageReceived, connection,
                             [this, connection](const QByteArray &payload, Connection::MessageType type) {
                                 slotThreads.add(QThread::currentThread());
                                 connection->sendMessage(payload, type);
                             });
            QObject::connect(connection, &Connection::closed, connection,
                             [this](quint16 code) { closeCodes.add(code); });
        });
    }
};

// Opens `count` clients on fixture; they echo once, so each connection has
// reached its worker.
std::vector<std::unique_ptr<Client>> openEchoing(WorkerServer &fixture, int count)
{
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < count; ++i) {
        auto client = std::make_unique<Client>();
        if (!fixture.accept(*client))
            return {};
        client->sendText("hello " + QByteArray::number(i));
        if (client->nextMessage().payload != "hello " + QByteArray::number(i))
            return {};
        clients.push_back(std::move(client));
    }
    return clients;
}

QSet<QThread *> threadsOf(const QList<QPointer<Connection>> &connections)
{
    QSet<QThread *> threads;
    for (const QPointer<Connection> &connection : connections) {
        if (connection)
            threads.insert(connection->thread());
    }
    return threads;
}

} // namespace

class tst_ServerWorkers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noWorkersByDefault();
    void connectionsSpreadOverWorkers();
    void slotsRunInTheConnectionsThread();
    void sendFromNewConnectionGoesOut();
    void countsAcrossThreads();
    void maxConnectionsAcrossThreads();
    void shutdownAcrossThreads();
    void shutdownDeadlineAcrossThreads();
    void tlsConnectionsStayInTheServersThread();
    void decidedUpgradesMoveToWorkers();
    void reparentedConnectionStays();
    void serverDeletedWithOpenConnections();
    void serverEndsWithTheApplication();
};

void tst_ServerWorkers::noWorkersByDefault()
{
    WorkerServer fixture(0);
    QCOMPARE(Server().workerCount(), 0);
    QVERIFY(fixture.listen());
    const auto clients = openEchoing(fixture, 2);
    QCOMPARE(clients.size(), std::size_t(2));
    QCOMPARE(threadsOf(fixture.connections), QSet<QThread *>{QThread::currentThread()});
    QCOMPARE(fixture.connections.first()->parent(), &fixture.server);
}

void tst_ServerWorkers::connectionsSpreadOverWorkers()
{
    WorkerServer fixture(3);
    QCOMPARE(fixture.server.workerCount(), 3);
    QVERIFY(fixture.listen());
    const auto clients = openEchoing(fixture, 6);
    QCOMPARE(clients.size(), std::size_t(6));
    // The least busy worker takes the next connection: two on each, none here.
    const QSet<QThread *> threads = threadsOf(fixture.connections);
    QCOMPARE(threads.size(), 3);
    QVERIFY(!threads.contains(QThread::currentThread()));
    for (QThread *thread : threads) {
        int hosted = 0;
        for (const QPointer<Connection> &connection : std::as_const(fixture.connections))
            hosted += connection->thread() == thread ? 1 : 0;
        QCOMPARE(hosted, 2);
    }
}

void tst_ServerWorkers::slotsRunInTheConnectionsThread()
{
    WorkerServer fixture(2);
    QVERIFY(fixture.listen());
    const auto clients = openEchoing(fixture, 4);
    QCOMPARE(clients.size(), std::size_t(4));
    // newConnection() in the Server's thread, every message slot in a worker's:
    // the one its connection lives in.
    for (QThread *thread : fixture.newConnectionThreads.values())
        QCOMPARE(thread, QThread::currentThread());
    const QList<QThread *> slotThreads = fixture.slotThreads.values();
    QCOMPARE(slotThreads.size(), 4);
    for (int i = 0; i < 4; ++i) {
        QVERIFY(slotThreads.at(i) != QThread::currentThread());
        QCOMPARE(slotThreads.at(i), fixture.connections.at(i)->thread());
    }
}

void tst_ServerWorkers::sendFromNewConnectionGoesOut()
{
    // A send in newConnection(), still in the Server's thread, goes out before
    // the connection moves; the messages after it come from the worker.
    TestServer fixture;
    fixture.server.setWorkerCount(2);
    QObject::connect(&fixture.server, &Server::newConnection, &fixture.server, [](Connection *connection) {
        connection->sendText(QStringLiteral("welcome"));
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [connection](const QByteArray &payload) { connection->sendBinary(payload); });
    });
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(fixture.accept(client));
    QCOMPARE(client.nextMessage().payload, QByteArray("welcome"));
    client.sendBinary("after the move");
    QCOMPARE(client.nextMessage().payload, QByteArray("after the move"));
    QVERIFY(fixture.connections.first()->thread() != QThread::currentThread());
}

void tst_ServerWorkers::countsAcrossThreads()
{
    WorkerServer fixture(2);
    QSignalSpy counts(&fixture.server, &Server::connectionCountChanged);
    QThread *countThread = nullptr;
    QObject::connect(&fixture.server, &Server::connectionCountChanged, &fixture.server,
                     [&countThread] { countThread = QThread::currentThread(); });
    QVERIFY(fixture.listen());
    auto clients = openEchoing(fixture, 4);
    QCOMPARE(clients.size(), std::size_t(4));
    QCOMPARE(fixture.server.connectionCount(), 4);
    QCOMPARE(fixture.server.connections().size(), 4);

    // Two close from the client side, one vanishes, one stays.
    clients[0]->sendClose(CloseCode::Normal);
    clients[1]->sendClose(CloseCode::GoingAway);
    clients[2]->socket.abort();
    QTRY_COMPARE_WITH_TIMEOUT(fixture.server.connectionCount(), 1, Wait);
    QCOMPARE(counts.last().at(0).toInt(), 1);
    QCOMPARE(countThread, QThread::currentThread());
    // The server deleted the three in their threads; the fourth still echoes.
    QTRY_COMPARE_WITH_TIMEOUT(int(std::count_if(fixture.connections.begin(), fixture.connections.end(),
                                                [](const QPointer<Connection> &c) { return c.isNull(); })),
                              3, Wait);
    QCOMPARE(fixture.server.connections(), QList<Connection *>{fixture.connections.at(3).data()});
    clients[3]->sendText("still here");
    QCOMPARE(clients[3]->nextMessage().payload, QByteArray("still here"));
}

void tst_ServerWorkers::maxConnectionsAcrossThreads()
{
    WorkerServer fixture(2);
    fixture.server.setMaxConnections(2);
    QVERIFY(fixture.listen());
    auto clients = openEchoing(fixture, 2);
    QCOMPARE(clients.size(), std::size_t(2));
    Client refused;
    QVERIFY(refused.connectTo(fixture.port()));
    QCOMPARE(refused.upgrade(), 503);
    // Once one closes in its worker, the count drops and there is room again.
    clients[0]->sendClose(CloseCode::Normal);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.server.connectionCount(), 1, Wait);
    Client third;
    QVERIFY(fixture.accept(third));
    third.sendText("in");
    QCOMPARE(third.nextMessage().payload, QByteArray("in"));
}

void tst_ServerWorkers::shutdownAcrossThreads()
{
    WorkerServer fixture(2);
    QVERIFY(fixture.listen());
    auto clients = openEchoing(fixture, 4);
    QCOMPARE(clients.size(), std::size_t(4));
    QSignalSpy finished(&fixture.server, &Server::shutdownFinished);
    fixture.server.shutdown(std::chrono::seconds(5));
    for (auto &client : clients) {
        QCOMPARE(int(client->waitFor(Type::Close).closeCode), int(CloseCode::GoingAway));
        client->sendClose(CloseCode::GoingAway);
    }
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, Wait);
    QCOMPARE(fixture.server.connectionCount(), 0);
    QCOMPARE(fixture.closeCodes.values(), QList<int>(4, CloseCode::GoingAway));
    for (auto &client : clients)
        QVERIFY(client->waitForDisconnected());
}

void tst_ServerWorkers::shutdownDeadlineAcrossThreads()
{
    WorkerServer fixture(2);
    QVERIFY(fixture.listen());
    auto clients = openEchoing(fixture, 2);
    QCOMPARE(clients.size(), std::size_t(2));
    for (auto &client : clients)
        client->stopReading(); // never answers the close frame
    QVERIFY(fixture.shutDownAtDeadline());
    QCOMPARE(fixture.closeCodes.values(), (QList<int>{CloseCode::AbnormalClosure, CloseCode::AbnormalClosure}));
}

void tst_ServerWorkers::tlsConnectionsStayInTheServersThread()
{
    // Qt's TLS backend keeps an object of its own in the socket's first thread,
    // so a wss connection cannot move: it is served where it was accepted.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    DialerTest::TestPki pki;
    QVERIFY2(pki.make(dir.path()), qPrintable(pki.error));
    WorkerServer fixture(2);
    fixture.server.setSslConfiguration(DialerTest::TestPki::serverConfiguration(pki.server, pki.serverKey));
    QVERIFY(fixture.listen());
    auto clients = openEchoing(fixture, 2);
    QCOMPARE(clients.size(), std::size_t(2));
    QCOMPARE(threadsOf(fixture.connections), QSet<QThread *>{QThread::currentThread()});
    const QByteArray big(300 * 1024, 't');
    clients[1]->sendBinary(big);
    QCOMPARE(clients[1]->nextMessage().payload, big);
    QVERIFY(qobject_cast<QSslSocket *>(fixture.connections.at(1)->socket()));
}

void tst_ServerWorkers::decidedUpgradesMoveToWorkers()
{
    // Decisions are made in the Server's thread, at once or later; every accepted
    // connection then moves to a worker with the options chosen for its request.
    WorkerServer fixture(2);
    QList<UpgradeDecision> waiting;
    QThread *decisionThread = nullptr;
    WsKit::Upgrader upgrader;
    upgrader.setDecisionHandler([&](const WsKit::HttpRequest &request, UpgradeDecision decision) {
        decisionThread = QThread::currentThread();
        if (request.path() == QLatin1String("/later")) {
            waiting.append(decision);
            return;
        }
        WsKit::ConnectionOptions options = decision.connectionOptions();
        options.setMaxMessageSize(8);
        decision.setConnectionOptions(options);
        decision.accept();
    });
    fixture.server.setUpgrader(upgrader);
    QVERIFY(fixture.listen());

    Client now;
    QVERIFY(fixture.accept(now, "/now"));
    Client later;
    QVERIFY(later.connectTo(fixture.port()));
    later.write(upgradeRequest("/later"));
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    QCOMPARE(decisionThread, QThread::currentThread());
    // Decided from the event loop, after the handler returned.
    QTimer::singleShot(10, &fixture.server, [&waiting] { waiting[0].accept(); });
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 2, Wait);
    QTRY_COMPARE_WITH_TIMEOUT(later.response.status, 101, Wait);

    later.sendText("decided later");
    QCOMPARE(later.nextMessage().payload, QByteArray("decided later"));
    now.sendText("short");
    QCOMPARE(now.nextMessage().payload, QByteArray("short"));
    QCOMPARE(threadsOf(fixture.connections).size(), 2);
    QVERIFY(!threadsOf(fixture.connections).contains(QThread::currentThread()));
    // The per-request limit holds in the worker; the other connection keeps the default.
    now.sendText("longer than eight");
    QCOMPARE(int(now.waitFor(Type::Close).closeCode), int(CloseCode::MessageTooBig));
    later.sendText("longer than eight");
    QCOMPARE(later.nextMessage().payload, QByteArray("longer than eight"));
    QTRY_COMPARE_WITH_TIMEOUT(fixture.server.connectionCount(), 1, Wait);
}

void tst_ServerWorkers::reparentedConnectionStays()
{
    // A newConnection() slot that keeps the connection for itself keeps it in the
    // Server's thread.
    TestServer fixture;
    fixture.server.setWorkerCount(2);
    QObject owner;
    QObject::connect(&fixture.server, &Server::newConnection, &owner, [&owner](Connection *connection) {
        connection->setParent(&owner);
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [connection](const QByteArray &payload) { connection->sendBinary(payload); });
    });
    QVERIFY(fixture.listen());
    Client client;
    Connection *connection = fixture.accept(client);
    QVERIFY(connection);
    client.sendBinary("here");
    QCOMPARE(client.nextMessage().payload, QByteArray("here"));
    QCOMPARE(connection->thread(), QThread::currentThread());
    QCOMPARE(connection->parent(), &owner);
}

void tst_ServerWorkers::serverDeletedWithOpenConnections()
{
    auto fixture = std::make_unique<WorkerServer>(2);
    QVERIFY(fixture->listen());
    auto clients = openEchoing(*fixture, 4);
    QCOMPARE(clients.size(), std::size_t(4));
    const QList<QPointer<Connection>> connections = fixture->connections;
    // Deleting the Server deletes its connections in their threads and ends the
    // workers: every peer sees the TCP connection go, nothing leaks.
    fixture.reset();
    for (const QPointer<Connection> &connection : connections)
        QVERIFY(connection.isNull());
    for (auto &client : clients)
        QVERIFY(client->waitForDisconnected());
}

void tst_ServerWorkers::serverEndsWithTheApplication()
{
    // A Server that is a child of the application object is deleted while that
    // object is being destroyed, when Qt delivers no more events to any thread:
    // the workers must still end and delete their connections. In a process of
    // its own, so the application object can go.
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedChannels);
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--exit-with-open-connections")});
    QVERIFY(child.waitForFinished(60000));
    QCOMPARE(child.exitStatus(), QProcess::NormalExit);
    QCOMPARE(child.exitCode(), 0);
}

namespace {

// The child of serverEndsWithTheApplication(): a Server with workers owned by the
// application, two open connections, then quit.
int exitWithOpenConnections(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    auto *server = new Server(&app);
    server->setWorkerCount(2);
    if (!server->listen(QHostAddress::LocalHost, 0))
        return 2;
    Client first;
    Client second;
    if (!first.connectTo(server->serverPort()) || first.upgrade() != 101 || !second.connectTo(server->serverPort())
        || second.upgrade() != 101 || !QTest::qWaitFor([server] { return server->connectionCount() == 2; }, Wait)) {
        return 3;
    }
    QTimer::singleShot(0, &app, &QCoreApplication::quit);
    return app.exec();
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc > 1 && qstrcmp(argv[1], "--exit-with-open-connections") == 0)
        return exitWithOpenConnections(argc, argv);
    QCoreApplication app(argc, argv);
    tst_ServerWorkers test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_server_workers.moc"
