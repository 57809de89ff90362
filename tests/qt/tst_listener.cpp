// Accepting when the process runs out of descriptors: the server pauses instead of
// spinning on a failing accept, says so once, and accepts the waiting connections
// by itself once descriptors are free again. At listen() it raises the soft
// descriptor limit to what its connection limits need.

#include "messagecapture.h"
#include "posixsocket.h"
#include "serverthread.h"
#include "testclient.h"

#include <WsKit/server.h>

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtTest/QTest>

#include <atomic>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>

using namespace TestClient;
using WsKit::Server;

namespace {

rlimit descriptorLimit()
{
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    return limit;
}

void setSoftDescriptorLimit(rlim_t soft)
{
    rlimit limit = descriptorLimit();
    limit.rlim_cur = soft;
    setrlimit(RLIMIT_NOFILE, &limit);
}

// Uses up every descriptor the process may open: lowers the soft limit to a
// little above the highest descriptor in use and fills the gaps below it.
// Destroying it frees them and restores the limit.
class DescriptorExhaustion
{
public:
    DescriptorExhaustion()
        : m_saved(descriptorLimit())
    {
        int highest = 0;
        const QStringList open = QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System);
        for (const QString &name : open)
            highest = qMax(highest, name.toInt());
        setSoftDescriptorLimit(rlim_t(highest) + 64);
        for (int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); fd >= 0; fd = ::dup(fd))
            m_ballast.push_back(fd);
    }
    ~DescriptorExhaustion() { release(); }

    bool isExhausted() const { return !m_ballast.empty() && ::dup(0) < 0 && errno == EMFILE; }

    void release()
    {
        for (const int fd : m_ballast)
            ::close(fd);
        m_ballast.clear();
        setrlimit(RLIMIT_NOFILE, &m_saved);
    }

private:
    rlimit m_saved;
    std::vector<int> m_ballast;
};

} // namespace

class tst_Listener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pausesWhenDescriptorsRunOut();
    void raisesSoftLimitAtListen();
    void leavesSufficientLimitAlone();
};

void tst_Listener::pausesWhenDescriptorsRunOut()
{
    std::atomic<int> paused{0}; // outlive the server's thread
    std::atomic<int> resumed{0};
    ServerThread fixture;
    fixture.onSignal(&Server::acceptPaused, [&paused] { ++paused; });
    fixture.onSignal(&Server::acceptResumed, [&resumed] { ++resumed; });
    const quint16 port = fixture.listen();
    QVERIFY(port);
    const MessageCapture log;
    // A server that has been accepting for a while (Qt's own accept loop spins
    // only after it has once run dry).
    BlockingSocket early;
    QVERIFY(early.connectTo(port));
    QVERIFY(early.send(upgradeRequest()));
    QCOMPARE(early.responseStatus(10000), 101);

    // Sockets made while descriptors are free connect once they are gone: they
    // wait in the listen backlog while accepting fails with EMFILE.
    std::vector<std::unique_ptr<BlockingSocket>> waiting;
    for (int i = 0; i < 8; ++i)
        waiting.push_back(std::make_unique<BlockingSocket>());
    auto exhaustion = std::make_unique<DescriptorExhaustion>();
    QVERIFY(exhaustion->isExhausted());
    for (const auto &socket : waiting) {
        QVERIFY(socket->connectTo(port));
        QVERIFY(socket->send(upgradeRequest()));
    }
    QTRY_COMPARE_WITH_TIMEOUT(paused.load(), 1, Wait);

    // Paused, the server's thread sleeps; a spinning accept loop would wake it up
    // thousands of times a second and burn a whole core.
    const double cpuBefore = fixture.cpuSeconds();
    const int wakeUpsBefore = fixture.wakeUps();
    QElapsedTimer window;
    window.start();
    QThread::msleep(1500);
    const double seconds = double(window.elapsed()) / 1000;
    const double cpu = fixture.cpuSeconds() - cpuBefore;
    const int wakeUps = fixture.wakeUps() - wakeUpsBefore;
    qInfo("out of descriptors for %.2f s: server thread used %.3f s CPU and woke up %d times", seconds, cpu, wakeUps);
    QVERIFY2(wakeUps < 100, qPrintable(QStringLiteral("%1 wake-ups").arg(wakeUps)));
    QVERIFY2(cpu < seconds / 2, qPrintable(QStringLiteral("%1 s CPU").arg(cpu)));
    QCOMPARE(paused.load(), 1); // reported once, however often it retried
    QCOMPARE(resumed.load(), 0);

    // Descriptors come back: every waiting connection is served, without help.
    exhaustion.reset();
    for (const auto &socket : waiting)
        QCOMPARE(socket->responseStatus(10000), 101);
    QTRY_COMPARE_WITH_TIMEOUT(resumed.load(), 1, Wait);
    BlockingSocket later;
    QVERIFY(later.connectTo(port));
    QVERIFY(later.send(upgradeRequest()));
    QCOMPARE(later.responseStatus(10000), 101);
    bool stillPaused = true;
    fixture.run([&] { stillPaused = fixture.server->isAcceptPaused(); });
    QVERIFY(!stillPaused);
    QCOMPARE(log.count(QStringLiteral("wskit.server: cannot accept connections")), 1);
}

void tst_Listener::raisesSoftLimitAtListen()
{
    const rlimit saved = descriptorLimit();
    QVERIFY(saved.rlim_max > 256);
    setSoftDescriptorLimit(256);
    Server server;
    server.setMaxConnections(1000);
    server.setMaxPendingHandshakes(100);
    const bool listening = server.listen(QHostAddress::LocalHost, 0);
    const rlimit raised = descriptorLimit();
    setrlimit(RLIMIT_NOFILE, &saved);
    QVERIFY(listening);
    // What the limits need plus a reserve for everything else, as far as the hard
    // limit allows.
    const rlim_t wanted = 1000 + 100 + 128;
    QCOMPARE(raised.rlim_cur, qMin(saved.rlim_max, wanted));
}

void tst_Listener::leavesSufficientLimitAlone()
{
    const rlimit saved = descriptorLimit();
    const rlim_t soft = qMin<rlim_t>(saved.rlim_max, 2000);
    setSoftDescriptorLimit(soft);
    Server server;
    server.setMaxConnections(100);
    const bool listening = server.listen(QHostAddress::LocalHost, 0);
    const rlimit after = descriptorLimit();
    setrlimit(RLIMIT_NOFILE, &saved);
    QVERIFY(listening);
    QCOMPARE(after.rlim_cur, soft);
}

QTEST_MAIN(tst_Listener)
#include "tst_listener.moc"
