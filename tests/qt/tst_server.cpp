// Server and Upgrader over real loopback sockets: the handshake zoo with the HTTP
// status each request must get, routing to the HTTP handler, the limits
// (head size, handshake timeout, pending handshakes, connections), origin and
// subprotocol policy, graceful shutdown and TLS.

#include "testserver.h"

#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace TestClient;
using Type = WsKit::Core::Event::Type;
using WsKit::Connection;
using WsKit::Server;
namespace CloseCode = WsKit::Core::CloseCode;

class tst_Server : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void handshakeZoo_data();
    void handshakeZoo();
    void httpHandlerServesOtherRequests();
    void defaultHandlerAnswers404();
    void httpSocketHandlerTakesConnections();
    void webSocketPaths();
    void headTooLarge();
    void slowloris();
    void maxPendingHandshakes();
    void maxConnections();
    void originPolicy();
    void subprotocolInServerPreference();
    void responseHeadersAndErrorHandler();
    void upgraderOnItsOwnSocket();
    void connectionsAreTrackedAndDeleted();
    void gracefulShutdown();
    void shutdownDeadlineAbortsDeafPeers();
    void listenErrors();
    void tls();
};

void tst_Server::handshakeZoo_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const QByteArray tail = "Upgrade: websocket\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n";
    QTest::newRow("valid") << upgradeRequest() << 101;
    QTest::newRow("POST") << "POST / HTTP/1.1\r\nHost: a\r\n" + tail << 405;
    QTest::newRow("HTTP/1.0") << "GET / HTTP/1.0\r\nHost: a\r\n" + tail << 400;
    QTest::newRow("no Host") << "GET / HTTP/1.1\r\n" + tail << 400;
    QTest::newRow("two Hosts") << "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + tail << 400;
    QTest::newRow("no Connection: Upgrade")
        << "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n" << 400;
    QTest::newRow("no key") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                          "Sec-WebSocket-Version: 13\r\n\r\n")
                            << 400;
    QTest::newRow("short key") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                             "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n")
                               << 400;
    QTest::newRow("version 8") << "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key
                                      + "Sec-WebSocket-Version: 8\r\n\r\n"
                               << 426;
    QTest::newRow("foreign origin") << upgradeRequest("/", {"Origin: http://evil.example"}) << 403;
    QTest::newRow("malformed request line") << QByteArray("GET /\r\nHost: a\r\n\r\n") << 400;
    QTest::newRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nHost a\r\n\r\n") << 400;
    QTest::newRow("plain GET") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\n") << 404;
}

void tst_Server::handshakeZoo()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    TestServer fixture;
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.handshake(request), status);
    if (status == 101) {
        QCOMPARE(headerValue(client.response, "Sec-WebSocket-Accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
        return;
    }
    // Every refusal says why in its body, and the server ends the connection.
    QVERIFY(client.waitForDisconnected());
    QVERIFY(!client.responseBody.isEmpty());
    QCOMPARE(headerValue(client.response, "Connection").toLower(), QByteArray("close"));
    if (status == 426)
        QCOMPARE(headerValue(client.response, "Sec-WebSocket-Version"), QByteArray("13"));
    if (status != 404) {
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.at(0).at(0).toInt(), status);
    }
    QCOMPARE(fixture.connections.size(), 0);
}

