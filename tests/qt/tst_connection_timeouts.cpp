// What bounds the time a peer can hold a server's memory: the write timeout drops
// a peer that stopped reading, keep-alive one that stopped answering, and the
// memory either one held is released, while the other connections go on. Servers
// have both by default (ConnectionOptions::serverDefaults()); clients do not.

#include "heapusage.h"
#include "testserver.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QElapsedTimer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>

using namespace TestClient;
using namespace std::chrono_literals;
using Type = WsKit::Core::Event::Type;
using WsKit::Connection;
using WsKit::ConnectionOptions;

namespace {

constexpr qint64 MiB = 1024 * 1024;

// Listens with options for every connection, each of which echoes what it gets,
// and returns the server's side of client's connection (nullptr on failure).
Connection *listenEchoing(TestServer &fixture, Client &client, const ConnectionOptions &options)
{
    WsKit::Upgrader upgrader;
    upgrader.setConnectionOptions(options);
    fixture.server.setUpgrader(upgrader);
    QObject::connect(&fixture.server, &WsKit::Server::newConnection, &fixture.server, [](Connection *connection) {
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [connection](const QByteArray &payload, Connection::MessageType type) {
                             connection->sendMessage(payload, type);
                         });
    });
    return fixture.listen() ? fixture.accept(client) : nullptr;
}

bool echoes(Client &client, const QByteArray &text)
{
    client.sendText(text);
    return client.nextMessage().payload == text;
}

QByteArray heapReport(qint64 bytes)
{
    return QByteArray::number(double(bytes) / double(MiB), 'f', 1) + " MiB";
}

// The server's side of a peer that held `held` bytes of our heap failed with error
// (errorOccurred and closed(1006) once each), the server deleted it, and the heap
// is back near baseline.
void expectDroppedAndReleased(const QPointer<Connection> &pinned, const QSignalSpy &closed, const QSignalSpy &errors,
                              Connection::Error error, qint64 baseline, qint64 held)
{
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), int(WsKit::Core::CloseCode::AbnormalClosure));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), error);
    QTRY_VERIFY_WITH_TIMEOUT(pinned.isNull(), Wait);
    const qint64 left = heapInUse() - baseline;
    qInfo("the peer held %s of our heap; once it was dropped, %s remained", heapReport(held).constData(),
          heapReport(left).constData());
    QVERIFY2(left < 4 * MiB, heapReport(left));
}

} // namespace

class tst_ConnectionTimeouts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serverDefaults();
    void nonReaderIsDroppedAfterWriteTimeout();
    void busyReaderIsKept();
    void silentPeerIsDroppedWithItsUnfinishedMessage();
};

void tst_ConnectionTimeouts::serverDefaults()
{
    const ConnectionOptions server = ConnectionOptions::serverDefaults();
    QCOMPARE(server.keepAliveInterval(), 30s);
    QCOMPARE(server.pongTimeout(), 10s);
    QCOMPARE(server.writeTimeout(), 30s);
    QCOMPARE(WsKit::Upgrader().connectionOptions().keepAliveInterval(), 30s);
    QCOMPARE(WsKit::Upgrader().connectionOptions().writeTimeout(), 30s);
    // A client's application knows its network (and its battery): off.
    QCOMPARE(ConnectionOptions().keepAliveInterval(), 0ms);
    QCOMPARE(ConnectionOptions().writeTimeout(), 0ms);
    QCOMPARE(WsKit::Dialer().connectionOptions().keepAliveInterval(), 0ms);
    QCOMPARE(WsKit::Dialer().connectionOptions().writeTimeout(), 0ms);

    // A Server left as it is gives its connections the server defaults.
    TestServer fixture;
    QVERIFY(fixture.listen());
    Client client;
    Connection *connection = fixture.accept(client);
    QVERIFY(connection);
    QCOMPARE(connection->options().keepAliveInterval(), 30s);
    QCOMPARE(connection->options().writeTimeout(), 30s);
}

