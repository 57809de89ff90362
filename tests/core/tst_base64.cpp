// Base64 against RFC 4648 §10, and strict decoding of everything that is not
// canonical padded base64.
#include <WsKit/Core/base64.h>

#include <QtTest>

using namespace WsKit::Core;

namespace {

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), std::size_t(bytes.size()));
}

QByteArray toBytes(const std::string &text)
{
    return QByteArray(text.data(), int(text.size()));
}

} // namespace

class tst_Base64 : public QObject
{
    Q_OBJECT

private slots:
    void vectors_data();
    void encode_data() { vectors_data(); }
    void encode();
    void decode_data() { vectors_data(); }
    void decode();
    void roundTrip();
    void invalid_data();
    void invalid();
};

void tst_Base64::vectors_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("text");

    // RFC 4648 §10
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("f") << QByteArray("f") << QByteArray("Zg==");
    QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8=");
    QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
    QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg==");
    QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE=");
    QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
    // The last two alphabet characters and high bytes.
    QTest::newRow("fb ff") << QByteArray("\xfb\xff") << QByteArray("+/8=");
    QTest::newRow("ff ff ff") << QByteArray("\xff\xff\xff") << QByteArray("////");
    QTest::newRow("zeros") << QByteArray(3, '\0') << QByteArray("AAAA");
    // The nonce of RFC 6455 §4.2.2.
    QTest::newRow("rfc6455 nonce") << QByteArray("the sample nonce") << QByteArray("dGhlIHNhbXBsZSBub25jZQ==");
}

void tst_Base64::encode()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, text);
    QCOMPARE(toBytes(base64Encode(view(bytes))), text);
}

void tst_Base64::decode()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, text);
    const std::optional<std::string> decoded = base64Decode(view(text));
    QVERIFY(decoded.has_value());
    QCOMPARE(toBytes(*decoded), bytes);
}

void tst_Base64::roundTrip()
{
    // Every length across a few groups, every byte value, each padding case.
    for (int length = 0; length <= 260; ++length) {
        QByteArray bytes;
        for (int i = 0; i < length; ++i)
            bytes += char((i * 37 + length) & 0xff);
        const std::string text = base64Encode(view(bytes));
        QCOMPARE(int(text.size()), (length + 2) / 3 * 4);
        const std::optional<std::string> decoded = base64Decode(text);
        QVERIFY2(decoded.has_value(), text.c_str());
        QCOMPARE(toBytes(*decoded), bytes);
    }
}

void tst_Base64::invalid_data()
{
    QTest::addColumn<QByteArray>("text");

    QTest::newRow("missing padding") << QByteArray("Zg");
    QTest::newRow("short padding") << QByteArray("Zg=");
    QTest::newRow("one char") << QByteArray("Z");
    QTest::newRow("three pads") << QByteArray("Z===");
    QTest::newRow("only padding") << QByteArray("====");
    QTest::newRow("padding first") << QByteArray("=Zg=");
    QTest::newRow("padding inside") << QByteArray("Zg=a");
    QTest::newRow("padding in first group") << QByteArray("Zg==Zg==");
    QTest::newRow("extra padding group") << QByteArray("Zm9v====");
    QTest::newRow("nonzero pad bits, 1 byte") << QByteArray("Zh==");
    QTest::newRow("nonzero pad bits, 2 bytes") << QByteArray("Zm9=");
    QTest::newRow("space") << QByteArray("Zm9v Zm9v");
    QTest::newRow("leading space") << QByteArray(" Zm9v");
    QTest::newRow("line break") << QByteArray("Zm9v\r\nZm9v");
    QTest::newRow("trailing newline") << QByteArray("Zm9v\n");
    QTest::newRow("url-safe minus") << QByteArray("Zm-v");
    QTest::newRow("url-safe underscore") << QByteArray("Zm_v");
    QTest::newRow("nul") << QByteArray("Zm9\0", 4);
    QTest::newRow("high byte") << QByteArray("Zm9\xc3");
    QTest::newRow("16-byte key without padding") << QByteArray("dGhlIHNhbXBsZSBub25jZQ");
}

void tst_Base64::invalid()
{
    QFETCH(QByteArray, text);
    QVERIFY(!base64Decode(view(text)).has_value());
}

QTEST_APPLESS_MAIN(tst_Base64)
#include "tst_base64.moc"
