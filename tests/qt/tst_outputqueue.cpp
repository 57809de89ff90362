// The descriptor transport's queue of unsent bytes and the chunk pool behind it:
// bytes come out in order whatever the boundaries, large payloads are shared and
// not copied, chunks go back to the pool once sent (and never while someone else
// holds them), and an empty queue holds no memory.

#include "../../src/bufferpool_p.h"
#include "../../src/outputqueue_p.h"

#include <QtTest/QtTest>

using WsKit::OutputQueue;
namespace BufferPool = WsKit::BufferPool;

namespace {

// Everything queued, in order, as the views of successive gathered writes of at
// most `bytesPerWrite` each would send it.
QByteArray drain(OutputQueue &queue, qint64 bytesPerWrite)
{
    QByteArray sent;
    while (!queue.isEmpty()) {
        std::string_view views[4];
        const int count = queue.peek(views, 4);
        qint64 taken = 0;
        for (int i = 0; i < count && taken < bytesPerWrite; ++i) {
            const auto size = qMin<qint64>(qint64(views[i].size()), bytesPerWrite - taken);
            sent.append(views[i].data(), qsizetype(size));
            taken += size;
        }
        queue.consume(taken);
    }
    return sent;
}

QByteArray pattern(qsizetype size, int seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char((i * 31 + seed) & 0xff);
    return bytes;
}

} // namespace

class tst_OutputQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bytesComeOutInOrder_data();
    void bytesComeOutInOrder();
    void largePayloadIsShared();
    void chunksReturnToThePool();
    void heldChunkIsNotReused();
    void poolIsBounded();
};

void tst_OutputQueue::bytesComeOutInOrder_data()
{
    QTest::addColumn<qint64>("bytesPerWrite");
    QTest::newRow("one byte at a time") << qint64(1);
    QTest::newRow("odd sizes") << qint64(7777);
    QTest::newRow("a chunk") << qint64(BufferPool::ChunkSize);
    QTest::newRow("everything") << qint64(1) * 1024 * 1024 * 1024;
}

void tst_OutputQueue::bytesComeOutInOrder()
{
    QFETCH(qint64, bytesPerWrite);
    OutputQueue queue;
    QByteArray expected;
    // Copied pieces across chunk boundaries, shared payloads from an offset, and
    // copies after them again.
    for (int round = 0; round < 5; ++round) {
        const QByteArray small = pattern(10 + round * 5000, round);
        queue.append(std::string_view(small.constData(), std::size_t(small.size())));
        expected += small;
        const QByteArray payload = pattern(70000, round + 100);
        queue.append(payload, round * 3);
        expected += payload.mid(round * 3);
    }
    QCOMPARE(queue.size(), expected.size());
    QCOMPARE(drain(queue, bytesPerWrite), expected);
    QVERIFY(queue.isEmpty());
    QCOMPARE(queue.size(), 0);
}

void tst_OutputQueue::largePayloadIsShared()
{
    OutputQueue queue;
    const QByteArray payload = pattern(1024 * 1024, 1);
    queue.append(payload, 100);
    std::string_view views[2];
    QCOMPARE(queue.peek(views, 2), 1);
    QCOMPARE(static_cast<const void *>(views[0].data()), static_cast<const void *>(payload.constData() + 100));
    QCOMPARE(qsizetype(views[0].size()), payload.size() - 100);
    // An offset at or past the end queues nothing.
    OutputQueue empty;
    empty.append(payload, payload.size());
    QVERIFY(empty.isEmpty());
}

void tst_OutputQueue::chunksReturnToThePool()
{
    const int before = BufferPool::keptChunks();
    {
        OutputQueue queue;
        const QByteArray bytes = pattern(3 * BufferPool::ChunkSize + 10, 2); // four chunks
        queue.append(std::string_view(bytes.constData(), std::size_t(bytes.size())));
        QCOMPARE(BufferPool::keptChunks(), qMax(0, before - 4));
        queue.consume(2 * BufferPool::ChunkSize); // two sent
        QCOMPARE(BufferPool::keptChunks(), qMin(BufferPool::MaxKeptChunks, qMax(0, before - 4) + 2));
    } // the rest dropped
    QCOMPARE(BufferPool::keptChunks(), qMin(BufferPool::MaxKeptChunks, qMax(0, before - 4) + 4));
    // Taken again, a chunk is empty with its whole capacity.
    const QByteArray chunk = BufferPool::take();
    QCOMPARE(chunk.size(), 0);
    QVERIFY(chunk.capacity() >= BufferPool::ChunkSize);
}

void tst_OutputQueue::heldChunkIsNotReused()
{
    QByteArray held = BufferPool::take();
    held.append("still mine");
    QByteArray copy = held; // someone else holds it too
    const int before = BufferPool::keptChunks();
    BufferPool::give(std::move(held));
    QCOMPARE(BufferPool::keptChunks(), before);
    QCOMPARE(copy, QByteArray("still mine"));
    // Something not of the pool's size is never kept either.
    BufferPool::give(QByteArray(100, 'x'));
    QCOMPARE(BufferPool::keptChunks(), before);
}

void tst_OutputQueue::poolIsBounded()
{
    QList<QByteArray> taken;
    for (int i = 0; i < 2 * BufferPool::MaxKeptChunks; ++i)
        taken.append(BufferPool::take());
    for (QByteArray &chunk : taken)
        BufferPool::give(std::move(chunk));
    QCOMPARE(BufferPool::keptChunks(), BufferPool::MaxKeptChunks);
}

QTEST_GUILESS_MAIN(tst_OutputQueue)
#include "tst_outputqueue.moc"
