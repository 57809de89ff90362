// Autobahn testsuite families 12 and 13 (permessage-deflate, RFC 7692) on the
// core's Protocol, in both roles: the peer is zlib itself, as in Autobahn, so
// compressed bytes are checked by an independent codec.
//
// Like Autobahn, each case sends messages of one size taken in turn from one data
// set, compresses each whole message and cuts the compressed bytes into frames of
// the case's fragment size (with an empty final frame when they divide evenly),
// and expects every echo back exactly. Autobahn sends 1000 messages a case; CTest
// sends up to 1000 while a case stays under about 128 KiB (3 at least), and
// WSKIT_CONFORMANCE_FULL=1 sends all 1000 in every case (minutes, by hand).

#include "compressedframing.h"
#include "zlibpeer.h"

#include <WsKit/Core/frame.h>
#include <WsKit/Core/protocol.h>

#include <QtTest/QtTest>

#include <random>

using namespace WsKit::Core;

namespace {

constexpr int AutobahnMessagesPerCase = 1000;

// Enough messages to carry context from one to the next and to meet frames that
// end exactly on the payload's end; all of Autobahn's in the full run.
int messagesPerCase(int size)
{
    if (qEnvironmentVariableIntValue("WSKIT_CONFORMANCE_FULL") != 0)
        return AutobahnMessagesPerCase;
    return qBound(3, 128 * 1024 / size, AutobahnMessagesPerCase);
}

// Autobahn's (payload length, auto-fragment size) pairs of 12.x.y and 13.x.y.
const QList<QPair<int, int>> MessageSizes = {
    {16, 0},       {64, 0},       {256, 0},      {1024, 0},       {4096, 0},       {8192, 0},
    {16384, 0},    {32768, 0},    {65536, 0},    {131072, 0},     {8192, 256},     {16384, 256},
    {32768, 256},  {65536, 256},  {131072, 256}, {131072, 1024},  {131072, 4096},  {131072, 32768},
};

struct DataSet {
    const char *name;
    bool binary;
    QByteArray bytes;
};

// Stand-ins for Autobahn's test files, generated: prose, a grey-scale bitmap, a
// document mixing text and incompressible streams, JSON and HTML (text messages).
QList<DataSet> dataSets()
{
    std::mt19937 random(20240601);
    const QList<QByteArray> words = {"Habe", "nun,", "ach!", "Philosophie,", "Juristerei", "und", "Medizin,",
                                     "leider", "auch", "Theologie", "durchaus", "studiert,", "mit", "heißem",
                                     "Bemühn.", "Da", "steh", "ich", "nun,", "ich", "armer", "Tor!", "Größe"};
    auto prose = [&](qsizetype size) {
        QByteArray text;
        while (text.size() < size)
            text += words[int(random() % words.size())] + (random() % 11 == 0 ? "\n" : " ");
        return text;
    };

    QByteArray bitmap;
    for (int y = 0; y < 512; ++y) {
        for (int x = 0; x < 512; ++x)
            bitmap.append(char((x + y) / 4 + int(random() % 8)));
    }

    QByteArray document;
    while (document.size() < 300000) {
        document += "stream\n" + prose(2000) + "\nendstream\n";
        for (int i = 0; i < 1500; ++i)
            document.append(char(random()));
    }

    QByteArray json = "[";
    for (int i = 0; json.size() < 200000; ++i) {
        json += "{\"id\":" + QByteArray::number(i) + ",\"name\":\"" + prose(24).trimmed().replace('"', ' ')
            + "\",\"score\":" + QByteArray::number(int(random() % 100000) / 100.0) + ",\"tags\":[\"κόσμε\",\"😀\"]},";
    }
    json += "{}]";

    QByteArray html = "<!DOCTYPE html><html><body>";
    while (html.size() < 250000) {
        html += "<div class=\"entry\"><h2>" + prose(30) + "</h2><p>" + prose(400) + "</p><a href=\"/page/"
            + QByteArray::number(int(random() % 1000)) + "\">mehr</a></div>\n";
    }
    html += "</body></html>";

    return {{"prose", true, prose(200000)},
            {"bitmap", true, bitmap},
            {"document", true, document},
            {"json", false, json},
            {"html", false, html}};
}

// The next message of a case: size bytes, continuing where the last one ended.
QByteArray slice(const QByteArray &data, qsizetype &position, qsizetype size)
{
    QByteArray message;
    while (message.size() < size) {
        const qsizetype take = qMin(size - message.size(), data.size() - position);
        message += data.mid(position, take);
        position = (position + take) % data.size();
    }
    // A text slice must not start or end inside a code point.
    return message;
}

// Cuts text at code point boundaries only, as a text message must be whole UTF-8.
QByteArray trimToCodePoints(QByteArray text)
{
    auto isContinuation = [](char byte) { return (quint8(byte) & 0xc0) == 0x80; };
    qsizetype start = 0;
    while (start < text.size() && isContinuation(text[start]))
        ++start;
    text.remove(0, start);
    qsizetype end = text.size();
    while (end > 0) {
        // Find the lead byte of the last sequence and keep it only when complete.
        qsizetype lead = end - 1;
        while (lead > 0 && isContinuation(text[lead]))
            --lead;
        const quint8 byte = quint8(text[lead]);
        const qsizetype length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
        if (end - lead == length)
            break;
        end = lead;
    }
    text.truncate(end);
    return text;
}

// A data frame as the peer sends it: masked when the peer is the client.
std::string peerFrame(Role peer, Opcode opcode, bool fin, bool rsv1, const QByteArray &payload)
{
    const QByteArray wire = CompressedFraming::encode({{opcode, payload, fin, rsv1}}, peer == Role::Client);
    return wire.toStdString();
}

// What the peer reads of one echoed message.
struct Echo {
    bool ok = false;
    QString error;
    bool binary = false;
    bool compressed = false;
    QByteArray payload; // as sent, still compressed when compressed is set
};

// Takes one message from our Protocol's output: RSV1 on the first frame only,
// no control frames expected here.
Echo readEcho(Protocol &ours, Role peer)
{
    Echo echo;
    const std::string_view output = ours.pendingOutput();
    const auto frames = CompressedFraming::decode(QByteArray(output.data(), qsizetype(output.size())), peer);
    ours.consumeOutput(output.size());
    if (!frames || frames->isEmpty()) {
        echo.error = QStringLiteral("no whole frames in the output");
        return echo;
    }
    const CompressedFraming::Frame &first = frames->first();
    if (first.opcode != Opcode::Text && first.opcode != Opcode::Binary) {
        echo.error = QStringLiteral("the echo does not start with a data frame");
        return echo;
    }
    echo.binary = first.opcode == Opcode::Binary;
    echo.compressed = first.rsv1;
    for (qsizetype i = 0; i < frames->size(); ++i) {
        const CompressedFraming::Frame &frame = frames->at(i);
        if (i > 0 && (frame.opcode != Opcode::Continuation || frame.rsv1)) {
            echo.error = QStringLiteral("a continuation frame is wrong (opcode or RSV1)");
            return echo;
        }
        if (frame.fin != (i == frames->size() - 1)) {
            echo.error = QStringLiteral("FIN is not on the last frame alone");
            return echo;
        }
        echo.payload += frame.payload;
    }
    echo.ok = true;
    return echo;
}

} // namespace

