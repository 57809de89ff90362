// Autobahn testsuite families 1-4 against a WsKit echo server over loopback:
// framing, pings and pongs, reserved bits, reserved opcodes.

#include "conformance.h"

using namespace Conformance;

namespace {

constexpr quint16 ProtocolError = Core::CloseCode::ProtocolError;

const QByteArray Hello = QByteArrayLiteral("Hello, world!");
// Autobahn's small binary payload.
const QByteArray SmallBinary = QByteArray::fromHex("00fffefdfcfb00ff");

OutFrame reservedFrame(int opcode, const QByteArray &payload = {})
{
    return {opcode, payload, true, 0};
}

OutFrame withRsv(OutFrame frame, int rsv)
{
    frame.rsv = rsv;
    return frame;
}

} // namespace

class ConformanceFraming : public ConformanceTest
{
    Q_OBJECT

private Q_SLOTS:
    // 1.1.x / 1.2.x: text and binary messages around the length encodings.
    void framing_data();
    void framing();

    // 2.x: pings are answered with their payload, pongs are not answered.
    void pings_data();
    void pings();

    // 3.x: reserved bits without an extension fail the connection (RFC 6455 §5.2).
    void reservedBits_data();
    void reservedBits();

    // 4.x: reserved opcodes fail the connection (RFC 6455 §5.2).
    void reservedOpcodes_data();
    void reservedOpcodes();

    // Beyond Autobahn: headers that break §5.1-§5.2 (unmasked, non-minimal or
    // oversized lengths) fail with 1002, at any chunking.
    void invalidHeaders_data();
    void invalidHeaders();

    // Frames written together with the upgrade request are not lost.
    void framesWithRequest();
};

void ConformanceFraming::framing_data()
{
    QTest::addColumn<bool>("binary");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("chopSize");

    const QList<int> sizes = {0, 125, 126, 127, 128, 65535, 65536};
    for (int family = 1; family <= 2; ++family) {
        const bool binary = family == 2;
        int index = 1;
        for (int size : sizes)
            QTest::addRow("1.%d.%d", family, index++) << binary << size << 0;
        // The same 64 KiB message written in chops of 997 bytes.
        QTest::addRow("1.%d.%d", family, index) << binary << 65536 << 997;
    }
}

void ConformanceFraming::framing()
{
    QFETCH(bool, binary);
    QFETCH(int, size);
    QFETCH(int, chopSize);

    const QByteArray payload(size, binary ? '\xfe' : '*');
    const OutFrame frame = binary ? binaryFrame(payload) : textFrame(payload);
    runCase({frame}, chopSize, false, {Event::message(payload, binary)}, 0);
}

void ConformanceFraming::pings_data()
{
    QTest::addColumn<QList<OutFrame>>("frames");
    QTest::addColumn<int>("chopSize");
    QTest::addColumn<QList<Event>>("expected");
    QTest::addColumn<int>("failCode");

    const QByteArray max(125, '\xfe');
    QTest::newRow("2.1") << QList<OutFrame>{pingFrame()} << 0 << QList<Event>{Event::pong({})} << 0;
    QTest::newRow("2.2") << QList<OutFrame>{pingFrame(Hello)} << 0 << QList<Event>{Event::pong(Hello)} << 0;
    QTest::newRow("2.3") << QList<OutFrame>{pingFrame(SmallBinary)} << 0 << QList<Event>{Event::pong(SmallBinary)} << 0;
    QTest::newRow("2.4") << QList<OutFrame>{pingFrame(max)} << 0 << QList<Event>{Event::pong(max)} << 0;
    // A control frame longer than 125 bytes (RFC 6455 §5.5).
    QTest::newRow("2.5") << QList<OutFrame>{pingFrame(QByteArray(126, '\xfe'))} << 0 << QList<Event>{}
                         << int(ProtocolError);
    QTest::newRow("2.6") << QList<OutFrame>{pingFrame(max)} << 1 << QList<Event>{Event::pong(max)} << 0;
    // Unsolicited pongs are not answered (RFC 6455 §5.5.3).
    QTest::newRow("2.7") << QList<OutFrame>{pongFrame()} << 0 << QList<Event>{} << 0;
    QTest::newRow("2.8") << QList<OutFrame>{pongFrame("unsolicited pong payload")} << 0 << QList<Event>{} << 0;
    QTest::newRow("2.9") << QList<OutFrame>{pongFrame("unsolicited pong payload"), pingFrame("ping payload")} << 0
                         << QList<Event>{Event::pong("ping payload")} << 0;
    QList<OutFrame> tenPings;
    QList<Event> tenPongs;
    for (int i = 0; i < 10; ++i) {
        const QByteArray payload = "payload-" + QByteArray::number(i);
        tenPings.append(pingFrame(payload));
        tenPongs.append(Event::pong(payload));
    }
    QTest::newRow("2.10") << tenPings << 0 << tenPongs << 0;
    QTest::newRow("2.11") << tenPings << 1 << tenPongs << 0;
}

