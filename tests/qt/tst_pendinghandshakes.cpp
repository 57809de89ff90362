// Pending handshakes under attack. A slowloris flood (300 sockets, one byte every
// 2 s each, reconnecting when dropped) cannot keep well-behaved clients out, even
// from its own address; a flood from one address displaces only its own sockets;
// dropping sockets by the thousand logs a bounded number of lines and never
// touches a socket already closed. And the table's rule itself: which socket makes
// room, and how peers are counted.

#include "messagecapture.h"
#include "posixsocket.h"
#include "serverthread.h"
#include "slowloris.h"
#include "testclient.h"

#include "../../src/pendinghandshakes_p.h"

#include <WsKit/server.h>

#include <QtCore/QElapsedTimer>
#include <QtTest/QTest>

#include <atomic>
#include <memory>
#include <vector>

using namespace TestClient;
using WsKit::Server;
using namespace std::chrono_literals;

namespace {

using WsKit::HandshakeReader;
using WsKit::PendingHandshakes;

// Stand-ins for readers: the table only compares them.
HandshakeReader *reader(quintptr id)
{
    return reinterpret_cast<HandshakeReader *>(id);
}

QHostAddress peerGroup(const char *address)
{
    return PendingHandshakes::peerGroup(QHostAddress(QString::fromLatin1(address)));
}

// Counts the sockets the server dropped before their request head was complete.
void countDrops(ServerThread &fixture, std::atomic<int> &drops)
{
    fixture.onSignal(&Server::handshakeFailed, [&drops](int status) {
        if (status == 0)
            ++drops;
    });
}

} // namespace

class tst_PendingHandshakes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oldestOfBusiestPeerMakesRoom();
    void peersAreAddressesOrNetworks();
    void newcomersGetThroughSlowloris();
    void floodDisplacesOnlyItsOwnAddress();
    void dropsAreLoggedInAggregate();
};

void tst_PendingHandshakes::oldestOfBusiestPeerMakesRoom()
{
    const QHostAddress a(QStringLiteral("192.0.2.1"));
    const QHostAddress b(QStringLiteral("192.0.2.2"));
    PendingHandshakes table;
    QCOMPARE(table.victim(), nullptr);
    table.add(reader(1), a);
    table.add(reader(2), b);
    table.add(reader(3), a);
    table.add(reader(4), b);
    table.add(reader(5), b);
    QCOMPARE(table.victim(), reader(2)); // b holds three
    table.remove(reader(2));
    QCOMPARE(table.victim(), reader(1)); // two each: the oldest of either
    table.remove(reader(1));
    QCOMPARE(table.victim(), reader(4));
    QCOMPARE(table.readers(), (QList<HandshakeReader *>{reader(3), reader(4), reader(5)}));
    table.remove(reader(9)); // not there: nothing changes
    QCOMPARE(table.size(), 3);
}

void tst_PendingHandshakes::peersAreAddressesOrNetworks()
{
    QCOMPARE(peerGroup("192.0.2.7"), QHostAddress(QStringLiteral("192.0.2.7")));
    QVERIFY(peerGroup("192.0.2.7") != peerGroup("192.0.2.8"));
    QCOMPARE(peerGroup("::ffff:192.0.2.7"), peerGroup("192.0.2.7"));
    // One IPv6 host usually has a /64 to itself, and any address in it.
    QCOMPARE(peerGroup("2001:db8:1:2:aaaa::1"), peerGroup("2001:db8:1:2:bbbb::2"));
    QVERIFY(peerGroup("2001:db8:1:2::1") != peerGroup("2001:db8:1:3::1"));
}

void tst_PendingHandshakes::newcomersGetThroughSlowloris()
{
    // The default limits: 256 pending handshakes, 10 s to send a head.
    std::atomic<int> drops{0}; // outlives the server's thread
    ServerThread fixture;
    countDrops(fixture, drops);
    const quint16 port = fixture.listen();
    QVERIFY(port);

    const Slowloris attack(port, 300, 2s);
    // 300 sockets do not fit into 256 places: the table is full and churning.
    QTRY_VERIFY_WITH_TIMEOUT(drops.load() >= 300, 10 * Wait);

    // Clients from the attacker's own address (as behind one proxy or NAT) that
    // send their head at once still get through, every one of them.
    const int dropsBefore = attack.drops();
    QElapsedTimer took;
    qint64 slowest = 0;
    for (int i = 0; i < 20; ++i) {
        Client client;
        took.start();
        QVERIFY(client.connectTo(port));
        QCOMPARE(client.upgrade(), 101);
        slowest = qMax(slowest, took.elapsed());
    }
    qInfo("20 clients upgraded under attack, the slowest in %lld ms; the server dropped %d attacking sockets meanwhile",
          slowest, attack.drops() - dropsBefore);
    QVERIFY(attack.drops() > dropsBefore); // the attack went on all along
}

void tst_PendingHandshakes::floodDisplacesOnlyItsOwnAddress()
{
    std::atomic<int> drops{0}; // outlives the server's thread
    ServerThread fixture;
    countDrops(fixture, drops);
    fixture.run([&fixture] {
        fixture.server->setMaxPendingHandshakes(64);
        fixture.server->setHandshakeTimeout(60s); // only the attack drops sockets here
    });
    const quint16 port = fixture.listen();
    QVERIFY(port);
    const Slowloris attack(port, 100, 2s);
    QTRY_VERIFY_WITH_TIMEOUT(drops.load() >= 100, 10 * Wait);

    // A slow client from another address: half of its head now, the rest after the
    // flood has pushed several times the whole table through.
    Client slow;
    QVERIFY(slow.socket.bind(QHostAddress(QStringLiteral("127.0.0.2"))));
    QVERIFY(slow.connectTo(port));
    const QByteArray head = upgradeRequest();
    slow.write(head.left(head.size() / 2));
    const int dropsBefore = attack.drops();
    QTRY_VERIFY_WITH_TIMEOUT(attack.drops() >= dropsBefore + 4 * 64, 10 * Wait);
    QCOMPARE(slow.handshake(head.mid(head.size() / 2)), 101);
}

void tst_PendingHandshakes::dropsAreLoggedInAggregate()
{
    std::atomic<int> drops{0}; // outlives the server's thread
    ServerThread fixture;
    countDrops(fixture, drops);
    fixture.run([&fixture] { fixture.server->setMaxPendingHandshakes(4); });
    const quint16 port = fixture.listen();
    QVERIFY(port);
    const MessageCapture log;

    constexpr int Sockets = 300;
    std::vector<std::unique_ptr<BlockingSocket>> sockets;
    for (int i = 0; i < Sockets; ++i) {
        sockets.push_back(std::make_unique<BlockingSocket>());
        QVERIFY(sockets.back()->connectTo(port));
    }
    QTRY_COMPARE_WITH_TIMEOUT(drops.load(), Sockets - 4, 10 * Wait);
    fixture.run([] {}); // whatever the drops queued in the server's thread has run

    const QStringList lines = log.lines();
    QCOMPARE(lines.filter(QStringLiteral("device not open")).size(), 0);
    QVERIFY2(lines.size() <= 2, qPrintable(lines.mid(0, 6).join(QLatin1Char('\n'))));
    QCOMPARE(lines.filter(QStringLiteral("wskit.server: too many pending handshakes")).size(), 1);
}

QTEST_MAIN(tst_PendingHandshakes)
#include "tst_pendinghandshakes.moc"
