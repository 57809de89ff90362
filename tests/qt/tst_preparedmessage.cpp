// PreparedMessage over real sockets: every receiver gets on the wire exactly what a
// plain send gives it, encodings are built once per kind of receiver and shared,
// back-pressure holds per connection, and client connections mask on their own.

#include "jsonfeed.h"
#include "testserver.h"

#include <WsKit/compressionoptions.h>
#include <WsKit/dialer.h>
#include <WsKit/preparedmessage.h>
#include <WsKit/upgrader.h>

#include <QtCore/QThread>
#include <QtTest/QtTest>

#include <atomic>

#include <vector>

using namespace TestClient;

namespace {

// Messages of every kind a broadcast carries: compressible and not, under the
// compression threshold, empty, and large enough for the socket to share its bytes.
QList<PreparedMessage> messages()
{
    QByteArray noise(70000, '\0');
    for (qsizetype i = 0; i < noise.size(); ++i)
        noise[i] = char((i * 7919 + i / 13) & 0xff);
    return {PreparedMessage(QString::fromUtf8(jsonFeed(60))),
            PreparedMessage(QStringLiteral("hi")),
            PreparedMessage(noise, Connection::MessageType::Binary),
            PreparedMessage(QString()),
            PreparedMessage(jsonFeed(3000), Connection::MessageType::Text),
            PreparedMessage(QStringLiteral("h\u00e9llo w\u00f6rld \u20ac").repeated(40))};
}

Core::DeflateConfig offer(bool serverNoContextTakeover, int serverMaxWindowBits = 15)
{
    Core::DeflateConfig config;
    config.serverNoContextTakeover = serverNoContextTakeover;
    config.serverMaxWindowBits = std::uint8_t(serverMaxWindowBits);
    return config;
}

void configure(TestServer &fixture, qint64 maxBufferedAmount = ConnectionOptions::DefaultMaxBufferedAmount)
{
    ConnectionOptions options;
    options.setMaxBufferedAmount(maxBufferedAmount);
    options.setMaxMessageSize(0);
    Upgrader upgrader;
    upgrader.setConnectionOptions(options);
    fixture.server.setUpgrader(upgrader);
}

// A client and the server's side of its connection.
struct Peer {
    std::unique_ptr<Client> client = std::make_unique<Client>();
    QPointer<Connection> connection;
};

// Opens a connection with this offer (none: uncompressed).
Peer open(TestServer &fixture, const std::optional<Core::DeflateConfig> &deflate)
{
    Peer peer;
    if (!peer.client->connectTo(fixture.port()))
        return peer;
    const qsizetype before = fixture.connections.size();
    const int status = deflate ? peer.client->upgradeCompressed(*deflate) : peer.client->upgrade();
    if (status == 101 && QTest::qWaitFor([&] { return fixture.connections.size() > before; }, Wait))
        peer.connection = fixture.connections.last();
    return peer;
}

// Waits until client received count messages and returns their payloads.
QList<QByteArray> received(Client &client, qsizetype count)
{
    QList<QByteArray> payloads;
    for (qsizetype i = 0; i < count; ++i) {
        const Event message = client.nextMessage();
        if (message.type != Core::Event::Type::Message)
            break;
        payloads.append(message.payload);
    }
    return payloads;
}

QList<QByteArray> payloadsOf(const QList<PreparedMessage> &prepared)
{
    QList<QByteArray> payloads;
    for (const PreparedMessage &message : prepared)
        payloads.append(message.payload());
    return payloads;
}

} // namespace

class tst_PreparedMessage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void value();
    void sameBytesAsPlainSend_data();
    void sameBytesAsPlainSend();
    void mixedReceiversShareEncodings();
    void backPressurePerConnection();
    void sharedAcrossThreads();
    void clientConnectionMasksOnItsOwn();
    void refusals();
};

void tst_PreparedMessage::value()
{
    const PreparedMessage null;
    QVERIFY(null.isNull());
    QVERIFY(!null.isValid());
    QCOMPARE(null.encodingCount(), 0);

    const PreparedMessage text(QStringLiteral("caf\u00e9"));
    QVERIFY(text.isValid());
    QCOMPARE(text.type(), Connection::MessageType::Text);
    QCOMPARE(text.payload(), QByteArray("caf\xc3\xa9"));

    // Copies share the payload; a move leaves the source null.
    PreparedMessage copy = text;
    QCOMPARE(copy.payload().constData(), text.payload().constData());
    const PreparedMessage moved = std::move(copy);
    QVERIFY(copy.isNull()); // NOLINT(bugprone-use-after-move): the documented state
    QCOMPARE(moved.payload().constData(), text.payload().constData());

    QVERIFY(!PreparedMessage(QByteArray("\xc3"), Connection::MessageType::Text).isValid());
    QVERIFY(PreparedMessage(QByteArray("\xc3"), Connection::MessageType::Binary).isValid());
}

