// Autobahn testsuite families 9 and 10 against a WsKit echo server over
// loopback: large messages, many fragments, chopped writes, round trips and
// automatic fragmentation; and the message size limit itself (1009).

#include "conformance.h"

#include <sys/socket.h>

using namespace Conformance;

namespace {

constexpr qsizetype KiB = 1024;
constexpr qsizetype MiB = 1024 * 1024;

QByteArray payloadOf(bool binary, qsizetype size)
{
    if (binary)
        return QByteArray(size, '\xfe');
    return QByteArray(size, '*');
}

QString sizeName(qsizetype size)
{
    return size >= MiB ? QStringLiteral("%1M").arg(size / MiB) : QStringLiteral("%1K").arg(size / KiB);
}

} // namespace

class ConformanceLimits : public ConformanceTest
{
    Q_OBJECT

private Q_SLOTS:
    // 9.1.x / 9.2.x: one large message in one frame.
    // 9.3.x / 9.4.x: a 4 MiB message in fragments of 64 bytes to 4 MiB.
    // 9.5.x / 9.6.x: a 1 MiB message written in chops of 64 to 2048 bytes.
    void largeMessages_data();
    void largeMessages();

    // 9.7.x / 9.8.x: 1000 round trips of small messages.
    void roundTrips_data();
    void roundTrips();

    // 10.1.1: a message in 1300-byte frames; and the server's own fragmentation.
    void autoFragmentation();
    void serverFragmentation();

    // maxBufferedAmount: a client that sends much and reads late slows the echo
    // down (the server stops reading) but loses nothing.
    void slowReader();

    // maxMessageSize: a bigger message fails with 1009 as soon as its size is
    // known, before its payload arrives.
    void messageTooBig_data();
    void messageTooBig();
};

void ConformanceLimits::largeMessages_data()
{
    QTest::addColumn<bool>("binary");
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("fragmentSize");
    QTest::addColumn<qsizetype>("chopSize");

    // The largest sizes run once, in the assembled mode, to keep the run short.
    QList<qsizetype> sizes = {64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB};
    if (!streaming())
        sizes << 8 * MiB << 16 * MiB;
    for (int family = 1; family <= 2; ++family) {
        const bool binary = family == 2;
        for (qsizetype i = 0; i < sizes.size(); ++i) {
            QTest::addRow("9.%d.%d (%s)", family, int(i) + 1, qPrintable(sizeName(sizes[i])))
                << binary << sizes[i] << qsizetype(0) << qsizetype(0);
        }
    }
    const QList<qsizetype> fragments = {64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB};
    for (int family = 3; family <= 4; ++family) {
        const bool binary = family == 4;
        for (qsizetype i = 0; i < fragments.size(); ++i) {
            QTest::addRow("9.%d.%d (fragments of %lld)", family, int(i) + 1, static_cast<long long>(fragments[i]))
                << binary << 4 * MiB << fragments[i] << qsizetype(0);
        }
    }
    const QList<qsizetype> chops = {64, 128, 256, 512, 1024, 2048};
    for (int family = 5; family <= 6; ++family) {
        const bool binary = family == 6;
        for (qsizetype i = 0; i < chops.size(); ++i) {
            QTest::addRow("9.%d.%d (chops of %lld)", family, int(i) + 1, static_cast<long long>(chops[i]))
                << binary << 1 * MiB << qsizetype(0) << chops[i];
        }
    }
}

void ConformanceLimits::largeMessages()
{
    QFETCH(bool, binary);
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, fragmentSize);
    QFETCH(qsizetype, chopSize);

    const QByteArray payload = payloadOf(binary, size);
    RawClient client;
    connectClient(client);
    if (QTest::currentTestFailed())
        return;
    client.sendMessage(payload, binary, fragmentSize, chopSize);
    expectEvents(client, {Event::message(payload, binary)}, 20000);
    if (QTest::currentTestFailed())
        return;
    closeNormally(client);
}

void ConformanceLimits::roundTrips_data()
{
    QTest::addColumn<bool>("binary");
    QTest::addColumn<qsizetype>("size");

    const QList<qsizetype> sizes = {0, 16, 64, 256, 1024, 4096};
    for (int family = 7; family <= 8; ++family) {
        for (qsizetype i = 0; i < sizes.size(); ++i)
            QTest::addRow("9.%d.%d", family, int(i) + 1) << (family == 8) << sizes[i];
    }
}

void ConformanceLimits::roundTrips()
{
    QFETCH(bool, binary);
    QFETCH(qsizetype, size);

    RawClient client;
    connectClient(client);
    if (QTest::currentTestFailed())
        return;
    const QByteArray payload = payloadOf(binary, size);
    for (int i = 0; i < 1000; ++i) {
        client.sendMessage(payload, binary, 0);
        const Event event = client.nextEvent();
        if (!sameEvent(event, Event::message(payload, binary)))
            QFAIL(qPrintable(QStringLiteral("round trip %1: got %2").arg(i).arg(describe(event))));
    }
    closeNormally(client);
}

