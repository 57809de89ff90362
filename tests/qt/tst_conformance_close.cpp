// Autobahn testsuite family 7 against a WsKit echo server over loopback: the
// closing handshake (RFC 6455 §5.5.1, §7).

#include "conformance.h"

using namespace Conformance;

namespace {

constexpr int Normal = Core::CloseCode::Normal;
constexpr int ProtocolError = Core::CloseCode::ProtocolError;
constexpr int InvalidPayload = Core::CloseCode::InvalidPayload;
constexpr int NoStatus = Core::CloseCode::NoStatusReceived;
constexpr int EmptyPayload = -1; // a close frame without a code

const QByteArray HelloWorld = QByteArrayLiteral("Hello World!");

QByteArray repeated(const QByteArray &pattern, qsizetype size)
{
    QByteArray bytes;
    bytes.reserve(size);
    while (bytes.size() < size)
        bytes += pattern;
    bytes.truncate(size);
    return bytes;
}

} // namespace

class ConformanceClose : public ConformanceTest
{
    Q_OBJECT

private Q_SLOTS:
    // 7.1.x: the close frame ends the conversation; nothing after it is answered.
    // 7.3.x, 7.5.1, 7.7.x, 7.9.x, 7.13.x: close payloads, valid and invalid.
    void closingHandshake_data();
    void closingHandshake();
};

