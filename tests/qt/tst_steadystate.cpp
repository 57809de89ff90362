// A connection in steady state allocates nothing per message: a Server's worker
// thread echoes small messages several in flight and large ones, and every heap
// allocation made in that thread is counted meanwhile. On the descriptor
// transport only (tests/qt/CMakeLists.txt): Qt's socket allocates read buffers
// as data comes, which is what that transport leaves behind.

#include "heapusage.h"
#include "testserver.h"

#include <WsKit/connection.h>
#include <WsKit/server.h>

#include <QtTest/QTest>

#include <atomic>
#include <cstdlib>

#include <pthread.h>

#ifdef WSKIT_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#endif

using namespace TestClient;
using WsKit::Connection;
using WsKit::Server;

namespace {

// The thread whose allocations are counted, while counting is on.
std::atomic<pthread_t> countedThread{};
std::atomic<bool> counting{false};
std::atomic<long> allocationCount{0};

void noteAllocation()
{
    if (counting.load(std::memory_order_relaxed) && pthread_equal(pthread_self(), countedThread.load()))
        allocationCount.fetch_add(1, std::memory_order_relaxed);
}

} // namespace

#ifdef WSKIT_TEST_ASAN
// The sanitizer owns malloc; it reports every allocation to these hooks (it
// takes them only as a pair).
namespace {
void onMalloc(const volatile void *, std::size_t)
{
    noteAllocation();
}
void onFree(const volatile void *) {}
[[maybe_unused]] const int hooked = __sanitizer_install_malloc_and_free_hooks(onMalloc, onFree);
} // namespace
#else
// glibc's allocator behind malloc, calloc and realloc, which operator new and
// QByteArray call: this program's definitions come first for every library.
extern "C" {
void *__libc_malloc(std::size_t size);
void *__libc_calloc(std::size_t count, std::size_t size);
void *__libc_realloc(void *pointer, std::size_t size);

void *malloc(std::size_t size)
{
    noteAllocation();
    return __libc_malloc(size);
}

void *calloc(std::size_t count, std::size_t size)
{
    noteAllocation();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, std::size_t size)
{
    noteAllocation();
    return __libc_realloc(pointer, size);
}
}
#endif

class tst_SteadyState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void echoAllocatesNothing_data();
    void echoAllocatesNothing();
};

void tst_SteadyState::echoAllocatesNothing_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("text");
    QTest::addColumn<int>("inFlight");
    QTest::newRow("16 B binary, 8 in flight") << 16 << false << 8;
    QTest::newRow("16 B text, 8 in flight") << 16 << true << 8;
    // One at a time, so the kernel's buffers always take it: output waiting for
    // the peer would (rightly) take a pooled chunk and a write notifier.
    QTest::newRow("64 KiB binary") << 64 * 1024 << false << 1;
}

void tst_SteadyState::echoAllocatesNothing()
{
    QFETCH(int, size);
    QFETCH(bool, text);
    QFETCH(int, inFlight);
    TestServer fixture;
    fixture.server.setWorkerCount(1);
    QObject::connect(&fixture.server, &Server::newConnection, &fixture.server, [](Connection *connection) {
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [connection](const QByteArray &payload, Connection::MessageType type) {
                             countedThread.store(pthread_self());
                             connection->sendMessage(payload, type);
                         });
    });
    QVERIFY(fixture.listen());
    Client client;
    Connection *connection = fixture.accept(client);
    QVERIFY(connection);

    const QByteArray payload(size, 'a');
    constexpr int Rounds = 50;
    // Rounds of inFlight messages sent at once and echoed; true when all came back.
    const auto echo = [&](int rounds) {
        for (int round = 0; round < rounds; ++round) {
            for (int i = 0; i < inFlight; ++i) {
                if (text)
                    client.sendText(payload);
                else
                    client.sendBinary(payload);
            }
            for (int i = 0; i < inFlight; ++i) {
                if (client.nextMessage().payload != payload)
                    return false;
            }
        }
        return true;
    };
    // Warm: pools filled, buffers grown, the connection in its worker.
    QVERIFY(echo(20));
    allocationCount = 0;
    counting = true;
    const bool echoed = echo(Rounds);
    const long allocations = allocationCount.exchange(0);
    // The count sees that thread: one buffer made there is one allocation.
    QMetaObject::invokeMethod(
        connection, [] { QByteArray probe(64, 'p'); }, Qt::BlockingQueuedConnection);
    const long probed = allocationCount.load();
    counting = false;
    QVERIFY(echoed);
    QCOMPARE(probed, 1L);
    qInfo("%ld allocations in the worker thread for %d echoed messages of %d bytes", allocations,
          Rounds * inFlight, size);
    QCOMPARE(allocations, 0L);
}

QTEST_MAIN(tst_SteadyState)
#include "tst_steadystate.moc"
