// permessage-deflate (RFC 7692) through the Qt layer over real loopback sockets:
// the Upgrader's negotiation for every parameter and the 400 for a malformed
// header, round trips with and without context takeover and with small windows,
// the threshold, the per-connection switch and streamed messages, and hostile
// input: a zip bomb, corrupt data, RSV1 where it does not belong.

#include "testserver.h"

#include <WsKit/compressionoptions.h>
#include <WsKit/connection.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace TestClient;
using Type = WsKit::Core::Event::Type;
using WsKit::CompressionOptions;
using WsKit::Connection;
namespace CloseCode = WsKit::Core::CloseCode;
namespace Core = WsKit::Core;

namespace {

// The negotiable settings from one side, as CompressionOptions names them; for an
// expected agreement, enabled says whether compression was negotiated.
struct Settings {
    bool enabled = true;
    int windowBits = CompressionOptions::DefaultWindowBits;
    bool noContextTakeover = false;
    int peerWindowBits = CompressionOptions::DefaultPeerWindowBits;
    bool peerNoContextTakeover = false;

    CompressionOptions options(qint64 threshold = 0) const
    {
        CompressionOptions result;
        result.setEnabled(enabled);
        result.setWindowBits(windowBits);
        result.setNoContextTakeover(noContextTakeover);
        result.setPeerWindowBits(peerWindowBits);
        result.setPeerNoContextTakeover(peerNoContextTakeover);
        result.setThreshold(threshold);
        return result;
    }

    static Settings of(const CompressionOptions &options)
    {
        return {options.isEnabled(), options.windowBits(), options.noContextTakeover(), options.peerWindowBits(),
                options.peerNoContextTakeover()};
    }

    bool operator==(const Settings &other) const
    {
        return enabled == other.enabled && windowBits == other.windowBits
            && noContextTakeover == other.noContextTakeover && peerWindowBits == other.peerWindowBits
            && peerNoContextTakeover == other.peerNoContextTakeover;
    }
};

char *toString(const Settings &settings)
{
    return QTest::toString(QStringLiteral("{enabled %1, window %2, noContext %3, peerWindow %4, peerNoContext %5}")
                               .arg(settings.enabled)
                               .arg(settings.windowBits)
                               .arg(settings.noContextTakeover)
                               .arg(settings.peerWindowBits)
                               .arg(settings.peerNoContextTakeover));
}

Settings server(int windowBits = CompressionOptions::DefaultWindowBits, bool noContextTakeover = false,
                int peerWindowBits = 15, bool peerNoContextTakeover = false)
{
    return {true, windowBits, noContextTakeover, peerWindowBits, peerNoContextTakeover};
}

const Settings declined{false};

void configure(TestServer &fixture, const CompressionOptions &compression, qint64 maxMessageSize = 0,
               bool incomingStreaming = false)
{
    WsKit::ConnectionOptions options;
    options.setCompression(compression);
    if (maxMessageSize > 0)
        options.setMaxMessageSize(maxMessageSize);
    options.setIncomingStreaming(incomingStreaming);
    WsKit::Upgrader upgrader;
    upgrader.setConnectionOptions(options);
    fixture.server.setUpgrader(upgrader);
}

void echo(Connection *connection)
{
    QObject::connect(connection, &Connection::messageReceived, connection,
                     [connection](const QByteArray &payload, Connection::MessageType type) {
                         connection->sendMessage(payload, type);
                     });
}

// A frame as a server sent it.
struct WireFrame {
    Core::FrameHeader header;
    QByteArray payload;
};

QList<WireFrame> serverFrames(const QByteArray &bytes)
{
    QList<WireFrame> frames;
    qsizetype offset = 0;
    while (offset < bytes.size()) {
        Core::FrameHeaderParser parser(Core::Role::Client);
        parser.setAllowedRsv(Core::Rsv::Rsv1);
        std::size_t consumed = 0;
        if (parser.parse(bytes.constData() + offset, std::size_t(bytes.size() - offset), consumed)
            != Core::FrameHeaderParser::Status::Complete)
            break;
        offset += qsizetype(consumed);
        const auto length = qsizetype(parser.header().payloadLength);
        frames.append({parser.header(), bytes.mid(offset, length)});
        offset += length;
    }
    return frames;
}

bool isCompressed(const WireFrame &frame)
{
    return (frame.header.rsv & Core::Rsv::Rsv1) != 0;
}

// One record of a JSON feed: compressible, and each a little different.
QByteArray jsonRecord(int index)
{
    return QStringLiteral(R"({"id":%1,"user":"user%2","email":"user%2@example.com","score":%3,"active":%4,)"
                          R"("tags":["billing","support"],"updated":"2024-05-1%5T12:00:00Z"})")
        .arg(index)
        .arg(index % 7)
        .arg(index * 37 % 1000)
        .arg(index % 2 ? QStringLiteral("true") : QStringLiteral("false"))
        .arg(index % 10)
        .toUtf8();
}

QByteArray jsonFeed(int records)
{
    QByteArray feed = "[";
    for (int i = 0; i < records; ++i)
        feed += (i ? "," : "") + jsonRecord(i);
    return feed + "]";
}

Core::DeflateConfig offer(bool serverNoContextTakeover = false, bool clientNoContextTakeover = false,
                          int serverMaxWindowBits = 15, int clientMaxWindowBits = 15)
{
    Core::DeflateConfig config;
    config.serverNoContextTakeover = serverNoContextTakeover;
    config.clientNoContextTakeover = clientNoContextTakeover;
    config.serverMaxWindowBits = std::uint8_t(serverMaxWindowBits);
    config.clientMaxWindowBits = std::uint8_t(clientMaxWindowBits);
    return config;
}

// Starts fixture and returns its side of client's connection, compressed as
// offer() asks; nullptr when that failed.
Connection *openCompressed(TestServer &fixture, Client &client)
{
    if (!fixture.listen() || !client.connectTo(fixture.port()) || client.upgradeCompressed(offer()) != 101
        || !QTest::qWaitFor([&] { return !fixture.connections.isEmpty(); }, Wait))
        return nullptr;
    return fixture.connections.first();
}

QByteArray extensionsOf(const Core::HttpResponseHead &response)
{
    return toBytes(response.headers.combinedValue("Sec-WebSocket-Extensions"));
}

} // namespace