Q_DECLARE_METATYPE(WsKit::Core::Role)

class TestConformanceDeflate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // 12.x.y: the default parameters, every data set.
    // 13.x.y: the JSON data set under each parameter set of Autobahn's offers and
    // answers (context takeover, window bits).
    void echo_data();
    void echo();

    // The compressed payloads of RFC 7692 §7.2.3 (and an empty message), each
    // inflated by the server's Protocol, whole or split into two frames.
    void rfcExamples_data();
    void rfcExamples();

    // With permessage-deflate: RSV1 only on a message's first frame (RFC 7692
    // §6.1), data that does not inflate (1007), and inflated size over the limit
    // (1009), caught while inflating.
    void failures_data();
    void failures();

private:
    QList<DataSet> m_dataSets;
};

void TestConformanceDeflate::initTestCase()
{
    m_dataSets = dataSets();
}

void TestConformanceDeflate::echo_data()
{
    QTest::addColumn<int>("dataSet");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("fragmentSize");
    QTest::addColumn<bool>("serverNoContextTakeover");
    QTest::addColumn<int>("serverWindowBits");
    QTest::addColumn<bool>("clientNoContextTakeover");
    QTest::addColumn<int>("clientWindowBits");
    QTest::addColumn<bool>("streaming");
    QTest::addColumn<Role>("role"); // ours; the peer has the other one

    struct Parameters {
        bool serverNoContextTakeover;
        int serverWindowBits;
        bool clientNoContextTakeover;
        int clientWindowBits;
    };
    const QList<Parameters> family13 = {
        {false, 15, false, 15}, // 13.1: the default offer
        {true, 15, true, 15},   // 13.2: no context takeover either way
        {false, 8, false, 8},   // 13.3: 8-bit windows
        {false, 15, false, 15}, // 13.4: 15-bit windows, as asked for explicitly
        {true, 8, true, 8},     // 13.5
        {true, 15, true, 15},   // 13.6
        {true, 8, true, 8},     // 13.7: the first of several offers accepted
    };
    const int json = 3;

    for (Role role : {Role::Server, Role::Client}) {
        const char *side = role == Role::Server ? "server" : "client";
        for (bool streaming : {false, true}) {
            const char *mode = streaming ? "streaming" : "assembled";
            for (int set = 0; set < m_dataSets.size(); ++set) {
                for (int i = 0; i < MessageSizes.size(); ++i) {
                    QTest::addRow("%s 12.%d.%d %s (%s, %d bytes, frames of %d)", side, set + 1, i + 1, mode,
                                  m_dataSets[set].name, MessageSizes[i].first, MessageSizes[i].second)
                        << set << MessageSizes[i].first << MessageSizes[i].second << false << 15 << false << 15
                        << streaming << role;
                }
            }
            for (int p = 0; p < family13.size(); ++p) {
                const Parameters &parameters = family13[p];
                for (int i = 0; i < MessageSizes.size(); ++i) {
                    QTest::addRow("%s 13.%d.%d %s (%d bytes, frames of %d)", side, p + 1, i + 1, mode,
                                  MessageSizes[i].first, MessageSizes[i].second)
                        << json << MessageSizes[i].first << MessageSizes[i].second
                        << parameters.serverNoContextTakeover << parameters.serverWindowBits
                        << parameters.clientNoContextTakeover << parameters.clientWindowBits << streaming << role;
                }
            }
        }
    }
}

