// Autobahn testsuite family 6 against a WsKit echo server over loopback: UTF-8
// in text messages (RFC 6455 §8.1), failing fast on the first invalid byte.

#include "conformance.h"

using namespace Conformance;

namespace {

constexpr quint16 InvalidPayload = Core::CloseCode::InvalidPayload;

// κόσμε, code point by code point: the valid text of 6.2.4, 6.3 and 6.4.
const QList<QByteArray> Kosme = {"\xce\xba", "\xe1\xbd\xb9", "\xcf\x83", "\xce\xbc", "\xce\xb5"};

QByteArray kosme()
{
    QByteArray text;
    for (const QByteArray &codePoint : Kosme)
        text += codePoint;
    return text;
}

// 6.3: κόσμε, then a UTF-16 surrogate (ED A0 80), then "edited".
QByteArray kosmeWithSurrogate()
{
    return kosme() + QByteArray::fromHex("eda080") + "edited";
}

// 6.4: κόσμε, then F4 90 80 80 (above U+10FFFF, invalid at its second byte), then "edited".
const QByteArray FailFastPart2 = QByteArray::fromHex("f4908080");

QByteArray bytes(std::initializer_list<int> values)
{
    QByteArray result;
    for (int value : values)
        result.append(char(value));
    return result;
}

struct Sequence {
    bool valid;
    QByteArray bytes;
};

// The sequences of Autobahn's cases 6.5-6.23 (after Markus Kuhn's UTF-8 decoder
// stress test), by subsection.
QList<QList<Sequence>> utf8Sequences()
{
    auto hex = [](const char *digits) { return QByteArray::fromHex(digits); };
    QList<QList<Sequence>> sections;

    // 6.5 some valid text.
    sections.append({{true, "hello$world"},
                     {true, "hello" + hex("c2a2") + "world"},
                     {true, "hello" + hex("e282ac") + "world"},
                     {true, "hello" + hex("f0a4ada2") + "world"},
                     {true, kosme()}});

    // 6.6 every prefix of κόσμε: valid exactly when it ends on a code point.
    QList<Sequence> prefixes;
    QList<qsizetype> boundaries;
    qsizetype end = 0;
    for (const QByteArray &codePoint : Kosme)
        boundaries.append(end += codePoint.size());
    for (qsizetype length = 1; length <= kosme().size(); ++length)
        prefixes.append({boundaries.contains(length), kosme().left(length)});
    sections.append(prefixes);

    // 6.7 first sequence of each length; 6.8 of lengths 5 and 6 (beyond U+10FFFF).
    sections.append({{true, hex("00")}, {true, hex("c280")}, {true, hex("e0a080")}, {true, hex("f0908080")}});
    sections.append({{false, hex("f888808080")}, {false, hex("fc8480808080")}});
    // 6.9 last sequence of each length; 6.10 of lengths 4-6 beyond U+10FFFF.
    sections.append({{true, hex("7f")}, {true, hex("dfbf")}, {true, hex("efbfbf")}, {true, hex("f48fbfbf")}});
    sections.append({{false, hex("f7bfbfbf")}, {false, hex("fbbfbfbfbf")}, {false, hex("fdbfbfbfbfbf")}});
    // 6.11 other boundaries.
    sections.append({{true, hex("ed9fbf")},
                     {true, hex("ee8080")},
                     {true, hex("efbfbd")},
                     {true, hex("f48fbfbf")},
                     {false, hex("f4908080")}});

    // 6.12 unexpected continuation bytes.
    QByteArray allContinuations;
    for (int byte = 0x80; byte < 0xbf; ++byte)
        allContinuations.append(char(byte));
    sections.append({{false, hex("80")},
                     {false, hex("bf")},
                     {false, hex("80bf")},
                     {false, hex("80bf80")},
                     {false, hex("80bf80bf")},
                     {false, hex("80bf80bf80")},
                     {false, hex("80bf80bf80bf")},
                     {false, allContinuations}});

    // 6.13 lonely start bytes, each followed by a space.
    QList<Sequence> lonely;
    for (auto [from, to] : QList<std::pair<int, int>>{{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}}) {
        QByteArray bytes;
        for (int byte = from; byte < to; ++byte)
            bytes.append(char(byte)).append(' ');
        lonely.append({false, bytes});
    }
    sections.append(lonely);

    // 6.14 sequences missing their last byte; 6.15 all of them concatenated.
    const QList<QByteArray> truncated = {hex("c0"),       hex("e080"),     hex("f08080"),
                                         hex("f8808080"), hex("fc80808080"), hex("df"),
                                         hex("efbf"),     hex("f7bfbf"),   hex("fbbfbfbf"),
                                         hex("fdbfbfbfbf")};
    QList<Sequence> missing;
    QByteArray concatenated;
    for (const QByteArray &bytes : truncated) {
        missing.append({false, bytes});
        concatenated += bytes;
    }
    sections.append(missing);
    sections.append({{false, concatenated}});

    // 6.16 impossible bytes.
    sections.append({{false, hex("fe")}, {false, hex("ff")}, {false, hex("fefeffff")}});
    // 6.17 overlong '/'; 6.18 the largest overlong forms; 6.19 overlong NUL.
    sections.append({{false, hex("c0af")},
                     {false, hex("e080af")},
                     {false, hex("f08080af")},
                     {false, hex("f8808080af")},
                     {false, hex("fc80808080af")}});
    sections.append({{false, hex("c1bf")},
                     {false, hex("e09fbf")},
                     {false, hex("f08fbfbf")},
                     {false, hex("f887bfbfbf")},
                     {false, hex("fc83bfbfbfbf")}});
    sections.append({{false, hex("c080")},
                     {false, hex("e08080")},
                     {false, hex("f0808080")},
                     {false, hex("f880808080")},
                     {false, hex("fc8080808080")}});

    // 6.20 single UTF-16 surrogates; 6.21 paired ones (still not UTF-8).
    sections.append({{false, hex("eda080")},
                     {false, hex("edadbf")},
                     {false, hex("edae80")},
                     {false, hex("edafbf")},
                     {false, hex("edb080")},
                     {false, hex("edbe80")},
                     {false, hex("edbfbf")}});
    QList<Sequence> paired;
    for (const char *high : {"eda080", "edadbf", "edae80", "edafbf"}) {
        for (const char *low : {"edb080", "edbfbf"})
            paired.append({false, hex(high) + hex(low)});
    }
    sections.append(paired);

    // 6.22 non-characters: valid UTF-8 (RFC 3629).
    QList<Sequence> nonCharacters{{true, hex("efbfbe")}, {true, hex("efbfbf")}};
    for (int lead = 0xf0; lead <= 0xf4; ++lead) {
        for (int second : {0x8f, 0x9f, 0xaf, 0xbf}) {
            if (lead == 0xf4 && second != 0x8f)
                continue; // above U+10FFFF
            for (int last : {0xbe, 0xbf}) {
                if (lead == 0xf0 && second == 0x8f)
                    continue; // overlong
                nonCharacters.append({true, bytes({lead, second, 0xbf, last})});
            }
        }
    }
    sections.append(nonCharacters);

    // 6.23 the Specials block.
    QList<Sequence> specials;
    for (int last = 0xb9; last <= 0xbf; ++last)
        specials.append({true, bytes({0xef, 0xbf, last})});
    sections.append(specials);
    return sections;
}

QList<OutFrame> bytewise(const QByteArray &text)
{
    QList<OutFrame> frames;
    for (qsizetype i = 0; i < text.size(); ++i) {
        frames << OutFrame{int(i == 0 ? Core::Opcode::Text : Core::Opcode::Continuation), text.mid(i, 1),
                           i + 1 == text.size(), 0};
    }
    return frames;
}

} // namespace

