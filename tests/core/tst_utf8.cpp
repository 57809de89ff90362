#include <WsKit/Core/utf8.h>

#include "utf8reference.h"

#include <QtTest/QtTest>

#include <random>
#include <string>

using namespace WsKit::Core;

namespace {

constexpr int NeverFails = -1;

std::string_view view(const QByteArray &bytes)
{
    return {bytes.constData(), std::size_t(bytes.size())};
}

// Encodes code point cp in `length` bytes with UTF-8's bit patterns, whether or not
// that is the valid (shortest, in-range, non-surrogate) form.
QByteArray encodeAs(std::uint32_t cp, int length)
{
    if (length == 1)
        return QByteArray(1, char(cp));
    static const std::uint8_t leadBits[] = {0, 0, 0xc0, 0xe0, 0xf0};
    QByteArray out(length, '\0');
    for (int i = length - 1; i > 0; --i) {
        out[i] = char(0x80 | (cp & 0x3f));
        cp >>= 6;
    }
    out[0] = char(leadBits[length] | cp);
    return out;
}

int shortestLength(std::uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

QByteArray hex(const QByteArray &bytes)
{
    return bytes.toHex(' ');
}

// Feeds text whole, one byte at a time and split in two at every position, and
// checks that feed() fails exactly at byte failAt (or never) and isComplete().
void checkEveryFeeding(const QByteArray &text, int failAt, bool complete)
{
    const QByteArray context = hex(text.left(64));
    const bool valid = failAt == NeverFails;
    {
        Utf8Validator v;
        QVERIFY2(v.feed(view(text)) == valid, context);
        QVERIFY2(v.hasFailed() == !valid, context);
        QVERIFY2(v.isComplete() == (valid && complete), context);
        QVERIFY2(isValidUtf8(view(text)) == (valid && complete), context);
    }
    {
        Utf8Validator v;
        for (int i = 0; i < text.size(); ++i) {
            const bool accepted = v.feed(view(text.mid(i, 1)));
            QVERIFY2(accepted == (valid || i < failAt), context + " byte " + QByteArray::number(i));
        }
        QVERIFY2(v.isComplete() == (valid && complete), context);
    }
    for (int split = 0; split <= text.size(); ++split) {
        Utf8Validator v;
        const bool first = v.feed(view(text.left(split)));
        QVERIFY2(first == (valid || failAt >= split), context + " split " + QByteArray::number(split));
        const bool second = v.feed(view(text.mid(split)));
        QVERIFY2(second == valid, context + " split " + QByteArray::number(split));
        QVERIFY2(v.isComplete() == (valid && complete), context + " split " + QByteArray::number(split));
    }
}

} // namespace

class tst_Utf8 : public QObject
{
    Q_OBJECT

private slots:
    void autobahn_data();
    void autobahn();
    void autobahnAfterAscii_data() { autobahn_data(); }
    void autobahnAfterAscii();
    void everyScalarValue();
    void surrogatesFailAtSecondByte();
    void overlongFormsFail();
    void aboveMaximumFails();
    void invalidByteAtEveryPositionInAscii();
    void staysFailedUntilReset();
    void emptyInput();
    void matchesReference();
};

// The Autobahn TestSuite cases 6.x (from Markus Kuhn's UTF-8 decoder stress test),
// each with the index of the byte at which the text can no longer be UTF-8.
void tst_Utf8::autobahn_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("failAt");
    QTest::addColumn<bool>("complete");

    auto valid = [](const char *name, const QByteArray &text) { QTest::newRow(name) << text << NeverFails << true; };
    auto invalid = [](const char *name, const QByteArray &text, int failAt) {
        QTest::newRow(name) << text << failAt << false;
    };
    auto truncated = [](const char *name, const QByteArray &text) { QTest::newRow(name) << text << NeverFails << false; };

    // 6.1 Some valid UTF-8 sequences.
    const QByteArray kosme("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");
    valid("6.1 U+0024", "hello\x24world");
    valid("6.1 U+00A2", "hello\xc2\xa2world");
    valid("6.1 U+20AC", "hello\xe2\x82\xacworld");
    valid("6.1 U+24B62", "hello\xf0\xa4\xad\xa2world");
    valid("6.1 kosme", kosme);

