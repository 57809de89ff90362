// Server::setTrustedProxies over real sockets: a request from a trusted proxy speaks
// of the client it forwarded (HttpRequest, the decision handler, Connection, the
// origin check); from anyone else, forwarded fields count for nothing.
#include "testserver.h"

#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/upgradedecision.h>
#include <WsKit/upgrader.h>

#include <QtTest>

using namespace TestClient;

namespace {

// The server side's view of a plain HTTP request, as its handler saw it.
QByteArray describe(const WsKit::HttpRequest &request)
{
    return "peer=" + request.peerAddress().toString().toUtf8() + " port=" + QByteArray::number(request.peerPort())
        + " secure=" + (request.isSecure() ? "yes" : "no") + " host=" + request.host();
}

// Sends one request head with extra fields to port; returns the body of the answer.
// fromPort: the port the request was sent from.
QByteArray ask(quint16 port, const QList<QByteArray> &fields, quint16 *fromPort = nullptr)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(Wait))
        return {};
    if (fromPort)
        *fromPort = socket.localPort();
    QByteArray head = "GET /who HTTP/1.1\r\nHost: backend:8081\r\n";
    for (const QByteArray &field : fields)
        head += field + "\r\n";
    socket.write(head + "\r\n");
    QByteArray response;
    const bool answered = QTest::qWaitFor([&] {
        response += socket.readAll();
        return socket.state() == QAbstractSocket::UnconnectedState;
    }, Wait);
    if (!answered)
        return {};
    response += socket.readAll();
    return response.mid(response.indexOf("\r\n\r\n") + 4);
}

// Who a request says it came from and over what, with "PORT" for clientPort.
QByteArray describeWithSocket(const WsKit::HttpRequest &request, quint16 clientPort)
{
    return describe(request).replace("port=" + QByteArray::number(clientPort), "port=PORT") + " socket="
        + request.socketPeerAddress().toString().toUtf8() + ":"
        + (request.socketPeerPort() == clientPort ? QByteArray("PORT") : QByteArray::number(request.socketPeerPort()));
}

} // namespace

class tst_RequestOrigin : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void settingTrustedProxies();
    void httpRequest_data();
    void httpRequest();
    void untrustedPeerIsTheClient();
    void connectionReportsTheForwardedClient();
    void originCheckUsesTheForwardedHost();
    void ipv4MappedPeerIsTrusted();
    void decisionHandlerSeesTheClient_data();
    void decisionHandlerSeesTheClient();
    void rejectionReportsTheClient();
    void upgraderAloneTakesTheSocketPeer();
    void workerThreadsKeepTheForwardedClient();

private:
    std::unique_ptr<TestServer> m_server;
};

void tst_RequestOrigin::init()
{
    m_server = std::make_unique<TestServer>();
    m_server->server.setHttpHandler([](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        response.setStatusCode(200);
        response.setBody(describe(request), "text/plain");
    });
}

void tst_RequestOrigin::settingTrustedProxies()
{
    WsKit::Server &server = m_server->server;
    QCOMPARE(server.trustedProxies(), QStringList());
    const QStringList proxies{QStringLiteral("127.0.0.1"), QStringLiteral("10.0.0.0/8"), QStringLiteral("::1"),
                              QStringLiteral("fd00::/8")};
    QVERIFY(server.setTrustedProxies(proxies));
    QCOMPARE(server.trustedProxies(), proxies);
    // One bad entry: refused, and nothing changes.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("not a proxy address or network")));
    QVERIFY(!server.setTrustedProxies({QStringLiteral("192.0.2.1"), QStringLiteral("proxy.example")}));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("not a proxy address or network")));
    QVERIFY(!server.setTrustedProxies({QStringLiteral("10.0.0.0/33")}));
    QCOMPARE(server.trustedProxies(), proxies);
    QVERIFY(server.setTrustedProxies({}));
    QCOMPARE(server.trustedProxies(), QStringList());
}