Q_DECLARE_METATYPE(Settings)
Q_DECLARE_METATYPE(Core::DeflateConfig)

class tst_Compression : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void negotiation_data();
    void negotiation();
    void malformedOfferIs400_data();
    void malformedOfferIs400();
    void defaults();
    void roundTrip_data();
    void roundTrip();
    void contextTakeover_data();
    void contextTakeover();
    void threshold();
    void outgoingSwitch();
    void levelChangesOnOpenConnection();
    void messageWriterStreamsCompressed();
    void incomingStreamingInflates();
    void notNegotiated();
    void zipBomb_data();
    void zipBomb();
    void hostileFrames_data();
    void hostileFrames();
};

void tst_Compression::negotiation_data()
{
    QTest::addColumn<QList<QByteArray>>("fields");
    QTest::addColumn<Settings>("serverSettings");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<Settings>("agreed");

    const QByteArray field = "Sec-WebSocket-Extensions: ";
    const QByteArray pmd = "permessage-deflate";
    QTest::newRow("no offer") << QList<QByteArray>{} << server() << QByteArray() << declined;
    QTest::newRow("bare offer: our window announced")
        << QList<QByteArray>{field + pmd} << server() << pmd + "; server_max_window_bits=12" << server();
    QTest::newRow("browser offer") << QList<QByteArray>{field + pmd + "; client_max_window_bits"} << server()
                                   << pmd + "; server_max_window_bits=12" << server();
    QTest::newRow("full window: nothing to announce")
        << QList<QByteArray>{field + pmd} << server(15) << pmd << server(15);
    QTest::newRow("client asks server_no_context_takeover")
        << QList<QByteArray>{field + pmd + "; server_no_context_takeover"} << server(15)
        << pmd + "; server_no_context_takeover" << server(15, true);
    QTest::newRow("client promises client_no_context_takeover")
        << QList<QByteArray>{field + pmd + "; client_no_context_takeover"} << server(15)
        << pmd + "; client_no_context_takeover" << server(15, false, 15, true);
    QTest::newRow("server imposes its no context takeover")
        << QList<QByteArray>{field + pmd} << server(15, true) << pmd + "; server_no_context_takeover"
        << server(15, true);
    QTest::newRow("server requires the client's no context takeover")
        << QList<QByteArray>{field + pmd} << server(15, false, 15, true) << pmd + "; client_no_context_takeover"
        << server(15, false, 15, true);
    QTest::newRow("client limits the server below our window")
        << QList<QByteArray>{field + pmd + "; server_max_window_bits=10"} << server()
        << pmd + "; server_max_window_bits=10" << server(10);
    QTest::newRow("client limit above our window")
        << QList<QByteArray>{field + pmd + "; server_max_window_bits=14"} << server()
        << pmd + "; server_max_window_bits=12" << server(12);
    QTest::newRow("window of 8 bits") << QList<QByteArray>{field + pmd + "; server_max_window_bits=8"} << server()
                                      << pmd + "; server_max_window_bits=8" << server(8);
    QTest::newRow("client announces its window")
        << QList<QByteArray>{field + pmd + "; client_max_window_bits=9"} << server(15)
        << pmd + "; client_max_window_bits=9" << server(15, false, 9);
    QTest::newRow("server limits the client")
        << QList<QByteArray>{field + pmd + "; client_max_window_bits"} << server(15, false, 10)
        << pmd + "; client_max_window_bits=10" << server(15, false, 10);
    QTest::newRow("server limit, client cannot be limited")
        << QList<QByteArray>{field + pmd} << server(15, false, 10) << QByteArray() << declined;
    QTest::newRow("quoted value") << QList<QByteArray>{field + pmd + "; server_max_window_bits=\"10\""} << server()
                                  << pmd + "; server_max_window_bits=10" << server(10);
    QTest::newRow("all four parameters")
        << QList<QByteArray>{field + pmd
                             + "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; "
                               "client_max_window_bits=11"}
        << server()
        << pmd + "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; "
                 "client_max_window_bits=11"
        << server(9, true, 11, true);
    QTest::newRow("invalid first offer, fallback taken")
        << QList<QByteArray>{field + pmd + "; server_max_window_bits=7, " + pmd + "; client_max_window_bits"}
        << server(15) << pmd << server(15);
    QTest::newRow("offers across fields")
        << QList<QByteArray>{field + "x-unknown-extension", field + pmd + "; server_no_context_takeover"}
        << server(15) << pmd + "; server_no_context_takeover" << server(15, true);
    QTest::newRow("names are case-insensitive")
        << QList<QByteArray>{field + "Permessage-Deflate; Server_No_Context_Takeover"} << server(15)
        << pmd + "; server_no_context_takeover" << server(15, true);
    QTest::newRow("unknown parameter declined")
        << QList<QByteArray>{field + pmd + "; x-window=3"} << server() << QByteArray() << declined;
    QTest::newRow("repeated parameter declined")
        << QList<QByteArray>{field + pmd + "; server_no_context_takeover; server_no_context_takeover"} << server()
        << QByteArray() << declined;
    QTest::newRow("value on a flag declined")
        << QList<QByteArray>{field + pmd + "; client_no_context_takeover=1"} << server() << QByteArray() << declined;
    QTest::newRow("window out of range declined")
        << QList<QByteArray>{field + pmd + "; client_max_window_bits=16"} << server() << QByteArray() << declined;
    QTest::newRow("leading zero declined")
        << QList<QByteArray>{field + pmd + "; server_max_window_bits=09"} << server() << QByteArray() << declined;
    QTest::newRow("other extension only")
        << QList<QByteArray>{field + "x-webkit-deflate-frame"} << server() << QByteArray() << declined;
    QTest::newRow("compression disabled") << QList<QByteArray>{field + pmd} << Settings{false} << QByteArray()
                                          << declined;
}

