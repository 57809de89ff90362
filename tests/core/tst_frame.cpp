#include <WsKit/Core/frame.h>

#include <QtTest/QtTest>

#include <vector>

using namespace WsKit::Core;

Q_DECLARE_METATYPE(WsKit::Core::Error)
Q_DECLARE_METATYPE(WsKit::Core::Role)
Q_DECLARE_METATYPE(WsKit::Core::Opcode)
Q_DECLARE_METATYPE(WsKit::Core::FrameHeader)

namespace {

using Status = FrameHeaderParser::Status;

constexpr std::uint64_t MaxLength = (std::uint64_t(1) << 63) - 1;
constexpr MaskKey rfcKey{0x37, 0xfa, 0x21, 0x3d}; // RFC 6455 §5.7

char byte0(bool fin, std::uint8_t rsv, std::uint8_t opcode)
{
    return char((fin ? HeaderBits::Fin : 0) | rsv | opcode);
}

char byte0(bool fin, Opcode opcode)
{
    return byte0(fin, 0, std::uint8_t(opcode));
}

char byte1(bool masked, std::uint8_t length7)
{
    return char((masked ? HeaderBits::Mask : 0) | length7);
}

QByteArray bigEndian(std::uint64_t value, int size)
{
    QByteArray out(size, '\0');
    for (int i = size - 1; i >= 0; --i, value >>= 8)
        out[i] = char(value & 0xff);
    return out;
}

QByteArray keyBytes(const MaskKey &key)
{
    return QByteArray(reinterpret_cast<const char *>(key.data()), qsizetype(key.size()));
}

struct ParseOutcome {
    Status status = Status::NeedMore;
    std::size_t consumed = 0;
    int needMoreCalls = 0; // calls that returned NeedMore before the outcome
};

// Feeds bytes in chunks of chunkSize until the parser completes or fails.
ParseOutcome parseInChunks(FrameHeaderParser &parser, const QByteArray &bytes, std::size_t chunkSize)
{
    ParseOutcome outcome;
    std::size_t at = 0;
    while (at < std::size_t(bytes.size())) {
        const std::size_t size = std::min(chunkSize, std::size_t(bytes.size()) - at);
        std::size_t consumed = 0;
        outcome.status = parser.parse(bytes.constData() + at, size, consumed);
        outcome.consumed += consumed;
        if (outcome.status != Status::NeedMore)
            return outcome;
        ++outcome.needMoreCalls;
        at += size;
    }
    return outcome;
}

struct Chunking {
    const char *name;
    std::size_t size;
};

std::vector<Chunking> chunkings(const QByteArray &bytes)
{
    const auto size = std::size_t(bytes.size());
    return {{"whole", size}, {"bytes", 1}, {"halves", (size + 1) / 2}};
}

void compareHeaders(const FrameHeader &actual, const FrameHeader &expected)
{
    QCOMPARE(actual.fin, expected.fin);
    QCOMPARE(actual.rsv, expected.rsv);
    QCOMPARE(actual.opcode, expected.opcode);
    QCOMPARE(actual.masked, expected.masked);
    if (expected.masked)
        QCOMPARE(keyBytes(actual.maskKey), keyBytes(expected.maskKey));
    QCOMPARE(actual.payloadLength, expected.payloadLength);
}

QByteArray encode(const FrameHeader &header)
{
    char out[MaxFrameHeaderSize];
    const std::size_t size = encodeFrameHeader(header, out);
    return QByteArray(out, qsizetype(size));
}

FrameHeader makeHeader(Opcode opcode, std::uint64_t length, bool masked = false, bool fin = true, std::uint8_t rsv = 0)
{
    FrameHeader header;
    header.fin = fin;
    header.rsv = rsv;
    header.opcode = opcode;
    header.masked = masked;
    header.maskKey = masked ? rfcKey : MaskKey{};
    header.payloadLength = length;
    return header;
}

} // namespace

