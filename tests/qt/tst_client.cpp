// Client over real loopback sockets: opening, closing and opening again with one set
// of signal connections, failures, sends, and reconnecting with back-off.

#include "dialertestutil.h"

#include <WsKit/client.h>
#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/server.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace DialerTest;
using WsKit::Client;
using WsKit::ReconnectPolicy;
using WsKit::Server;
using Status = WsKit::Client::Status;

namespace {

// Everything a Client reports, in order, from construction on.
class ClientLog : public QObject
{
public:
    explicit ClientLog(Client *client)
    {
        connect(client, &Client::statusChanged, this, [this](Status status) { statuses.append(status); });
        connect(client, &Client::activeChanged, this, [this](bool active) { actives.append(active); });
        connect(client, &Client::opened, this, [this] { ++openings; });
        connect(client, &Client::textMessageReceived, this, [this](const QString &text) { texts.append(text); });
        connect(client, &Client::binaryMessageReceived, this,
                [this](const QByteArray &data) { binaries.append(data); });
        connect(client, &Client::closed, this,
                [this](quint16 code, const QString &reason) { closes.append({code, reason}); });
        connect(client, &Client::errorOccurred, this,
                [this](Connection::Error error, const QString &) { errors.append(error); });
        connect(client, &Client::sendRefused, this,
                [this](Connection::Error error, const QString &) { refusals.append(error); });
        connect(client, &Client::reconnectScheduled, this, [this](int attempt, std::chrono::milliseconds delay) {
            attempts.append(attempt);
            delays.append(delay);
        });
    }

    QList<Status> statuses;
    QList<bool> actives;
    int openings = 0;
    QStringList texts;
    QList<QByteArray> binaries;
    QList<QPair<quint16, QString>> closes;
    QList<Connection::Error> errors;
    QList<Connection::Error> refusals; // sends refused, which are no errors of the client
    QList<int> attempts;
    QList<std::chrono::milliseconds> delays;
};

// Our Server on 127.0.0.1, echoing every message and counting what it accepted.
class EchoServer
{
public:
    EchoServer()
    {
        QObject::connect(&server, &Server::newConnection, &server, [this](Connection *connection) {
            accepted.append(connection);
            requestHeaders.append(connection->requestHeaders());
            echoMessages(connection);
        });
    }

    bool listen(quint16 port = 0) { return server.listen(QHostAddress::LocalHost, port); }
    QUrl url(const QString &path = QStringLiteral("/")) const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(server.serverPort()).arg(path));
    }

    Server server;
    QList<QPointer<Connection>> accepted;
    QList<WsKit::HttpHeaderList> requestHeaders;
};

// A fast, exact back-off for tests: no jitter, 20 ms doubling up to 80 ms.
ReconnectPolicy fastPolicy(std::chrono::milliseconds resetAfter = std::chrono::hours(1))
{
    ReconnectPolicy policy;
    policy.setEnabled(true);
    policy.setMinDelay(20ms);
    policy.setMaxDelay(80ms);
    policy.setJitter(0);
    policy.setResetAfter(resetAfter);
    return policy;
}

// Runs the event loop until client is in status; false when it did not get there in time.
bool waitFor(const Client &client, Status status)
{
    return spinUntil([&] { return client.status() == status; });
}

// Opens client on url and waits until it is open.
bool openOn(Client &client, const QUrl &url)
{
    client.open(url);
    return waitFor(client, Status::Open);
}

// A loopback port where nothing listens (it did a moment ago).
quint16 closedPort()
{
    return freePort();
}

} // namespace

class tst_Client : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void opensEchoesAndCloses();
    void reopenKeepsSignalConnections();
    void openWhileOpenReplacesTheConnection();
    void setUrlWhileActiveReopens();
    void subprotocolsAndHeaders();
    void activeWithoutUrlWaitsForOne();
    void adoptsAcceptedConnection();
    void adoptsDialedConnection();
    void refusedPortIsAnError();
    void invalidUrlIsAnError();
    void sendWithoutConnectionIsRefused();
    void closeWhileConnecting();
    void closeWithInvalidCodeChangesNothing();
    void connectionFailureIsAnError();
    void pingReportsRoundTrip();
    void connectionOptionsApplyToTheOpenConnection();
    void reconnectsWithBackoff();
    void reconnectsAfterServerGoesAwayAndComesBack();
    void backoffResetsOnlyAfterStableConnection();
    void noReconnectAfterClose();
    void closeFromReconnectSlotCancelsIt();
    void noReconnectForInvalidUrl();
    void disablingPolicyCancelsWaitingReconnect();
    void openFromSlots();
    void deleteFromSlots_data();
    void deleteFromSlots();
};