class ConformanceUtf8 : public ConformanceTest
{
    Q_OBJECT

private Q_SLOTS:
    // 6.1-6.3: empty fragments, valid text split anywhere, invalid text.
    void textMessages_data();
    void textMessages();

    // 6.4: the connection fails at the invalid fragment or chop, without waiting
    // for the rest of the message.
    void failFast_data();
    void failFast();

    // 6.5-6.23: the UTF-8 decoder stress sequences, each as one frame (as Autobahn)
    // and, when invalid, also in frames of one byte.
    void sequences_data();
    void sequences();
};

void ConformanceUtf8::textMessages_data()
{
    QTest::addColumn<QList<OutFrame>>("frames");
    QTest::addColumn<QList<Event>>("expected");
    QTest::addColumn<int>("failCode");

    QTest::newRow("6.1.1") << QList<OutFrame>{textFrame({})} << QList<Event>{Event::text({})} << 0;
    QTest::newRow("6.1.2") << QList<OutFrame>{textFrame({}, false), continuationFrame({}, false),
                                              continuationFrame({}, true)}
                           << QList<Event>{Event::text({})} << 0;
    QTest::newRow("6.1.3") << QList<OutFrame>{textFrame({}, false), continuationFrame("middle frame payload", false),
                                              continuationFrame({}, true)}
                           << QList<Event>{Event::text("middle frame payload")} << 0;

    const QByteArray hello = QByteArrayLiteral("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!");
    const qsizetype codePointBoundary = hello.indexOf("\xc3\xbc");
    QTest::newRow("6.2.1") << QList<OutFrame>{textFrame(hello)} << QList<Event>{Event::text(hello)} << 0;
    QTest::newRow("6.2.2") << QList<OutFrame>{textFrame(hello.left(codePointBoundary), false),
                                              continuationFrame(hello.mid(codePointBoundary), true)}
                           << QList<Event>{Event::text(hello)} << 0;
    QTest::newRow("6.2.3") << bytewise(hello) << QList<Event>{Event::text(hello)} << 0;
    QTest::newRow("6.2.4") << bytewise(kosme()) << QList<Event>{Event::text(kosme())} << 0;

    QTest::newRow("6.3.1") << QList<OutFrame>{textFrame(kosmeWithSurrogate())} << QList<Event>{}
                           << int(InvalidPayload);
    QTest::newRow("6.3.2") << bytewise(kosmeWithSurrogate()) << QList<Event>{} << int(InvalidPayload);
    // A message that ends inside a code point is not UTF-8 either.
    QTest::newRow("message ends mid code point")
        << QList<OutFrame>{textFrame(kosme().left(3), false), continuationFrame({}, true)} << QList<Event>{}
        << int(InvalidPayload);
}