void tst_RequestOrigin::httpRequest_data()
{
    QTest::addColumn<QStringList>("trusted");
    QTest::addColumn<QList<QByteArray>>("fields");
    QTest::addColumn<QByteArray>("expected"); // "PORT" stands for the client socket's port

    const QStringList loopback{QStringLiteral("127.0.0.1")};
    QTest::newRow("no proxy trusted: fields ignored")
        << QStringList{} << QList<QByteArray>{"X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https",
                                               "X-Forwarded-Host: chat.example"}
        << QByteArray("peer=127.0.0.1 port=PORT secure=no host=backend:8081");
    QTest::newRow("another proxy trusted: fields ignored")
        << QStringList{QStringLiteral("10.0.0.0/8")} << QList<QByteArray>{"X-Forwarded-For: 203.0.113.7"}
        << QByteArray("peer=127.0.0.1 port=PORT secure=no host=backend:8081");
    QTest::newRow("trusted, no fields") << loopback << QList<QByteArray>{}
                                        << QByteArray("peer=127.0.0.1 port=PORT secure=no host=backend:8081");
    QTest::newRow("x-forwarded") << loopback
                                 << QList<QByteArray>{"X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https",
                                                      "X-Forwarded-Host: chat.example"}
                                 << QByteArray("peer=203.0.113.7 port=0 secure=yes host=chat.example");
    QTest::newRow("trusted as a network") << QStringList{QStringLiteral("127.0.0.0/8")}
                                          << QList<QByteArray>{"X-Forwarded-For: 203.0.113.7"}
                                          << QByteArray("peer=203.0.113.7 port=0 secure=no host=backend:8081");
    QTest::newRow("forwarded: quoted IPv6 with port")
        << loopback << QList<QByteArray>{"Forwarded: for=\"[2001:db8::7]:4711\";proto=wss;host=\"chat.example:8443\""}
        << QByteArray("peer=2001:db8::7 port=4711 secure=yes host=chat.example:8443");
    QTest::newRow("spoofed entries before the proxy's")
        << loopback << QList<QByteArray>{"X-Forwarded-For: 198.51.100.1, 127.0.0.1, 203.0.113.7"}
        << QByteArray("peer=203.0.113.7 port=0 secure=no host=backend:8081");
    QTest::newRow("a chain of trusted proxies")
        << QStringList{QStringLiteral("127.0.0.1"), QStringLiteral("10.0.0.0/8")}
        << QList<QByteArray>{"X-Forwarded-For: 203.0.113.7, 10.1.2.3"}
        << QByteArray("peer=203.0.113.7 port=0 secure=no host=backend:8081");
    QTest::newRow("http from the proxy") << loopback << QList<QByteArray>{"X-Forwarded-Proto: http"}
                                         << QByteArray("peer=127.0.0.1 port=PORT secure=no host=backend:8081");
    QTest::newRow("malformed address: the proxy is the client")
        << loopback << QList<QByteArray>{"X-Forwarded-For: <script>", "X-Forwarded-Host: a b"}
        << QByteArray("peer=127.0.0.1 port=PORT secure=no host=backend:8081");
    QTest::newRow("x-forwarded silences Forwarded")
        << loopback << QList<QByteArray>{"Forwarded: for=198.51.100.1;proto=https", "X-Forwarded-For: 203.0.113.7"}
        << QByteArray("peer=203.0.113.7 port=0 secure=no host=backend:8081");
}

void tst_RequestOrigin::httpRequest()
{
    QFETCH(QStringList, trusted);
    QFETCH(QList<QByteArray>, fields);
    QFETCH(QByteArray, expected);
    QVERIFY(m_server->server.setTrustedProxies(trusted));
    QVERIFY(m_server->listen());
    quint16 clientPort = 0;
    const QByteArray body = ask(m_server->port(), fields, &clientPort);
    QCOMPARE(body, expected.replace("PORT", QByteArray::number(clientPort)));
}