void tst_Client::opensEchoesAndCloses()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    ClientLog log(&client);
    QCOMPARE(client.status(), Status::Closed);
    QVERIFY(!client.isActive());
    QVERIFY(client.connection() == nullptr);

    client.open(server.url(QStringLiteral("/echo")));
    QCOMPARE(client.url(), server.url(QStringLiteral("/echo")));
    QVERIFY(client.isActive());
    QCOMPARE(client.status(), Status::Connecting);
    QVERIFY(waitFor(client, Status::Open));
    QCOMPARE(log.openings, 1);
    QCOMPARE(server.accepted.size(), 1);
    QCOMPARE(server.accepted.first()->requestTarget(), QByteArray("/echo"));

    QVERIFY(client.sendText(QStringLiteral("héllo wörld ✓")));
    QVERIFY(client.sendBinary(QByteArray("\x00\x01\xff", 3)));
    QVERIFY(client.sendJson(QJsonDocument(QJsonObject{{QStringLiteral("a"), 1}})));
    QVERIFY(spinUntil([&] { return log.texts.size() == 2 && log.binaries.size() == 1; }));
    QCOMPARE(log.texts, (QStringList{QStringLiteral("héllo wörld ✓"), QStringLiteral("{\"a\":1}")}));
    QCOMPARE(log.binaries.first(), QByteArray("\x00\x01\xff", 3));

    QVERIFY(client.close(4000, QStringLiteral("done")));
    QVERIFY(!client.isActive());
    QCOMPARE(client.status(), Status::Closing);
    QVERIFY(waitFor(client, Status::Closed));
    QCOMPARE(log.closes.size(), 1);
    QCOMPARE(log.closes.first().first, 4000);
    QCOMPARE(client.closeCode(), 4000);
    QCOMPARE(log.statuses, (QList<Status>{Status::Connecting, Status::Open, Status::Closing, Status::Closed}));
    QCOMPARE(log.actives, (QList<bool>{true, false}));
    QCOMPARE(client.errorString(), QString());
    QCOMPARE(client.error(), Connection::Error::NoError);
    QVERIFY(client.connection() == nullptr);
    QVERIFY(log.attempts.isEmpty());
}

void tst_Client::reopenKeepsSignalConnections()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    client.setUrl(server.url());
    ClientLog log(&client);
    for (int round = 1; round <= 3; ++round) {
        client.open();
        QVERIFY(waitFor(client, Status::Open));
        QVERIFY(client.sendText(QStringLiteral("round %1").arg(round)));
        QVERIFY(spinUntil([&] { return log.texts.size() == round; }));
        QVERIFY(client.close());
        QVERIFY(waitFor(client, Status::Closed));
    }
    QCOMPARE(log.texts, (QStringList{QStringLiteral("round 1"), QStringLiteral("round 2"), QStringLiteral("round 3")}));
    QCOMPARE(log.openings, 3);
    QCOMPARE(log.closes.size(), 3);
    QCOMPARE(server.accepted.size(), 3);
    // The closed connections were deleted, on both sides.
    QVERIFY(spinUntil([&] { return server.server.connectionCount() == 0 && client.findChildren<Connection *>().isEmpty(); }));
}

