#include <WsKit/Core/mask.h>

#include <QtTest/QtTest>

#include <vector>

using namespace WsKit::Core;

namespace {

// RFC 6455 §5.3: octet i of the payload is XORed with octet (i MOD 4) of the key.
void referenceMask(unsigned char *data, std::size_t size, const MaskKey &key, std::size_t phase)
{
    for (std::size_t i = 0; i < size; ++i)
        data[i] ^= key[(phase + i) % 4];
}

constexpr MaskKey rfcKey{0x37, 0xfa, 0x21, 0x3d}; // RFC 6455 §5.7

} // namespace

class tst_Mask : public QObject
{
    Q_OBJECT

private slots:
    void rfcHelloExample();
    void matchesReferenceAtEveryLengthOffsetAndPhase();
    void piecewiseMatchesWhole();
    void maskTwiceRestores();
};

void tst_Mask::rfcHelloExample()
{
    // RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d is 7f 9f 4d 51 58.
    QByteArray data("Hello");
    QCOMPARE(applyMask(data.data(), std::size_t(data.size()), rfcKey), std::size_t(1));
    QCOMPARE(data, QByteArray("\x7f\x9f\x4d\x51\x58"));
    applyMask(data.data(), std::size_t(data.size()), rfcKey);
    QCOMPARE(data, QByteArray("Hello"));
}

void tst_Mask::matchesReferenceAtEveryLengthOffsetAndPhase()
{
    constexpr std::size_t maxLength = 300;
    constexpr std::size_t maxOffset = 8;
    constexpr std::size_t guard = 16;
    const MaskKey key{0x9b, 0x01, 0xf6, 0x5c};

    std::vector<unsigned char> original(guard + maxOffset + maxLength + guard);
    for (std::size_t i = 0; i < original.size(); ++i)
        original[i] = static_cast<unsigned char>(i * 131 + 7);

    for (std::size_t length = 0; length <= maxLength; ++length) {
        for (std::size_t offset = 0; offset < maxOffset; ++offset) {
            for (std::size_t phase = 0; phase < 4; ++phase) {
                std::vector<unsigned char> expected = original;
                referenceMask(expected.data() + guard + offset, length, key, phase);

                std::vector<unsigned char> actual = original;
                const std::size_t next = applyMask(reinterpret_cast<char *>(actual.data() + guard + offset),
                                                   length, key, phase);
                if (actual != expected || next != (phase + length) % 4) {
                    QFAIL(qPrintable(QStringLiteral("length %1 offset %2 phase %3: %4")
                                         .arg(length)
                                         .arg(offset)
                                         .arg(phase)
                                         .arg(actual != expected ? QStringLiteral("bytes differ")
                                                                 : QStringLiteral("next phase %1").arg(next))));
                }
            }
        }
    }
}

void tst_Mask::piecewiseMatchesWhole()
{
    // A payload unmasked in pieces as it arrives equals one unmasked at once.
    QByteArray whole(1000, '\0');
    for (int i = 0; i < whole.size(); ++i)
        whole[i] = char(i * 7);
    const QByteArray original = whole;
    applyMask(whole.data(), std::size_t(whole.size()), rfcKey);

    for (int pieceSize : {1, 3, 5, 8, 13, 64, 999}) {
        QByteArray pieces = original;
        std::size_t phase = 0;
        for (int at = 0; at < pieces.size(); at += pieceSize) {
            const int size = qMin(pieceSize, int(pieces.size()) - at);
            phase = applyMask(pieces.data() + at, std::size_t(size), rfcKey, phase);
        }
        QCOMPARE(pieces, whole);
        QCOMPARE(phase, std::size_t(original.size() % 4));
    }
}

void tst_Mask::maskTwiceRestores()
{
    QByteArray data(4097, '\0');
    for (int i = 0; i < data.size(); ++i)
        data[i] = char(i ^ (i >> 8));
    const QByteArray original = data;
    applyMask(data.data() + 1, std::size_t(data.size() - 1), rfcKey, 2);
    QVERIFY(data != original);
    QCOMPARE(data.at(0), original.at(0));
    applyMask(data.data() + 1, std::size_t(data.size() - 1), rfcKey, 2);
    QCOMPARE(data, original);
}

QTEST_APPLESS_MAIN(tst_Mask)
#include "tst_mask.moc"