    // 6.2 All prefixes of kosme: complete after each whole character.
    for (int length = 1; length <= kosme.size(); ++length) {
        const bool onBoundary = length == 2 || length == 5 || length == 7 || length == 9 || length == 11;
        QTest::addRow("6.2 prefix %d", length) << kosme.left(length) << NeverFails << onBoundary;
    }

    // 6.3 First possible sequence of each length; 6.4 the 5/6-byte forms.
    valid("6.3 U+0000", QByteArray(1, '\0'));
    valid("6.3 U+0080", "\xc2\x80");
    valid("6.3 U+0800", "\xe0\xa0\x80");
    valid("6.3 U+10000", "\xf0\x90\x80\x80");
    invalid("6.4 5 bytes", "\xf8\x88\x80\x80\x80", 0);
    invalid("6.4 6 bytes", "\xfc\x84\x80\x80\x80\x80", 0);

    // 6.5 Last possible sequence of each length; 6.6 beyond U+10FFFF.
    valid("6.5 U+007F", "\x7f");
    valid("6.5 U+07FF", "\xdf\xbf");
    valid("6.5 U+FFFF", "\xef\xbf\xbf");
    valid("6.5 U+10FFFF", "\xf4\x8f\xbf\xbf");
    invalid("6.6 U+1FFFFF", "\xf7\xbf\xbf\xbf", 0);
    invalid("6.6 5 bytes", "\xfb\xbf\xbf\xbf\xbf", 0);
    invalid("6.6 6 bytes", "\xfd\xbf\xbf\xbf\xbf\xbf", 0);

    // 6.7 Other boundary conditions.
    valid("6.7 U+D7FF", "\xed\x9f\xbf");
    valid("6.7 U+E000", "\xee\x80\x80");
    valid("6.7 U+FFFD", "\xef\xbf\xbd");
    valid("6.7 U+10FFFF", "\xf4\x8f\xbf\xbf");
    invalid("6.7 U+110000", "\xf4\x90\x80\x80", 1);

    // 6.8 Unexpected continuation bytes.
    invalid("6.8 80", "\x80", 0);
    invalid("6.8 bf", "\xbf", 0);
    invalid("6.8 80 bf", "\x80\xbf", 0);
    invalid("6.8 80 bf 80", "\x80\xbf\x80", 0);
    invalid("6.8 80 bf 80 bf", "\x80\xbf\x80\xbf", 0);
    invalid("6.8 80 bf 80 bf 80", "\x80\xbf\x80\xbf\x80", 0);
    invalid("6.8 80 bf 80 bf 80 bf", "\x80\xbf\x80\xbf\x80\xbf", 0);
    QByteArray continuations;
    for (int b = 0x80; b < 0xbf; ++b)
        continuations.append(char(b));
    invalid("6.8 80..be", continuations, 0);

    // 6.9 Lonely start characters, each followed by a space.
    auto lonely = [](int from, int to) {
        QByteArray text;
        for (int b = from; b < to; ++b)
            text.append(char(b)).append(' ');
        return text;
    };
    invalid("6.9 c0..de", lonely(0xc0, 0xdf), 0); // C0 never starts a character
    invalid("6.9 e0..ee", lonely(0xe0, 0xef), 1); // the space after E0
    invalid("6.9 f0..f6", lonely(0xf0, 0xf7), 1);
    invalid("6.9 f8..fa", lonely(0xf8, 0xfb), 0);
    invalid("6.9 fc", lonely(0xfc, 0xfd), 0);

    // 6.10 Sequences with the last continuation byte missing.
    invalid("6.10 c0", "\xc0", 0);
    invalid("6.10 e0 80", "\xe0\x80", 1);
    invalid("6.10 f0 80 80", "\xf0\x80\x80", 1);
    invalid("6.10 f8 80 80 80", "\xf8\x80\x80\x80", 0);
    invalid("6.10 fc 80 80 80 80", "\xfc\x80\x80\x80\x80", 0);
    truncated("6.10 df", "\xdf");
    truncated("6.10 ef bf", "\xef\xbf");
    invalid("6.10 f7 bf bf", "\xf7\xbf\xbf", 0);
    invalid("6.10 fb bf bf bf", "\xfb\xbf\xbf\xbf", 0);
    invalid("6.10 fd bf bf bf bf", "\xfd\xbf\xbf\xbf\xbf", 0);