void tst_Compression::negotiation()
{
    QFETCH(QList<QByteArray>, fields);
    QFETCH(Settings, serverSettings);
    QFETCH(QByteArray, response);
    QFETCH(Settings, agreed);

    TestServer fixture;
    configure(fixture, serverSettings.options(200));
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade("/", fields), 101);
    QCOMPARE(extensionsOf(client.response), response);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
    Connection *connection = fixture.connections.first();
    QVERIFY(connection);
    QCOMPARE(connection->isCompressionNegotiated(), agreed.enabled);
    const CompressionOptions negotiated = connection->negotiatedCompression();
    QCOMPARE(negotiated.isEnabled(), agreed.enabled);
    if (agreed.enabled) {
        QCOMPARE(Settings::of(negotiated), agreed);
        QCOMPARE(negotiated.threshold(), qint64(200));
        QCOMPARE(negotiated.level(), CompressionOptions::DefaultLevel);
        QCOMPARE(negotiated.memLevel(), CompressionOptions::DefaultMemLevel);
    }
    const bool reported = connection->responseHeaders().contains({"Sec-WebSocket-Extensions", response});
    QCOMPARE(reported, agreed.enabled);
}

void tst_Compression::malformedOfferIs400_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("enabled");
    QTest::newRow("parameter missing after ;") << QByteArray("permessage-deflate;") << true;
    QTest::newRow("parameter without a name") << QByteArray("permessage-deflate; =10") << true;
    QTest::newRow("two names") << QByteArray("permessage-deflate x") << true;
    QTest::newRow("quoted value not a token") << QByteArray("permessage-deflate; server_max_window_bits=\"1 0\"") << true;
    QTest::newRow("unterminated quote") << QByteArray("permessage-deflate; server_max_window_bits=\"10") << true;
    QTest::newRow("starts with ;") << QByteArray("; permessage-deflate") << true;
    QTest::newRow("empty value after =") << QByteArray("permessage-deflate; server_max_window_bits=") << true;
    QTest::newRow("malformed, compression disabled") << QByteArray("permessage-deflate;;") << false;
}

