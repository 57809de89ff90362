// SHA-1 against the FIPS 180 example vectors and lengths around the padding edges.
#include <WsKit/Core/sha1.h>

#include <QtTest>

using namespace WsKit::Core;

namespace {

QByteArray hex(const Sha1Digest &digest)
{
    return QByteArray(reinterpret_cast<const char *>(digest.data()), int(digest.size())).toHex();
}

QByteArray allByteValues()
{
    QByteArray bytes;
    for (int i = 0; i < 256; ++i)
        bytes += char(i);
    return bytes;
}

} // namespace

class tst_Sha1 : public QObject
{
    Q_OBJECT

private slots:
    void digest_data();
    void digest();
    void millionA();
};

void tst_Sha1::digest_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    // FIPS 180-2 appendix A and the NIST example vectors.
    QTest::newRow("empty") << QByteArray() << QByteArray("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    QTest::newRow("abc") << QByteArray("abc") << QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d");
    QTest::newRow("448 bits")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << QByteArray("84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    QTest::newRow("896 bits")
        << QByteArray("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
        << QByteArray("a49b2446a02c645bf419f995b67091253a04a259");

    // 55 bytes is the longest message whose length fits in its last block; 56
    // needs a second padding block; 64 fills a block exactly.
    QTest::newRow("55 a") << QByteArray(55, 'a') << QByteArray("c1c8bbdc22796e28c0e15163d20899b65621d65a");
    QTest::newRow("56 a") << QByteArray(56, 'a') << QByteArray("c2db330f6083854c99d4b5bfb6e8f29f201be699");
    QTest::newRow("63 a") << QByteArray(63, 'a') << QByteArray("03f09f5b158a7a8cdad920bddc29b81c18a551f5");
    QTest::newRow("64 a") << QByteArray(64, 'a') << QByteArray("0098ba824b5c16427bd7a1122a5a442a25ec644d");
    QTest::newRow("65 a") << QByteArray(65, 'a') << QByteArray("11655326c708d70319be2610e8a57d9a5b959d3b");
    QTest::newRow("119 a") << QByteArray(119, 'a') << QByteArray("ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56");
    QTest::newRow("120 a") << QByteArray(120, 'a') << QByteArray("f34c1488385346a55709ba056ddd08280dd4c6d6");
    // Bytes above 0x7f must not be sign-extended.
    QTest::newRow("all byte values") << allByteValues() << QByteArray("4916d6bdb7f78e6803698cab32d1586ea457dfc8");
}

void tst_Sha1::digest()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    QCOMPARE(hex(sha1(std::string_view(input.constData(), std::size_t(input.size())))), expected);
}

void tst_Sha1::millionA()
{
    const std::string input(1000000, 'a');
    QCOMPARE(hex(sha1(input)), QByteArray("34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
}

QTEST_APPLESS_MAIN(tst_Sha1)
#include "tst_sha1.moc"