    // 6.11 Concatenation of the incomplete sequences above.
    invalid("6.11", "\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80"
                    "\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd\xbf\xbf\xbf\xbf", 0);
    invalid("6.11 after a valid truncation", "\xdf\xef\xbf", 1);

    // 6.12 Impossible bytes.
    invalid("6.12 fe", "\xfe", 0);
    invalid("6.12 ff", "\xff", 0);
    invalid("6.12 fe fe ff ff", "\xfe\xfe\xff\xff", 0);

    // 6.13 Overlong ASCII '/'; 6.14 maximum overlongs; 6.15 overlong NUL.
    invalid("6.13 c0 af", "\xc0\xaf", 0);
    invalid("6.13 e0 80 af", "\xe0\x80\xaf", 1);
    invalid("6.13 f0 80 80 af", "\xf0\x80\x80\xaf", 1);
    invalid("6.13 f8", "\xf8\x80\x80\x80\xaf", 0);
    invalid("6.13 fc", "\xfc\x80\x80\x80\x80\xaf", 0);
    invalid("6.14 c1 bf", "\xc1\xbf", 0);
    invalid("6.14 e0 9f bf", "\xe0\x9f\xbf", 1);
    invalid("6.14 f0 8f bf bf", "\xf0\x8f\xbf\xbf", 1);
    invalid("6.14 f8", "\xf8\x87\xbf\xbf\xbf", 0);
    invalid("6.14 fc", "\xfc\x83\xbf\xbf\xbf\xbf", 0);
    invalid("6.15 c0 80", "\xc0\x80", 0);
    invalid("6.15 e0 80 80", "\xe0\x80\x80", 1);
    invalid("6.15 f0 80 80 80", "\xf0\x80\x80\x80", 1);
    invalid("6.15 f8", "\xf8\x80\x80\x80\x80", 0);
    invalid("6.15 fc", "\xfc\x80\x80\x80\x80\x80", 0);

    // 6.16 Single UTF-16 surrogates; 6.17 paired ones.
    invalid("6.16 U+D800", "\xed\xa0\x80", 1);
    invalid("6.16 U+DB7F", "\xed\xad\xbf", 1);
    invalid("6.16 U+DB80", "\xed\xae\x80", 1);
    invalid("6.16 U+DBFF", "\xed\xaf\xbf", 1);
    invalid("6.16 U+DC00", "\xed\xb0\x80", 1);
    invalid("6.16 U+DF80", "\xed\xbe\x80", 1);
    invalid("6.16 U+DFFF", "\xed\xbf\xbf", 1);
    invalid("6.17 D800 DC00", "\xed\xa0\x80\xed\xb0\x80", 1);
    invalid("6.17 D800 DFFF", "\xed\xa0\x80\xed\xbf\xbf", 1);
    invalid("6.17 DB7F DC00", "\xed\xad\xbf\xed\xb0\x80", 1);
    invalid("6.17 DB7F DFFF", "\xed\xad\xbf\xed\xbf\xbf", 1);
    invalid("6.17 DB80 DC00", "\xed\xae\x80\xed\xb0\x80", 1);
    invalid("6.17 DB80 DFFF", "\xed\xae\x80\xed\xbf\xbf", 1);
    invalid("6.17 DBFF DC00", "\xed\xaf\xbf\xed\xb0\x80", 1);
    invalid("6.17 DBFF DFFF", "\xed\xaf\xbf\xed\xbf\xbf", 1);

    // 6.18 Noncharacters are valid UTF-8 (RFC 3629 does not exclude them).
    valid("6.18 U+FFFE", "\xef\xbf\xbe");
    valid("6.18 U+FFFF", "\xef\xbf\xbf");
    for (int plane = 1; plane <= 16; ++plane) {
        for (std::uint32_t low : {0xfffeu, 0xffffu}) {
            const std::uint32_t cp = (std::uint32_t(plane) << 16) | low;
            QTest::addRow("6.18 U+%X", cp) << encodeAs(cp, 4) << NeverFails << true;
        }
    }