void tst_RequestOrigin::untrustedPeerIsTheClient()
{
    // Only 10.0.0.0/8 is trusted: a loopback peer's fields are its own word.
    QVERIFY(m_server->server.setTrustedProxies({QStringLiteral("10.0.0.0/8")}));
    QVERIFY(m_server->listen());
    Client client;
    WsKit::Connection *connection = nullptr;
    QVERIFY(client.connectTo(m_server->port()));
    QCOMPARE(client.upgrade("/", {"X-Forwarded-For: 10.0.0.1, 203.0.113.7", "Forwarded: for=203.0.113.7"}), 101);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connections.size(), 1, Wait);
    connection = m_server->connections.first();
    QCOMPARE(connection->peerAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(connection->peerPort(), client.socket.localPort());
    // Other connections are not affected: a trusted peer in the same server still is.
    QVERIFY(m_server->server.setTrustedProxies({QStringLiteral("127.0.0.1")}));
    Client proxied;
    QVERIFY(proxied.connectTo(m_server->port()));
    QCOMPARE(proxied.upgrade("/", {"X-Forwarded-For: 203.0.113.7"}), 101);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connections.size(), 2, Wait);
    QCOMPARE(m_server->connections.last()->peerAddress(), QHostAddress(QStringLiteral("203.0.113.7")));
    QCOMPARE(connection->peerAddress(), QHostAddress(QHostAddress::LocalHost));
}

void tst_RequestOrigin::connectionReportsTheForwardedClient()
{
    QVERIFY(m_server->server.setTrustedProxies({QStringLiteral("127.0.0.1")}));
    QVERIFY(m_server->listen());
    Client client;
    QVERIFY(client.connectTo(m_server->port()));
    QCOMPARE(client.upgrade("/", {"Forwarded: for=\"[2001:db8::7]:4711\";proto=https"}), 101);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connections.size(), 1, Wait);
    WsKit::Connection *connection = m_server->connections.first();
    QCOMPARE(connection->peerAddress(), QHostAddress(QStringLiteral("2001:db8::7")));
    QCOMPARE(connection->peerPort(), quint16(4711));
    // The connection itself is the same as any other.
    client.sendText("hello");
    QSignalSpy received(connection, &WsKit::Connection::textMessageReceived);
    QVERIFY(received.wait(Wait));
    QCOMPARE(received.first().first().toString(), QStringLiteral("hello"));
}

void tst_RequestOrigin::originCheckUsesTheForwardedHost()
{
    // Host: 127.0.0.1 (where the proxy connects); the browser asked for chat.example.
    const QList<QByteArray> fromTheBrowser{"Origin: https://chat.example", "X-Forwarded-Host: chat.example",
                                           "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https"};
    QSignalSpy refused(&m_server->server, &WsKit::Server::handshakeFailed);
    QVERIFY(m_server->listen());
    {
        Client untrusted;
        QVERIFY(untrusted.connectTo(m_server->port()));
        QCOMPARE(untrusted.upgrade("/", fromTheBrowser), 403);
    }
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.first().first().toInt(), 403);

    QVERIFY(m_server->server.setTrustedProxies({QStringLiteral("127.0.0.1")}));
    Client proxied;
    QVERIFY(proxied.connectTo(m_server->port()));
    QCOMPARE(proxied.upgrade("/", fromTheBrowser), 101);
    // A page of another site is still refused through the proxy.
    Client foreign;
    QVERIFY(foreign.connectTo(m_server->port()));
    QCOMPARE(foreign.upgrade("/", {"Origin: https://evil.example", "X-Forwarded-Host: chat.example"}), 403);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connections.size(), 1, Wait);
    QCOMPARE(m_server->connections.first()->peerAddress(), QHostAddress(QStringLiteral("203.0.113.7")));
}