void tst_Client::openWhileOpenReplacesTheConnection()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    ClientLog log(&client);
    client.open(server.url(QStringLiteral("/first")));
    QVERIFY(waitFor(client, Status::Open));
    QPointer<Connection> first = client.connection();

    client.open(server.url(QStringLiteral("/second")));
    QCOMPARE(client.status(), Status::Connecting);
    QVERIFY(client.connection() != first);
    QVERIFY(spinUntil([&] { return client.status() == Status::Open && server.accepted.size() == 2; }));
    QCOMPARE(server.accepted.at(1)->requestTarget(), QByteArray("/second"));
    // The first connection closed cleanly with 1000 and went away; its end is not reported.
    QVERIFY(spinUntil([&] { return first.isNull() && server.accepted.first().isNull(); }));
    QVERIFY(log.closes.isEmpty());
    QVERIFY(client.sendText(QStringLiteral("on the second")));
    QVERIFY(spinUntil([&] { return log.texts.size() == 1; }));
    QCOMPARE(log.actives, QList<bool>{true});
}

void tst_Client::setUrlWhileActiveReopens()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    QSignalSpy urlSpy(&client, &Client::urlChanged);
    client.setUrl(server.url(QStringLiteral("/a")));
    QCOMPARE(urlSpy.size(), 1);
    QCOMPARE(client.status(), Status::Closed); // inactive: nothing is dialed
    client.setActive(true);
    QVERIFY(waitFor(client, Status::Open));
    client.setUrl(server.url(QStringLiteral("/b")));
    QCOMPARE(urlSpy.size(), 2);
    QVERIFY(spinUntil([&] { return client.status() == Status::Open && server.accepted.size() == 2; }));
    QCOMPARE(server.accepted.at(1)->requestTarget(), QByteArray("/b"));
    client.setUrl(server.url(QStringLiteral("/b")));
    QCOMPARE(urlSpy.size(), 2);
    client.setActive(false);
    QVERIFY(waitFor(client, Status::Closed));
}

void tst_Client::subprotocolsAndHeaders()
{
    EchoServer server;
    WsKit::Upgrader upgrader = server.server.upgrader();
    upgrader.setSubprotocols({QStringLiteral("chat.v2"), QStringLiteral("chat.v1")});
    server.server.setUpgrader(upgrader);
    QVERIFY(server.listen());
    Client client;
    QSignalSpy protocolSpy(&client, &Client::negotiatedSubprotocolChanged);
    QSignalSpy requestedSpy(&client, &Client::requestedSubprotocolsChanged);
    client.setRequestedSubprotocols({QStringLiteral("chat.v1"), QStringLiteral("chat.v2")});
    QCOMPARE(requestedSpy.size(), 1);
    QCOMPARE(client.dialer().subprotocols(), client.requestedSubprotocols());
    client.setRequestHeaders({{"Authorization", "Bearer abc"}, {"X-Room", "7"}});
    QVERIFY(openOn(client, server.url()));
    QCOMPARE(client.negotiatedSubprotocol(), QStringLiteral("chat.v2"));
    QCOMPARE(protocolSpy.size(), 1);
    const WsKit::HttpHeaderList headers = server.requestHeaders.first();
    QVERIFY(headers.contains(qMakePair(QByteArray("Authorization"), QByteArray("Bearer abc"))));
    QVERIFY(headers.contains(qMakePair(QByteArray("X-Room"), QByteArray("7"))));
    client.close();
    QVERIFY(waitFor(client, Status::Closed));
    QCOMPARE(client.negotiatedSubprotocol(), QString());
    QCOMPARE(protocolSpy.size(), 2);
}

void tst_Client::activeWithoutUrlWaitsForOne()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    ClientLog log(&client);
    client.setActive(true);
    QVERIFY(client.isActive());
    QCOMPARE(client.status(), Status::Closed);
    QTest::qWait(50);
    QVERIFY(log.errors.isEmpty());
    client.setUrl(server.url());
    QCOMPARE(client.status(), Status::Connecting);
    QVERIFY(waitFor(client, Status::Open));
    QCOMPARE(log.actives, QList<bool>{true});
}

