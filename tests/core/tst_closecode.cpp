#include <WsKit/Core/closecode.h>

#include <QtTest/QtTest>

#include <string>

using namespace WsKit::Core;

Q_DECLARE_METATYPE(WsKit::Core::Error)

namespace {

std::string_view view(const QByteArray &bytes)
{
    return {bytes.constData(), std::size_t(bytes.size())};
}

QByteArray closePayload(std::uint16_t code, const QByteArray &reason = {})
{
    QByteArray payload;
    payload.append(char(code >> 8));
    payload.append(char(code & 0xff));
    return payload + reason;
}

} // namespace

class tst_CloseCode : public QObject
{
    Q_OBJECT

private slots:
    void validCodes_data();
    void validCodes();
    void parse_data();
    void parse();
    void parseReasonViewsPayload();
    void parseFailureLeavesOutput();
    void append_data();
    void append();
    void appendKeepsExistingBytes();
    void roundTrip_data();
    void roundTrip();
};

void tst_CloseCode::validCodes_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("valid");

    // RFC 6455 §7.4.1/§7.4.2 and the IANA "WebSocket Close Code Number Registry".
    const struct {
        int code;
        bool valid;
    } rows[] = {
        {0, false},     {1, false},     {999, false},   {1000, true},   {1001, true},
        {1002, true},   {1003, true},   {1004, false},  {1005, false},  {1006, false},
        {1007, true},   {1008, true},   {1009, true},   {1010, true},   {1011, true},
        {1012, true},   {1013, true},   {1014, true},   {1015, false},  {1016, false},
        {1100, false},  {2000, false},  {2999, false},  {3000, true},   {3500, true},
        {4000, true},   {4999, true},   {5000, false},  {5001, false},  {65535, false},
    };
    for (const auto &row : rows)
        QTest::addRow("%d", row.code) << row.code << row.valid;
}

void tst_CloseCode::validCodes()
{
    QFETCH(int, code);
    QFETCH(bool, valid);
    QCOMPARE(isValidCloseCode(std::uint16_t(code)), valid);
}

void tst_CloseCode::parse_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<Error>("error");
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("empty: no status") << QByteArray() << Error::None << int(CloseCode::NoStatusReceived) << QByteArray();
    QTest::newRow("one byte") << QByteArray(1, '\x03') << Error::InvalidClosePayload << 0 << QByteArray();
    QTest::newRow("1000 no reason") << closePayload(CloseCode::Normal) << Error::None << int(CloseCode::Normal) << QByteArray();
    QTest::newRow("1001 reason") << closePayload(CloseCode::GoingAway, "bye") << Error::None << int(CloseCode::GoingAway) << QByteArray("bye");
    QTest::newRow("4999 UTF-8 reason") << closePayload(4999, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")
                                       << Error::None << 4999 << QByteArray("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");
    QTest::newRow("3000 NUL in reason") << closePayload(3000, QByteArray("a\0b", 3)) << Error::None << 3000 << QByteArray("a\0b", 3);
    QTest::newRow("999") << closePayload(999) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("1004") << closePayload(1004) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("1005 on the wire") << closePayload(CloseCode::NoStatusReceived) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("1006 on the wire") << closePayload(CloseCode::AbnormalClosure) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("1015") << closePayload(1015) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("2999") << closePayload(2999) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("5000") << closePayload(5000) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("65535") << closePayload(65535) << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("invalid code before bad reason") << closePayload(1004, "\xff") << Error::InvalidCloseCode << 0 << QByteArray();
    QTest::newRow("reason: invalid byte") << closePayload(CloseCode::Normal, "ok\xff") << Error::InvalidUtf8 << 0 << QByteArray();
    QTest::newRow("reason: truncated") << closePayload(CloseCode::Normal, "\xce\xba\xe1\xbd") << Error::InvalidUtf8 << 0 << QByteArray();
    QTest::newRow("reason: surrogate") << closePayload(CloseCode::Normal, "\xed\xa0\x80") << Error::InvalidUtf8 << 0 << QByteArray();
}

void tst_CloseCode::parse()
{
    QFETCH(QByteArray, payload);
    QFETCH(Error, error);
    QFETCH(int, code);
    QFETCH(QByteArray, reason);

    ClosePayload out;
    QCOMPARE(parseClosePayload(view(payload), out), error);
    if (error == Error::None) {
        QCOMPARE(int(out.code), code);
        QCOMPARE(QByteArray(out.reason.data(), qsizetype(out.reason.size())), reason);
    }
}

void tst_CloseCode::parseReasonViewsPayload()
{
    const QByteArray payload = closePayload(CloseCode::Normal, "done");
    ClosePayload out;
    QCOMPARE(parseClosePayload(view(payload), out), Error::None);
    QCOMPARE(static_cast<const void *>(out.reason.data()), static_cast<const void *>(payload.constData() + 2));
    QCOMPARE(out.reason.size(), std::size_t(4));
}

void tst_CloseCode::parseFailureLeavesOutput()
{
    ClosePayload out{CloseCode::GoingAway, "kept"};
    QCOMPARE(parseClosePayload(view(closePayload(CloseCode::Normal, "\xc0")), out), Error::InvalidUtf8);
    QCOMPARE(out.code, CloseCode::GoingAway);
    QCOMPARE(out.reason, std::string_view("kept"));
}

void tst_CloseCode::append_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QByteArray>("expected");

    // RFC 6455 §5.5.1: the code in network byte order, then the reason.
    QTest::newRow("1000") << int(CloseCode::Normal) << QByteArray() << QByteArray("\x03\xe8", 2);
    QTest::newRow("1001 reason") << int(CloseCode::GoingAway) << QByteArray("bye") << QByteArray("\x03\xe9" "bye", 5);
    QTest::newRow("4999 reason") << 4999 << QByteArray("x") << QByteArray("\x13\x87x", 3);
    QTest::newRow("1005: nothing") << int(CloseCode::NoStatusReceived) << QByteArray() << QByteArray();
}

void tst_CloseCode::append()
{
    QFETCH(int, code);
    QFETCH(QByteArray, reason);
    QFETCH(QByteArray, expected);

    std::string out;
    appendClosePayload(std::uint16_t(code), view(reason), out);
    QCOMPARE(QByteArray::fromStdString(out), expected);
}

void tst_CloseCode::appendKeepsExistingBytes()
{
    std::string out = "head";
    appendClosePayload(CloseCode::Normal, "r", out);
    QCOMPARE(out, std::string("head\x03\xe8r", 7));
}

void tst_CloseCode::roundTrip_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("reason");

    for (int code : {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999})
        QTest::addRow("%d", code) << code << QByteArray("reason \xe2\x82\xac");
    QTest::newRow("123-byte reason") << 1000 << QByteArray(123, 'r');
}

void tst_CloseCode::roundTrip()
{
    QFETCH(int, code);
    QFETCH(QByteArray, reason);

    std::string wire;
    appendClosePayload(std::uint16_t(code), view(reason), wire);
    QCOMPARE(wire.size(), std::size_t(2 + reason.size()));
    ClosePayload out;
    QCOMPARE(parseClosePayload(wire, out), Error::None);
    QCOMPARE(int(out.code), code);
    QCOMPARE(QByteArray(out.reason.data(), qsizetype(out.reason.size())), reason);
}

QTEST_APPLESS_MAIN(tst_CloseCode)
#include "tst_closecode.moc"