class tst_Frame : public QObject
{
    Q_OBJECT

private slots:
    void rfcExamples_data();
    void rfcExamples();
    void boundaryLengths_data();
    void boundaryLengths();
    void everyOpcodeFinAndAllowedRsv();
    void controlFrameAt125Bytes();
    void errors_data();
    void errors();
    void stopsAtHeaderEnd();
    void completeConsumesNothingMore();
    void resetParsesNextHeader();
    void resetAfterFailure();
};

void tst_Frame::rfcExamples_data()
{
    QTest::addColumn<Role>("receiver");
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("headerSize");
    QTest::addColumn<FrameHeader>("header");
    QTest::addColumn<QByteArray>("payload"); // after unmasking

    // RFC 6455 §5.7, byte for byte.
    QTest::newRow("unmasked text Hello") << Role::Client << QByteArray("\x81\x05\x48\x65\x6c\x6c\x6f") << 2
                                         << makeHeader(Opcode::Text, 5) << QByteArray("Hello");
    QTest::newRow("masked text Hello") << Role::Server << QByteArray("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58") << 6
                                       << makeHeader(Opcode::Text, 5, true) << QByteArray("Hello");
    QTest::newRow("fragmented Hel") << Role::Client << QByteArray("\x01\x03\x48\x65\x6c") << 2
                                    << makeHeader(Opcode::Text, 3, false, false) << QByteArray("Hel");
    QTest::newRow("fragmented lo") << Role::Client << QByteArray("\x80\x02\x6c\x6f") << 2
                                   << makeHeader(Opcode::Continuation, 2) << QByteArray("lo");
    QTest::newRow("unmasked ping Hello") << Role::Client << QByteArray("\x89\x05\x48\x65\x6c\x6c\x6f") << 2
                                         << makeHeader(Opcode::Ping, 5) << QByteArray("Hello");
    QTest::newRow("masked pong Hello") << Role::Server << QByteArray("\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58") << 6
                                       << makeHeader(Opcode::Pong, 5, true) << QByteArray("Hello");
    const QByteArray payload256(256, '\x5a');
    QTest::newRow("256 bytes binary") << Role::Client << QByteArray("\x82\x7e\x01\x00", 4) + payload256 << 4
                                      << makeHeader(Opcode::Binary, 256) << payload256;
    const QByteArray payload64k(65536, '\x33');
    QTest::newRow("64 KiB binary") << Role::Client
                                   << QByteArray("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10) + payload64k << 10
                                   << makeHeader(Opcode::Binary, 65536) << payload64k;
}

void tst_Frame::rfcExamples()
{
    QFETCH(Role, receiver);
    QFETCH(QByteArray, frame);
    QFETCH(int, headerSize);
    QFETCH(FrameHeader, header);
    QFETCH(QByteArray, payload);

    for (const Chunking &chunking : chunkings(frame)) {
        FrameHeaderParser parser(receiver);
        const ParseOutcome outcome = parseInChunks(parser, frame, chunking.size);
        QVERIFY2(outcome.status == Status::Complete, chunking.name);
        QVERIFY2(outcome.consumed == std::size_t(headerSize), chunking.name);
        compareHeaders(parser.header(), header);
        QCOMPARE(parser.error(), Error::None);

        QByteArray body = frame.mid(headerSize);
        QCOMPARE(std::uint64_t(body.size()), parser.header().payloadLength);
        if (parser.header().masked)
            applyMask(body.data(), std::size_t(body.size()), parser.header().maskKey);
        QCOMPARE(body, payload);
    }
    QCOMPARE(encode(header), frame.left(headerSize));
}

void tst_Frame::boundaryLengths_data()
{
    QTest::addColumn<std::uint64_t>("length");
    QTest::addColumn<bool>("masked");
    QTest::addColumn<int>("headerSize");
    QTest::addColumn<int>("length7");

    const struct {
        std::uint64_t length;
        int size;
        int length7;
    } rows[] = {
        {0, 2, 0},
        {1, 2, 1},
        {125, 2, 125},
        {126, 4, HeaderBits::Length16},
        {127, 4, HeaderBits::Length16},
        {65535, 4, HeaderBits::Length16},
        {65536, 10, HeaderBits::Length64},
        {std::uint64_t(1) << 32, 10, HeaderBits::Length64},
        {MaxLength, 10, HeaderBits::Length64},
    };
    for (const auto &row : rows) {
        QTest::addRow("%llu", static_cast<unsigned long long>(row.length)) << row.length << false << row.size << row.length7;
        QTest::addRow("%llu masked", static_cast<unsigned long long>(row.length)) << row.length << true << row.size + 4 << row.length7;
    }
}

void tst_Frame::boundaryLengths()
{
    QFETCH(std::uint64_t, length);
    QFETCH(bool, masked);
    QFETCH(int, headerSize);
    QFETCH(int, length7);

    const FrameHeader header = makeHeader(Opcode::Binary, length, masked);
    const QByteArray bytes = encode(header);
    QCOMPARE(bytes.size(), headerSize);
    QCOMPARE(std::uint8_t(bytes[1]) & HeaderBits::LengthBits, length7);
    QCOMPARE((std::uint8_t(bytes[1]) & HeaderBits::Mask) != 0, masked);

    for (const Chunking &chunking : chunkings(bytes)) {
        FrameHeaderParser parser(masked ? Role::Server : Role::Client);
        const ParseOutcome outcome = parseInChunks(parser, bytes, chunking.size);
        QVERIFY2(outcome.status == Status::Complete, chunking.name);
        QVERIFY2(outcome.consumed == std::size_t(headerSize), chunking.name);
        compareHeaders(parser.header(), header);
    }
}

void tst_Frame::everyOpcodeFinAndAllowedRsv()
{
    const Opcode data[] = {Opcode::Continuation, Opcode::Text, Opcode::Binary};
    const Opcode control[] = {Opcode::Close, Opcode::Ping, Opcode::Pong};
    std::vector<FrameHeader> headers;
    for (Opcode opcode : data) {
        for (bool fin : {false, true}) {
            for (std::uint8_t rsv : {std::uint8_t(0), Rsv::Rsv1})
                headers.push_back(makeHeader(opcode, 300, true, fin, rsv));
        }
    }
    for (Opcode opcode : control)
        headers.push_back(makeHeader(opcode, 7, true));

    for (const FrameHeader &header : headers) {
        const QByteArray bytes = encode(header);
        QCOMPARE(std::uint8_t(bytes[0]) & HeaderBits::OpcodeBits, int(header.opcode));
        FrameHeaderParser parser(Role::Server);
        parser.setAllowedRsv(Rsv::Rsv1);
        std::size_t consumed = 0;
        QCOMPARE(parser.parse(bytes.constData(), std::size_t(bytes.size()), consumed), Status::Complete);
        QCOMPARE(consumed, std::size_t(bytes.size()));
        compareHeaders(parser.header(), header);
    }
}

void tst_Frame::controlFrameAt125Bytes()
{
    for (Opcode opcode : {Opcode::Close, Opcode::Ping, Opcode::Pong}) {
        const QByteArray bytes = encode(makeHeader(opcode, MaxControlPayload));
        FrameHeaderParser parser(Role::Client);
        std::size_t consumed = 0;
        QCOMPARE(parser.parse(bytes.constData(), std::size_t(bytes.size()), consumed), Status::Complete);
        QCOMPARE(parser.header().payloadLength, std::uint64_t(MaxControlPayload));
    }
}

void tst_Frame::errors_data()
{
    QTest::addColumn<Role>("receiver");
    QTest::addColumn<int>("allowedRsv");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Error>("error");
    QTest::addColumn<int>("failAt"); // index of the byte that reveals the error

    const QByteArray key = keyBytes(rfcKey);
    const QByteArray text5 = QByteArray(1, byte0(true, Opcode::Text)) + byte1(false, 5);

    // RFC 6455 §5.2: RSV bits must be 0 unless an extension defines them.
    QTest::newRow("RSV1 without extension")
        << Role::Client << 0 << (QByteArray(1, byte0(true, Rsv::Rsv1, 0x1)) + byte1(false, 5))
        << Error::ReservedBitsSet << 0;
    QTest::newRow("RSV2 with RSV1 allowed")
        << Role::Client << int(Rsv::Rsv1) << (QByteArray(1, byte0(true, Rsv::Rsv2, 0x1)) + byte1(false, 5))
        << Error::ReservedBitsSet << 0;
    QTest::newRow("RSV3 with RSV1 allowed")
        << Role::Client << int(Rsv::Rsv1) << (QByteArray(1, byte0(true, Rsv::Rsv3, 0x2)) + byte1(false, 5))
        << Error::ReservedBitsSet << 0;

    // §5.2: opcodes 3-7 and B-F are reserved.
    for (std::uint8_t opcode : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
        QTest::addRow("opcode %d", opcode)
            << Role::Client << 0 << (QByteArray(1, byte0(true, 0, opcode)) + byte1(false, 0))
            << Error::UnknownOpcode << 0;
    }

    // §5.5: control frames are not fragmented and carry at most 125 bytes.
    for (Opcode opcode : {Opcode::Close, Opcode::Ping, Opcode::Pong}) {
        QTest::addRow("fragmented control %d", int(opcode))
            << Role::Client << 0 << (QByteArray(1, byte0(false, opcode)) + byte1(false, 0))
            << Error::FragmentedControlFrame << 0;
    }
    QTest::newRow("ping 16-bit length")
        << Role::Client << 0
        << (QByteArray(1, byte0(true, Opcode::Ping)) + byte1(false, HeaderBits::Length16) + bigEndian(126, 2))
        << Error::ControlFrameTooLong << 1;
    QTest::newRow("close 64-bit length")
        << Role::Server << 0
        << (QByteArray(1, byte0(true, Opcode::Close)) + byte1(true, HeaderBits::Length64) + bigEndian(70000, 8) + key)
        << Error::ControlFrameTooLong << 1;
    QTest::newRow("pong 126")
        << Role::Client << 0
        << (QByteArray(1, byte0(true, Opcode::Pong)) + byte1(false, HeaderBits::Length16) + bigEndian(126, 2))
        << Error::ControlFrameTooLong << 1;

    // §5.1: clients mask every frame, servers none.
    QTest::newRow("server gets unmasked") << Role::Server << 0 << text5 << Error::UnmaskedClientFrame << 1;
    QTest::newRow("client gets masked")
        << Role::Client << 0 << (QByteArray(1, byte0(true, Opcode::Text)) + byte1(true, 5) + key)
        << Error::MaskedServerFrame << 1;

    // §5.2: "the minimal number of bytes MUST be used to encode the length".
    auto withLength = [](std::uint8_t length7, const QByteArray &extended) {
        return QByteArray(1, byte0(true, Opcode::Binary)) + byte1(false, length7) + extended;
    };
    QTest::newRow("16-bit 0") << Role::Client << 0 << withLength(HeaderBits::Length16, bigEndian(0, 2))
                              << Error::NonMinimalLength << 3;
    QTest::newRow("16-bit 125") << Role::Client << 0 << withLength(HeaderBits::Length16, bigEndian(125, 2))
                                << Error::NonMinimalLength << 3;
    QTest::newRow("64-bit 0") << Role::Client << 0 << withLength(HeaderBits::Length64, bigEndian(0, 8))
                              << Error::NonMinimalLength << 9;
    QTest::newRow("64-bit 125") << Role::Client << 0 << withLength(HeaderBits::Length64, bigEndian(125, 8))
                                << Error::NonMinimalLength << 9;
    QTest::newRow("64-bit 65535") << Role::Client << 0 << withLength(HeaderBits::Length64, bigEndian(65535, 8))
                                  << Error::NonMinimalLength << 9;
    QTest::newRow("16-bit 125 masked")
        << Role::Server << 0
        << (QByteArray(1, byte0(true, Opcode::Binary)) + byte1(true, HeaderBits::Length16) + bigEndian(125, 2) + key)
        << Error::NonMinimalLength << 3;

    // §5.2: "the most significant bit MUST be 0".
    QTest::newRow("64-bit 2^63") << Role::Client << 0
                                 << withLength(HeaderBits::Length64, bigEndian(std::uint64_t(1) << 63, 8))
                                 << Error::LengthTopBitSet << 2;
    QTest::newRow("64-bit all ones") << Role::Client << 0 << withLength(HeaderBits::Length64, bigEndian(~std::uint64_t(0), 8))
                                     << Error::LengthTopBitSet << 2;
}

void tst_Frame::errors()
{
    QFETCH(Role, receiver);
    QFETCH(int, allowedRsv);
    QFETCH(QByteArray, bytes);
    QFETCH(Error, error);
    QFETCH(int, failAt);

    for (const Chunking &chunking : chunkings(bytes)) {
        FrameHeaderParser parser(receiver);
        parser.setAllowedRsv(std::uint8_t(allowedRsv));
        const ParseOutcome outcome = parseInChunks(parser, bytes, chunking.size);
        QVERIFY2(outcome.status == Status::Failed, chunking.name);
        QVERIFY2(parser.error() == error, chunking.name);
        // Nothing is consumed past the offending byte.
        QVERIFY2(outcome.consumed == std::size_t(failAt) + 1, chunking.name);
        if (chunking.size == 1)
            QCOMPARE(outcome.needMoreCalls, failAt);

        // A failed parser stays failed and takes no more bytes.
        std::size_t consumed = 0;
        QCOMPARE(parser.parse(bytes.constData(), std::size_t(bytes.size()), consumed), Status::Failed);
        QCOMPARE(consumed, std::size_t(0));
        QCOMPARE(parser.error(), error);
    }
}

void tst_Frame::stopsAtHeaderEnd()
{
    // The header of the RFC's masked "Hello" followed by its payload: the parser
    // takes the 6 header bytes and leaves the payload.
    const QByteArray frame("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    FrameHeaderParser parser(Role::Server);
    std::size_t consumed = 3; // parse() adds to what the caller counted so far
    QCOMPARE(parser.parse(frame.constData(), std::size_t(frame.size()), consumed), Status::Complete);
    QCOMPARE(consumed, std::size_t(3 + 6));
}

void tst_Frame::completeConsumesNothingMore()
{
    const QByteArray bytes = encode(makeHeader(Opcode::Text, 200));
    FrameHeaderParser parser(Role::Client);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(bytes.constData(), std::size_t(bytes.size()), consumed), Status::Complete);
    consumed = 0;
    QCOMPARE(parser.parse(bytes.constData(), std::size_t(bytes.size()), consumed), Status::Complete);
    QCOMPARE(consumed, std::size_t(0));
    QCOMPARE(parser.header().payloadLength, std::uint64_t(200));
}

void tst_Frame::resetParsesNextHeader()
{
    // Two frames back to back (RFC 6455 §5.7 fragmented "Hel" + "lo"), parsed
    // from one buffer one header at a time.
    const QByteArray stream("\x01\x03\x48\x65\x6c\x80\x02\x6c\x6f");
    FrameHeaderParser parser(Role::Client);
    std::size_t at = 0;
    QCOMPARE(parser.parse(stream.constData(), std::size_t(stream.size()), at), Status::Complete);
    QCOMPARE(at, std::size_t(2));
    compareHeaders(parser.header(), makeHeader(Opcode::Text, 3, false, false));
    at += parser.header().payloadLength;

    parser.reset();
    QCOMPARE(parser.parse(stream.constData() + at, std::size_t(stream.size()) - at, at), Status::Complete);
    QCOMPARE(at, std::size_t(7));
    compareHeaders(parser.header(), makeHeader(Opcode::Continuation, 2));
}

void tst_Frame::resetAfterFailure()
{
    FrameHeaderParser parser(Role::Client);
    const QByteArray bad = QByteArray(1, byte0(true, 0, 0x3)) + byte1(false, 0);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(bad.constData(), std::size_t(bad.size()), consumed), Status::Failed);
    parser.reset();
    QCOMPARE(parser.error(), Error::None);
    const QByteArray good = encode(makeHeader(Opcode::Ping, 4));
    consumed = 0;
    QCOMPARE(parser.parse(good.constData(), std::size_t(good.size()), consumed), Status::Complete);
    compareHeaders(parser.header(), makeHeader(Opcode::Ping, 4));
}

QTEST_APPLESS_MAIN(tst_Frame)
#include "tst_frame.moc"