void tst_Server::httpHandlerServesOtherRequests()
{
    TestServer fixture;
    fixture.server.setWebSocketPaths({QStringLiteral("/ws")});
    QList<WsKit::HttpRequest> requests;
    fixture.server.setHttpHandler([&](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        requests.append(request);
        if (request.path() == QStringLiteral("/")) {
            response.setStatusCode(200);
            response.setBody("<html>hi</html>", "text/html");
            response.addHeader("X-Extra", "1");
        }
    });
    QVERIFY(fixture.listen());

    Client page;
    QVERIFY(page.connectTo(fixture.port()));
    QCOMPARE(page.handshake("GET /?q=a%20b HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"), 200);
    QVERIFY(page.waitForDisconnected());
    QCOMPARE(page.responseBody, QByteArray("<html>hi</html>"));
    QCOMPARE(headerValue(page.response, "Content-Type"), QByteArray("text/html"));
    QCOMPARE(headerValue(page.response, "Content-Length"), QByteArray("15"));
    QCOMPARE(headerValue(page.response, "X-Extra"), QByteArray("1"));
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.at(0).method(), QByteArray("GET"));
    QCOMPARE(requests.at(0).target(), QByteArray("/?q=a%20b"));
    QCOMPARE(requests.at(0).query().queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded), QStringLiteral("a b"));
    QCOMPARE(requests.at(0).header("accept"), QByteArray("*/*"));
    QVERIFY(!requests.at(0).hasHeader("Cookie"));

    // HEAD gets the head alone.
    Client head;
    QVERIFY(head.connectTo(fixture.port()));
    QCOMPARE(head.handshake("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    QVERIFY(head.waitForDisconnected());
    QCOMPARE(headerValue(head.response, "Content-Length"), QByteArray("15"));
    QVERIFY(head.responseBody.isEmpty());

    // One port serves the page and its WebSocket.
    Client socket;
    QVERIFY(fixture.accept(socket, "/ws"));
}

void tst_Server::defaultHandlerAnswers404()
{
    TestServer fixture;
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.handshake("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
    QVERIFY(client.waitForDisconnected());
    QVERIFY(!client.responseBody.isEmpty());
}

void tst_Server::httpSocketHandlerTakesConnections()
{
    TestServer fixture;
    fixture.server.setWebSocketPaths({QStringLiteral("/ws")});
    QList<QByteArray> offered;
    fixture.server.setHttpSocketHandler([&](QTcpSocket *socket, const WsKit::HttpRequest &request) {
        offered.append(request.target());
        if (request.path() != QStringLiteral("/raw"))
            return false; // the HTTP handler answers
        // Taken: the whole request is still unread, the body after the head too.
        socket->setParent(&fixture.server);
        QObject::connect(socket, &QIODevice::readyRead, socket, [socket] {
            const QByteArray bytes = socket->peek(socket->bytesAvailable());
            if (!bytes.endsWith("body"))
                return;
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(bytes.size())
                          + "\r\nConnection: close\r\n\r\n" + socket->readAll());
            socket->disconnectFromHost();
        });
        if (socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(socket, &QIODevice::readyRead, Qt::QueuedConnection);
        return true;
    });
    QVERIFY(fixture.listen());

    const QByteArray raw = "POST /raw HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody";
    Client taken;
    QVERIFY(taken.connectTo(fixture.port()));
    QCOMPARE(taken.handshake(raw), 200);
    QVERIFY(taken.waitForDisconnected());
    QCOMPARE(taken.responseBody, raw);

    Client declined;
    QVERIFY(declined.connectTo(fixture.port()));
    QCOMPARE(declined.handshake("GET /other HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
    QVERIFY(declined.waitForDisconnected());

    // Upgrades never reach it.
    Client socket;
    QVERIFY(fixture.accept(socket, "/ws"));
    QCOMPARE(offered, (QList<QByteArray>{"/raw", "/other"}));
}

void tst_Server::webSocketPaths()
{
    TestServer fixture;
    fixture.server.setWebSocketPaths({QStringLiteral("/echo")});
    QCOMPARE(fixture.server.webSocketPaths(), QStringList{QStringLiteral("/echo")});
    QVERIFY(fixture.listen());
    Client elsewhere;
    QVERIFY(elsewhere.connectTo(fixture.port()));
    QCOMPARE(elsewhere.upgrade("/other"), 404);
    Client echo;
    QVERIFY(fixture.accept(echo, "/echo?x=1"));
}

void tst_Server::headTooLarge()
{
    TestServer fixture;
    fixture.server.setMaxHeadSize(1024);
    QCOMPARE(fixture.server.maxHeadSize(), 1024);
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade("/", {"X-Padding: " + QByteArray(2000, 'p')}), 431);
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(failed.at(0).at(0).toInt(), 431);
    // A head just under the limit is fine.
    Client fits;
    QVERIFY(fits.connectTo(fixture.port()));
    QCOMPARE(fits.upgrade("/", {"X-Padding: " + QByteArray(700, 'p')}), 101);
}

void tst_Server::slowloris()
{
    TestServer fixture;
    fixture.server.setHandshakeTimeout(std::chrono::milliseconds(300));
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());
    Client slow;
    QVERIFY(slow.connectTo(fixture.port()));
    slow.write("GET / HTTP/1.1\r\nHost: a\r\n"); // and never the rest
    Client silent;
    QVERIFY(silent.connectTo(fixture.port()));
    // Others get through while they hang.
    Client fine;
    QVERIFY(fixture.accept(fine));
    QVERIFY(slow.waitForDisconnected());
    QVERIFY(silent.waitForDisconnected());
    QCOMPARE(failed.size(), 2);
    QCOMPARE(failed.at(0).at(0).toInt(), 0);
    QCOMPARE(fixture.connections.size(), 1);
}

void tst_Server::maxPendingHandshakes()
{
    TestServer fixture;
    fixture.server.setMaxPendingHandshakes(2);
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());
    Client first;
    Client second;
    Client third;
    QVERIFY(first.connectTo(fixture.port()));
    QVERIFY(second.connectTo(fixture.port()));
    QTest::qWait(50); // let the server take both
    // The newcomer makes room: the oldest pending socket of its address goes.
    QVERIFY(third.connectTo(fixture.port()));
    QVERIFY(first.waitForDisconnected());
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, Wait);
    QCOMPARE(failed.at(0).at(0).toInt(), 0);
    QCOMPARE(failed.at(0).at(1).toString(), QStringLiteral("Too many pending handshakes"));
    // The two pending ones are served.
    QCOMPARE(second.upgrade(), 101);
    QCOMPARE(third.upgrade(), 101);
    // Once they were upgraded there is room again.
    Client fourth;
    QVERIFY(fixture.accept(fourth));
}