void tst_RequestOrigin::ipv4MappedPeerIsTrusted()
{
    // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; they still match
    // IPv4 entries.
    QVERIFY(m_server->server.setTrustedProxies({QStringLiteral("127.0.0.1")}));
    QVERIFY(m_server->server.listen(QHostAddress::Any, 0));
    QCOMPARE(ask(m_server->server.serverPort(), {"X-Forwarded-For: 203.0.113.7"}),
             QByteArray("peer=203.0.113.7 port=0 secure=no host=backend:8081"));
}

void tst_RequestOrigin::decisionHandlerSeesTheClient_data()
{
    QTest::addColumn<QStringList>("trusted");
    QTest::addColumn<QByteArray>("expected"); // "PORT" stands for the client socket's port
    QTest::addColumn<QHostAddress>("connectionPeer");

    QTest::newRow("trusted proxy") << QStringList{QStringLiteral("127.0.0.1")}
                                   << QByteArray("peer=203.0.113.7 port=0 secure=yes host=chat.example "
                                                 "socket=127.0.0.1:PORT")
                                   << QHostAddress(QStringLiteral("203.0.113.7"));
    QTest::newRow("untrusted peer: a spoof") << QStringList{QStringLiteral("10.0.0.0/8")}
                                             << QByteArray("peer=127.0.0.1 port=PORT secure=no host=chat.example "
                                                           "socket=127.0.0.1:PORT")
                                             << QHostAddress(QHostAddress::LocalHost);
}

void tst_RequestOrigin::decisionHandlerSeesTheClient()
{
    QFETCH(QStringList, trusted);
    QFETCH(QByteArray, expected);
    QFETCH(QHostAddress, connectionPeer);
    QVERIFY(m_server->server.setTrustedProxies(trusted));
    // The decision is deferred: the request the decision keeps speaks of the client too.
    QList<WsKit::UpgradeDecision> waiting;
    QByteArray seen;
    Client client;
    WsKit::Upgrader upgrader;
    upgrader.setDecisionHandler([&](const WsKit::HttpRequest &request, WsKit::UpgradeDecision decision) {
        seen = describeWithSocket(request, client.socket.localPort());
        waiting.append(decision);
    });
    m_server->server.setUpgrader(upgrader);
    QVERIFY(m_server->listen());
    QVERIFY(client.connectTo(m_server->port()));
    // Host is where the proxy connects; the browser's page is on chat.example.
    client.write(upgradeRequest("/", {"Origin: https://chat.example", "X-Forwarded-For: 203.0.113.7",
                                      "X-Forwarded-Proto: https", "X-Forwarded-Host: chat.example"})
                     .replace("Host: 127.0.0.1", "Host: chat.example"));
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    QCOMPARE(seen, expected);
    QCOMPARE(describeWithSocket(waiting.first().request(), client.socket.localPort()), expected);
    QVERIFY(waiting.first().accept());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connections.size(), 1, Wait);
    QTRY_COMPARE_WITH_TIMEOUT(client.response.status, 101, Wait);
    WsKit::Connection *connection = m_server->connections.first();
    QCOMPARE(connection->peerAddress(), connectionPeer);
    QCOMPARE(connection->peerPort(), connectionPeer == QHostAddress(QHostAddress::LocalHost)
                                         ? client.socket.localPort()
                                         : quint16(0));
    // The connection carries messages like any other.
    QSignalSpy received(connection, &WsKit::Connection::textMessageReceived);
    client.sendText("through the proxy");
    QVERIFY(received.wait(Wait));
    QCOMPARE(received.first().first().toString(), QStringLiteral("through the proxy"));
}