void tst_ConnectionTimeouts::nonReaderIsDroppedAfterWriteTimeout()
{
    ConnectionOptions options = ConnectionOptions::serverDefaults();
    options.setWriteTimeout(500ms);
    options.setMaxBufferedAmount(64 * MiB);
    TestServer fixture;
    Client deaf;
    const QPointer<Connection> pinned = listenEchoing(fixture, deaf, options);
    QVERIFY(pinned);
    Client bystander;
    QVERIFY(fixture.accept(bystander));
    QVERIFY(echoes(bystander, "before"));
    QSignalSpy closed(pinned.data(), &Connection::closed);
    QSignalSpy errors(pinned.data(), &Connection::errorOccurred);

    deaf.stopReading();
    const qint64 baseline = heapInUse();
    for (int i = 0; i < 32; ++i)
        QVERIFY(pinned->sendBinary(QByteArray(MiB, 'x')));
    const qint64 held = heapInUse() - baseline;
    QVERIFY2(held >= 30 * MiB, heapReport(held)); // the output is on our heap

    // The kernel takes what fits, then nothing moves: dropped after the timeout.
    QVERIFY(echoes(bystander, "meanwhile"));
    expectDroppedAndReleased(pinned, closed, errors, Connection::Error::WriteTimeout, baseline, held);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(echoes(bystander, "after"));
    QCOMPARE(fixture.server.connectionCount(), 1);
}

void tst_ConnectionTimeouts::busyReaderIsKept()
{
    // A peer that reads, with pauses far shorter than the timeout, while the
    // application keeps the buffer full (a file transfer): never dropped.
    ConnectionOptions options = ConnectionOptions::serverDefaults();
    options.setWriteTimeout(3s);
    options.setMaxBufferedAmount(64 * MiB);
    TestServer fixture;
    Client reader;
    const QPointer<Connection> connection = listenEchoing(fixture, reader, options);
    QVERIFY(connection);
    QSignalSpy errors(connection.data(), &Connection::errorOccurred);

    qint64 sent = 0;
    qint64 received = 0;
    const auto takeMessages = [&reader, &received] {
        received += std::count_if(reader.events.cbegin(), reader.events.cend(),
                                  [](const Event &event) { return event.type == Type::Message; });
        reader.events.clear();
    };
    bool reading = true;
    QElapsedTimer running;
    QElapsedTimer phase;
    running.start();
    phase.start();
    while (running.elapsed() < 2000 && connection) {
        while (connection && connection->bufferedAmount() < 4 * MiB && connection->sendBinary(QByteArray(MiB, 's')))
            ++sent;
        if (phase.elapsed() >= 100) {
            reading ? reader.stopReading() : reader.resumeReading();
            reading = !reading;
            phase.restart();
        }
        QTest::qWait(10);
        takeMessages();
    }
    reader.resumeReading();
    QVERIFY(QTest::qWaitFor([&] {
        takeMessages();
        return received == sent;
    }, Wait));
    qInfo("%lld MiB went to a peer that paused reading every 100 ms", sent);
    QVERIFY(connection);
    QCOMPARE(connection->state(), Connection::State::Open);
    QCOMPARE(errors.size(), 0);
}

void tst_ConnectionTimeouts::silentPeerIsDroppedWithItsUnfinishedMessage()
{
    ConnectionOptions options = ConnectionOptions::serverDefaults();
    options.setMaxMessageSize(64 * MiB);
    TestServer fixture;
    Client silent;
    const QPointer<Connection> pinned = listenEchoing(fixture, silent, options);
    QVERIFY(pinned);
    Client bystander;
    QVERIFY(fixture.accept(bystander));
    QSignalSpy closed(pinned.data(), &Connection::closed);
    QSignalSpy errors(pinned.data(), &Connection::errorOccurred);

    // The first 12 MiB of a message that never ends; once the pong to the ping
    // behind it is back, the server has taken all of it.
    const qint64 baseline = heapInUse();
    silent.sendFrame({WsKit::Core::Opcode::Binary, QByteArray(12 * MiB, 'm'), false});
    silent.sendFrame({WsKit::Core::Opcode::Ping, "behind the fragment"});
    QCOMPARE(silent.waitFor(Type::Pong).payload, QByteArray("behind the fragment"));
    const qint64 held = heapInUse() - baseline;
    QVERIFY2(held >= 10 * MiB, heapReport(held));

    // From now on the peer answers no ping; the server pings it more often.
    silent.stopReading();
    ConnectionOptions impatient = pinned->options();
    impatient.setKeepAliveInterval(100ms);
    impatient.setPongTimeout(300ms);
    pinned->setOptions(impatient);
    expectDroppedAndReleased(pinned, closed, errors, Connection::Error::PongTimeout, baseline, held);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(echoes(bystander, "after"));
}

QTEST_MAIN(tst_ConnectionTimeouts)
#include "tst_connection_timeouts.moc"
