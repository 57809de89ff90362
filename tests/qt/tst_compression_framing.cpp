// The compressed framing sweep of tests/core/tst_deflateframing.cpp, for a subset
// of framings, through real sockets: frames compressed by zlib and cut every
// which way, sent to our Server (echoing, messages assembled or streamed through
// messageChunkReceived) and to a connection our Dialer opened; and our
// MessageWriter's empty pieces, decoded on the other end.

#include "compressedframing.h"
#include "dialertestutil.h"
#include "testserver.h"
#include "zlibpeer.h"

#include <WsKit/compressionoptions.h>
#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/messagewriter.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QUrl>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace std::chrono_literals;
using CompressedFraming::Message;
using WsKit::CompressionOptions;
using WsKit::Connection;
namespace Core = WsKit::Core;

namespace {

// The framings the socket tests send: the edges of the core sweep.
QList<CompressedFraming::Framing> socketFramings()
{
    const QStringList names = {QStringLiteral("frames of 1"),
                               QStringLiteral("frames of 256"),
                               QStringLiteral("split 1 bytes before the end"),
                               QStringLiteral("empty first frame"),
                               QStringLiteral("empty middle frame"),
                               QStringLiteral("empty last frame"),
                               QStringLiteral("pings around empty frames")};
    QList<CompressedFraming::Framing> framings;
    for (const CompressedFraming::Framing &framing : CompressedFraming::allFramings()) {
        if (names.contains(framing.name))
            framings.append(framing);
    }
    return framings;
}

WsKit::ConnectionOptions compressingOptions(bool incomingStreaming)
{
    CompressionOptions compression;
    compression.setThreshold(0);
    WsKit::ConnectionOptions options;
    options.setCompression(compression);
    options.setIncomingStreaming(incomingStreaming);
    return options;
}

// Collects a connection's messages, whole or from their streamed chunks.
class Collector
{
public:
    explicit Collector(Connection *connection)
    {
        QObject::connect(connection, &Connection::messageReceived, &m_context,
                         [this](const QByteArray &payload, Connection::MessageType type) { add(type, payload); });
        QObject::connect(connection, &Connection::messageChunkReceived, &m_context,
                         [this](const QByteArray &chunk, Connection::MessageType type, bool, bool last) {
                             m_partial += chunk;
                             if (last) {
                                 add(type, m_partial);
                                 m_partial.clear();
                             }
                         });
    }

    QList<Message> messages;

private:
    void add(Connection::MessageType type, const QByteArray &payload)
    {
        messages.append({type == Connection::MessageType::Text ? Core::MessageType::Text : Core::MessageType::Binary,
                         payload});
    }

    QByteArray m_partial;
    QObject m_context;
};

// Sends every message a connection receives back, assembled from chunks when it streams.
void echo(Connection *connection)
{
    auto partial = std::make_shared<QByteArray>();
    QObject::connect(connection, &Connection::messageReceived, connection,
                     [connection](const QByteArray &payload, Connection::MessageType type) {
                         connection->sendMessage(payload, type);
                     });
    QObject::connect(connection, &Connection::messageChunkReceived, connection,
                     [connection, partial](const QByteArray &chunk, Connection::MessageType type, bool, bool last) {
                         *partial += chunk;
                         if (last) {
                             connection->sendMessage(*partial, type);
                             partial->clear();
                         }
                     });
}

} // namespace

class tst_CompressionFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void serverDecodesEveryFraming_data();
    void serverDecodesEveryFraming();
    void dialedConnectionDecodesEveryFraming_data();
    void dialedConnectionDecodesEveryFraming();
    void messageWriterEmptyPieces_data();
    void messageWriterEmptyPieces();

private:
    QList<Message> m_messages;
};

void tst_CompressionFraming::initTestCase()
{
    m_messages = CompressedFraming::sweepMessages();
}

void tst_CompressionFraming::serverDecodesEveryFraming_data()
{
    QTest::addColumn<bool>("streaming");
    QTest::addColumn<bool>("noContextTakeover");
    for (bool streaming : {false, true}) {
        for (bool noContextTakeover : {false, true}) {
            QTest::addRow("%s, %s", streaming ? "streamed" : "assembled",
                          noContextTakeover ? "no context takeover" : "context takeover")
                << streaming << noContextTakeover;
        }
    }
}