void ConformanceFraming::pings()
{
    QFETCH(QList<OutFrame>, frames);
    QFETCH(int, chopSize);
    QFETCH(QList<Event>, expected);
    QFETCH(int, failCode);
    runCase(frames, chopSize, false, expected, quint16(failCode));
}

void ConformanceFraming::reservedBits_data()
{
    QTest::addColumn<QList<OutFrame>>("frames");
    QTest::addColumn<int>("chopSize");
    QTest::addColumn<bool>("sync");
    QTest::addColumn<QList<Event>>("expected");

    // After a valid message the echo comes first; the frame with the reserved bit
    // fails the connection, so the ping after it is never answered.
    auto afterValid = [](int rsv) {
        return QList<OutFrame>{textFrame(Hello), withRsv(textFrame(Hello), rsv), pingFrame()};
    };
    const QList<Event> echo{Event::text(Hello)};
    QTest::newRow("3.1") << QList<OutFrame>{withRsv(textFrame(Hello), 1)} << 0 << false << QList<Event>{};
    QTest::newRow("3.2") << afterValid(2) << 0 << false << echo;
    QTest::newRow("3.3") << afterValid(3) << 0 << true << echo;
    QTest::newRow("3.4") << afterValid(4) << 1 << false << echo;
    QTest::newRow("3.5") << QList<OutFrame>{withRsv(binaryFrame(SmallBinary), 5)} << 0 << false << QList<Event>{};
    QTest::newRow("3.6") << QList<OutFrame>{withRsv(binaryFrame(Hello), 6)} << 0 << false << QList<Event>{};
    QTest::newRow("3.7") << QList<OutFrame>{withRsv(closeFrame(), 7)} << 0 << false << QList<Event>{};
    // Each bit alone on a control frame after a valid message.
    for (int rsv : {4, 2, 1}) {
        QTest::addRow("ping with rsv %d after a message", rsv)
            << QList<OutFrame>{binaryFrame(SmallBinary), withRsv(pingFrame(Hello), rsv), pingFrame()} << 0 << false
            << QList<Event>{Event::binaryMessage(SmallBinary)};
    }
    // RSV1 on a continuation frame: never allowed, not even with permessage-deflate.
    QTest::newRow("rsv1 on a continuation")
        << QList<OutFrame>{textFrame("frag", false), withRsv(continuationFrame("ment", true), 4)} << 0 << false
        << QList<Event>{};
}

void ConformanceFraming::reservedBits()
{
    QFETCH(QList<OutFrame>, frames);
    QFETCH(int, chopSize);
    QFETCH(bool, sync);
    QFETCH(QList<Event>, expected);
    runCase(frames, chopSize, sync, expected, ProtocolError);
}