void tst_Compression::malformedOfferIs400()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, enabled);
    TestServer fixture;
    CompressionOptions compression;
    compression.setEnabled(enabled);
    configure(fixture, compression);
    QSignalSpy failed(&fixture.server, &WsKit::Server::handshakeFailed);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade("/", {"Sec-WebSocket-Extensions: " + value}), 400);
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(client.responseBody, QByteArray(Core::errorText(Core::Error::InvalidExtensionOffer)));
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, Wait);
    QCOMPARE(failed.at(0).at(0).toInt(), 400);
    QCOMPARE(fixture.connections.size(), 0);
}

void tst_Compression::defaults()
{
    const CompressionOptions defaults;
    QVERIFY(defaults.isEnabled());
    QCOMPARE(defaults.level(), 1);
    QCOMPARE(defaults.memLevel(), 5);
    QCOMPARE(defaults.windowBits(), 12);
    QCOMPARE(defaults.peerWindowBits(), 15);
    QVERIFY(!defaults.noContextTakeover());
    QVERIFY(!defaults.peerNoContextTakeover());
    QCOMPARE(defaults.threshold(), qint64(128));
    QCOMPARE(Settings::of(WsKit::ConnectionOptions().compression()), Settings::of(defaults));

    // Out-of-range values are clamped to what zlib and RFC 7692 allow.
    CompressionOptions clamped;
    clamped.setWindowBits(7);
    clamped.setPeerWindowBits(16);
    clamped.setLevel(10);
    clamped.setMemLevel(0);
    clamped.setThreshold(-1);
    QCOMPARE(clamped.windowBits(), 8);
    QCOMPARE(clamped.peerWindowBits(), 15);
    QCOMPARE(clamped.level(), 9);
    QCOMPARE(clamped.memLevel(), 1);
    QCOMPARE(clamped.threshold(), qint64(0));
}

void tst_Compression::roundTrip_data()
{
    QTest::addColumn<Settings>("serverSettings");
    QTest::addColumn<Core::DeflateConfig>("clientOffer");
    QTest::addColumn<Settings>("agreed"); // from the server's side

    QTest::newRow("defaults") << server() << offer() << server();
    QTest::newRow("full windows") << server(15) << offer() << server(15);
    QTest::newRow("no context takeover, server's choice") << server(15, true, 15, true) << offer()
                                                          << server(15, true, 15, true);
    QTest::newRow("no context takeover, client's choice") << server(15) << offer(true, true)
                                                          << server(15, true, 15, true);
    QTest::newRow("small windows") << server(9) << offer(false, false, 15, 10) << server(9, false, 10);
    QTest::newRow("client limits the server") << server(15) << offer(false, false, 11) << server(11);
    QTest::newRow("server limits the client") << server(15, false, 9) << offer() << server(15, false, 9);
    QTest::newRow("8-bit windows both ways") << server(8) << offer(false, false, 15, 8) << server(8, false, 8);
}

void tst_Compression::roundTrip()
{
    QFETCH(Settings, serverSettings);
    QFETCH(Core::DeflateConfig, clientOffer);
    QFETCH(Settings, agreed);

    TestServer fixture;
    configure(fixture, serverSettings.options(0));
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgradeCompressed(clientOffer), 101);
    QCOMPARE(client.deflateResponseError, Core::Error::None);
    QVERIFY(client.agreedDeflate);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
    Connection *connection = fixture.connections.first();
    QVERIFY(connection->isCompressionNegotiated());
    QCOMPARE(Settings::of(connection->negotiatedCompression()), agreed);
    echo(connection);
    QSignalSpy received(connection, &Connection::messageReceived);

    QByteArray binary(300 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < binary.size(); ++i)
        binary[i] = char((i / 7) % 13 * 19);
    const QList<QPair<Core::MessageType, QByteArray>> messages = {
        {Core::MessageType::Text, jsonRecord(1)},
        {Core::MessageType::Text, jsonRecord(1)},
        {Core::MessageType::Text, QByteArray()},
        {Core::MessageType::Text, "x"},
        {Core::MessageType::Binary, binary},
        {Core::MessageType::Text, jsonFeed(4000)}, // about 700 KB
        {Core::MessageType::Text, "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac"},
    };
    qint64 plainBytes = 0;
    for (const auto &[type, payload] : messages) {
        client.sendMessage(type, payload);
        plainBytes += payload.size();
    }
    // The client compressed what it sent (with an 8-bit window, Huffman codes only),
    // and the server inflated it.
    QVERIFY2(client.protocolBytesSent < plainBytes * 2 / 3, QByteArray::number(client.protocolBytesSent));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), messages.size(), Wait);
    for (qsizetype i = 0; i < messages.size(); ++i) {
        QCOMPARE(received.at(i).at(0).toByteArray(), messages.at(i).second);
        const bool text = messages.at(i).first == Core::MessageType::Text;
        QCOMPARE(received.at(i).at(1).value<Connection::MessageType>(),
                 text ? Connection::MessageType::Text : Connection::MessageType::Binary);
    }
    // The echoes came back compressed, and the client inflated them.
    for (const auto &[type, payload] : messages) {
        const Event echoed = client.nextMessage();
        QCOMPARE(echoed.type, Type::Message);
        QCOMPARE(echoed.messageType, type);
        QCOMPARE(echoed.payload, payload);
    }
    const QList<WireFrame> frames = serverFrames(client.raw);
    QCOMPARE(frames.size(), messages.size());
    for (const WireFrame &frame : frames)
        QVERIFY(isCompressed(frame));
    QVERIFY2(client.raw.size() < plainBytes * 2 / 3, QByteArray::number(client.raw.size()));
}