void ConformanceUtf8::textMessages()
{
    QFETCH(QList<OutFrame>, frames);
    QFETCH(QList<Event>, expected);
    QFETCH(int, failCode);
    runCase(frames, 0, false, expected, quint16(failCode));
}

void ConformanceUtf8::failFast_data()
{
    QTest::addColumn<bool>("oneFrame");     // chops of one frame rather than three frames
    QTest::addColumn<qsizetype>("split1");  // payload offset where part 2 starts
    QTest::addColumn<qsizetype>("split2");  // payload offset where part 3 starts
    QTest::addColumn<qsizetype>("invalidAt"); // offset of the first byte that makes the text invalid

    const qsizetype part1 = kosme().size();
    QTest::newRow("6.4.1") << false << part1 << part1 + FailFastPart2.size() << part1 + 1;
    QTest::newRow("6.4.2") << false << part1 + 1 << part1 + 2 << part1 + 1;
    QTest::newRow("6.4.3") << true << part1 << part1 + FailFastPart2.size() << part1 + 1;
    QTest::newRow("6.4.4") << true << part1 + 1 << part1 + 2 << part1 + 1;
}

void ConformanceUtf8::failFast()
{
    QFETCH(bool, oneFrame);
    QFETCH(qsizetype, split1);
    QFETCH(qsizetype, split2);
    QFETCH(qsizetype, invalidAt);

    const QByteArray text = kosme() + FailFastPart2 + "edited";
    RawClient client;
    connectClient(client);
    if (QTest::currentTestFailed())
        return;

    QByteArray part1Bytes;
    QByteArray part2Bytes;
    if (oneFrame) {
        const QByteArray frame = RawClient::encode(textFrame(text));
        const qsizetype header = frame.size() - text.size();
        part1Bytes = frame.left(header + split1);
        part2Bytes = frame.mid(header + split1, split2 - split1);
    } else {
        part1Bytes = RawClient::encode(textFrame(text.left(split1), false));
        part2Bytes = RawClient::encode(continuationFrame(text.mid(split1, split2 - split1), false));
    }

    // "Timeout A": the valid start is accepted and the connection stays open.
    client.sendBytes(part1Bytes);
    expectQuiet(client, 200);
    if (QTest::currentTestFailed())
        return;
    // The invalid part fails the connection at once; part 3 is never sent.
    client.sendBytes(part2Bytes);
    expectFailure(client, InvalidPayload);
    if (QTest::currentTestFailed())
        return;

    // Nothing invalid came back: no message at all, and with streaming at most a
    // valid start of the text as an unfinished message.
    const QByteArray echoed = client.openMessagePayload();
    if (streaming()) {
        QVERIFY2(text.startsWith(echoed), "the echoed start differs from what was sent");
        QVERIFY2(echoed.size() <= invalidAt, "bytes from the invalid byte on were echoed");
    } else {
        QCOMPARE(client.framesReceived(), 1); // the close frame only
    }
}

void ConformanceUtf8::sequences_data()
{
    QTest::addColumn<QList<OutFrame>>("frames");
    QTest::addColumn<QList<Event>>("expected");
    QTest::addColumn<int>("failCode");

    const QList<QList<Sequence>> sections = utf8Sequences();
    for (qsizetype section = 0; section < sections.size(); ++section) {
        for (qsizetype i = 0; i < sections[section].size(); ++i) {
            const Sequence &sequence = sections[section][i];
            const int major = int(section) + 5;
            const int minor = int(i) + 1;
            if (sequence.valid) {
                QTest::addRow("6.%d.%d", major, minor)
                    << QList<OutFrame>{textFrame(sequence.bytes)} << QList<Event>{Event::text(sequence.bytes)} << 0;
            } else {
                QTest::addRow("6.%d.%d", major, minor)
                    << QList<OutFrame>{textFrame(sequence.bytes)} << QList<Event>{} << int(InvalidPayload);
                QTest::addRow("6.%d.%d bytewise", major, minor)
                    << bytewise(sequence.bytes) << QList<Event>{} << int(InvalidPayload);
            }
        }
    }
}

void ConformanceUtf8::sequences()
{
    QFETCH(QList<OutFrame>, frames);
    QFETCH(QList<Event>, expected);
    QFETCH(int, failCode);
    runCase(frames, 0, false, expected, quint16(failCode));
}

WSKIT_CONFORMANCE_MAIN(ConformanceUtf8)

#include "tst_conformance_utf8.moc"