void tst_PreparedMessage::sameBytesAsPlainSend_data()
{
    QTest::addColumn<std::optional<Core::DeflateConfig>>("deflate");
    QTest::addColumn<bool>("outgoingCompression");
    QTest::addColumn<qint64>("fragmentSize");
    QTest::addColumn<QList<int>>("built"); // encodings built, per message of messages()

    const QList<int> shared{1, 1, 1, 1, 1, 1};
    QTest::newRow("uncompressed") << std::optional<Core::DeflateConfig>() << true << qint64(0) << shared;
    QTest::newRow("uncompressed, fragmented") << std::optional<Core::DeflateConfig>() << true << qint64(1000) << shared;
    QTest::newRow("compressed, no context takeover") << std::optional(offer(true)) << true << qint64(0) << shared;
    QTest::newRow("compressed, no context takeover, window 9")
        << std::optional(offer(true, 9)) << true << qint64(0) << shared;
    QTest::newRow("compressed, no context takeover, fragmented")
        << std::optional(offer(true)) << true << qint64(1000) << shared;
    // Only the messages under the threshold take shared (uncompressed) bytes; the
    // others are compressed by the connection's own deflater.
    QTest::newRow("compressed, context takeover")
        << std::optional(offer(false)) << true << qint64(0) << QList<int>{0, 1, 0, 1, 0, 0};
    QTest::newRow("compression switched off") << std::optional(offer(false)) << false << qint64(0) << shared;
}

void tst_PreparedMessage::sameBytesAsPlainSend()
{
    QFETCH(std::optional<Core::DeflateConfig>, deflate);
    QFETCH(bool, outgoingCompression);
    QFETCH(qint64, fragmentSize);
    QFETCH(QList<int>, built);

    TestServer fixture;
    configure(fixture);
    QVERIFY(fixture.listen());
    // Twins that negotiated the same: one is sent the prepared messages, the other
    // the same payloads with sendMessage().
    Peer prepared = open(fixture, deflate);
    Peer plain = open(fixture, deflate);
    QVERIFY(prepared.connection && plain.connection);
    QCOMPARE(prepared.connection->isCompressionNegotiated(), deflate.has_value());
    for (Connection *connection : {prepared.connection.data(), plain.connection.data()}) {
        connection->setOutgoingCompressionEnabled(outgoingCompression);
        ConnectionOptions options = connection->options();
        options.setOutgoingFragmentSize(fragmentSize);
        connection->setOptions(options);
    }

    const QList<PreparedMessage> broadcast = messages();
    for (const PreparedMessage &message : broadcast) {
        QVERIFY(prepared.connection->sendPrepared(message));
        QVERIFY(plain.connection->sendMessage(message.payload(), message.type()));
    }
    QCOMPARE(received(*prepared.client, broadcast.size()), payloadsOf(broadcast));
    QCOMPARE(received(*plain.client, broadcast.size()), payloadsOf(broadcast));
    QCOMPARE(prepared.client->raw.size(), plain.client->raw.size());
    QVERIFY(prepared.client->raw == plain.client->raw);

    QList<int> encodings;
    for (const PreparedMessage &message : broadcast)
        encodings.append(message.encodingCount());
    QCOMPARE(encodings, built);
}

void tst_PreparedMessage::mixedReceiversShareEncodings()
{
    TestServer fixture;
    configure(fixture);
    QVERIFY(fixture.listen());
    struct Kind {
        const char *name;
        std::optional<Core::DeflateConfig> deflate;
    };
    const QList<Kind> kinds = {{"uncompressed", std::nullopt},
                               {"context takeover", offer(false)},
                               {"no context takeover", offer(true)},
                               {"no context takeover, window 10", offer(true, 10)}};
    std::vector<Peer> peers;
    for (int copy = 0; copy < 3; ++copy) {
        for (const Kind &kind : kinds) {
            peers.push_back(open(fixture, kind.deflate));
            QVERIFY2(peers.back().connection, kind.name);
        }
    }

    const PreparedMessage big(QString::fromUtf8(jsonFeed(200)));
    const PreparedMessage small(QStringLiteral("under the threshold"));
    for (const Peer &peer : peers) {
        QVERIFY(peer.connection->sendPrepared(big));
        QVERIFY(peer.connection->sendPrepared(small));
    }
    for (Peer &peer : peers)
        QCOMPARE(received(*peer.client, 2), (QList<QByteArray>{big.payload(), small.payload()}));
    // Uncompressed, and compressed at window 12 and at window 10: the three
    // connections with context takeover compressed on their own.
    QCOMPARE(big.encodingCount(), 3);
    // Under the threshold every connection sends it uncompressed.
    QCOMPARE(small.encodingCount(), 1);
}

