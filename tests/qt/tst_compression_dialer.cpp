// permessage-deflate on the client side: the Dialer's offer for each setting, the
// agreement both ends report against our Server, round trips with and without
// context takeover and with small windows, 101 answers the offer does not allow
// (the dial fails) or does (it opens), and a zip bomb sent to a client.

#include "dialertestutil.h"
#include "jsonfeed.h"

#include <WsKit/compressionoptions.h>
#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QUrl>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace DialerTest;
using WsKit::CompressionOptions;
using WsKit::Connection;
using WsKit::Dialer;

namespace {

// The negotiable settings of one side; for an agreement, enabled says whether
// compression was negotiated.
struct Settings {
    bool enabled = true;
    int windowBits = CompressionOptions::DefaultWindowBits;
    bool noContextTakeover = false;
    int peerWindowBits = CompressionOptions::DefaultPeerWindowBits;
    bool peerNoContextTakeover = false;

    CompressionOptions options() const
    {
        CompressionOptions result;
        result.setEnabled(enabled);
        result.setWindowBits(windowBits);
        result.setNoContextTakeover(noContextTakeover);
        result.setPeerWindowBits(peerWindowBits);
        result.setPeerNoContextTakeover(peerNoContextTakeover);
        result.setThreshold(0);
        return result;
    }

    static Settings of(const CompressionOptions &options)
    {
        if (!options.isEnabled())
            return {false};
        return {true, options.windowBits(), options.noContextTakeover(), options.peerWindowBits(),
                options.peerNoContextTakeover()};
    }

    // The same agreement seen from the other end.
    Settings mirrored() const
    {
        if (!enabled)
            return {false};
        return {true, peerWindowBits, peerNoContextTakeover, windowBits, noContextTakeover};
    }

    bool operator==(const Settings &other) const
    {
        if (!enabled || !other.enabled)
            return enabled == other.enabled;
        return windowBits == other.windowBits && noContextTakeover == other.noContextTakeover
            && peerWindowBits == other.peerWindowBits && peerNoContextTakeover == other.peerNoContextTakeover;
    }
};

char *toString(const Settings &settings)
{
    if (!settings.enabled)
        return QTest::toString(QStringLiteral("{not negotiated}"));
    return QTest::toString(QStringLiteral("{window %1, noContext %2, peerWindow %3, peerNoContext %4}")
                               .arg(settings.windowBits)
                               .arg(settings.noContextTakeover)
                               .arg(settings.peerWindowBits)
                               .arg(settings.peerNoContextTakeover));
}

WsKit::ConnectionOptions optionsWith(const CompressionOptions &compression, qint64 maxMessageSize = 0)
{
    WsKit::ConnectionOptions options;
    options.setCompression(compression);
    if (maxMessageSize > 0)
        options.setMaxMessageSize(maxMessageSize);
    return options;
}

Dialer dialerWith(const CompressionOptions &compression, qint64 maxMessageSize = 0)
{
    Dialer dialer;
    dialer.setConnectionOptions(optionsWith(compression, maxMessageSize));
    return dialer;
}

// Our Server, echoing, with the given compression; records its connections.
struct EchoServer {
    explicit EchoServer(const CompressionOptions &compression)
    {
        WsKit::Upgrader upgrader;
        upgrader.setConnectionOptions(optionsWith(compression));
        server.setUpgrader(upgrader);
        QObject::connect(&server, &WsKit::Server::newConnection, &server, [this](Connection *connection) {
            connections.append(connection);
            QObject::connect(connection->socket(), &QIODevice::bytesWritten, connection,
                             [this](qint64 bytes) { wireOut += bytes; });
            QObject::connect(connection, &Connection::messageReceived, connection,
                             [connection](const QByteArray &payload, Connection::MessageType type) {
                                 connection->sendMessage(payload, type);
                             });
        });
    }

    bool listen() { return server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())); }

    WsKit::Server server;
    QList<QPointer<Connection>> connections;
    qint64 wireOut = 0; // bytes the server's sockets handed to the kernel
};

} // namespace

Q_DECLARE_METATYPE(Settings)

class tst_CompressionDialer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void negotiation_data();
    void negotiation();
    void roundTrip_data();
    void roundTrip();
    void answers_data();
    void answers();
    void zipBombToClient();
};