void ConformanceFraming::reservedOpcodes_data()
{
    QTest::addColumn<QList<OutFrame>>("frames");
    QTest::addColumn<QList<Event>>("expected");

    const QByteArray payload = QByteArrayLiteral("reserved opcode payload");
    const QList<Event> echo{Event::text(Hello)};
    // 4.1.x the reserved data opcodes 3-7, 4.2.x the reserved control opcodes 11-15.
    for (int family = 1; family <= 2; ++family) {
        const int first = family == 1 ? 3 : 11;
        QTest::addRow("4.%d.1", family) << QList<OutFrame>{reservedFrame(first)} << QList<Event>{};
        QTest::addRow("4.%d.2", family) << QList<OutFrame>{reservedFrame(first + 1, payload)} << QList<Event>{};
        QTest::addRow("4.%d.3", family) << QList<OutFrame>{textFrame(Hello), reservedFrame(first + 2), pingFrame()}
                                        << echo;
        QTest::addRow("4.%d.4", family)
            << QList<OutFrame>{textFrame(Hello), reservedFrame(first + 3, Hello), pingFrame()} << echo;
        QTest::addRow("4.%d.5", family)
            << QList<OutFrame>{textFrame(Hello), reservedFrame(first + 4, Hello), pingFrame()} << echo;
    }
}

void ConformanceFraming::reservedOpcodes()
{
    QFETCH(QList<OutFrame>, frames);
    QFETCH(QList<Event>, expected);
    runCase(frames, 0, false, expected, ProtocolError);
}

void ConformanceFraming::invalidHeaders_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("chopSize");

    using namespace Core::HeaderBits;
    const char binaryFin = char(Fin | quint8(Core::Opcode::Binary));
    const QByteArray key = QByteArray::fromHex("0a0b0c0d");
    // A length of 125 in the 16-bit form, 65535 in the 64-bit form, and a 64-bit
    // length with its most significant bit set.
    const QByteArray nonMinimal16 = QByteArray(1, binaryFin) + char(Mask | Length16) + QByteArray::fromHex("007d") + key
        + QByteArray(125, 'x');
    const QByteArray nonMinimal64 = QByteArray(1, binaryFin) + char(Mask | Length64)
        + QByteArray::fromHex("000000000000ffff") + key + QByteArray(65535, 'x');
    const QByteArray topBit = QByteArray(1, binaryFin) + char(Mask | Length64) + QByteArray::fromHex("8000000000000001")
        + key;
    Core::FrameHeader unmasked;
    unmasked.opcode = Core::Opcode::Text;
    unmasked.payloadLength = 5;
    char encoded[Core::MaxFrameHeaderSize];
    const QByteArray unmaskedFrame = QByteArray(encoded, qsizetype(Core::encodeFrameHeader(unmasked, encoded))) + "hello";

    for (int chop : {0, 1}) {
        const char *how = chop ? "octet-wise" : "at once";
        QTest::addRow("non-minimal 16-bit length, %s", how) << nonMinimal16 << chop;
        QTest::addRow("non-minimal 64-bit length, %s", how) << nonMinimal64 << chop;
        QTest::addRow("64-bit length with the top bit, %s", how) << topBit << chop;
        QTest::addRow("unmasked frame, %s", how) << unmaskedFrame << chop;
    }
}

void ConformanceFraming::invalidHeaders()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, chopSize);

    RawClient client;
    connectClient(client);
    if (QTest::currentTestFailed())
        return;
    // Octet-wise, only the header is sent: it alone must fail the connection.
    client.sendBytes(chopSize > 0 ? bytes.left(14) : bytes, chopSize, std::chrono::microseconds(chopSize > 0 ? 200 : 0));
    expectFailure(client, ProtocolError);
}

void ConformanceFraming::framesWithRequest()
{
    RawClient client;
    const QString error = client.open(server().port(), RawClient::encode(textFrame(Hello)) + RawClient::encode(pingFrame("early")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    expectEvents(client, {Event::text(Hello), Event::pong("early")});
    if (QTest::currentTestFailed())
        return;
    closeNormally(client);
}

WSKIT_CONFORMANCE_MAIN(ConformanceFraming)

#include "tst_conformance_framing.moc"