void tst_RequestOrigin::rejectionReportsTheClient()
{
    // The decision handler refuses one forwarded client; the error handler hears of
    // that client, and another client through the same proxy is let in.
    QVERIFY(m_server->server.setTrustedProxies({QStringLiteral("127.0.0.1")}));
    QList<QHostAddress> refusedPeers;
    WsKit::Upgrader upgrader;
    upgrader.setDecisionHandler([](const WsKit::HttpRequest &request, WsKit::UpgradeDecision decision) {
        if (request.peerAddress() == QHostAddress(QStringLiteral("198.51.100.9")))
            decision.reject(WsKit::HttpResponse(403));
        else
            decision.accept();
    });
    upgrader.setErrorHandler([&](const WsKit::HttpRequest &request, int status, const QString &) {
        QCOMPARE(status, 403);
        refusedPeers.append(request.peerAddress());
    });
    m_server->server.setUpgrader(upgrader);
    QVERIFY(m_server->listen());
    Client banned;
    QVERIFY(banned.connectTo(m_server->port()));
    QCOMPARE(banned.upgrade("/", {"X-Forwarded-For: 198.51.100.9"}), 403);
    QCOMPARE(refusedPeers, QList<QHostAddress>{QHostAddress(QStringLiteral("198.51.100.9"))});
    Client welcome;
    QVERIFY(welcome.connectTo(m_server->port()));
    QCOMPARE(welcome.upgrade("/", {"X-Forwarded-For: 203.0.113.7"}), 101);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connections.size(), 1, Wait);
    QCOMPARE(m_server->connections.first()->peerAddress(), QHostAddress(QStringLiteral("203.0.113.7")));
    QCOMPARE(refusedPeers.size(), 1);
}

void tst_RequestOrigin::upgraderAloneTakesTheSocketPeer()
{
    // Without a Server nobody is trusted: Upgrader::upgrade takes the socket's peer,
    // whatever the request object handed to it says.
    HeadReadingListener fixture;
    QByteArray seen;
    QPointer<WsKit::Connection> opened;
    Client client;
    WsKit::Upgrader upgrader;
    upgrader.setDecisionHandler([&](const WsKit::HttpRequest &request, WsKit::UpgradeDecision decision) {
        seen = describeWithSocket(request, client.socket.localPort());
        decision.accept();
    });
    fixture.onHead = [&](QTcpSocket *socket, const WsKit::HttpRequest &request) {
        opened = upgrader.upgrade(socket, request, &fixture.listener);
    };
    QVERIFY(fixture.listen());
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade("/", {"X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https"}), 101);
    QCOMPARE(seen, QByteArray("peer=127.0.0.1 port=PORT secure=no host=127.0.0.1 socket=127.0.0.1:PORT"));
    QVERIFY(opened);
    QCOMPARE(opened->peerAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(opened->peerPort(), client.socket.localPort());
}

void tst_RequestOrigin::workerThreadsKeepTheForwardedClient()
{
    // The forwarded client moves with its connection to a worker thread: a slot
    // running there still reads the client's address, not the proxy's.
    m_server->server.setWorkerCount(2);
    QVERIFY(m_server->server.setTrustedProxies({QStringLiteral("127.0.0.1")}));
    QThread *serverThread = QThread::currentThread();
    QObject::connect(&m_server->server, &WsKit::Server::newConnection, &m_server->server,
                     [serverThread](WsKit::Connection *connection) {
                         QObject::connect(connection, &WsKit::Connection::textMessageReceived, connection,
                                          [connection, serverThread] {
                                              const bool inWorker = QThread::currentThread() != serverThread;
                                              connection->sendText(connection->peerAddress().toString()
                                                                   + (inWorker ? QStringLiteral(" in a worker")
                                                                               : QStringLiteral(" in the server")));
                                          });
                     });
    QVERIFY(m_server->listen());
    Client client;
    QVERIFY(client.connectTo(m_server->port()));
    QCOMPARE(client.upgrade("/", {"X-Forwarded-For: 203.0.113.7"}), 101);
    client.sendText("who am I?");
    QCOMPARE(client.nextMessage().payload, QByteArray("203.0.113.7 in a worker"));
}

QTEST_MAIN(tst_RequestOrigin)
#include "tst_requestorigin.moc"