void tst_Client::adoptsAcceptedConnection()
{
    Server server;
    QList<Client *> serverSide;
    connect(&server, &Server::newConnection, this, [&](Connection *connection) {
        auto *client = new Client(this);
        client->adopt(connection);
        connect(client, &Client::textMessageReceived, client, &Client::sendText);
        serverSide.append(client);
    });
    WsKit::Upgrader upgrader = server.upgrader();
    WsKit::ConnectionOptions serverOptions = upgrader.connectionOptions();
    serverOptions.setMaxMessageSize(1234);
    upgrader.setConnectionOptions(serverOptions);
    server.setUpgrader(upgrader);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    Client client;
    ClientLog log(&client);
    client.setRequestedSubprotocols({QStringLiteral("x")});
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())));
    QVERIFY(spinUntil([&] { return client.status() == Status::Open && serverSide.size() == 1; }));
    Client *accepted = serverSide.first();
    QCOMPARE(accepted->status(), Status::Open);
    QVERIFY(accepted->isActive());
    QCOMPARE(accepted->connection()->role(), Connection::Role::Server);
    QCOMPARE(accepted->connection()->parent(), accepted);
    // The options read as the connection has them.
    QCOMPARE(accepted->connectionOptions().maxMessageSize(), 1234);
    QVERIFY(client.sendText(QStringLiteral("echo me")));
    QVERIFY(spinUntil([&] { return log.texts == QStringList{QStringLiteral("echo me")}; }));

    // The accepted side closes: the server's end reports it like any client.
    ClientLog acceptedLog(accepted);
    QVERIFY(accepted->close(4001, QStringLiteral("server says bye")));
    QVERIFY(spinUntil([&] { return accepted->status() == Status::Closed && client.status() == Status::Closed; }));
    QCOMPARE(acceptedLog.statuses, (QList<Status>{Status::Closing, Status::Closed}));
    QCOMPARE(acceptedLog.closes.size(), 1);
    QCOMPARE(client.closeCode(), 4001);
    QCOMPARE(client.closeReason(), QStringLiteral("server says bye"));
    QVERIFY(spinUntil([&] { return accepted->connection() == nullptr && server.connectionCount() == 0; }));
    QTest::qWait(100);
    QCOMPARE(acceptedLog.attempts.size(), 0); // no URL, no reconnect policy: nothing dialed
}

void tst_Client::adoptsDialedConnection()
{
    EchoServer server;
    QVERIFY(server.listen());
    WsKit::Dialer dialer;
    Connection *dialed = dialer.dial(server.url(), this);
    Client client;
    ClientLog log(&client);
    client.adopt(dialed);
    QCOMPARE(client.status(), Status::Connecting);
    QVERIFY(client.isActive());
    QVERIFY(waitFor(client, Status::Open));
    QCOMPARE(log.openings, 1);
    QVERIFY(client.sendText(QStringLiteral("adopted")));
    QVERIFY(spinUntil([&] { return log.texts.size() == 1; }));
    // Adopting another one releases the first, which closes cleanly; null releases it.
    QPointer<Connection> first = dialed;
    client.adopt(dialer.dial(server.url(), nullptr));
    QVERIFY(spinUntil([&] { return first.isNull() && client.status() == Status::Open; }));
    QVERIFY(log.closes.isEmpty());
    client.adopt(nullptr);
    QCOMPARE(client.connection(), nullptr);
    QCOMPARE(client.status(), Status::Closed);
    QVERIFY(!client.isActive());
    QVERIFY(spinUntil([&] { return server.server.connectionCount() == 0; }));
}

void tst_Client::refusedPortIsAnError()
{
    Client client;
    ClientLog log(&client);
    QSignalSpy errorStrings(&client, &Client::errorStringChanged);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(closedPort())));
    QVERIFY(waitFor(client, Status::Error));
    QCOMPARE(client.error(), Connection::Error::ConnectionRefused);
    QVERIFY(!client.errorString().isEmpty());
    QCOMPARE(errorStrings.size(), 1);
    QCOMPARE(log.errors, QList<Connection::Error>{Connection::Error::ConnectionRefused});
    QVERIFY(spinUntil([&] { return log.closes.size() == 1; }));
    QCOMPARE(log.closes.first().first, 1006);
    QCOMPARE(log.statuses, (QList<Status>{Status::Connecting, Status::Error}));
    // Reconnecting is off by default: the client stays active and in error.
    QVERIFY(client.isActive());
    QTest::qWait(100);
    QVERIFY(log.attempts.isEmpty());
    QCOMPARE(client.status(), Status::Error);
    // A new attempt clears the error.
    client.open();
    QCOMPARE(client.status(), Status::Connecting);
    QCOMPARE(client.errorString(), QString());
    QCOMPARE(client.error(), Connection::Error::NoError);
    QVERIFY(waitFor(client, Status::Error));
}