void tst_CompressionFraming::serverDecodesEveryFraming()
{
    QFETCH(bool, streaming);
    QFETCH(bool, noContextTakeover);

    TestClient::TestServer fixture;
    WsKit::Upgrader upgrader;
    upgrader.setConnectionOptions(compressingOptions(streaming));
    fixture.server.setUpgrader(upgrader);
    QObject::connect(&fixture.server, &WsKit::Server::newConnection, &fixture.server, &echo);
    QVERIFY(fixture.listen());

    for (const CompressedFraming::Framing &framing : socketFramings()) {
        TestClient::Client client;
        QVERIFY(client.connectTo(fixture.port()));
        Core::DeflateConfig offer;
        offer.clientNoContextTakeover = noContextTakeover;
        QCOMPARE(client.upgradeCompressed(offer), 101);
        QVERIFY(client.agreedDeflate.has_value());
        ZlibPeer::Deflater deflater(client.agreedDeflate->clientMaxWindowBits,
                                    client.agreedDeflate->clientNoContextTakeover);
        QVERIFY(deflater.isValid());

        // All messages at once, so the server reads frames in whatever pieces TCP makes.
        QByteArray wire;
        qsizetype pings = 0;
        for (const Message &message : std::as_const(m_messages)) {
            const auto frames = framing.cut(CompressedFraming::opcodeOf(message.type), deflater.compress(message.payload));
            pings += CompressedFraming::pingCount(frames);
            wire += CompressedFraming::encode(frames, true);
        }
        client.write(wire);

        QList<Message> echoes;
        for (qsizetype i = 0; i < m_messages.size(); ++i) {
            const TestClient::Event event = client.nextMessage();
            QVERIFY2(event.type == Core::Event::Type::Message,
                     qPrintable(QStringLiteral("%1: echo %2 missing").arg(framing.name).arg(i)));
            echoes.append({event.messageType, event.payload});
        }
        QCOMPARE(echoes, m_messages);
        // Every ping answered, and the connection still open.
        QTRY_COMPARE_WITH_TIMEOUT(qsizetype(std::count_if(client.events.cbegin(), client.events.cend(),
                                                          [](const TestClient::Event &event) {
                                                              return event.type == Core::Event::Type::Pong;
                                                          })),
                                  pings, TestClient::Wait);
        Connection *serverSide = fixture.connections.last();
        QVERIFY(serverSide);
        QCOMPARE(serverSide->state(), Connection::State::Open);
        QCOMPARE(serverSide->error(), Connection::Error::NoError);
        serverSide->abort();
    }
}

void tst_CompressionFraming::dialedConnectionDecodesEveryFraming_data()
{
    serverDecodesEveryFraming_data();
}

