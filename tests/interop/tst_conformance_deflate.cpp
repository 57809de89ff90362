// Autobahn testsuite families 12 and 13 (permessage-deflate, RFC 7692) on the
// core's server-side Protocol. The Qt layer's Upgrader does not negotiate the
// extension yet, so these cases drive WsKit::Core::Protocol directly with the
// parameters a negotiation would settle on; the client side is zlib itself, as
// in Autobahn's client, so compressed bytes are checked by an independent codec.
//
// Like Autobahn, each case sends messages of one size taken in turn from one data
// set, compressed and split into frames of a given size, and expects every echo
// back exactly; a few messages per case instead of Autobahn's 1000 keep the run
// short.

#include <WsKit/Core/frame.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/protocol.h>

#define ZLIB_CONST
#include <zlib.h>

#include <QtTest/QtTest>

#include <memory>
#include <random>

using namespace WsKit::Core;

namespace {

// Enough messages to carry context from one to the next, and about 256 KiB a case.
int messagesPerCase(int size)
{
    return qBound(3, 256 * 1024 / size, 8);
}
const QByteArray Tail = QByteArray::fromHex("0000ffff"); // RFC 7692 §7.2.1

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

// The client's compressor: raw DEFLATE, each message ending with a sync flush
// whose empty block is removed (RFC 7692 §7.2.1).
class ClientDeflater
{
public:
    ClientDeflater(int windowBits, bool noContextTakeover)
        : m_noContextTakeover(noContextTakeover)
    {
        // zlib's raw deflate has no 8-bit window; with 8 agreed, Huffman coding
        // alone (no distances) fits any window.
        const bool huffmanOnly = windowBits == 8;
        m_ok = deflateInit2(&m_stream, 6, Z_DEFLATED, huffmanOnly ? -9 : -windowBits, 8,
                            huffmanOnly ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY)
            == Z_OK;
    }
    ~ClientDeflater() { deflateEnd(&m_stream); }
    bool isValid() const { return m_ok; }

    QByteArray compress(const QByteArray &message)
    {
        QByteArray out(int(deflateBound(&m_stream, uLong(message.size()))) + 64, Qt::Uninitialized);
        m_stream.next_in = reinterpret_cast<const Bytef *>(message.constData());
        m_stream.avail_in = uInt(message.size());
        m_stream.next_out = reinterpret_cast<Bytef *>(out.data());
        m_stream.avail_out = uInt(out.size());
        if (deflate(&m_stream, Z_SYNC_FLUSH) != Z_OK || m_stream.avail_in != 0)
            return {};
        out.truncate(out.size() - qsizetype(m_stream.avail_out));
        if (!out.endsWith(Tail))
            return {};
        out.chop(Tail.size());
        if (m_noContextTakeover)
            deflateReset(&m_stream);
        return out;
    }

private:
    z_stream m_stream{};
    bool m_ok = false;
    bool m_noContextTakeover;
};

// The client's decompressor. Without the server's context takeover every message
// is inflated from an empty window, which fails if the server referred back into
// an earlier message; a window of 8 bits fails on any distance beyond 256 bytes.
class ClientInflater
{
public:
    ClientInflater(int windowBits, bool noContextTakeover)
        : m_noContextTakeover(noContextTakeover)
    {
        m_ok = inflateInit2(&m_stream, -windowBits) == Z_OK;
    }
    ~ClientInflater() { inflateEnd(&m_stream); }
    bool isValid() const { return m_ok; }