void tst_PreparedMessage::backPressurePerConnection()
{
    TestServer fixture;
    constexpr qint64 Limit = 64 * 1024;
    configure(fixture, Limit);
    QVERIFY(fixture.listen());
    Peer slow = open(fixture, std::nullopt);
    Peer fast = open(fixture, offer(true));
    QVERIFY(slow.connection && fast.connection);
    slow.client->stopReading();
    QList<Connection::Error> slowErrors;
    connect(slow.connection, &Connection::sendRefused, this,
            [&slowErrors](Connection::Error error) { slowErrors.append(error); });

    // Until the slow reader's buffer is full: the kernel's buffers take megabytes
    // first, so the loop is bounded well beyond them.
    QList<QByteArray> accepted;
    QList<QByteArray> all;
    bool refused = false;
    for (int i = 0; i < 4000 && !refused; ++i) {
        const PreparedMessage message(QByteArray::number(i).repeated(4096).left(16 * 1024),
                                      Connection::MessageType::Binary);
        all.append(message.payload());
        QVERIFY(fast.connection->sendPrepared(message));
        if (slow.connection->sendPrepared(message))
            accepted.append(message.payload());
        else
            refused = true;
        QCOMPARE(fast.client->nextMessage().payload, message.payload());
    }
    QVERIFY(refused);
    QCOMPARE(slowErrors, QList<Connection::Error>{Connection::Error::WriteBufferFull});
    QCOMPARE(slow.connection->sendRefusal(), Connection::Error::WriteBufferFull);
    QCOMPARE(slow.connection->state(), Connection::State::Open);
    QVERIFY(slow.connection->bufferedAmount() <= Limit);

    // The fast reader kept getting everything, and the slow one gets every message
    // that was accepted, whole and in order, once it reads again.
    QVERIFY(fast.connection->sendPrepared(PreparedMessage(QStringLiteral("after"))));
    QCOMPARE(fast.client->nextMessage().payload, QByteArray("after"));
    slow.client->resumeReading();
    QCOMPARE(received(*slow.client, accepted.size()), accepted);
    QVERIFY(slow.connection->sendPrepared(PreparedMessage(QStringLiteral("after"))));
    QCOMPARE(slow.client->nextMessage().payload, QByteArray("after"));
}

void tst_PreparedMessage::sharedAcrossThreads()
{
    // A Server per thread, each with one connection; every thread sends the same
    // messages at once, so several build a message's first encodings together.
    constexpr int Threads = 4;
    constexpr int Rounds = 100;
    struct Worker {
        ~Worker()
        {
            QMetaObject::invokeMethod(server, [this] { delete server; }, Qt::BlockingQueuedConnection);
            thread.quit();
            thread.wait();
        }
        QThread thread;
        Server *server = new Server;
        std::atomic<Connection *> connection{nullptr};
        Client client;
    };
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < Threads; ++i) {
        workers.push_back(std::make_unique<Worker>());
        Worker *w = workers.back().get();
        w->server->moveToThread(&w->thread);
        connect(w->server, &Server::newConnection, w->server, [w](Connection *connection) { w->connection = connection; });
        w->thread.start();
        quint16 port = 0;
        QMetaObject::invokeMethod(w->server, [w, &port] {
            if (w->server->listen(QHostAddress::LocalHost, 0))
                port = w->server->serverPort();
        }, Qt::BlockingQueuedConnection);
        QVERIFY(port != 0);
        QVERIFY(w->client.connectTo(port));
        // Half of them compressed without context takeover: two encodings per message.
        QCOMPARE(i % 2 ? w->client.upgradeCompressed(offer(true)) : w->client.upgrade(), 101);
        QTRY_VERIFY_WITH_TIMEOUT(w->connection.load() != nullptr, Wait);
    }

    QList<PreparedMessage> broadcast;
    for (int round = 0; round < Rounds; ++round)
        broadcast.append(PreparedMessage(QString::fromUtf8(jsonFeed(20 + round % 7))));
    for (const auto &worker : workers) {
        Connection *connection = worker->connection;
        QMetaObject::invokeMethod(connection, [connection, broadcast] {
            for (const PreparedMessage &message : broadcast)
                connection->sendPrepared(message);
        }, Qt::QueuedConnection);
    }
    for (const auto &worker : workers)
        QCOMPARE(received(worker->client, broadcast.size()), payloadsOf(broadcast));
    for (const PreparedMessage &message : std::as_const(broadcast))
        QCOMPARE(message.encodingCount(), 2);
}