void tst_CompressionFraming::dialedConnectionDecodesEveryFraming()
{
    QFETCH(bool, streaming);
    QFETCH(bool, noContextTakeover);

    for (const CompressedFraming::Framing &framing : socketFramings()) {
        DialerTest::RawServer raw;
        QVERIFY(raw.listen());
        WsKit::Dialer dialer;
        dialer.setConnectionOptions(compressingOptions(streaming));
        Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
        QVERIFY(raw.waitForHead());
        // The server keeps its 15-bit window and may refuse its own context takeover.
        raw.write(raw.acceptResponse(0, noContextTakeover ? "Sec-WebSocket-Extensions: permessage-deflate; "
                                                            "server_no_context_takeover\r\n"
                                                          : "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
        QVERIFY(DialerTest::waitForOutcome(connection).opened);
        QVERIFY(connection->isCompressionNegotiated());
        Collector collector(connection);
        QSignalSpy errors(connection, &Connection::errorOccurred);
        QSignalSpy pings(connection, &Connection::pingReceived);

        ZlibPeer::Deflater deflater(15, noContextTakeover);
        qsizetype pingsSent = 0;
        for (const Message &message : std::as_const(m_messages)) {
            const auto frames = framing.cut(CompressedFraming::opcodeOf(message.type), deflater.compress(message.payload));
            pingsSent += CompressedFraming::pingCount(frames);
            raw.write(CompressedFraming::encode(frames, false));
        }
        QVERIFY2(DialerTest::spinUntil([&] { return collector.messages.size() == m_messages.size() || !errors.isEmpty(); }),
                 qPrintable(framing.name));
        QVERIFY2(errors.isEmpty(), qPrintable(framing.name + QStringLiteral(": ") + errors.value(0).value(1).toString()));
        QCOMPARE(collector.messages, m_messages);
        QCOMPARE(pings.size(), pingsSent);
        QCOMPARE(connection->state(), Connection::State::Open);
        delete connection;
    }
}

void tst_CompressionFraming::messageWriterEmptyPieces_data()
{
    QTest::addColumn<QList<QByteArray>>("pieces"); // the last one goes to finish()
    QTest::newRow("empty first piece") << QList<QByteArray>{"", "Hello, Hello, Hello"};
    QTest::newRow("empty middle piece") << QList<QByteArray>{"Hello, ", "", "Hello"};
    QTest::newRow("empty last piece") << QList<QByteArray>{"Hello, Hello, Hello", ""};
    QTest::newRow("only empty pieces") << QList<QByteArray>{"", "", ""};
    QTest::newRow("empty everywhere") << QList<QByteArray>{"", "Hel", "", "lo", ""};
}

void tst_CompressionFraming::messageWriterEmptyPieces()
{
    // Each message streamed twice in a row (context carried over), by a server
    // connection to a client decoding with the core, and by a dialed connection to
    // a raw server decoding with zlib.
    QFETCH(QList<QByteArray>, pieces);
    const QByteArray whole = pieces.join();
    auto stream = [&](Connection *connection) {
        WsKit::MessageWriter writer = connection->beginMessage(Connection::MessageType::Text);
        for (qsizetype i = 0; i + 1 < pieces.size(); ++i)
            QVERIFY(writer.write(pieces[i]));
        QVERIFY(writer.finish(pieces.last()));
    };

    TestClient::TestServer fixture;
    WsKit::Upgrader upgrader;
    upgrader.setConnectionOptions(compressingOptions(false));
    fixture.server.setUpgrader(upgrader);
    QVERIFY(fixture.listen());
    TestClient::Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgradeCompressed(Core::DeflateConfig{}), 101);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, TestClient::Wait);
    for (int round = 0; round < 2; ++round) {
        stream(fixture.connections.first());
        const TestClient::Event message = client.nextMessage();
        QCOMPARE(message.type, Core::Event::Type::Message);
        QCOMPARE(message.payload, whole);
    }

    DialerTest::RawServer raw;
    QVERIFY(raw.listen());
    WsKit::Dialer dialer;
    dialer.setConnectionOptions(compressingOptions(false));
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    const qsizetype headSize = raw.received().indexOf("\r\n\r\n") + 4;
    // The client compresses with the 15-bit window and context takeover it may keep.
    raw.write(raw.acceptResponse(0, "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    QVERIFY(DialerTest::waitForOutcome(connection).opened);
    ZlibPeer::Inflater inflater(15, false);
    qsizetype consumed = headSize;
    for (int round = 0; round < 2; ++round) {
        stream(connection);
        std::optional<QList<CompressedFraming::Frame>> frames;
        QVERIFY(DialerTest::spinUntil([&] {
            frames = CompressedFraming::decode(raw.received().mid(consumed), Core::Role::Server);
            return frames && !frames->isEmpty() && frames->last().fin;
        }));
        consumed = raw.received().size();
        QByteArray compressed;
        for (qsizetype i = 0; i < frames->size(); ++i) {
            QCOMPARE(frames->at(i).rsv1, i == 0);
            compressed += frames->at(i).payload;
        }
        const std::optional<QByteArray> inflated = inflater.decompress(compressed);
        QVERIFY2(inflated.has_value(), "zlib cannot inflate the message");
        QCOMPARE(*inflated, whole);
    }
    delete connection;
}

QTEST_MAIN(tst_CompressionFraming)

#include "tst_compression_framing.moc"
