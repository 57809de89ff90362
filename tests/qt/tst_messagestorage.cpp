// Pooled message buffers: large messages reach slots without a copy, buffers are
// reused once nobody holds them, and never while a receiver still does.

#include "testserver.h"

#include "../../src/messagestorage_p.h"

#include <QtTest/QtTest>

using namespace TestClient;

class tst_MessageStorage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void assembledMessageIsSharedNotCopied();
    void heldBufferIsNeverReused();
    void releasedBufferIsReused();
    void bufferReturnedTwiceIsReused();
    void smallPayloadIsCopied();
    void smallBufferIsReusedOnlyWhenReleased();
    void keptPayloadsSurviveLaterMessages();
    void keptSmallPayloadsSurviveLaterMessages();
};

namespace {

QByteArray assemble(WsKit::MessageStorage &storage, char fill, std::size_t size)
{
    storage.clear();
    storage.reserve(size);
    const std::string bytes(size, fill);
    storage.append(bytes);
    return storage.message(storage.bytes());
}

} // namespace

void tst_MessageStorage::assembledMessageIsSharedNotCopied()
{
    WsKit::MessageStorage storage;
    const QByteArray message = assemble(storage, 'a', 200 * 1024);
    QCOMPARE(static_cast<const void *>(message.constData()), static_cast<const void *>(storage.bytes().data()));
    QCOMPARE(message, QByteArray(200 * 1024, 'a'));
}

void tst_MessageStorage::heldBufferIsNeverReused()
{
    WsKit::MessageStorage storage;
    const QByteArray first = assemble(storage, 'a', 300 * 1024);
    const QByteArray second = assemble(storage, 'b', 300 * 1024);
    QVERIFY(first.constData() != second.constData());
    QCOMPARE(first, QByteArray(300 * 1024, 'a'));
    QCOMPARE(second, QByteArray(300 * 1024, 'b'));
}

void tst_MessageStorage::releasedBufferIsReused()
{
    WsKit::MessageStorage storage;
    const void *firstData = nullptr;
    {
        QByteArray first = assemble(storage, 'a', 400 * 1024);
        firstData = first.constData();
        storage.clear(); // the storage gives its reference to the pool
    }                    // and the receiver lets go
    const QByteArray second = assemble(storage, 'b', 400 * 1024);
    QCOMPARE(static_cast<const void *>(second.constData()), firstData);
    QCOMPARE(second, QByteArray(400 * 1024, 'b'));
}

void tst_MessageStorage::bufferReturnedTwiceIsReused()
{
    // As a Connection does: the delivered message goes back to the pool after its
    // signals, and the storage's own reference when the next message begins.
    WsKit::MessageStorage storage;
    QByteArray first = assemble(storage, 'a', 400 * 1024);
    const void *firstData = first.constData();
    WsKit::MessageStorage::recycle(std::move(first));
    const QByteArray second = assemble(storage, 'b', 400 * 1024);
    QCOMPARE(static_cast<const void *>(second.constData()), firstData);
    QCOMPARE(second, QByteArray(400 * 1024, 'b'));
}

void tst_MessageStorage::smallPayloadIsCopied()
{
    WsKit::MessageStorage storage;
    const std::string elsewhere = "a payload in the read buffer";
    const QByteArray message = storage.message(elsewhere);
    QCOMPARE(message, QByteArray(elsewhere.c_str()));
    QVERIFY(static_cast<const void *>(message.constData()) != static_cast<const void *>(elsewhere.data()));
}

void tst_MessageStorage::smallBufferIsReusedOnlyWhenReleased()
{
    WsKit::MessageStorage storage;
    const void *firstData = nullptr;
    {
        const QByteArray first = storage.message("first");
        firstData = first.constData();
    } // released: the next small message goes into the same buffer
    const QByteArray second = storage.message("second");
    QCOMPARE(static_cast<const void *>(second.constData()), firstData);
    QCOMPARE(second, QByteArray("second"));
    // Kept: the next one gets a buffer of its own, and this one stays as it was.
    const QByteArray third = storage.message("third");
    QVERIFY(third.constData() != second.constData());
    QCOMPARE(second, QByteArray("second"));
    QCOMPARE(third, QByteArray("third"));
}

// Over a socket: fragmented large messages are assembled in pooled buffers; a
// receiver that keeps every payload must still find each one intact at the end.
void tst_MessageStorage::keptPayloadsSurviveLaterMessages()
{
    TestServer server;
    QVERIFY(server.listen());
    Client client;
    Connection *connection = server.accept(client);
    QVERIFY(connection);
    QList<QByteArray> kept;
    connect(connection, &Connection::binaryMessageReceived, this, [&kept](const QByteArray &data) { kept.append(data); });
    for (char fill : {'x', 'y', 'z', 'w'}) {
        const QByteArray payload(300 * 1024, fill);
        client.sendFrame({Core::Opcode::Binary, payload.left(100 * 1024), false});
        client.sendFrame({Core::Opcode::Continuation, payload.mid(100 * 1024), true});
    }
    QTRY_COMPARE_WITH_TIMEOUT(kept.size(), 4, Wait);
    QCOMPARE(kept.at(0), QByteArray(300 * 1024, 'x'));
    QCOMPARE(kept.at(1), QByteArray(300 * 1024, 'y'));
    QCOMPARE(kept.at(2), QByteArray(300 * 1024, 'z'));
    QCOMPARE(kept.at(3), QByteArray(300 * 1024, 'w'));
}

// Over a socket: small messages, many in one read, some kept and some not; the
// kept ones are intact after all the others went through the reused buffer.
void tst_MessageStorage::keptSmallPayloadsSurviveLaterMessages()
{
    TestServer server;
    QVERIFY(server.listen());
    Client client;
    Connection *connection = server.accept(client);
    QVERIFY(connection);
    QList<QByteArray> kept;
    int seen = 0;
    connect(connection, &Connection::binaryMessageReceived, this, [&kept, &seen](const QByteArray &data) {
        if (seen++ % 3 == 0)
            kept.append(data);
    });
    QByteArray burst;
    for (int i = 0; i < 300; ++i)
        burst += encode({Core::Opcode::Binary, QByteArray(1 + i % 50, char('a' + i % 26)) + QByteArray::number(i)});
    client.write(burst);
    QTRY_COMPARE_WITH_TIMEOUT(seen, 300, Wait);
    QCOMPARE(kept.size(), 100);
    for (int k = 0; k < 100; ++k) {
        const int i = 3 * k;
        QCOMPARE(kept.at(k), QByteArray(1 + i % 50, char('a' + i % 26)) + QByteArray::number(i));
    }
}

QTEST_GUILESS_MAIN(tst_MessageStorage)
#include "tst_messagestorage.moc"
