// Encoding a message once for many connections: encodeMessage() writes exactly the
// bytes a server connection with that encoding writes, and sharedEncoding() picks
// the encoding a connection needs, or none when it must encode on its own.

#include "protocoltestutil.h"

#include <WsKit/Core/messageencoding.h>

#include <QtTest/QtTest>

using namespace WsKit::Core;
using namespace TestUtil;

Q_DECLARE_METATYPE(WsKit::Core::MessageEncoding)
Q_DECLARE_METATYPE(WsKit::Core::MessageType)

namespace {

std::string text(std::size_t size)
{
    static const std::string_view words = "the quick brown fox jumps over the lazy dog and \xc3\xa9l\xc3\xa8ve ";
    std::string result;
    while (result.size() < size)
        result += words;
    result.resize(size);
    return result;
}

// A server connection as it sends with this encoding: compression without
// context takeover at the encoding's window and tuning, every message compressed.
Protocol serverWith(const MessageEncoding &encoding)
{
    ProtocolOptions options;
    options.outgoingFragmentSize = encoding.fragmentSize;
    options.deflateTuning = encoding.tuning;
    Protocol server(Role::Server, options);
    std::optional<DeflateParameters> deflate;
    if (encoding.compressed)
        deflate = DeflateParameters{true, false, encoding.windowBits, 15};
    server.open(deflate);
    return server;
}

MessageEncoding compressed(std::uint8_t windowBits, int level, int memLevel, std::size_t fragmentSize = 0)
{
    MessageEncoding encoding;
    encoding.compressed = true;
    encoding.windowBits = windowBits;
    encoding.tuning = {level, memLevel};
    encoding.fragmentSize = fragmentSize;
    return encoding;
}

MessageEncoding uncompressed(std::size_t fragmentSize = 0)
{
    MessageEncoding encoding;
    encoding.fragmentSize = fragmentSize;
    return encoding;
}

Protocol openServer(ProtocolOptions options, std::optional<DeflateParameters> deflate)
{
    Protocol server(Role::Server, std::move(options));
    server.open(deflate);
    return server;
}

} // namespace

class tst_MessageEncoding : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameBytesAsSendMessage_data();
    void sameBytesAsSendMessage();
    void sharedEncodingPerConnection();
    void noSharedEncodingWhenCannotSend();
    void fragmentSizeOnlyCountsWhenItSplits();
};

void tst_MessageEncoding::sameBytesAsSendMessage_data()
{
    QTest::addColumn<MessageEncoding>("encoding");
    QTest::addColumn<MessageType>("type");
    QTest::addColumn<int>("size");

    QTest::newRow("uncompressed text") << uncompressed() << MessageType::Text << 300;
    QTest::newRow("uncompressed empty") << uncompressed() << MessageType::Text << 0;
    QTest::newRow("uncompressed binary 64 KiB") << uncompressed() << MessageType::Binary << 65536;
    QTest::newRow("uncompressed fragmented") << uncompressed(100) << MessageType::Text << 1000;
    QTest::newRow("window 15 level 1") << compressed(15, 1, 5) << MessageType::Text << 5000;
    QTest::newRow("window 12 level 6") << compressed(12, 6, 8) << MessageType::Text << 5000;
    QTest::newRow("window 9 level 9") << compressed(9, 9, 9) << MessageType::Binary << 5000;
    QTest::newRow("window 8 (Huffman only)") << compressed(8, 1, 5) << MessageType::Text << 5000;
    QTest::newRow("compressed empty") << compressed(12, 1, 5) << MessageType::Text << 0;
    QTest::newRow("compressed fragmented") << compressed(12, 1, 5, 64) << MessageType::Text << 20000;
    QTest::newRow("compressed 1 MiB") << compressed(15, 1, 8) << MessageType::Binary << 1024 * 1024;
}

void tst_MessageEncoding::sameBytesAsSendMessage()
{
    QFETCH(MessageEncoding, encoding);
    QFETCH(MessageType, type);
    QFETCH(int, size);

    const std::string payload = text(std::size_t(size));
    std::string encoded;
    QCOMPARE(encodeMessage(type, payload, encoding, encoded), Error::None);

    // The same message twice from one connection: without context takeover the
    // second is compressed from a fresh context too, so both equal the encoding.
    Protocol server = serverWith(encoding);
    QCOMPARE(sharedEncoding(server, type, payload.size()), std::optional<MessageEncoding>(encoding));
    for (int i = 0; i < 2; ++i) {
        QCOMPARE(server.sendMessage(type, payload), Error::None);
        QCOMPARE(drainOutput(server), encoded);
    }

    // A client that agreed on these parameters decodes it.
    ProtocolOptions clientOptions;
    clientOptions.maskKeySource = countingMaskSource();
    clientOptions.maxMessageSize = 0;
    Protocol client(Role::Client, clientOptions);
    std::optional<DeflateParameters> agreed;
    if (encoding.compressed)
        agreed = DeflateParameters{true, false, encoding.windowBits, 15};
    client.open(agreed);
    const std::vector<Received> events = feed(client, encoded + encoded);
    QCOMPARE(events.size(), size_t(2));
    for (const Received &event : events) {
        QCOMPARE(event.type, Event::Type::Message);
        QCOMPARE(event.messageType, type);
        QVERIFY(event.payload == payload);
    }

    // Appends: what out held stays in front.
    std::string appended = "head";
    QCOMPARE(encodeMessage(type, payload, encoding, appended), Error::None);
    QVERIFY(appended == "head" + encoded);
}