void tst_Compression::contextTakeover_data()
{
    QTest::addColumn<Settings>("serverSettings");
    QTest::addColumn<Core::DeflateConfig>("clientOffer");
    QTest::addColumn<bool>("serverKeepsContext");
    QTest::addColumn<bool>("clientKeepsContext");
    QTest::newRow("both keep context") << server(15) << offer() << true << true;
    QTest::newRow("server resets") << server(15, true) << offer() << false << true;
    QTest::newRow("client resets") << server(15) << offer(false, true) << true << false;
    QTest::newRow("both reset, client's request") << server(15) << offer(true, true) << false << false;
}

void tst_Compression::contextTakeover()
{
    // A message sent twice: with context taken over, the second refers back to the
    // first and is a fraction of its size; without, it costs the same again.
    QFETCH(Settings, serverSettings);
    QFETCH(Core::DeflateConfig, clientOffer);
    QFETCH(bool, serverKeepsContext);
    QFETCH(bool, clientKeepsContext);

    TestServer fixture;
    configure(fixture, serverSettings.options(0));
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgradeCompressed(clientOffer), 101);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
    Connection *connection = fixture.connections.first();
    QCOMPARE(connection->negotiatedCompression().noContextTakeover(), !serverKeepsContext);
    QCOMPARE(connection->negotiatedCompression().peerNoContextTakeover(), !clientKeepsContext);
    QSignalSpy received(connection, &Connection::messageReceived);

    const QByteArray message = jsonFeed(10);
    QVERIFY(connection->sendTextUtf8(message));
    QVERIFY(connection->sendTextUtf8(message));
    QCOMPARE(client.nextMessage().payload, message);
    QCOMPARE(client.nextMessage().payload, message);
    const QList<WireFrame> frames = serverFrames(client.raw);
    QCOMPARE(frames.size(), 2);
    if (serverKeepsContext)
        QVERIFY2(frames.at(1).payload.size() * 4 < frames.at(0).payload.size(), "the context was not kept");
    else
        QCOMPARE(frames.at(1).payload, frames.at(0).payload);

    client.sendMessage(Core::MessageType::Text, message);
    const qint64 first = client.protocolBytesSent;
    client.sendMessage(Core::MessageType::Text, message);
    const qint64 second = client.protocolBytesSent - first;
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, Wait);
    QCOMPARE(received.at(0).at(0).toByteArray(), message);
    QCOMPARE(received.at(1).at(0).toByteArray(), message);
    if (clientKeepsContext)
        QVERIFY(second * 4 < first);
    else
        QCOMPARE(second, first);
}

void tst_Compression::threshold()
{
    TestServer fixture;
    configure(fixture, server().options(100));
    Client client;
    Connection *connection = openCompressed(fixture, client);
    QVERIFY(connection);
    QCOMPARE(connection->negotiatedCompression().threshold(), qint64(100));

    const QByteArray under(99, 'a');
    const QByteArray at(100, 'a');
    QVERIFY(connection->sendTextUtf8(under));
    QVERIFY(connection->sendTextUtf8(at));
    QCOMPARE(client.nextMessage().payload, under);
    QCOMPARE(client.nextMessage().payload, at);

    // A new threshold applies from the next message.
    WsKit::ConnectionOptions options = connection->options();
    CompressionOptions compression = options.compression();
    compression.setThreshold(0);
    options.setCompression(compression);
    connection->setOptions(options);
    QCOMPARE(connection->negotiatedCompression().threshold(), qint64(0));
    QVERIFY(connection->sendTextUtf8("tiny"));
    QCOMPARE(client.nextMessage().payload, QByteArray("tiny"));

    const QList<WireFrame> frames = serverFrames(client.raw);
    QCOMPARE(frames.size(), 3);
    QVERIFY(!isCompressed(frames.at(0)));
    QCOMPARE(frames.at(0).payload, under);
    QVERIFY(isCompressed(frames.at(1)));
    QVERIFY(frames.at(1).payload.size() < 20);
    QVERIFY(isCompressed(frames.at(2)));
}