void tst_CompressionDialer::negotiation_data()
{
    QTest::addColumn<Settings>("client");
    QTest::addColumn<Settings>("server");
    QTest::addColumn<QByteArray>("offer");
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<Settings>("agreed"); // from the client's side

    const QByteArray pmd = "permessage-deflate";
    QTest::newRow("defaults") << Settings{} << Settings{} << pmd + "; client_max_window_bits=12"
                              << pmd + "; server_max_window_bits=12; client_max_window_bits=12"
                              << Settings{true, 12, false, 12, false};
    QTest::newRow("full windows") << Settings{true, 15} << Settings{true, 15} << pmd + "; client_max_window_bits"
                                  << pmd << Settings{true, 15, false, 15, false};
    QTest::newRow("client resets both contexts")
        << Settings{true, 15, true, 15, true} << Settings{true, 15}
        << pmd + "; server_no_context_takeover; client_no_context_takeover; client_max_window_bits"
        << pmd + "; server_no_context_takeover; client_no_context_takeover" << Settings{true, 15, true, 15, true};
    QTest::newRow("server resets both contexts")
        << Settings{true, 15} << Settings{true, 15, true, 15, true} << pmd + "; client_max_window_bits"
        << pmd + "; server_no_context_takeover; client_no_context_takeover" << Settings{true, 15, true, 15, true};
    QTest::newRow("client limits the server")
        << Settings{true, 15, false, 10} << Settings{true, 15}
        << pmd + "; server_max_window_bits=10; client_max_window_bits" << pmd + "; server_max_window_bits=10"
        << Settings{true, 15, false, 10, false};
    QTest::newRow("server limits the client")
        << Settings{true, 15} << Settings{true, 15, false, 9} << pmd + "; client_max_window_bits"
        << pmd + "; client_max_window_bits=9" << Settings{true, 9, false, 15, false};
    QTest::newRow("8-bit windows") << Settings{true, 8, false, 8} << Settings{true, 15}
                                   << pmd + "; server_max_window_bits=8; client_max_window_bits=8"
                                   << pmd + "; server_max_window_bits=8; client_max_window_bits=8"
                                   << Settings{true, 8, false, 8, false};
    QTest::newRow("client disabled") << Settings{false} << Settings{} << QByteArray() << QByteArray() << Settings{false};
    QTest::newRow("server disabled") << Settings{} << Settings{false} << pmd + "; client_max_window_bits=12"
                                     << QByteArray() << Settings{false};
}

void tst_CompressionDialer::negotiation()
{
    QFETCH(Settings, client);
    QFETCH(Settings, server);
    QFETCH(QByteArray, offer);
    QFETCH(QByteArray, answer);
    QFETCH(Settings, agreed);

    EchoServer fixture(server.options());
    QVERIFY(fixture.listen());
    Connection *connection = dialerWith(client.options()).dial(fixture.url(), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->isCompressionNegotiated(), agreed.enabled);
    QCOMPARE(Settings::of(connection->negotiatedCompression()), agreed);
    const auto field = [](const WsKit::HttpHeaderList &headers) {
        for (const auto &[name, value] : headers) {
            if (name.compare("Sec-WebSocket-Extensions", Qt::CaseInsensitive) == 0)
                return value;
        }
        return QByteArray();
    };
    QCOMPARE(field(connection->requestHeaders()), offer);
    QCOMPARE(field(connection->responseHeaders()), answer);

    QVERIFY(spinUntil([&] { return !fixture.connections.isEmpty(); }));
    Connection *serverSide = fixture.connections.first();
    QCOMPARE(serverSide->isCompressionNegotiated(), agreed.enabled);
    QCOMPARE(Settings::of(serverSide->negotiatedCompression()), agreed.mirrored());
    delete connection;
}

void tst_CompressionDialer::roundTrip_data()
{
    QTest::addColumn<Settings>("client");
    QTest::addColumn<Settings>("server");
    QTest::newRow("defaults") << Settings{} << Settings{};
    QTest::newRow("no context takeover") << Settings{true, 15, true, 15, true} << Settings{true, 15};
    QTest::newRow("small windows") << Settings{true, 9, false, 10} << Settings{true, 15};
    QTest::newRow("8-bit windows") << Settings{true, 8, false, 8} << Settings{true, 15};
}