void tst_MessageEncoding::sharedEncodingPerConnection()
{
    const std::string payload = text(1000);
    ProtocolOptions options;
    options.deflateTuning = {6, 7};
    options.compressionThreshold = 128;

    // A client masks every frame with its own key: never shared.
    ProtocolOptions clientOptions = options;
    clientOptions.maskKeySource = countingMaskSource();
    Protocol client(Role::Client, clientOptions);
    client.open();
    QVERIFY(!sharedEncoding(client, MessageType::Text, payload.size()));

    // A server without compression: the one uncompressed encoding.
    Protocol plain = openServer(options, std::nullopt);
    QCOMPARE(sharedEncoding(plain, MessageType::Text, payload.size()), std::optional(uncompressed()));

    // Compression with context takeover: this connection compresses on its own…
    Protocol takeover = openServer(options, DeflateParameters{false, false, 12, 15});
    QVERIFY(!sharedEncoding(takeover, MessageType::Text, payload.size()));
    // … unless the message goes out uncompressed: below the threshold, or not wanted.
    QCOMPARE(sharedEncoding(takeover, MessageType::Text, 127), std::optional(uncompressed()));
    QCOMPARE(sharedEncoding(takeover, MessageType::Text, payload.size(), false), std::optional(uncompressed()));

    // Without context takeover: shared among equal windows and tuning. The client's
    // side of the agreement does not matter.
    Protocol fresh = openServer(options, DeflateParameters{true, false, 12, 15});
    Protocol freshToo = openServer(options, DeflateParameters{true, true, 12, 9});
    const auto expected = std::optional(compressed(12, 6, 7));
    QCOMPARE(sharedEncoding(fresh, MessageType::Text, payload.size()), expected);
    QCOMPARE(sharedEncoding(freshToo, MessageType::Binary, payload.size()), expected);
    QCOMPARE(sharedEncoding(fresh, MessageType::Text, 100), std::optional(uncompressed()));

    Protocol otherWindow = openServer(options, DeflateParameters{true, false, 10, 15});
    QCOMPARE(sharedEncoding(otherWindow, MessageType::Text, payload.size()), std::optional(compressed(10, 6, 7)));
    ProtocolOptions otherLevel = options;
    otherLevel.deflateTuning.level = 1;
    Protocol level1 = openServer(otherLevel, DeflateParameters{true, false, 12, 15});
    QCOMPARE(sharedEncoding(level1, MessageType::Text, payload.size()), std::optional(compressed(12, 1, 7)));
    QVERIFY(*sharedEncoding(level1, MessageType::Text, payload.size()) != *expected);
}

void tst_MessageEncoding::noSharedEncodingWhenCannotSend()
{
    Protocol connecting(Role::Server);
    QVERIFY(!sharedEncoding(connecting, MessageType::Text, 10));

    Protocol writing = openServer({}, std::nullopt);
    QCOMPARE(writing.beginMessage(MessageType::Text), Error::None);
    QVERIFY(!sharedEncoding(writing, MessageType::Text, 10));
    QCOMPARE(writing.sendFragment("x", true), Error::None);
    QVERIFY(sharedEncoding(writing, MessageType::Text, 10).has_value());

    // The peer's close frame arrived and is not answered yet: still allowed.
    Protocol peerClosing = openServer({}, std::nullopt);
    peerClosing.setAutoCloseReply(false);
    feed(peerClosing, clientFrame(Opcode::Close, closePayload(1000)));
    QCOMPARE(peerClosing.state(), Protocol::State::Closing);
    QVERIFY(sharedEncoding(peerClosing, MessageType::Text, 10).has_value());
    // Our close frame went out: sendMessage() refuses, so no encoding either.
    QCOMPARE(peerClosing.close(1000), Error::None);
    QVERIFY(!sharedEncoding(peerClosing, MessageType::Text, 10));

    Protocol closing = openServer({}, std::nullopt);
    QCOMPARE(closing.close(1000), Error::None);
    QVERIFY(!sharedEncoding(closing, MessageType::Text, 10));
    QCOMPARE(closing.sendMessage(MessageType::Text, "x"), Error::SendAfterClose);
}

void tst_MessageEncoding::fragmentSizeOnlyCountsWhenItSplits()
{
    ProtocolOptions options;
    options.outgoingFragmentSize = 100;
    Protocol fragmenting = openServer(options, std::nullopt);
    QCOMPARE(sharedEncoding(fragmenting, MessageType::Text, 100), std::optional(uncompressed()));
    QCOMPARE(sharedEncoding(fragmenting, MessageType::Text, 101), std::optional(uncompressed(100)));
}

QTEST_MAIN(tst_MessageEncoding)
#include "tst_messageencoding.moc"