void TestConformanceDeflate::echo()
{
    QFETCH(int, dataSet);
    QFETCH(int, size);
    QFETCH(int, fragmentSize);
    QFETCH(bool, serverNoContextTakeover);
    QFETCH(int, serverWindowBits);
    QFETCH(bool, clientNoContextTakeover);
    QFETCH(int, clientWindowBits);
    QFETCH(bool, streaming);
    QFETCH(Role, role);

    const DataSet &data = m_dataSets[dataSet];
    DeflateParameters parameters;
    parameters.serverNoContextTakeover = serverNoContextTakeover;
    parameters.clientNoContextTakeover = clientNoContextTakeover;
    parameters.serverMaxWindowBits = std::uint8_t(serverWindowBits);
    parameters.clientMaxWindowBits = std::uint8_t(clientWindowBits);

    ProtocolOptions options;
    options.maxMessageSize = 64u * 1024u * 1024u;
    options.streamIncoming = streaming;
    if (role == Role::Client)
        options.maskKeySource = [] { return MaskKey{{0x3c, 0x99, 0x04, 0xe1}}; };
    Protocol ours(role, options);
    ours.open(parameters);
    QVERIFY(ours.isCompressionNegotiated());

    // The peer compresses with its side's parameters and inflates with ours.
    const Role peer = role == Role::Server ? Role::Client : Role::Server;
    const bool peerIsClient = peer == Role::Client;
    ZlibPeer::Deflater deflater(peerIsClient ? clientWindowBits : serverWindowBits,
                                peerIsClient ? clientNoContextTakeover : serverNoContextTakeover);
    ZlibPeer::Inflater inflater(peerIsClient ? serverWindowBits : clientWindowBits,
                                peerIsClient ? serverNoContextTakeover : clientNoContextTakeover);
    QVERIFY(deflater.isValid());
    QVERIFY(inflater.isValid());

    qsizetype position = 0;
    for (int n = 0; n < messagesPerCase(size); ++n) {
        QByteArray message = slice(data.bytes, position, size);
        if (!data.binary)
            message = trimToCodePoints(message);
        const QByteArray compressed = deflater.compress(message);
        QVERIFY2(!compressed.isEmpty(), "zlib failed to compress");
        const Opcode opcode = data.binary ? Opcode::Binary : Opcode::Text;
        QByteArray wire = CompressedFraming::encode(CompressedFraming::autobahnFragments(opcode, compressed, fragmentSize),
                                                    peerIsClient);

        // Handed over in pieces of 4 KiB, as reads from a socket would be; we echo
        // what we receive (assembled, or chunk by chunk).
        QByteArray received;
        bool complete = false;
        for (qsizetype offset = 0; offset < wire.size(); offset += 4096) {
            ours.receive(wire.data() + offset, std::size_t(qMin<qsizetype>(4096, wire.size() - offset)));
            for (Event event = ours.nextEvent(); event.type != Event::Type::None; event = ours.nextEvent()) {
                if (event.type == Event::Type::Failed)
                    QFAIL(qPrintable(QStringLiteral("message %1: we failed: %2").arg(n).arg(errorText(event.error))));
                QCOMPARE(event.messageType, data.binary ? MessageType::Binary : MessageType::Text);
                const std::string_view payload = event.payload;
                if (event.type == Event::Type::Message) {
                    received = QByteArray(payload.data(), qsizetype(payload.size()));
                    QCOMPARE(ours.sendMessage(event.messageType, payload), Error::None);
                    complete = true;
                    continue;
                }
                QCOMPARE(event.type, Event::Type::MessageChunk);
                received.append(payload.data(), qsizetype(payload.size()));
                if (event.first)
                    QCOMPARE(ours.beginMessage(event.messageType), Error::None);
                QCOMPARE(ours.sendFragment(payload, event.last), Error::None);
                complete = event.last;
            }
        }
        QVERIFY2(complete, "the message never completed");
        QVERIFY2(received == message, qPrintable(QStringLiteral("message %1 was inflated wrongly").arg(n)));

        const Echo echo = readEcho(ours, peer);
        QVERIFY2(echo.ok, qPrintable(echo.error));
        QCOMPARE(echo.binary, data.binary);
        QVERIFY2(echo.compressed, "the echo was not compressed");
        const std::optional<QByteArray> inflated = inflater.decompress(echo.payload);
        QVERIFY2(inflated.has_value(),
                 qPrintable(QStringLiteral("message %1: zlib cannot inflate the echo with the agreed parameters").arg(n)));
        QVERIFY2(*inflated == message, qPrintable(QStringLiteral("message %1: the echo differs").arg(n)));
    }
    QCOMPARE(ours.state(), Protocol::State::Open);
}