void ConformanceLimits::autoFragmentation()
{
    const QByteArray payload(65536, '*');
    RawClient client;
    connectClient(client);
    if (QTest::currentTestFailed())
        return;
    client.sendMessage(payload, false, 1300);
    expectEvents(client, {Event::text(payload)});
    if (QTest::currentTestFailed())
        return;
    closeNormally(client);
}

void ConformanceLimits::serverFragmentation()
{
    // A server whose outgoing messages are split into 1300-byte frames.
    EchoServer fragmenting(mode(), [](WsKit::ConnectionOptions &options) { options.setOutgoingFragmentSize(1300); });
    const QByteArray payload(65536, '*');
    RawClient client;
    connectClient(client, &fragmenting);
    if (QTest::currentTestFailed())
        return;
    client.sendMessage(payload, false, 0);
    expectEvents(client, {Event::text(payload)});
    if (QTest::currentTestFailed())
        return;
    // "Outgoing messages are split into frames of at most this payload size":
    // assembled, the echo is 50 full frames and the rest; streamed through a
    // MessageWriter, the pieces may be cut differently but no frame may be larger.
    QVERIFY2(client.lastMessageLargestFrame() <= 1300,
             qPrintable(QStringLiteral("a frame of %1 bytes").arg(client.lastMessageLargestFrame())));
    if (!streaming())
        QCOMPARE(client.lastMessageFrames(), 65536 / 1300 + 1);
    closeNormally(client, &fragmenting);
}

void ConformanceLimits::slowReader()
{
    constexpr qint64 Limit = 256 * KiB;
    constexpr int Messages = 64;
    // Small kernel buffers on both sides, so the server's own buffer fills soon.
    EchoServer limited(
        mode(), [](WsKit::ConnectionOptions &options) { options.setMaxBufferedAmount(Limit); },
        [](WsKit::Connection *connection) {
            const int size = 8192;
            setsockopt(int(connection->socketDescriptor()), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        });
    RawClient client;
    client.setReceiveBufferSize(8192);
    connectClient(client, &limited);
    if (QTest::currentTestFailed())
        return;

    // 4 MiB in 64 messages, sent while reading (almost) nothing for a while.
    QList<QByteArray> payloads;
    QByteArray bytes;
    for (int i = 0; i < Messages; ++i) {
        payloads.append(QByteArray(64 * KiB, char('a' + i % 26)));
        bytes += RawClient::encode(binaryFrame(payloads.last()));
    }
    client.setReadBufferSize(4096);
    client.sendWithoutWaiting(bytes, 500);
    client.setReadBufferSize(0);

    for (int i = 0; i < Messages; ++i) {
        const Event event = client.nextEvent(10000);
        if (!sameEvent(event, Event::binaryMessage(payloads[i]))) {
            const QStringList refused = limited.problems(client.localPort());
            QFAIL(qPrintable(QStringLiteral("echo %1: got %2; the server refused %3 sends, first: %4")
                                 .arg(i)
                                 .arg(describe(event))
                                 .arg(refused.size())
                                 .arg(refused.value(0))));
        }
    }
    closeNormally(client, &limited);
}

void ConformanceLimits::messageTooBig_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("fragmentSize");
    QTest::addColumn<bool>("headerOnly"); // send only the first frame's header

    QTest::newRow("at the limit, one frame") << 1 * MiB << qsizetype(0) << false;
    QTest::newRow("at the limit, fragments") << 1 * MiB << 64 * KiB << false;
    QTest::newRow("one byte over, one frame") << 1 * MiB + 1 << qsizetype(0) << true;
    QTest::newRow("one byte over, fragments") << 1 * MiB + 1 << 64 * KiB << false;
    QTest::newRow("far over, one frame") << 64 * MiB << qsizetype(0) << true;
}

void ConformanceLimits::messageTooBig()
{
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, fragmentSize);
    QFETCH(bool, headerOnly);

    constexpr qint64 Limit = 1 * MiB;
    EchoServer limited(mode(), [](WsKit::ConnectionOptions &options) { options.setMaxMessageSize(Limit); });
    RawClient client;
    connectClient(client, &limited);
    if (QTest::currentTestFailed())
        return;

    if (headerOnly) {
        // The header alone announces too much: no payload byte is needed to fail.
        Core::FrameHeader header;
        header.opcode = Core::Opcode::Binary;
        header.masked = true;
        header.maskKey = {{1, 2, 3, 4}};
        header.payloadLength = static_cast<std::uint64_t>(size);
        char encoded[Core::MaxFrameHeaderSize];
        client.sendBytes(QByteArray(encoded, qsizetype(Core::encodeFrameHeader(header, encoded))));
    } else {
        client.sendMessage(QByteArray(size, '\x01'), true, fragmentSize);
    }
    if (size <= Limit) {
        expectEvents(client, {Event::binaryMessage(QByteArray(size, '\x01'))});
        if (QTest::currentTestFailed())
            return;
        closeNormally(client, &limited);
        return;
    }
    expectFailure(client, Core::CloseCode::MessageTooBig, &limited);
}

WSKIT_CONFORMANCE_MAIN(ConformanceLimits)

#include "tst_conformance_limits.moc"