void tst_Server::maxConnections()
{
    TestServer fixture;
    fixture.server.setMaxConnections(1);
    QVERIFY(fixture.listen());
    Client first;
    Connection *connection = fixture.accept(first);
    QVERIFY(connection);
    Client second;
    QVERIFY(second.connectTo(fixture.port()));
    QCOMPARE(second.upgrade(), 503);
    // When the first one closes there is room again.
    first.sendClose(CloseCode::Normal);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.server.connectionCount(), 0, Wait);
    Client third;
    QVERIFY(fixture.accept(third));
}

void tst_Server::originPolicy()
{
    TestServer fixture;
    QVERIFY(fixture.listen());
    Client sameOrigin;
    QVERIFY(sameOrigin.connectTo(fixture.port()));
    QCOMPARE(sameOrigin.handshake("GET / HTTP/1.1\r\nHost: example.com:8080\r\nOrigin: http://example.com:8080\r\n"
                                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
             101);
    Client foreign;
    QVERIFY(foreign.connectTo(fixture.port()));
    QCOMPARE(foreign.upgrade("/", {"Origin: http://other.example"}), 403);

    WsKit::Upgrader upgrader;
    upgrader.setOriginCheck([](const WsKit::HttpRequest &request) {
        return request.header("Origin") == "https://trusted.example";
    });
    fixture.server.setUpgrader(upgrader);
    Client trusted;
    QVERIFY(trusted.connectTo(fixture.port()));
    QCOMPARE(trusted.upgrade("/", {"Origin: https://trusted.example"}), 101);
    Client untrusted;
    QVERIFY(untrusted.connectTo(fixture.port()));
    QCOMPARE(untrusted.upgrade("/", {"Origin: http://127.0.0.1"}), 403);

    upgrader.allowAnyOrigin();
    fixture.server.setUpgrader(upgrader);
    Client any;
    QVERIFY(any.connectTo(fixture.port()));
    QCOMPARE(any.upgrade("/", {"Origin: http://anything.example"}), 101);
}

void tst_Server::subprotocolInServerPreference()
{
    TestServer fixture;
    WsKit::Upgrader upgrader;
    upgrader.setSubprotocols({QStringLiteral("v2"), QStringLiteral("v1")});
    fixture.server.setUpgrader(upgrader);
    QCOMPARE(fixture.server.upgrader().subprotocols(), (QStringList{QStringLiteral("v2"), QStringLiteral("v1")}));
    QVERIFY(fixture.listen());
    Client both;
    QVERIFY(both.connectTo(fixture.port()));
    QCOMPARE(both.upgrade("/", {"Sec-WebSocket-Protocol: v1, v2"}), 101);
    QCOMPARE(headerValue(both.response, "Sec-WebSocket-Protocol"), QByteArray("v2"));
    Client none;
    QVERIFY(none.connectTo(fixture.port()));
    QCOMPARE(none.upgrade("/", {"Sec-WebSocket-Protocol: v3"}), 101);
    QVERIFY(!none.response.headers.contains("Sec-WebSocket-Protocol"));
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 2, Wait);
    QCOMPARE(fixture.connections.at(0)->subprotocol(), QStringLiteral("v2"));
    QCOMPARE(fixture.connections.at(1)->subprotocol(), QString());
}