void tst_Client::invalidUrlIsAnError()
{
    Client client;
    ClientLog log(&client);
    client.open(QUrl(QStringLiteral("http://127.0.0.1/")));
    QVERIFY(waitFor(client, Status::Error));
    QCOMPARE(client.error(), Connection::Error::InvalidRequest);
    QVERIFY(client.errorString().contains(QStringLiteral("scheme")));
    client.open(QUrl(QStringLiteral("ws://")));
    QVERIFY(spinUntil([&] { return log.errors.size() == 2; }));
    QCOMPARE(client.status(), Status::Error);
    QCOMPARE(client.error(), Connection::Error::InvalidRequest);
}

void tst_Client::sendWithoutConnectionIsRefused()
{
    Client client;
    ClientLog log(&client);
    QVERIFY(!client.sendText(QStringLiteral("nobody")));
    QVERIFY(!client.sendBinary("x"));
    QVERIFY(!client.ping());
    QCOMPARE(log.refusals, (QList<Connection::Error>{Connection::Error::InvalidSend, Connection::Error::InvalidSend,
                                                     Connection::Error::InvalidSend}));
    // A refused send is no failure of the client.
    QVERIFY(log.errors.isEmpty());
    QCOMPARE(client.status(), Status::Closed);
    QCOMPARE(client.errorString(), QString());

    // Nor while dialing: the Connection refuses it.
    EchoServer server;
    QVERIFY(server.listen());
    client.open(server.url());
    QVERIFY(!client.sendText(QStringLiteral("too early")));
    QCOMPARE(log.refusals.size(), 4);
    QVERIFY(log.errors.isEmpty());
    QCOMPARE(client.status(), Status::Connecting);
    QVERIFY(waitFor(client, Status::Open));
    QVERIFY(client.sendText(QStringLiteral("now")));
    QVERIFY(spinUntil([&] { return log.texts == QStringList{QStringLiteral("now")}; }));
}

void tst_Client::closeWhileConnecting()
{
    RawServer raw; // accepts TCP and never answers the handshake
    QVERIFY(raw.listen());
    Client client;
    ClientLog log(&client);
    client.open(QUrl(raw.url()));
    QVERIFY(raw.waitForHead());
    QCOMPARE(client.status(), Status::Connecting);
    QVERIFY(client.close());
    QCOMPARE(client.status(), Status::Closed);
    QCOMPARE(log.closes.size(), 1);
    QCOMPARE(log.closes.first().first, 1006);
    QVERIFY(!client.isActive());
    QVERIFY(log.errors.isEmpty());
    QVERIFY(spinUntil([&] { return raw.socket()->state() == QAbstractSocket::UnconnectedState; }));
    // Closing an inactive client does nothing.
    QVERIFY(client.close());
    QCOMPARE(log.actives, (QList<bool>{true, false}));
}

void tst_Client::closeWithInvalidCodeChangesNothing()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    ClientLog log(&client);
    QVERIFY(openOn(client, server.url()));
    QVERIFY(!client.close(1004)); // reserved, never sent (RFC 6455 §7.4.1)
    QCOMPARE(log.refusals, QList<Connection::Error>{Connection::Error::InvalidSend});
    QVERIFY(log.errors.isEmpty());
    QVERIFY(client.isActive());
    QCOMPARE(client.status(), Status::Open);
    QVERIFY(client.sendText(QStringLiteral("still open")));
    QVERIFY(spinUntil([&] { return log.texts.size() == 1; }));
    QVERIFY(client.close(1001));
    QVERIFY(waitFor(client, Status::Closed));
    QCOMPARE(client.closeCode(), 1001);
}

void tst_Client::connectionFailureIsAnError()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    ClientLog log(&client);
    QVERIFY(openOn(client, server.url()));
    // The server vanishes without a closing handshake.
    server.accepted.first()->abort();
    QVERIFY(spinUntil([&] { return log.closes.size() == 1; }));
    QCOMPARE(log.closes.first().first, 1006);
    QCOMPARE(client.status(), Status::Error);
    QCOMPARE(client.error(), Connection::Error::TransportError);
    QVERIFY(!client.errorString().isEmpty());
    QVERIFY(client.isActive());
}

