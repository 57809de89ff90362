// Autobahn testsuite family 5 against a WsKit echo server over loopback:
// fragmentation (RFC 6455 §5.4).

#include "conformance.h"

using namespace Conformance;

namespace {

constexpr quint16 ProtocolError = Core::CloseCode::ProtocolError;

const QByteArray Fragment1 = QByteArrayLiteral("fragment1");
const QByteArray Fragment2 = QByteArrayLiteral("fragment2");
const QByteArray Fragment3 = QByteArrayLiteral("fragment3");
const QByteArray Fragment4 = QByteArrayLiteral("fragment4");
const QByteArray Fragment5 = QByteArrayLiteral("fragment5");
const QByteArray PingPayload = QByteArrayLiteral("ping payload");

OutFrame fragmentedControl(Core::Opcode opcode, const QByteArray &payload)
{
    return {int(opcode), payload, false, 0};
}

} // namespace

class ConformanceFragmentation : public ConformanceTest
{
    Q_OBJECT

private Q_SLOTS:
    // 5.1-5.18: fragments, control frames between them, continuations that
    // continue nothing and data frames that interrupt a message.
    void fragmentation_data();
    void fragmentation();

    // 5.19, 5.20: a ping between fragments is answered at once, before the
    // message is complete.
    void pingAnsweredMidMessage_data();
    void pingAnsweredMidMessage();
};

void ConformanceFragmentation::fragmentation_data()
{
    QTest::addColumn<QList<OutFrame>>("frames");
    QTest::addColumn<int>("chopSize");
    QTest::addColumn<bool>("sync");
    QTest::addColumn<QList<Event>>("expected");
    QTest::addColumn<int>("failCode");

    const int fail = ProtocolError;
    // Control frames must not be fragmented (RFC 6455 §5.5).
    QTest::newRow("5.1") << QList<OutFrame>{fragmentedControl(Core::Opcode::Ping, Fragment1),
                                            continuationFrame(Fragment2, true)}
                         << 0 << false << QList<Event>{} << fail;
    QTest::newRow("5.2") << QList<OutFrame>{fragmentedControl(Core::Opcode::Pong, Fragment1),
                                            continuationFrame(Fragment2, true)}
                         << 0 << false << QList<Event>{} << fail;

    const QList<OutFrame> twoFragments{textFrame(Fragment1, false), continuationFrame(Fragment2, true)};
    const QList<Event> joined{Event::text(Fragment1 + Fragment2)};
    QTest::newRow("5.3") << twoFragments << 0 << false << joined << 0;
    QTest::newRow("5.4") << twoFragments << 0 << true << joined << 0;
    QTest::newRow("5.5") << twoFragments << 1 << false << joined << 0;

    // A control frame may come between fragments (RFC 6455 §5.4): its answer first.
    const QList<OutFrame> pingBetween{textFrame(Fragment1, false), pingFrame(PingPayload),
                                      continuationFrame(Fragment2, true)};
    const QList<Event> pongThenMessage{Event::pong(PingPayload), Event::text(Fragment1 + Fragment2)};
    QTest::newRow("5.6") << pingBetween << 0 << false << pongThenMessage << 0;
    QTest::newRow("5.7") << pingBetween << 0 << true << pongThenMessage << 0;
    QTest::newRow("5.8") << pingBetween << 1 << false << pongThenMessage << 0;

    // Continuations with nothing to continue.
    for (int fin = 1; fin >= 0; --fin) {
        const QList<OutFrame> frames{continuationFrame("non-continuation payload", fin == 1),
                                     textFrame("Hello, world!")};
        const int first = fin == 1 ? 9 : 12;
        QTest::addRow("5.%d", first) << frames << 0 << false << QList<Event>{} << fail;
        QTest::addRow("5.%d", first + 1) << frames << 0 << true << QList<Event>{} << fail;
        QTest::addRow("5.%d", first + 2) << frames << 1 << false << QList<Event>{} << fail;
    }

    // A complete fragmented message is echoed before the stray continuation fails.
    QTest::newRow("5.15") << QList<OutFrame>{textFrame(Fragment1, false), continuationFrame(Fragment2, true),
                                             continuationFrame(Fragment3, false), textFrame(Fragment4)}
                          << 0 << false << joined << fail;
    for (int fin = 0; fin <= 1; ++fin) {
        QList<OutFrame> frames;
        for (int i = 0; i < 2; ++i) {
            frames << continuationFrame(Fragment1, fin == 1) << textFrame(Fragment2, false)
                   << continuationFrame(Fragment3, true);
        }
        QTest::addRow("5.%d", 16 + fin) << frames << 0 << false << QList<Event>{} << fail;
    }
    // A new data frame while a message is open.
    QTest::newRow("5.18") << QList<OutFrame>{textFrame(Fragment1, false), textFrame(Fragment2)} << 0 << false
                          << QList<Event>{} << fail;

    // Beyond Autobahn: a binary message in 1-byte frames, and a text message whose
    // every frame is empty but the middle one (6.1.3's shape, binary).
    QList<OutFrame> bytewise;
    const QByteArray bytes = QByteArray::fromHex("00ff7f80fe01");
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        bytewise << OutFrame{int(i == 0 ? Core::Opcode::Binary : Core::Opcode::Continuation), bytes.mid(i, 1),
                             i + 1 == bytes.size(), 0};
    }
    QTest::newRow("binary in 1-byte frames") << bytewise << 0 << false << QList<Event>{Event::binaryMessage(bytes)}
                                             << 0;
    QTest::newRow("binary, empty first and last frames")
        << QList<OutFrame>{binaryFrame({}, false), continuationFrame(bytes, false), continuationFrame({}, true)} << 0
        << false << QList<Event>{Event::binaryMessage(bytes)} << 0;
    // Two pings and a pong between fragments, each answered in order.
    QTest::newRow("several control frames between fragments")
        << QList<OutFrame>{binaryFrame(Fragment1, false), pingFrame("a"), pongFrame("ignored"), pingFrame("b"),
                           continuationFrame(Fragment2, true)}
        << 0 << false
        << QList<Event>{Event::pong("a"), Event::pong("b"), Event::binaryMessage(Fragment1 + Fragment2)} << 0;
    // A close frame between fragments ends the connection; the message is lost.
    QTest::newRow("close between fragments")
        << QList<OutFrame>{textFrame(Fragment1, false), closeFrame(closePayload(Core::CloseCode::Normal)),
                           continuationFrame(Fragment2, true)}
        << 0 << false << QList<Event>{} << -1;
}