void tst_Server::responseHeadersAndErrorHandler()
{
    TestServer fixture;
    WsKit::Upgrader upgrader;
    upgrader.setResponseHeaders({{"Set-Cookie", "session=abc"}});
    QList<int> statuses;
    upgrader.setErrorHandler([&](const WsKit::HttpRequest &request, int status, const QString &reason) {
        QCOMPARE(request.method(), QByteArray("GET"));
        QVERIFY(!reason.isEmpty());
        statuses.append(status);
    });
    fixture.server.setUpgrader(upgrader);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade(), 101);
    QCOMPARE(headerValue(client.response, "Set-Cookie"), QByteArray("session=abc"));
    Client refused;
    QVERIFY(refused.connectTo(fixture.port()));
    QCOMPARE(refused.upgrade("/", {"Origin: http://elsewhere.example"}), 403);
    QCOMPARE(statuses, QList<int>{403});
}

void tst_Server::upgraderOnItsOwnSocket()
{
    // An Upgrader works without Server: for a program that reads heads itself.
    HeadReadingListener fixture;
    QPointer<Connection> accepted;
    fixture.onHead = [&](QTcpSocket *socket, const WsKit::HttpRequest &request) {
        accepted = WsKit::Upgrader().upgrade(socket, request, &fixture.listener);
    };
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade(), 101);
    QTRY_VERIFY_WITH_TIMEOUT(accepted, Wait);
    QCOMPARE(accepted->parent(), &fixture.listener);
    QVERIFY(accepted->sendText(QStringLiteral("direct")));
    QCOMPARE(client.nextMessage().payload, QByteArray("direct"));
}

void tst_Server::connectionsAreTrackedAndDeleted()
{
    TestServer fixture;
    QSignalSpy counts(&fixture.server, &Server::connectionCountChanged);
    QVERIFY(fixture.listen());
    Client one;
    Client two;
    QVERIFY(fixture.accept(one));
    QVERIFY(fixture.accept(two));
    QCOMPARE(fixture.server.connectionCount(), 2);
    QCOMPARE(fixture.server.connections().size(), 2);
    QCOMPARE(fixture.connections.at(0)->parent(), &fixture.server);

    // Reparented connections are the new parent's to delete.
    QObject owner;
    fixture.connections.at(1)->setParent(&owner);
    one.sendClose(CloseCode::Normal);
    two.sendClose(CloseCode::Normal);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.server.connectionCount(), 0, Wait);
    QTRY_VERIFY_WITH_TIMEOUT(fixture.connections.at(0).isNull(), Wait);
    QTest::qWait(20);
    QVERIFY(!fixture.connections.at(1).isNull());
    QCOMPARE(counts.last().at(0).toInt(), 0);

    // Deleting an open connection takes it off the list too.
    Client three;
    Connection *connection = fixture.accept(three);
    QVERIFY(connection);
    QCOMPARE(fixture.server.connectionCount(), 1);
    delete connection;
    QCOMPARE(fixture.server.connectionCount(), 0);
    QVERIFY(three.waitForDisconnected());
}