void tst_Client::pingReportsRoundTrip()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    qint64 elapsed = -2;
    QByteArray payload;
    QSignalSpy formerPongs(&client, &Client::pong); // the former name still works
    connect(&client, &Client::pongReceived, this, [&](qint64 ms, const QByteArray &data) {
        elapsed = ms;
        payload = data;
    });
    QVERIFY(openOn(client, server.url()));
    QVERIFY(client.ping("rtt"));
    QVERIFY(spinUntil([&] { return elapsed != -2; }));
    QVERIFY(elapsed >= 0);
    QCOMPARE(payload, QByteArray("rtt"));
    QCOMPARE(formerPongs.size(), 1);

    // And the server's ping reaches the client's signal.
    QSignalSpy pings(&client, &Client::pingReceived);
    QVERIFY(server.accepted.first()->ping("from server"));
    QVERIFY(spinUntil([&] { return pings.size() == 1; }));
    QCOMPARE(pings.first().first().toByteArray(), QByteArray("from server"));
}

void tst_Client::connectionOptionsApplyToTheOpenConnection()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    ClientLog log(&client);
    QVERIFY(openOn(client, server.url()));
    QVERIFY(client.isCompressionNegotiated());
    QVERIFY(client.bufferedAmount() >= 0);

    WsKit::ConnectionOptions options = client.connectionOptions();
    options.setMaxMessageSize(1000);
    client.setConnectionOptions(options);
    QCOMPARE(client.connection()->options().maxMessageSize(), 1000);
    QCOMPARE(client.dialer().connectionOptions().maxMessageSize(), 1000);
    QVERIFY(client.sendBinary(QByteArray(999, 'a')));
    QVERIFY(spinUntil([&] { return log.binaries.size() == 1; }));
    QVERIFY(client.sendBinary(QByteArray(1001, 'b'))); // the echo is too big for us
    QVERIFY(spinUntil([&] { return log.closes.size() == 1; }));
    QCOMPARE(log.closes.first().first, 1009);
    QCOMPARE(client.error(), Connection::Error::MessageTooBig);
    QCOMPARE(client.status(), Status::Error);

    // The next connection starts with the options too.
    client.open();
    QVERIFY(waitFor(client, Status::Open));
    QCOMPARE(client.connection()->options().maxMessageSize(), 1000);
}

void tst_Client::reconnectsWithBackoff()
{
    EchoServer server;
    const quint16 port = closedPort();
    Client client;
    client.setReconnectPolicy(fastPolicy());
    ClientLog log(&client);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    // Every refused attempt schedules the next one, with a doubling wait up to the maximum.
    QVERIFY(spinUntil([&] { return log.attempts.size() >= 5; }));
    QCOMPARE(log.attempts.mid(0, 5), (QList<int>{1, 2, 3, 4, 5}));
    QCOMPARE(log.delays.mid(0, 5), (QList<std::chrono::milliseconds>{20ms, 40ms, 80ms, 80ms, 80ms}));
    QVERIFY(log.errors.size() >= 5);
    QVERIFY(log.errors.count(Connection::Error::ConnectionRefused) == log.errors.size());
    QVERIFY(client.isActive());

    // The server appears: the next attempt opens, with the same signal connections.
    QVERIFY(server.listen(port));
    QVERIFY(waitFor(client, Status::Open));
    QCOMPARE(log.openings, 1);
    QVERIFY(client.sendText(QStringLiteral("finally")));
    QVERIFY(spinUntil([&] { return log.texts.size() == 1; }));
    QCOMPARE(client.errorString(), QString());
}