void tst_Compression::outgoingSwitch()
{
    TestServer fixture;
    configure(fixture, server().options(0));
    Client client;
    Connection *connection = openCompressed(fixture, client);
    QVERIFY(connection);
    QSignalSpy changed(connection, &Connection::outgoingCompressionEnabledChanged);
    QVERIFY(connection->isOutgoingCompressionEnabled());

    const QByteArray message = jsonRecord(3);
    QVERIFY(connection->sendTextUtf8(message));
    connection->setOutgoingCompressionEnabled(false);
    connection->setOutgoingCompressionEnabled(false);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toBool(), false);
    QVERIFY(connection->sendBinary(message));
    // A message being written keeps the choice it began with.
    WsKit::MessageWriter writer = connection->beginMessage(Connection::MessageType::Text);
    QVERIFY(writer.write(message.left(40)));
    connection->setOutgoingCompressionEnabled(true);
    QVERIFY(writer.finish(message.mid(40)));
    QVERIFY(connection->property("outgoingCompressionEnabled").toBool());
    QVERIFY(connection->sendTextUtf8(message));
    QCOMPARE(changed.size(), 2);

    for (int i = 0; i < 4; ++i)
        QCOMPARE(client.nextMessage().payload, message);
    const QList<WireFrame> frames = serverFrames(client.raw);
    QCOMPARE(frames.size(), 5);
    QVERIFY(isCompressed(frames.at(0)));
    QVERIFY(!isCompressed(frames.at(1)));
    QCOMPARE(frames.at(1).payload, message);
    QVERIFY(!isCompressed(frames.at(2)));
    QVERIFY(!isCompressed(frames.at(3)));
    QCOMPARE(frames.at(2).payload + frames.at(3).payload, message);
    QVERIFY(isCompressed(frames.at(4)));
}

void tst_Compression::levelChangesOnOpenConnection()
{
    TestServer fixture;
    configure(fixture, server().options(0));
    Client client;
    Connection *connection = openCompressed(fixture, client);
    QVERIFY(connection);
    QCOMPARE(connection->negotiatedCompression().level(), CompressionOptions::DefaultLevel);
    QSignalSpy changed(connection, &Connection::outgoingCompressionEnabledChanged);

    // Distinct feeds, so the window of earlier messages does not hide the level.
    const QByteArray first = jsonFeed(200);
    QByteArray second = jsonFeed(200);
    second.replace("user", "name");
    QByteArray third = jsonFeed(200);
    third.replace("user", "nick");
    QVERIFY(connection->sendTextUtf8(first));
    connection->setCompressionLevel(0); // stored blocks from the next message
    QCOMPARE(connection->negotiatedCompression().level(), 0);
    QCOMPARE(connection->options().compression().level(), 0);
    QVERIFY(connection->sendTextUtf8(second));
    // Through setOptions too, as a new level there is meant.
    WsKit::ConnectionOptions options = connection->options();
    CompressionOptions compression = options.compression();
    compression.setLevel(9);
    options.setCompression(compression);
    connection->setOptions(options);
    QCOMPARE(connection->negotiatedCompression().level(), 9);
    QVERIFY(connection->sendTextUtf8(third));
    // Off and on again through setOptions.
    compression.setEnabled(false);
    options.setCompression(compression);
    connection->setOptions(options);
    QVERIFY(!connection->isOutgoingCompressionEnabled());
    QVERIFY(connection->sendTextUtf8(first));
    compression.setEnabled(true);
    options.setCompression(compression);
    connection->setOptions(options);
    QVERIFY(connection->isOutgoingCompressionEnabled());
    QCOMPARE(changed.size(), 2);
    QVERIFY(connection->sendTextUtf8(second));

    for (const QByteArray &expected : {first, second, third, first, second})
        QCOMPARE(client.nextMessage().payload, expected);
    const QList<WireFrame> frames = serverFrames(client.raw);
    QCOMPARE(frames.size(), 5);
    QVERIFY(isCompressed(frames.at(0)));
    QVERIFY(frames.at(0).payload.size() < first.size() / 4);
    QVERIFY(isCompressed(frames.at(1)));
    QVERIFY2(frames.at(1).payload.size() >= second.size(), QByteArray::number(frames.at(1).payload.size()));
    QVERIFY(isCompressed(frames.at(2)));
    QVERIFY(frames.at(2).payload.size() < third.size() / 4);
    QVERIFY(!isCompressed(frames.at(3)));
    QCOMPARE(frames.at(3).payload, first);
    QVERIFY(isCompressed(frames.at(4)));
}