    std::optional<QByteArray> decompress(const QByteArray &compressed)
    {
        const QByteArray input = compressed + Tail;
        m_stream.next_in = reinterpret_cast<const Bytef *>(input.constData());
        m_stream.avail_in = uInt(input.size());
        QByteArray out;
        char buffer[16384];
        while (m_stream.avail_in > 0) {
            m_stream.next_out = reinterpret_cast<Bytef *>(buffer);
            m_stream.avail_out = sizeof buffer;
            const int result = inflate(&m_stream, Z_SYNC_FLUSH);
            out.append(buffer, qsizetype(sizeof buffer - m_stream.avail_out));
            if (result == Z_BUF_ERROR && m_stream.avail_out != 0)
                break;
            if (result != Z_OK && result != Z_BUF_ERROR)
                return std::nullopt;
        }
        if (m_stream.avail_in != 0)
            return std::nullopt;
        if (m_noContextTakeover)
            inflateReset(&m_stream);
        return out;
    }

private:
    z_stream m_stream{};
    bool m_ok = false;
    bool m_noContextTakeover;
};

// A masked client frame.
std::string clientFrame(Opcode opcode, bool fin, bool rsv1, const QByteArray &payload)
{
    FrameHeader header;
    header.fin = fin;
    header.rsv = rsv1 ? Rsv::Rsv1 : 0;
    header.opcode = opcode;
    header.masked = true;
    header.maskKey = {{0x5a, 0x13, 0xc7, 0x02}};
    header.payloadLength = std::uint64_t(payload.size());
    char encoded[MaxFrameHeaderSize];
    std::string bytes(encoded, encodeFrameHeader(header, encoded));
    const std::size_t start = bytes.size();
    bytes.append(payload.constData(), std::size_t(payload.size()));
    applyMask(bytes.data() + start, std::size_t(payload.size()), header.maskKey);
    return bytes;
}

struct ServerMessage {
    bool ok = false;
    QString error;
    bool binary = false;
    bool compressed = false;
    QByteArray payload; // as sent, still compressed when compressed is set
};

// Reads one message from the server's output: unmasked frames, RSV1 on the first
// frame only, no control frames expected here.
ServerMessage readServerMessage(Protocol &server)
{
    ServerMessage message;
    FrameHeaderParser parser(Role::Client);
    parser.setAllowedRsv(Rsv::Rsv1);
    std::string_view output = server.pendingOutput();
    std::size_t used = 0;
    bool first = true;
    for (;;) {
        std::size_t consumed = 0;
        parser.reset();
        const auto status = parser.parse(output.data() + used, output.size() - used, consumed);
        if (status != FrameHeaderParser::Status::Complete) {
            message.error = QStringLiteral("no complete frame header in the server's output");
            return message;
        }
        const FrameHeader &header = parser.header();
        used += consumed;
        if (output.size() - used < header.payloadLength) {
            message.error = QStringLiteral("truncated frame in the server's output");
            return message;
        }
        const bool rsv1 = (header.rsv & Rsv::Rsv1) != 0;
        if (first) {
            if (header.opcode != Opcode::Text && header.opcode != Opcode::Binary) {
                message.error = QStringLiteral("the echo does not start with a data frame");
                return message;
            }
            message.binary = header.opcode == Opcode::Binary;
            message.compressed = rsv1;
        } else if (header.opcode != Opcode::Continuation || rsv1) {
            message.error = QStringLiteral("a continuation frame is wrong (opcode or RSV1)");
            return message;
        }
        first = false;
        message.payload.append(output.data() + used, qsizetype(header.payloadLength));
        used += std::size_t(header.payloadLength);
        if (header.fin)
            break;
    }
    server.consumeOutput(used);
    message.ok = true;
    return message;
}

} // namespace

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

    for (bool streaming : {false, true}) {
        const char *mode = streaming ? "streaming" : "assembled";
        for (int set = 0; set < m_dataSets.size(); ++set) {
            for (int i = 0; i < MessageSizes.size(); ++i) {
                QTest::addRow("12.%d.%d %s (%s, %d bytes, frames of %d)", set + 1, i + 1, mode, m_dataSets[set].name,
                              MessageSizes[i].first, MessageSizes[i].second)
                    << set << MessageSizes[i].first << MessageSizes[i].second << false << 15 << false << 15
                    << streaming;
            }
        }
        for (int p = 0; p < family13.size(); ++p) {
            const Parameters &parameters = family13[p];
            for (int i = 0; i < MessageSizes.size(); ++i) {
                QTest::addRow("13.%d.%d %s (%d bytes, frames of %d)", p + 1, i + 1, mode, MessageSizes[i].first,
                              MessageSizes[i].second)
                    << json << MessageSizes[i].first << MessageSizes[i].second
                    << parameters.serverNoContextTakeover << parameters.serverWindowBits
                    << parameters.clientNoContextTakeover << parameters.clientWindowBits << streaming;
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

    const DataSet &data = m_dataSets[dataSet];
    DeflateParameters parameters;
    parameters.serverNoContextTakeover = serverNoContextTakeover;
    parameters.clientNoContextTakeover = clientNoContextTakeover;
    parameters.serverMaxWindowBits = std::uint8_t(serverWindowBits);
    parameters.clientMaxWindowBits = std::uint8_t(clientWindowBits);

    ProtocolOptions options;
    options.maxMessageSize = 64u * 1024u * 1024u;
    options.streamIncoming = streaming;
    Protocol server(Role::Server, options);
    server.open(parameters);
    QVERIFY(server.isCompressionNegotiated());

    ClientDeflater deflater(clientWindowBits, clientNoContextTakeover);
    ClientInflater inflater(serverWindowBits, serverNoContextTakeover);
    QVERIFY(deflater.isValid());
    QVERIFY(inflater.isValid());

    qsizetype position = 0;
    for (int n = 0; n < messagesPerCase(size); ++n) {
        QByteArray message = slice(data.bytes, position, size);
        if (!data.binary)
            message = trimToCodePoints(message);
        const QByteArray compressed = deflater.compress(message);
        QVERIFY2(!compressed.isEmpty(), "zlib failed to compress");

        // The compressed payload in frames of fragmentSize; RSV1 on the first only.
        std::string wire;
        const Opcode opcode = data.binary ? Opcode::Binary : Opcode::Text;
        const qsizetype step = fragmentSize > 0 ? fragmentSize : qMax<qsizetype>(compressed.size(), 1);
        for (qsizetype offset = 0; offset < compressed.size() || offset == 0; offset += step) {
            const bool last = offset + step >= compressed.size();
            wire += clientFrame(offset == 0 ? opcode : Opcode::Continuation, last, offset == 0,
                                compressed.mid(offset, step));
        }

        // Handed over in pieces of 4 KiB, as reads from a socket would be; the
        // server echoes what it receives (assembled, or chunk by chunk).
        QByteArray received;
        bool complete = false;
        for (std::size_t offset = 0; offset < wire.size(); offset += 4096) {
            const std::size_t piece = std::min<std::size_t>(4096, wire.size() - offset);
            server.receive(wire.data() + offset, piece);
            for (Event event = server.nextEvent(); event.type != Event::Type::None; event = server.nextEvent()) {
                if (event.type == Event::Type::Failed)
                    QFAIL(qPrintable(QStringLiteral("message %1: the server failed: %2").arg(n).arg(errorText(event.error))));
                QCOMPARE(event.messageType, data.binary ? MessageType::Binary : MessageType::Text);
                const std::string_view payload = event.payload;
                if (event.type == Event::Type::Message) {
                    received = QByteArray(payload.data(), qsizetype(payload.size()));
                    QCOMPARE(server.sendMessage(event.messageType, payload), Error::None);
                    complete = true;
                    continue;
                }
                QCOMPARE(event.type, Event::Type::MessageChunk);
                received.append(payload.data(), qsizetype(payload.size()));
                if (event.first)
                    QCOMPARE(server.beginMessage(event.messageType), Error::None);
                QCOMPARE(server.sendFragment(payload, event.last), Error::None);
                complete = event.last;
            }
        }
        QVERIFY2(complete, "the message never completed");
        QVERIFY2(received == message, qPrintable(QStringLiteral("message %1 was inflated wrongly").arg(n)));

        const ServerMessage echo = readServerMessage(server);
        QVERIFY2(echo.ok, qPrintable(echo.error));
        QCOMPARE(echo.binary, data.binary);
        QVERIFY2(echo.compressed, "the echo was not compressed");
        const std::optional<QByteArray> inflated = inflater.decompress(echo.payload);
        QVERIFY2(inflated.has_value(),
                 qPrintable(QStringLiteral("message %1: zlib cannot inflate the echo with the agreed parameters").arg(n)));
        QVERIFY2(*inflated == message, qPrintable(QStringLiteral("message %1: the echo differs").arg(n)));
        QVERIFY(server.pendingOutput().empty());
    }
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
        std::string wire = clientFrame(Opcode::Text, !split, true, payload.left(half));
        if (split)
            wire += clientFrame(Opcode::Continuation, true, false, payload.mid(half));
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
        const std::string bytes = clientFrame(opcode, fin, rsv1, payload);
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
    ClientDeflater deflater(15, false);
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