void TestConformanceDeflate::rfcExamples_data()
{
    QTest::addColumn<QList<QByteArray>>("payloads"); // one compressed message each
    QTest::addColumn<QList<QByteArray>>("expected");
    QTest::addColumn<bool>("split");                 // each message in two frames
    QTest::addColumn<bool>("streaming");

    const QByteArray hello = "Hello";
    auto hex = [](const char *digits) { return QByteArray::fromHex(digits); };
    const QByteArray oneBlock = hex("f248cdc9c90700");
    const QByteArray bfinal = hex("f348cdc9c9070000");
    const QByteArray backReference = hex("f200110000"); // "Hello" again, from the window
    for (bool streaming : {false, true}) {
        for (bool split : {false, true}) {
            const QString how = QStringLiteral("%1, %2").arg(split ? QStringLiteral("two frames") : QStringLiteral("one frame"),
                                                            streaming ? QStringLiteral("streaming") : QStringLiteral("assembled"));
            auto row = [&](const char *name) -> QTestData & { return QTest::addRow("%s, %s", name, qPrintable(how)); };
            row("7.2.3.1") << QList<QByteArray>{oneBlock} << QList<QByteArray>{hello} << split << streaming;
            row("7.2.3.2") << QList<QByteArray>{oneBlock, backReference} << QList<QByteArray>{hello, hello} << split
                           << streaming;
            row("7.2.3.3") << QList<QByteArray>{hex("000500faff48656c6c6f00")} << QList<QByteArray>{hello} << split
                           << streaming;
            row("7.2.3.4") << QList<QByteArray>{bfinal} << QList<QByteArray>{hello} << split << streaming;
            row("7.2.3.4, then the window") << QList<QByteArray>{bfinal, backReference}
                                            << QList<QByteArray>{hello, hello} << split << streaming;
            row("7.2.3.5") << QList<QByteArray>{hex("f24805000000ffffcac9c90700")} << QList<QByteArray>{hello} << split
                           << streaming;
            row("empty message") << QList<QByteArray>{hex("00")} << QList<QByteArray>{QByteArray()} << split
                                 << streaming;
        }
    }
}