void ConformanceClose::closingHandshake_data()
{
    QTest::addColumn<QList<OutFrame>>("frames");
    QTest::addColumn<QList<Event>>("expected");
    QTest::addColumn<QList<int>>("replyCodes"); // the close codes the server may answer with
    QTest::addColumn<int>("serverCode");        // what the server's Connection reports in closed()
    QTest::addColumn<bool>("failed");           // whether the server failed the connection

    const OutFrame close1000 = closeFrame(closePayload(Normal));
    QTest::newRow("7.1.1") << QList<OutFrame>{textFrame(HelloWorld), close1000}
                           << QList<Event>{Event::text(HelloWorld)} << QList<int>{Normal} << Normal << false;
    QTest::newRow("7.1.2") << QList<OutFrame>{close1000, closeFrame()} << QList<Event>{} << QList<int>{Normal}
                           << Normal << false;
    QTest::newRow("7.1.3") << QList<OutFrame>{close1000, pingFrame()} << QList<Event>{} << QList<int>{Normal}
                           << Normal << false;
    QTest::newRow("7.1.4") << QList<OutFrame>{close1000, textFrame(HelloWorld)} << QList<Event>{}
                           << QList<int>{Normal} << Normal << false;
    QTest::newRow("7.1.5") << QList<OutFrame>{textFrame("fragment1", false), close1000,
                                              continuationFrame("fragment2", true)}
                           << QList<Event>{} << QList<int>{Normal} << Normal << false;
    // Both messages are echoed before the close frame is answered; the ping after
    // it is not.
    const QByteArray large = repeated("BAsd7&jh23", 256 * 1024);
    QTest::newRow("7.1.6") << QList<OutFrame>{textFrame(large), textFrame(HelloWorld), close1000, pingFrame()}
                           << QList<Event>{Event::text(large), Event::text(HelloWorld)} << QList<int>{Normal}
                           << Normal << false;

    // An empty close payload is answered without a code (or with 1000).
    QTest::newRow("7.3.1") << QList<OutFrame>{closeFrame()} << QList<Event>{} << QList<int>{EmptyPayload, Normal}
                           << NoStatus << false;
    QTest::newRow("7.3.2") << QList<OutFrame>{closeFrame("a")} << QList<Event>{} << QList<int>{ProtocolError}
                           << ProtocolError << true;
    QTest::newRow("7.3.3") << QList<OutFrame>{close1000} << QList<Event>{} << QList<int>{Normal} << Normal << false;
    QTest::newRow("7.3.4") << QList<OutFrame>{closeFrame(closePayload(Normal, HelloWorld))} << QList<Event>{}
                           << QList<int>{Normal} << Normal << false;
    QTest::newRow("7.3.5") << QList<OutFrame>{closeFrame(closePayload(Normal, QByteArray(123, '*')))}
                           << QList<Event>{} << QList<int>{Normal} << Normal << false;
    // 126 bytes: too long for a control frame.
    QTest::newRow("7.3.6") << QList<OutFrame>{closeFrame(closePayload(Normal, QByteArray(124, '*')))}
                           << QList<Event>{} << QList<int>{ProtocolError} << ProtocolError << true;
    QTest::newRow("7.5.1") << QList<OutFrame>{closeFrame(closePayload(
                                  Normal, QByteArray::fromHex("cebae1bdb9cf83cebcceb5eda080656469746564")))}
                           << QList<Event>{} << QList<int>{InvalidPayload} << InvalidPayload << true;
    QTest::newRow("valid multi-byte reason")
        << QList<OutFrame>{closeFrame(closePayload(Normal, QByteArray::fromHex("cebae1bdb9cf83cebcceb5")))}
        << QList<Event>{} << QList<int>{Normal} << Normal << false;

    // Valid codes are echoed (or answered with 1000), RFC 6455 §7.4.
    const QList<int> valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
    for (qsizetype i = 0; i < valid.size(); ++i) {
        QTest::addRow("7.7.%d", int(i) + 1) << QList<OutFrame>{closeFrame(closePayload(quint16(valid[i])))}
                                            << QList<Event>{} << QList<int>{Normal, valid[i]} << valid[i] << false;
    }
    // Registered with IANA since RFC 6455.
    for (int code : {1012, 1013, 1014}) {
        QTest::addRow("valid code %d", code) << QList<OutFrame>{closeFrame(closePayload(quint16(code)))}
                                             << QList<Event>{} << QList<int>{Normal, code} << code << false;
    }
    // Codes that may not be sent fail the connection with 1002.
    const QList<int> invalid = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};
    for (qsizetype i = 0; i < invalid.size(); ++i) {
        QTest::addRow("7.9.%d", int(i) + 1) << QList<OutFrame>{closeFrame(closePayload(quint16(invalid[i])))}
                                            << QList<Event>{} << QList<int>{ProtocolError} << ProtocolError << true;
    }
    QTest::newRow("invalid code 1015") << QList<OutFrame>{closeFrame(closePayload(1015))} << QList<Event>{}
                                       << QList<int>{ProtocolError} << ProtocolError << true;
    QTest::newRow("7.13.1") << QList<OutFrame>{closeFrame(closePayload(5000))} << QList<Event>{}
                            << QList<int>{ProtocolError} << ProtocolError << true;
    QTest::newRow("7.13.2") << QList<OutFrame>{closeFrame(closePayload(65535))} << QList<Event>{}
                            << QList<int>{ProtocolError} << ProtocolError << true;
}

void ConformanceClose::closingHandshake()
{
    QFETCH(QList<OutFrame>, frames);
    QFETCH(QList<Event>, expected);
    QFETCH(QList<int>, replyCodes);
    QFETCH(int, serverCode);
    QFETCH(bool, failed);

    RawClient client;
    sendAndExpect(client, frames, 0, false, expected);
    if (QTest::currentTestFailed())
        return;
    QElapsedTimer timer;
    timer.start();
    expectCloseFrame(client, replyCodes, PromptMs);
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(timer.elapsed() < PromptMs, "the server answered the close frame too late");
    expectTcpEnd(client);
    if (QTest::currentTestFailed())
        return;
    expectServerOutcome(client, quint16(serverCode),
                        failed ? failureError(quint16(serverCode)) : WsKit::Connection::Error::NoError);
}

WSKIT_CONFORMANCE_MAIN(ConformanceClose)

#include "tst_conformance_close.moc"