void tst_Client::reconnectsAfterServerGoesAwayAndComesBack()
{
    EchoServer server;
    QVERIFY(server.listen());
    const quint16 port = server.server.serverPort();
    Client client;
    client.setReconnectPolicy(fastPolicy());
    ClientLog log(&client);
    QVERIFY(openOn(client, server.url()));

    server.server.shutdown(); // closes with 1001 and stops listening
    QVERIFY(spinUntil([&] { return log.closes.size() == 1; }));
    QCOMPARE(log.closes.first().first, 1001);
    QVERIFY(spinUntil([&] { return log.errors.count(Connection::Error::ConnectionRefused) >= 2; }));
    QCOMPARE(log.attempts.mid(0, 3), (QList<int>{1, 2, 3}));

    QVERIFY(server.listen(port));
    QVERIFY(waitFor(client, Status::Open));
    QCOMPARE(log.openings, 2);
    QVERIFY(client.sendText(QStringLiteral("back")));
    QVERIFY(spinUntil([&] { return log.texts == QStringList{QStringLiteral("back")}; }));
    QCOMPARE(server.accepted.size(), 2);
}

void tst_Client::backoffResetsOnlyAfterStableConnection()
{
    // A server that accepts and closes every connection at once.
    Server server;
    int accepted = 0;
    connect(&server, &Server::newConnection, this, [&](Connection *connection) {
        ++accepted;
        connection->close(1011, QStringLiteral("not now"));
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort()));

    {
        // Connections that never stay open long enough: the waits keep growing.
        Client client;
        client.setReconnectPolicy(fastPolicy(std::chrono::hours(1)));
        ClientLog log(&client);
        client.open(url);
        QVERIFY(spinUntil([&] { return log.attempts.size() >= 4; }));
        QCOMPARE(log.attempts.mid(0, 4), (QList<int>{1, 2, 3, 4}));
        QVERIFY(log.openings >= 3);
        QCOMPARE(log.closes.first().first, 1011);
        client.close();
    }
    {
        // Every connection counts as stable: each loss starts again at the minimum.
        Client client;
        client.setReconnectPolicy(fastPolicy(0ms));
        ClientLog log(&client);
        client.open(url);
        QVERIFY(spinUntil([&] { return log.attempts.size() >= 4; }));
        QCOMPARE(log.attempts.mid(0, 4), (QList<int>{1, 1, 1, 1}));
        QCOMPARE(log.delays.mid(0, 4), (QList<std::chrono::milliseconds>{20ms, 20ms, 20ms, 20ms}));
        client.close();
    }
    QVERIFY(accepted >= 8);
}

void tst_Client::noReconnectAfterClose()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    client.setReconnectPolicy(fastPolicy());
    ClientLog log(&client);
    QVERIFY(openOn(client, server.url()));
    QVERIFY(client.close());
    QVERIFY(waitFor(client, Status::Closed));
    // Many times the longest wait: nothing is dialed again.
    QTest::qWait(500);
    QVERIFY(log.attempts.isEmpty());
    QCOMPARE(server.accepted.size(), 1);
    QCOMPARE(client.status(), Status::Closed);
    QCOMPARE(log.statuses.count(Status::Connecting), 1);

    // Likewise after abort().
    client.open();
    QVERIFY(waitFor(client, Status::Open));
    client.abort();
    QCOMPARE(client.status(), Status::Closed);
    QTest::qWait(500);
    QVERIFY(log.attempts.isEmpty());
    QCOMPARE(server.accepted.size(), 2);
}

void tst_Client::closeFromReconnectSlotCancelsIt()
{
    Client client;
    client.setReconnectPolicy(fastPolicy());
    ClientLog log(&client);
    // Give up after the third attempt.
    connect(&client, &Client::reconnectScheduled, this, [&client](int attempt) {
        if (attempt == 3)
            client.close();
    });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(closedPort())));
    QVERIFY(spinUntil([&] { return log.attempts.size() == 3; }));
    QVERIFY(!client.isActive());
    QTest::qWait(500);
    QCOMPARE(log.attempts.size(), 3);
    QCOMPARE(log.statuses.count(Status::Connecting), 3);
    QCOMPARE(client.status(), Status::Error);
}

void tst_Client::noReconnectForInvalidUrl()
{
    Client client;
    client.setReconnectPolicy(fastPolicy());
    ClientLog log(&client);
    client.open(QUrl(QStringLiteral("ws://")));
    QVERIFY(waitFor(client, Status::Error));
    QTest::qWait(300);
    QVERIFY(log.attempts.isEmpty());
    QCOMPARE(log.errors, QList<Connection::Error>{Connection::Error::InvalidRequest});
}