void tst_Compression::messageWriterStreamsCompressed()
{
    // Every piece goes out at once as one frame that inflates on its own; RSV1 marks
    // the first frame only (RFC 7692 §6.1).
    TestServer fixture;
    configure(fixture, server().options(CompressionOptions::DefaultThreshold));
    Client client;
    Connection *connection = openCompressed(fixture, client);
    QVERIFY(connection);

    QByteArray whole;
    WsKit::MessageWriter writer = connection->beginMessage(Connection::MessageType::Text);
    for (int i = 0; i < 5; ++i) {
        const QByteArray piece = jsonRecord(i); // each under the threshold: pieces compress anyway
        QVERIFY(writer.write(piece));
        whole += piece;
        // The piece is on the wire before the message ends.
        QTRY_COMPARE_WITH_TIMEOUT(serverFrames(client.raw).size(), i + 1, Wait);
    }
    QVERIFY(writer.finish());
    QCOMPARE(client.nextMessage().payload, whole);
    const QList<WireFrame> frames = serverFrames(client.raw);
    QCOMPARE(frames.size(), 6);
    QVERIFY(isCompressed(frames.at(0)));
    QCOMPARE(frames.at(0).header.opcode, Core::Opcode::Text);
    for (qsizetype i = 1; i < frames.size(); ++i) {
        QCOMPARE(frames.at(i).header.opcode, Core::Opcode::Continuation);
        QCOMPARE(frames.at(i).header.rsv, std::uint8_t(0));
        QCOMPARE(frames.at(i).header.fin, i == frames.size() - 1);
    }
}

void tst_Compression::incomingStreamingInflates()
{
    TestServer fixture;
    configure(fixture, server().options(0), 0, true);
    Client client;
    Connection *connection = openCompressed(fixture, client);
    QVERIFY(connection);
    QByteArray assembled;
    bool ended = false;
    QObject::connect(connection, &Connection::messageChunkReceived, connection,
                     [&](const QByteArray &chunk, Connection::MessageType, bool, bool last) {
                         assembled += chunk;
                         ended = last;
                     });
    const QByteArray message = jsonFeed(20000); // several MB inflated, a few hundred KB on the wire
    client.sendMessage(Core::MessageType::Text, message);
    QTRY_VERIFY_WITH_TIMEOUT(ended, Wait);
    QCOMPARE(assembled, message);
}

void tst_Compression::notNegotiated()
{
    TestServer fixture;
    configure(fixture, server().options(0));
    QVERIFY(fixture.listen());
    Client client;
    Connection *connection = fixture.accept(client);
    QVERIFY(connection);
    QVERIFY(!connection->isCompressionNegotiated());
    QVERIFY(!connection->property("compressionNegotiated").toBool());
    QVERIFY(!connection->negotiatedCompression().isEnabled());
    QVERIFY(connection->sendTextUtf8(jsonRecord(1)));
    QCOMPARE(client.nextMessage().payload, jsonRecord(1));
    const QList<WireFrame> frames = serverFrames(client.raw);
    QCOMPARE(frames.size(), 1);
    QVERIFY(!isCompressed(frames.at(0)));
}

void tst_Compression::zipBomb_data()
{
    QTest::addColumn<bool>("incomingStreaming");
    QTest::newRow("assembled") << false;
    QTest::newRow("streamed") << true;
}

void tst_Compression::zipBomb()
{
    // 10 MiB of zeros deflate to about 10 KB: the inflated size counts against
    // maxMessageSize, so the connection fails with 1009 and the server goes on.
    QFETCH(bool, incomingStreaming);
    TestServer fixture;
    configure(fixture, server().options(0), 1024 * 1024, incomingStreaming);
    QVERIFY(fixture.listen());
    Client bystander;
    QVERIFY(bystander.connectTo(fixture.port()));
    QCOMPARE(bystander.upgradeCompressed(offer()), 101);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
    Connection *other = fixture.connections.first();
    QObject::connect(other, &Connection::messageChunkReceived, other,
                     [other](const QByteArray &chunk, Connection::MessageType type) { other->sendMessage(chunk, type); });
    echo(other);

    Client attacker;
    QVERIFY(attacker.connectTo(fixture.port()));
    QCOMPARE(attacker.upgradeCompressed(offer()), 101);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 2, Wait);
    Connection *connection = fixture.connections.last();
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy messages(connection, &Connection::messageReceived);
    qint64 streamed = 0;
    QObject::connect(connection, &Connection::messageChunkReceived, connection,
                     [&streamed](const QByteArray &chunk) { streamed += chunk.size(); });

    attacker.sendMessage(Core::MessageType::Binary, QByteArray(10 * 1024 * 1024, '\0'));
    QVERIFY2(attacker.protocolBytesSent < 64 * 1024, QByteArray::number(attacker.protocolBytesSent));
    const Event close = attacker.waitFor(Type::Close);
    QCOMPARE(close.closeCode, quint16(CloseCode::MessageTooBig));
    QVERIFY(attacker.waitForDisconnected());
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), int(CloseCode::MessageTooBig));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), Connection::Error::MessageTooBig);
    QCOMPARE(messages.size(), 0);
    QVERIFY(streamed <= 1024 * 1024);

    // The server and its other connections go on.
    bystander.sendMessage(Core::MessageType::Text, jsonRecord(9));
    QCOMPARE(bystander.nextMessage().payload, jsonRecord(9));
    Client late;
    QVERIFY(late.connectTo(fixture.port()));
    QCOMPARE(late.upgradeCompressed(offer()), 101);
    QVERIFY(late.agreedDeflate);
}