void tst_CompressionDialer::roundTrip()
{
    QFETCH(Settings, client);
    QFETCH(Settings, server);

    EchoServer fixture(server.options());
    QVERIFY(fixture.listen());
    Connection *connection = dialerWith(client.options()).dial(fixture.url(), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QVERIFY(connection->isCompressionNegotiated());
    qint64 wireOut = 0;
    QObject::connect(connection->socket(), &QIODevice::bytesWritten, connection,
                     [&wireOut](qint64 bytes) { wireOut += bytes; });
    MessageQueue echoes(connection);

    const QList<QByteArray> messages = {jsonFeed(200), jsonFeed(2000), jsonFeed(200), QByteArray(), "x",
                                        QByteArray(100 * 1024, 'z')};
    qint64 plain = 0;
    for (const QByteArray &message : messages) {
        QVERIFY(connection->sendTextUtf8(message));
        plain += message.size();
    }
    for (const QByteArray &message : messages)
        QCOMPARE(echoes.take(), message);
    // Fewer bytes crossed the wire than the messages hold, both ways; uncompressed
    // there would be more (an 8-bit window still takes off a quarter).
    QVERIFY2(wireOut < plain * 3 / 4, qPrintable(QStringLiteral("%1 of %2").arg(wireOut).arg(plain)));
    QVERIFY2(fixture.wireOut < plain * 3 / 4, qPrintable(QStringLiteral("%1 of %2").arg(fixture.wireOut).arg(plain)));
    QCOMPARE(closeAndWait(connection), 1000);
    delete connection;
}

void tst_CompressionDialer::answers_data()
{
    // What a server answers the Dialer's offer with. RFC 7692 §7.1: the client fails
    // the connection on an answer its offer does not allow.
    QTest::addColumn<Settings>("client");
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<bool>("opens");
    QTest::addColumn<Settings>("agreed"); // when it opens

    const QByteArray pmd = "permessage-deflate";
    const Settings none{false};
    QTest::newRow("declined") << Settings{} << QByteArray() << true << none;
    QTest::newRow("bare acceptance") << Settings{} << pmd << true << Settings{true, 12, false, 15, false};
    QTest::newRow("unasked server window") << Settings{} << pmd + "; server_max_window_bits=9" << true
                                           << Settings{true, 12, false, 9, false};
    QTest::newRow("server imposes our no context takeover")
        << Settings{} << pmd + "; client_no_context_takeover" << true << Settings{true, 12, true, 15, false};
    QTest::newRow("server lowers our window") << Settings{} << pmd + "; client_max_window_bits=10" << true
                                              << Settings{true, 10, false, 15, false};
    QTest::newRow("unknown parameter") << Settings{} << pmd + "; x-window=3" << false << none;
    QTest::newRow("repeated parameter") << Settings{} << pmd + "; server_no_context_takeover; server_no_context_takeover"
                                        << false << none;
    QTest::newRow("window out of range") << Settings{} << pmd + "; server_max_window_bits=16" << false << none;
    QTest::newRow("client window without value") << Settings{} << pmd + "; client_max_window_bits" << false << none;
    QTest::newRow("client window above the offer") << Settings{} << pmd + "; client_max_window_bits=13" << false
                                                   << none;
    QTest::newRow("twice") << Settings{} << pmd + ", " + pmd << false << none;
    QTest::newRow("another extension") << Settings{} << QByteArray("x-webkit-deflate-frame") << false << none;
    QTest::newRow("malformed") << Settings{} << pmd + ";" << false << none;
    QTest::newRow("asked server window not answered") << Settings{true, 12, false, 10} << pmd << false << none;
    QTest::newRow("asked server window exceeded")
        << Settings{true, 12, false, 10} << pmd + "; server_max_window_bits=11" << false << none;
    QTest::newRow("asked no context takeover not answered") << Settings{true, 12, false, 15, true} << pmd << false
                                                           << none;
    QTest::newRow("nothing offered") << Settings{false} << pmd << false << none;
}

void tst_CompressionDialer::answers()
{
    QFETCH(Settings, client);
    QFETCH(QByteArray, answer);
    QFETCH(bool, opens);
    QFETCH(Settings, agreed);

    RawServer raw;
    QVERIFY(raw.listen());
    Connection *connection = dialerWith(client.options()).dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    raw.write(raw.acceptResponse(0, answer.isEmpty() ? QByteArray() : "Sec-WebSocket-Extensions: " + answer + "\r\n"));
    const Outcome outcome = waitForOutcome(connection);
    QCOMPARE(outcome.opened, opens);
    if (opens) {
        QCOMPARE(connection->isCompressionNegotiated(), agreed.enabled);
        QCOMPARE(Settings::of(connection->negotiatedCompression()), agreed);
    } else {
        QCOMPARE(outcome.error, Connection::Error::HandshakeFailed);
        QVERIFY2(outcome.errorString.contains(
                     QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::UnexpectedExtension))),
                 qPrintable(outcome.errorString));
        if (client.enabled) // the text names the answer it refused
            QVERIFY2(outcome.errorString.contains(QString::fromUtf8(answer)), qPrintable(outcome.errorString));
        QCOMPARE(connection->closeCode(), quint16(1006));
        QVERIFY(spinUntil([&] { return raw.socket()->state() == QAbstractSocket::UnconnectedState; }));
    }
    delete connection;
}

void tst_CompressionDialer::zipBombToClient()
{
    // The client's inflater is bounded too: 10 MiB of zeros, about 10 KB on the
    // wire, fail a client whose limit is 1 MiB with 1009.
    CompressionOptions compression = Settings{}.options();
    EchoServer fixture(compression);
    QVERIFY(fixture.listen());
    Connection *connection = dialerWith(compression, 1024 * 1024).dial(fixture.url(), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QVERIFY(spinUntil([&] { return !fixture.connections.isEmpty(); }));
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy messages(connection, &Connection::messageReceived);
    Connection *serverSide = fixture.connections.first();
    QSignalSpy serverClosed(serverSide, &Connection::closed);
    QVERIFY(serverSide->sendBinary(QByteArray(10 * 1024 * 1024, '\0')));
    QVERIFY(spinUntil([&] { return closed.size() == 1; }));
    QVERIFY2(fixture.wireOut > 0 && fixture.wireOut < 64 * 1024, qPrintable(QString::number(fixture.wireOut)));
    QCOMPARE(closed.at(0).at(0).toInt(), 1009);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), Connection::Error::MessageTooBig);
    QCOMPARE(messages.size(), 0);
    QVERIFY(spinUntil([&] { return serverClosed.size() == 1; }));
    QCOMPARE(serverClosed.at(0).at(0).toInt(), 1009);
    delete connection;
}

QTEST_MAIN(tst_CompressionDialer)
#include "tst_compression_dialer.moc"