void tst_Client::disablingPolicyCancelsWaitingReconnect()
{
    Client client;
    ReconnectPolicy slow = fastPolicy();
    slow.setMinDelay(300ms);
    client.setReconnectPolicy(slow);
    ClientLog log(&client);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(closedPort())));
    QVERIFY(spinUntil([&] { return log.attempts.size() == 1; }));
    client.setReconnectPolicy(ReconnectPolicy());
    QTest::qWait(700);
    QCOMPARE(log.statuses.count(Status::Connecting), 1);
    QVERIFY(client.isActive());
}

void tst_Client::openFromSlots()
{
    EchoServer server;
    QVERIFY(server.listen());
    Client client;
    client.setReconnectPolicy(fastPolicy());
    ClientLog log(&client);
    // Reopened by the application when the server closes: one new connection, no
    // reconnect of its own on top.
    QMetaObject::Connection reopen = connect(&client, &Client::closed, this, [&client] { client.open(); });
    QVERIFY(openOn(client, server.url()));
    server.accepted.first()->close(4000, QStringLiteral("again"));
    QVERIFY(spinUntil([&] { return log.openings == 2; }));
    QVERIFY(log.attempts.isEmpty());
    disconnect(reopen);

    // Reopened from errorOccurred while the dial fails: the failing connection is dropped.
    const QUrl nowhere(QStringLiteral("ws://127.0.0.1:%1/").arg(closedPort()));
    int reopened = 0;
    connect(&client, &Client::errorOccurred, this, [&](Connection::Error error) {
        if (error == Connection::Error::ConnectionRefused && reopened++ == 0)
            client.open(server.url());
    });
    client.open(nowhere);
    QVERIFY(spinUntil([&] { return log.openings == 3; }));
    QCOMPARE(reopened, 1);
    QCOMPARE(client.status(), Status::Open);
    QCOMPARE(client.url(), server.url());
    QTest::qWait(200);
    QVERIFY(log.attempts.isEmpty());
    QCOMPARE(server.accepted.size(), 3);
}

void tst_Client::deleteFromSlots_data()
{
    QTest::addColumn<QString>("when");
    for (const char *when : {"statusConnecting", "opened", "statusOpen", "message", "closed", "error",
                             "reconnectScheduled", "statusClosing"}) {
        QTest::newRow(when) << QString::fromLatin1(when);
    }
}

void tst_Client::deleteFromSlots()
{
    QFETCH(QString, when);
    EchoServer server;
    QVERIFY(server.listen());
    QPointer<Client> client = new Client;
    client->setReconnectPolicy(fastPolicy());
    auto deleteClient = [&] { delete client.data(); };
    if (when == QLatin1String("statusConnecting") || when == QLatin1String("statusOpen")
        || when == QLatin1String("statusClosing")) {
        const Status wanted = when == QLatin1String("statusConnecting") ? Status::Connecting
            : when == QLatin1String("statusOpen")                       ? Status::Open
                                                                        : Status::Closing;
        connect(client, &Client::statusChanged, this, [&, wanted](Status status) {
            if (status == wanted)
                deleteClient();
        });
    } else if (when == QLatin1String("opened")) {
        connect(client, &Client::opened, this, deleteClient);
    } else if (when == QLatin1String("message")) {
        connect(client, &Client::textMessageReceived, this, deleteClient);
    } else if (when == QLatin1String("closed")) {
        connect(client, &Client::closed, this, deleteClient);
    } else if (when == QLatin1String("error")) {
        connect(client, &Client::errorOccurred, this, deleteClient);
    } else {
        connect(client, &Client::reconnectScheduled, this, deleteClient);
    }
    connect(client, &Client::opened, this, [&] {
        if (client)
            client->sendText(QStringLiteral("one"));
    });
    connect(client, &Client::textMessageReceived, this, [&] {
        if (!client)
            return;
        if (when == QLatin1String("statusClosing")) {
            client->close();
            return;
        }
        // The server vanishes: an error, the end, and a reconnect that is refused.
        server.server.stopListening();
        server.accepted.first()->abort();
    });
    client->open(server.url());
    QVERIFY(spinUntil([&] { return client.isNull(); }));
    QTest::qWait(100);
}

QTEST_MAIN(tst_Client)
#include "tst_client.moc"