void tst_Compression::hostileFrames_data()
{
    QTest::addColumn<bool>("negotiate");
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addColumn<int>("code");
    QTest::addColumn<Connection::Error>("error");

    const auto rsv1 = [](Core::Opcode opcode, const QByteArray &payload, bool fin = true) {
        return encode({opcode, payload, fin, true, Core::Rsv::Rsv1});
    };
    // A valid compressed text message, and one whose inflated bytes are not UTF-8.
    std::string hello;
    Core::DeflateCodec(Core::Role::Client, {}).compress("Hello", true, hello);
    std::string notUtf8;
    Core::DeflateCodec(Core::Role::Client, {}).compress("\xc3\x28 invalid", true, notUtf8);

    QTest::newRow("RSV1 without negotiation")
        << false << QList<QByteArray>{rsv1(Core::Opcode::Text, toBytes(hello))} << int(CloseCode::ProtocolError)
        << Connection::Error::ProtocolError;
    QTest::newRow("RSV2 with negotiation")
        << true << QList<QByteArray>{encode({Core::Opcode::Text, "a", true, true, Core::Rsv::Rsv2})}
        << int(CloseCode::ProtocolError) << Connection::Error::ProtocolError;
    QTest::newRow("RSV1 on a ping") << true << QList<QByteArray>{rsv1(Core::Opcode::Ping, "p")}
                                    << int(CloseCode::ProtocolError) << Connection::Error::ProtocolError;
    QTest::newRow("RSV1 on a continuation")
        << true
        << QList<QByteArray>{rsv1(Core::Opcode::Text, toBytes(hello).left(3), false),
                             rsv1(Core::Opcode::Continuation, toBytes(hello).mid(3))}
        << int(CloseCode::ProtocolError) << Connection::Error::ProtocolError;
    QTest::newRow("corrupt deflate data") << true << QList<QByteArray>{rsv1(Core::Opcode::Binary, "\xff\xff\xff\xff")}
                                          << int(CloseCode::InvalidPayload) << Connection::Error::InvalidPayload;
    QTest::newRow("truncated deflate block")
        << true << QList<QByteArray>{rsv1(Core::Opcode::Binary, toBytes(hello).left(2))}
        << int(CloseCode::InvalidPayload) << Connection::Error::InvalidPayload;
    QTest::newRow("inflates to invalid UTF-8") << true << QList<QByteArray>{rsv1(Core::Opcode::Text, toBytes(notUtf8))}
                                               << int(CloseCode::InvalidPayload) << Connection::Error::InvalidPayload;
}

void tst_Compression::hostileFrames()
{
    QFETCH(bool, negotiate);
    QFETCH(QList<QByteArray>, frames);
    QFETCH(int, code);
    QFETCH(Connection::Error, error);

    TestServer fixture;
    configure(fixture, server().options(0));
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(negotiate ? client.upgradeCompressed(offer()) : client.upgrade(), 101);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
    Connection *connection = fixture.connections.first();
    QCOMPARE(connection->isCompressionNegotiated(), negotiate);
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy messages(connection, &Connection::messageReceived);

    // A valid compressed message first, so the failure is the frame's alone.
    if (negotiate) {
        client.sendMessage(Core::MessageType::Text, "fine");
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, Wait);
    }
    for (const QByteArray &frame : frames)
        client.write(frame);
    const Event close = client.waitFor(Type::Close);
    QCOMPARE(int(close.closeCode), code);
    QVERIFY(client.waitForDisconnected());
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), code);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), error);
    QCOMPARE(messages.size(), negotiate ? 1 : 0);
}

QTEST_MAIN(tst_Compression)
#include "tst_compression.moc"