    // 6.19 Unicode specials U+FFF9-U+FFFF.
    for (std::uint32_t cp = 0xfff9; cp <= 0xffff; ++cp)
        QTest::addRow("6.19 U+%X", cp) << encodeAs(cp, 3) << NeverFails << true;

    // Autobahn's incremental checks: "edited" then a surrogate fails at the A0.
    invalid("incremental edited+ED A0 80", "\x65\x64\x69\x74\x65\x64\xed\xa0\x80", 7);
    invalid("incremental F5", "\xf5", 0);
    valid("incremental latin", "\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1");
}

void tst_Utf8::autobahn()
{
    QFETCH(QByteArray, text);
    QFETCH(int, failAt);
    QFETCH(bool, complete);
    checkEveryFeeding(text, failAt, complete);
}

void tst_Utf8::autobahnAfterAscii()
{
    QFETCH(QByteArray, text);
    QFETCH(int, failAt);
    QFETCH(bool, complete);
    // Shift the case across the 16-byte ASCII blocks of the fast path.
    for (int pad : {7, 15, 16, 17, 31, 40}) {
        checkEveryFeeding(QByteArray(pad, 'a') + text, failAt == NeverFails ? NeverFails : failAt + pad, complete);
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("after %1 ASCII bytes").arg(pad)));
    }
}

void tst_Utf8::everyScalarValue()
{
    // Every Unicode scalar value, alone and inside ASCII, in its shortest form.
    for (std::uint32_t cp = 0; cp <= 0x10ffff; ++cp) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        const QByteArray encoded = encodeAs(cp, shortestLength(cp));
        if (!isValidUtf8(view(encoded)) || !isValidUtf8(view("0123456789abcdef" + encoded + "z")))
            QFAIL(qPrintable(QStringLiteral("U+%1 rejected").arg(cp, 0, 16)));
    }
}

void tst_Utf8::surrogatesFailAtSecondByte()
{
    for (std::uint32_t cp = 0xd800; cp <= 0xdfff; ++cp) {
        const QByteArray encoded = encodeAs(cp, 3);
        Utf8Validator v;
        QVERIFY(v.feed(view(encoded.left(1))));
        if (v.feed(view(encoded.mid(1, 1))))
            QFAIL(qPrintable(QStringLiteral("U+%1 accepted at byte 1").arg(cp, 0, 16)));
    }
}

void tst_Utf8::overlongFormsFail()
{
    // A 2-byte overlong has lead C0/C1 and fails at once; 3- and 4-byte ones fail
    // at the second byte (E0 80-9F, F0 80-8F).
    for (int length = 2; length <= 4; ++length) {
        const std::uint32_t limit = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
        const int failAt = length == 2 ? 0 : 1;
        for (std::uint32_t cp = 0; cp < limit; ++cp) {
            const QByteArray encoded = encodeAs(cp, length);
            Utf8Validator v;
            for (int i = 0; i < failAt; ++i)
                QVERIFY(v.feed(view(encoded.mid(i, 1))));
            if (v.feed(view(encoded.mid(failAt, 1))))
                QFAIL(qPrintable(QStringLiteral("overlong U+%1 in %2 bytes accepted").arg(cp, 0, 16).arg(length)));
        }
    }
}

void tst_Utf8::aboveMaximumFails()
{
    // Code points U+110000-U+1FFFFF in the 4-byte pattern: F4 90-BF fails at the
    // second byte, F5-F7 at the first.
    for (std::uint32_t cp = 0x110000; cp <= 0x1fffff; cp += 0x3f) {
        const QByteArray encoded = encodeAs(cp, 4);
        const int failAt = std::uint8_t(encoded[0]) == 0xf4 ? 1 : 0;
        Utf8Validator v;
        for (int i = 0; i < failAt; ++i)
            QVERIFY(v.feed(view(encoded.mid(i, 1))));
        if (v.feed(view(encoded.mid(failAt, 1))))
            QFAIL(qPrintable(QStringLiteral("U+%1 accepted").arg(cp, 0, 16)));
    }
}