void ConformanceFragmentation::fragmentation()
{
    QFETCH(QList<OutFrame>, frames);
    QFETCH(int, chopSize);
    QFETCH(bool, sync);
    QFETCH(QList<Event>, expected);
    QFETCH(int, failCode);

    if (failCode >= 0) {
        runCase(frames, chopSize, sync, expected, quint16(failCode));
        return;
    }
    // The frames themselves close the connection: the server answers the close.
    RawClient client;
    sendAndExpect(client, frames, chopSize, sync, expected);
    if (QTest::currentTestFailed())
        return;
    expectCloseAnswered(client, {Core::CloseCode::Normal}, Core::CloseCode::Normal);
}

void ConformanceFragmentation::pingAnsweredMidMessage_data()
{
    QTest::addColumn<bool>("sync");
    QTest::newRow("5.19") << false;
    QTest::newRow("5.20") << true;
}

void ConformanceFragmentation::pingAnsweredMidMessage()
{
    QFETCH(bool, sync);

    RawClient client;
    connectClient(client);
    if (QTest::currentTestFailed())
        return;
    client.sendFrames({textFrame(Fragment1, false), continuationFrame(Fragment2, false), pingFrame("pongme 1!")}, 0,
                      sync);
    // The pong must come while the message is still open: we send nothing more
    // until it is here.
    expectEvents(client, {Event::pong("pongme 1!")}, PromptMs);
    if (QTest::currentTestFailed())
        return;
    client.sendFrames({continuationFrame(Fragment3, false), continuationFrame(Fragment4, false),
                       pingFrame("pongme 2!"), continuationFrame(Fragment5, true)},
                      0, sync);
    expectEvents(client, {Event::pong("pongme 2!"),
                          Event::text(Fragment1 + Fragment2 + Fragment3 + Fragment4 + Fragment5)});
    if (QTest::currentTestFailed())
        return;
    closeNormally(client);
}

WSKIT_CONFORMANCE_MAIN(ConformanceFragmentation)

#include "tst_conformance_fragmentation.moc"