void tst_Server::gracefulShutdown()
{
    TestServer fixture;
    QVERIFY(fixture.listen());
    Client one;
    Client two;
    QVERIFY(fixture.accept(one));
    QVERIFY(fixture.accept(two));
    QSignalSpy closedOne(fixture.connections.at(0), &Connection::closed);
    QSignalSpy finished(&fixture.server, &Server::shutdownFinished);
    Client pending;
    QVERIFY(pending.connectTo(fixture.port()));
    QTest::qWait(20);

    fixture.server.shutdown(std::chrono::seconds(5));
    QVERIFY(!fixture.server.isListening());
    QCOMPARE(int(one.waitFor(Type::Close).closeCode), int(CloseCode::GoingAway));
    QCOMPARE(int(two.waitFor(Type::Close).closeCode), int(CloseCode::GoingAway));
    QVERIFY(pending.waitForDisconnected());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, Wait);
    QCOMPARE(closedOne.size(), 1);
    QCOMPARE(closedOne.at(0).at(0).toInt(), int(CloseCode::GoingAway));
    QVERIFY(one.waitForDisconnected());
    QVERIFY(two.waitForDisconnected());

    Client late;
    late.socket.connectToHost(QStringLiteral("127.0.0.1"), fixture.port());
    QVERIFY(!late.socket.waitForConnected(Wait) || late.waitForDisconnected());
}

void tst_Server::shutdownDeadlineAbortsDeafPeers()
{
    TestServer fixture;
    QVERIFY(fixture.listen());
    Client deaf;
    Connection *connection = fixture.accept(deaf);
    QVERIFY(connection);
    deaf.stopReading();
    QSignalSpy closed(connection, &Connection::closed);
    QVERIFY(fixture.shutDownAtDeadline());
    QCOMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).toInt(), int(CloseCode::AbnormalClosure));
}

void tst_Server::listenErrors()
{
    Server first;
    QVERIFY(first.listen(QHostAddress::LocalHost, 0));
    QVERIFY(first.isListening());
    QVERIFY(!first.listen(QHostAddress::LocalHost, 0));
    QVERIFY(!first.errorString().isEmpty());
    Server second;
    QVERIFY(!second.listen(QHostAddress::LocalHost, first.serverPort()));
    QVERIFY(!second.errorString().isEmpty());
    first.stopListening();
    QVERIFY(!first.isListening());
}

void tst_Server::tls()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString keyPath = dir.filePath(QStringLiteral("key.pem"));
    const QString certPath = dir.filePath(QStringLiteral("cert.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                   QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), keyPath, QStringLiteral("-out"), certPath, QStringLiteral("-days"),
                   QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1")});
    QVERIFY(openssl.waitForFinished(30000));
    QCOMPARE(openssl.exitCode(), 0);
    QFile keyFile(keyPath);
    QVERIFY(keyFile.open(QIODevice::ReadOnly));
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(certPath);
    QCOMPARE(certificates.size(), 1);

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(certificates.first());
    configuration.setPrivateKey(QSslKey(&keyFile, QSsl::Ec));
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    TestServer fixture;
    fixture.server.setSslConfiguration(configuration);
    QVERIFY(fixture.server.isSecure());
    QVERIFY(fixture.listen());

    Client client;
    Connection *connection = fixture.accept(client);
    QVERIFY(connection);
    QVERIFY(client.socket.isEncrypted());
    QCOMPARE(client.socket.peerCertificate(), certificates.first());
    QVERIFY(qobject_cast<QSslSocket *>(connection->socket()));
    QObject::connect(connection, &Connection::messageReceived, connection,
                     [connection](const QByteArray &payload, Connection::MessageType type) {
                         connection->sendMessage(payload, type);
                     });
    const QByteArray big(300 * 1024, 'z');
    client.sendText("over tls");
    client.sendBinary(big);
    QCOMPARE(client.nextMessage().payload, QByteArray("over tls"));
    QCOMPARE(client.nextMessage().payload, big);
    QTRY_COMPARE_WITH_TIMEOUT(connection->bufferedAmount(), 0, Wait);
    client.sendClose(CloseCode::Normal);
    QCOMPARE(int(client.waitFor(Type::Close).closeCode), int(CloseCode::Normal));

    // A plain-text client gets no WebSocket from a TLS port.
    Client plain;
    QVERIFY(plain.connectTo(fixture.port()));
    QCOMPARE(plain.upgrade(), 0);
}

QTEST_MAIN(tst_Server)
#include "tst_server.moc"