void tst_Utf8::invalidByteAtEveryPositionInAscii()
{
    for (int position = 0; position < 70; ++position) {
        QByteArray text(72, 'x');
        text[position] = '\xff';
        checkEveryFeeding(text, position, false);
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("position %1").arg(position)));
    }
}

void tst_Utf8::staysFailedUntilReset()
{
    Utf8Validator v;
    QVERIFY(!v.feed("ab\xc0"));
    QVERIFY(v.hasFailed());
    QVERIFY(!v.feed("valid text"));
    QVERIFY(!v.feed({}));
    QVERIFY(!v.isComplete());
    v.reset();
    QVERIFY(!v.hasFailed());
    QVERIFY(v.isComplete());
    QVERIFY(v.feed("valid \xe2\x82"));
    QVERIFY(!v.isComplete());
    QVERIFY(v.feed("\xac"));
    QVERIFY(v.isComplete());
}

void tst_Utf8::emptyInput()
{
    Utf8Validator v;
    QVERIFY(v.feed({}));
    QVERIFY(v.isComplete());
    QVERIFY(isValidUtf8({}));
    QVERIFY(v.feed("\xf0\x9f"));
    QVERIFY(v.feed({})); // an empty piece mid-character changes nothing
    QVERIFY(!v.isComplete());
}

void tst_Utf8::matchesReference()
{
    // Random byte strings drawn mostly from bytes that matter to UTF-8, so that
    // valid multibyte characters, near misses and long valid runs all occur.
    std::mt19937 rng(20240611);
    static const std::uint8_t interesting[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
                                               0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
                                               0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff};
    auto randomText = [&rng]() {
        QByteArray text;
        const int length = int(rng() % 90);
        while (text.size() < length) {
            switch (rng() % 4) {
            case 0: text.append(char(interesting[rng() % sizeof interesting])); break;
            case 1: text.append(char(rng() & 0xff)); break;
            case 2: text.append(QByteArray(int(rng() % 20), 'a')); break;
            default: {
                // A valid character, sometimes cut short.
                std::uint32_t cp;
                do {
                    cp = rng() % 0x110000;
                } while (cp >= 0xd800 && cp <= 0xdfff);
                const QByteArray encoded = encodeAs(cp, shortestLength(cp));
                text.append(rng() % 8 == 0 ? encoded.left(int(rng() % std::uint32_t(encoded.size()))) : encoded);
            }
            }
        }
        return text;
    };

    int validCount = 0;
    for (int round = 0; round < 20000; ++round) {
        const QByteArray text = randomText();
        const std::string_view bytes = view(text);
        const auto expected = Utf8Reference::check(bytes);
        const std::ptrdiff_t failAt = Utf8Reference::firstFailure(bytes);
        QVERIFY(expected.prefixValid == (failAt < 0));
        validCount += expected.prefixValid && expected.complete;

        Utf8Validator whole;
        QVERIFY2(whole.feed(bytes) == expected.prefixValid, hex(text));
        QVERIFY2(whole.isComplete() == (expected.prefixValid && expected.complete), hex(text));

        // In random pieces: the piece holding byte failAt is the one that fails.
        Utf8Validator pieces;
        std::size_t at = 0;
        while (at < bytes.size()) {
            const std::size_t size = std::min<std::size_t>(1 + rng() % 24, bytes.size() - at);
            const bool shouldFail = failAt >= 0 && std::size_t(failAt) < at + size;
            QVERIFY2(pieces.feed(bytes.substr(at, size)) == !shouldFail, hex(text));
            if (shouldFail)
                break;
            at += size;
        }
        QVERIFY2(pieces.isComplete() == whole.isComplete(), hex(text));
    }
    // The generator must produce both outcomes in quantity for the comparison to mean anything.
    QVERIFY(validCount > 1000);
    QVERIFY(validCount < 19000);
}

QTEST_APPLESS_MAIN(tst_Utf8)
#include "tst_utf8.moc"