void tst_PreparedMessage::clientConnectionMasksOnItsOwn()
{
    TestServer fixture;
    configure(fixture);
    QVERIFY(fixture.listen());
    QList<QByteArray> serverReceived;
    connect(&fixture.server, &Server::newConnection, this, [&serverReceived](Connection *connection) {
        connect(connection, &Connection::messageReceived, connection,
                [&serverReceived](const QByteArray &payload) { serverReceived.append(payload); });
    });

    // Two client connections: one uncompressed, one compressed without context takeover.
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(fixture.port()));
    QObject parent;
    const auto dial = [&url, &parent](bool compressed) {
        CompressionOptions compression;
        compression.setEnabled(compressed);
        compression.setNoContextTakeover(true);
        ConnectionOptions options;
        options.setCompression(compression);
        Dialer dialer;
        dialer.setConnectionOptions(options);
        return dialer.dial(url, {}, &parent);
    };
    Connection *plain = dial(false);
    Connection *compressed = dial(true);
    QTRY_COMPARE_WITH_TIMEOUT(plain->state(), Connection::State::Open, Wait);
    QTRY_COMPARE_WITH_TIMEOUT(compressed->state(), Connection::State::Open, Wait);
    QVERIFY(compressed->isCompressionNegotiated());
    QCOMPARE(compressed->negotiatedCompression().noContextTakeover(), true);

    // The server accepts only masked frames (it fails unmasked ones with 1002), so
    // arriving intact proves each connection masked the message itself; nothing
    // was built to be shared.
    const PreparedMessage message(QString::fromUtf8(jsonFeed(100)));
    QVERIFY(plain->sendPrepared(message));
    QVERIFY(compressed->sendPrepared(message));
    QTRY_COMPARE_WITH_TIMEOUT(serverReceived.size(), 2, Wait);
    QCOMPARE(serverReceived, (QList<QByteArray>{message.payload(), message.payload()}));
    QCOMPARE(message.encodingCount(), 0);
    QCOMPARE(plain->state(), Connection::State::Open);
    QCOMPARE(compressed->state(), Connection::State::Open);

    // The same message then goes to the server's side of the uncompressed one as
    // shared bytes.
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 2, Wait);
    Connection *serverSide = fixture.connections.at(0)->isCompressionNegotiated() ? fixture.connections.at(1)
                                                                                  : fixture.connections.at(0);
    QList<QByteArray> clientReceived;
    connect(plain, &Connection::messageReceived, this,
            [&clientReceived](const QByteArray &payload) { clientReceived.append(payload); });
    QVERIFY(serverSide->sendPrepared(message));
    QTRY_COMPARE_WITH_TIMEOUT(clientReceived, QList<QByteArray>{message.payload()}, Wait);
    QCOMPARE(message.encodingCount(), 1);
}

void tst_PreparedMessage::refusals()
{
    TestServer fixture;
    configure(fixture);
    QVERIFY(fixture.listen());
    Peer peer = open(fixture, offer(true));
    QVERIFY(peer.connection);
    QList<QPair<Connection::Error, QString>> errors;
    connect(peer.connection, &Connection::sendRefused, this,
            [&errors](Connection::Error error, const QString &text) { errors.append({error, text}); });

    QVERIFY(!peer.connection->sendPrepared(PreparedMessage()));
    const PreparedMessage invalidText(QByteArray("\xff"), Connection::MessageType::Text);
    QVERIFY(!peer.connection->sendPrepared(invalidText));
    QCOMPARE(invalidText.encodingCount(), 0);

    // While a message is being written in pieces, other data messages wait.
    const PreparedMessage message(QString::fromUtf8(jsonFeed(100)));
    MessageWriter writer = peer.connection->beginMessage(Connection::MessageType::Binary);
    QVERIFY(writer.isOpen());
    QVERIFY(!peer.connection->sendPrepared(message));
    QCOMPARE(message.encodingCount(), 0);
    QVERIFY(writer.finish("piece"));

    QCOMPARE(errors.size(), 3);
    QCOMPARE(errors.at(0), qMakePair(Connection::Error::InvalidSend, QStringLiteral("The prepared message is null")));
    QCOMPARE(errors.at(1), qMakePair(Connection::Error::InvalidSend, QStringLiteral("The text is not valid UTF-8")));
    QCOMPARE(errors.at(2).first, Connection::Error::InvalidSend);

    // Nothing of the refused messages reached the wire: the connection goes on.
    QVERIFY(peer.connection->sendPrepared(message));
    QCOMPARE(received(*peer.client, 2), (QList<QByteArray>{"piece", message.payload()}));

    QVERIFY(peer.connection->close(1000));
    QVERIFY(!peer.connection->sendPrepared(message));
    QCOMPARE(errors.last().first, Connection::Error::SendAfterClose);
    QCOMPARE(message.encodingCount(), 1);
}

QTEST_MAIN(tst_PreparedMessage)
#include "tst_preparedmessage.moc"