void TestConformanceDeflate::rfcExamples()
{
    QFETCH(QList<QByteArray>, payloads);
    QFETCH(QList<QByteArray>, expected);
    QFETCH(bool, split);
    QFETCH(bool, streaming);

    ProtocolOptions options;
    options.streamIncoming = streaming;
    Protocol server(Role::Server, options);
    server.open(DeflateParameters{});

    for (qsizetype n = 0; n < payloads.size(); ++n) {
        const QByteArray &payload = payloads[n];
        const qsizetype half = split ? payload.size() / 2 : payload.size();
        std::string wire = peerFrame(Role::Client, Opcode::Text, !split, true, payload.left(half));
        if (split)
            wire += peerFrame(Role::Client, Opcode::Continuation, true, false, payload.mid(half));
        server.receive(wire.data(), wire.size());
        QByteArray received;
        bool complete = false;
        for (Event event = server.nextEvent(); event.type != Event::Type::None; event = server.nextEvent()) {
            if (event.type == Event::Type::Failed)
                QFAIL(qPrintable(QStringLiteral("message %1: the server failed: %2").arg(n).arg(errorText(event.error))));
            received.append(event.payload.data(), qsizetype(event.payload.size()));
            complete = event.type == Event::Type::Message || event.last;
        }
        QVERIFY2(complete, "the message never completed");
        QCOMPARE(received, expected[n]);
    }
}

void TestConformanceDeflate::failures_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<int>("closeCode");

    auto frame = [](Opcode opcode, bool fin, bool rsv1, const QByteArray &payload) {
        const std::string bytes = peerFrame(Role::Client, opcode, fin, rsv1, payload);
        return QByteArray(bytes.data(), qsizetype(bytes.size()));
    };
    const QByteArray hello = QByteArray::fromHex("f248cdc9c90700");
    QTest::newRow("RSV1 on a ping") << frame(Opcode::Ping, true, true, hello) << 1002;
    QTest::newRow("RSV1 on a continuation")
        << frame(Opcode::Text, false, true, hello.left(3)) + frame(Opcode::Continuation, true, true, hello.mid(3))
        << 1002;
    QTest::newRow("not DEFLATE data") << frame(Opcode::Binary, true, true, QByteArray::fromHex("ffffffff")) << 1007;
    QTest::newRow("ends inside a block") << frame(Opcode::Binary, true, true, hello.left(3)) << 1007;

    // 2 MiB of zeros compress to about 2 KiB; the limit below is 1 MiB.
    ZlibPeer::Deflater deflater(15, false);
    QTest::newRow("inflates past the limit")
        << frame(Opcode::Binary, true, true, deflater.compress(QByteArray(2 * 1024 * 1024, '\0'))) << 1009;
}

void TestConformanceDeflate::failures()
{
    QFETCH(QByteArray, wire);
    QFETCH(int, closeCode);

    ProtocolOptions options;
    options.maxMessageSize = 1024 * 1024;
    Protocol server(Role::Server, options);
    server.open(DeflateParameters{});
    server.receive(wire.data(), std::size_t(wire.size()));
    Event event = server.nextEvent();
    QCOMPARE(event.type, Event::Type::Failed);
    QCOMPARE(int(event.closeCode), closeCode);
    QVERIFY(server.shouldCloseTransport());
    // The close frame is the only output: nothing of the message was echoed.
    FrameHeaderParser parser(Role::Client);
    std::size_t consumed = 0;
    const std::string_view output = server.pendingOutput();
    QCOMPARE(parser.parse(output.data(), output.size(), consumed), FrameHeaderParser::Status::Complete);
    QCOMPARE(parser.header().opcode, Opcode::Close);
    QCOMPARE(consumed + parser.header().payloadLength, output.size());
    QCOMPARE(int((quint8(output[consumed]) << 8) | quint8(output[consumed + 1])), closeCode);
}

QTEST_APPLESS_MAIN(TestConformanceDeflate)

#include "tst_conformance_deflate.moc"
