// Qt HTTP Server on a WsKit Server's port, over real sockets, plain and with TLS:
// QHttpServer's routes answer pages, bodies and their own 404, on one connection
// after another (keep-alive) and pipelined, while WebSockets on the same port stay
// with WsKit (in worker threads too); what happens to an upgrade on a connection
// QHttpServer holds; and whose address each side reports behind a trusted proxy.

#include "dialertestutil.h"

#include <WsKit/Core/http.h>
#include <WsKit/HttpServer/bindhttpserver.h>
#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>

#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtHttpServer/QHttpServer>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponse>
#include <QtNetwork/QSslSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace DialerTest;
using WsKit::Connection;

namespace {

constexpr int Wait = 10000;

struct Response {
    int status = 0;
    WsKit::Core::HttpHeaders headers;
    QByteArray body;

    QByteArray header(std::string_view name) const
    {
        const auto value = headers.value(name);
        return value ? QByteArray(value->data(), qsizetype(value->size())) : QByteArray();
    }
};

// An HTTP/1.1 client on one connection, plain or TLS, that reads responses framed
// by Content-Length, in order.
class HttpClient
{
public:
    bool connectTo(quint16 port, bool tls)
    {
        if (tls) {
            m_socket.setPeerVerifyMode(QSslSocket::VerifyNone);
            m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
            return QTest::qWaitFor([this] { return m_socket.isEncrypted(); }, Wait);
        }
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, Wait);
    }

    void send(const QByteArray &bytes) { m_socket.write(bytes); }

    // The next response; status 0 when none came complete.
    Response next()
    {
        Response response;
        const bool ended = QTest::qWaitFor([&] {
            m_buffer += m_socket.readAll();
            return take(response) || m_socket.state() == QAbstractSocket::UnconnectedState;
        }, Wait);
        // The connection may have ended right after the last bytes came.
        if (ended && response.status == 0) {
            m_buffer += m_socket.readAll();
            take(response);
        }
        return response;
    }

    bool waitForDisconnected()
    {
        return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; }, Wait);
    }

    QSslSocket &socket() { return m_socket; }

private:
    bool take(Response &response)
    {
        WsKit::Core::HttpHeadParser parser(WsKit::Core::HttpHeadParser::Kind::Response);
        std::size_t consumed = 0;
        if (parser.parse(m_buffer.constData(), std::size_t(m_buffer.size()), consumed)
            != WsKit::Core::HttpHeadParser::Status::Complete)
            return false;
        const auto length = parser.response().headers.value("Content-Length");
        const qsizetype bodySize = length ? QByteArray(length->data(), qsizetype(length->size())).toLongLong() : 0;
        if (m_buffer.size() < qsizetype(consumed) + bodySize)
            return false;
        response.status = parser.response().status;
        response.headers = parser.response().headers;
        response.body = m_buffer.mid(qsizetype(consumed), bodySize);
        m_buffer.remove(0, qsizetype(consumed) + bodySize);
        return true;
    }

    QSslSocket m_socket;
    QByteArray m_buffer;
};

QByteArray get(const QByteArray &target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

QByteArray post(const QByteArray &target, const QByteArray &body)
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray upgradeRequest(const QByteArray &target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

} // namespace

class tst_BindHttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void pagesAndWebSocketsOnOnePort_data();
    void pagesAndWebSocketsOnOnePort();
    void keepAlive_data();
    void keepAlive();
    void pipelined_data();
    void pipelined();
    void upgradeOnConnectionHeldByHttpServer();
    void webSocketsInWorkersPagesInTheServersThread();
    void limitsOfTheFirstHeadStayWsKits();
    void httpServerDeletedFallsBack();
    void behindATrustedProxy();

private:
    bool start(bool tls);
    QUrl webSocketUrl(bool tls) const;

    QTemporaryDir m_dir;
    TestPki m_pki;
    std::unique_ptr<WsKit::Server> m_server;
    std::unique_ptr<QHttpServer> m_http;
    QList<QByteArray> m_requestsSeen; // by QHttpServer's routes
};

void tst_BindHttpServer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_pki.make(m_dir.path()), qPrintable(m_pki.error));
}

void tst_BindHttpServer::init()
{
    m_requestsSeen.clear();
    m_http = std::make_unique<QHttpServer>();
    m_http->route(QStringLiteral("/"), [this](const QHttpServerRequest &request) {
        m_requestsSeen.append(request.url().path().toUtf8());
        return QStringLiteral("<html>the page</html>");
    });
    m_http->route(QStringLiteral("/api/echo"), QHttpServerRequest::Method::Post,
                  [this](const QHttpServerRequest &request) {
                      m_requestsSeen.append(request.url().path().toUtf8());
                      return QHttpServerResponse("text/plain", "got " + QByteArray::number(request.body().size())
                                                                   + " bytes: " + request.body().left(16));
                  });
    m_server = std::make_unique<WsKit::Server>();
    m_server->setWebSocketPaths({QStringLiteral("/ws")});
    QObject::connect(m_server.get(), &WsKit::Server::newConnection, m_server.get(), &echoMessages);
}

void tst_BindHttpServer::cleanup()
{
    m_server.reset();
    m_http.reset();
}

bool tst_BindHttpServer::start(bool tls)
{
    if (tls)
        m_server->setSslConfiguration(TestPki::serverConfiguration(m_pki.server, m_pki.serverKey));
    return WsKit::bindHttpServer(m_server.get(), m_http.get()) && m_server->listen(QHostAddress::LocalHost, 0);
}

QUrl tst_BindHttpServer::webSocketUrl(bool tls) const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2/ws").arg(tls ? QStringLiteral("wss") : QStringLiteral("ws"))
                    .arg(m_server->serverPort()));
}

void tst_BindHttpServer::pagesAndWebSocketsOnOnePort_data()
{
    QTest::addColumn<bool>("tls");
    QTest::newRow("plain") << false;
    QTest::newRow("tls") << true;
}

void tst_BindHttpServer::pagesAndWebSocketsOnOnePort()
{
    QFETCH(bool, tls);
    QVERIFY(start(tls));

    HttpClient page;
    QVERIFY(page.connectTo(m_server->serverPort(), tls));
    page.send(get("/"));
    const Response pageResponse = page.next();
    QCOMPARE(pageResponse.status, 200);
    QCOMPARE(pageResponse.body, QByteArray("<html>the page</html>"));

    // A body larger than the Server's read limit for request heads.
    const QByteArray body(100 * 1024, 'b');
    HttpClient poster;
    QVERIFY(poster.connectTo(m_server->serverPort(), tls));
    poster.send(post("/api/echo", body));
    const Response posted = poster.next();
    QCOMPARE(posted.status, 200);
    QCOMPARE(posted.body, QByteArray("got 102400 bytes: bbbbbbbbbbbbbbbb"));

    // QHttpServer's own answer for what no route serves.
    HttpClient missing;
    QVERIFY(missing.connectTo(m_server->serverPort(), tls));
    missing.send(get("/nowhere"));
    QCOMPARE(missing.next().status, 404);
    QCOMPARE(m_requestsSeen, (QList<QByteArray>{"/", "/api/echo"}));

    // The WebSocket on the same port is WsKit's.
    WsKit::Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    Connection *connection = dialer.dial(webSocketUrl(tls), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QCOMPARE(m_server->connectionCount(), 1);
    QVERIFY(connection->sendText(QStringLiteral("over the same port")));
    QCOMPARE(nextText(connection), QStringLiteral("over the same port"));
    QCOMPARE(closeAndWait(connection), 1000);
    delete connection;
}

void tst_BindHttpServer::keepAlive_data()
{
    pagesAndWebSocketsOnOnePort_data();
}

void tst_BindHttpServer::keepAlive()
{
    QFETCH(bool, tls);
    QVERIFY(start(tls));
    HttpClient client;
    QVERIFY(client.connectTo(m_server->serverPort(), tls));
    const quint16 localPort = client.socket().localPort();
    client.send(get("/"));
    QCOMPARE(client.next().body, QByteArray("<html>the page</html>"));
    client.send(post("/api/echo", "first"));
    QCOMPARE(client.next().body, QByteArray("got 5 bytes: first"));
    client.send(get("/missing"));
    QCOMPARE(client.next().status, 404);
    client.send(get("/"));
    const Response last = client.next();
    QCOMPARE(last.status, 200);
    // All on the one connection.
    QCOMPARE(client.socket().state(), QAbstractSocket::ConnectedState);
    QCOMPARE(client.socket().localPort(), localPort);
    QCOMPARE(m_requestsSeen.size(), 3);
}

void tst_BindHttpServer::pipelined_data()
{
    pagesAndWebSocketsOnOnePort_data();
}

void tst_BindHttpServer::pipelined()
{
    QFETCH(bool, tls);
    QVERIFY(start(tls));
    HttpClient client;
    QVERIFY(client.connectTo(m_server->serverPort(), tls));
    // Three requests in one write: the first head is the Server's to route, and all
    // three reach QHttpServer intact and are answered in order.
    client.send(get("/") + post("/api/echo", "pipelined body") + get("/missing"));
    const Response first = client.next();
    const Response second = client.next();
    const Response third = client.next();
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("<html>the page</html>"));
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, QByteArray("got 14 bytes: pipelined body"));
    QCOMPARE(third.status, 404);
}

void tst_BindHttpServer::upgradeOnConnectionHeldByHttpServer()
{
    QVERIFY(start(false));
    QSignalSpy opened(m_server.get(), &WsKit::Server::newConnection);
    HttpClient client;
    QVERIFY(client.connectTo(m_server->serverPort(), false));
    client.send(get("/"));
    QCOMPARE(client.next().status, 200);
    // The connection is QHttpServer's now: it answers the upgrade itself (Qt 6.4:
    // its missing handler) and closes; no WebSocket opens.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("WebSocket received")));
    client.send(upgradeRequest("/ws"));
    const Response refused = client.next();
    QCOMPARE(refused.status, 404);
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(opened.size(), 0);

    // A new connection, as browsers open for every WebSocket, upgrades.
    WsKit::Dialer dialer;
    Connection *connection = dialer.dial(webSocketUrl(false), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QCOMPARE(opened.size(), 1);
    delete connection;
}

void tst_BindHttpServer::webSocketsInWorkersPagesInTheServersThread()
{
    // With worker threads the WebSockets move to them; the HTTP connections stay
    // with QHttpServer in the Server's thread.
    QThread *routeThread = nullptr;
    m_http->route(QStringLiteral("/thread"), [&routeThread] {
        routeThread = QThread::currentThread();
        return QStringLiteral("here");
    });
    m_server->setWorkerCount(2);
    QVERIFY(start(false));
    HttpClient page;
    QVERIFY(page.connectTo(m_server->serverPort(), false));
    page.send(get("/thread"));
    QCOMPARE(page.next().body, QByteArray("here"));
    QCOMPARE(routeThread, QThread::currentThread());

    WsKit::Dialer dialer;
    Connection *connection = dialer.dial(webSocketUrl(false), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QVERIFY(connection->sendText(QStringLiteral("from a worker")));
    QCOMPARE(nextText(connection), QStringLiteral("from a worker"));
    QCOMPARE(m_server->connectionCount(), 1);
    QVERIFY(m_server->connections().first()->thread() != QThread::currentThread());
    // The page connection, kept alive, is still QHttpServer's.
    page.send(get("/"));
    QCOMPARE(page.next().body, QByteArray("<html>the page</html>"));
    QCOMPARE(closeAndWait(connection), 1000);
    delete connection;
}

void tst_BindHttpServer::limitsOfTheFirstHeadStayWsKits()
{
    m_server->setMaxHeadSize(1024);
    QSignalSpy failed(m_server.get(), &WsKit::Server::handshakeFailed);
    QVERIFY(start(false));
    HttpClient client;
    QVERIFY(client.connectTo(m_server->serverPort(), false));
    client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Padding: " + QByteArray(2000, 'p') + "\r\n\r\n");
    QCOMPARE(client.next().status, 431);
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(failed.size(), 1);
    QVERIFY(m_requestsSeen.isEmpty());
    // A head of up to the limit reaches QHttpServer.
    HttpClient fits;
    QVERIFY(fits.connectTo(m_server->serverPort(), false));
    fits.send("GET / HTTP/1.1\r\nHost: a\r\nX-Padding: " + QByteArray(900, 'p') + "\r\n\r\n");
    QCOMPARE(fits.next().status, 200);
}

void tst_BindHttpServer::httpServerDeletedFallsBack()
{
    QVERIFY(start(false));
    m_http.reset();
    HttpClient client;
    QVERIFY(client.connectTo(m_server->serverPort(), false));
    client.send(get("/"));
    const Response fallback = client.next();
    QCOMPARE(fallback.status, 404); // the Server's own HTTP handler
    QCOMPARE(fallback.header("Connection").toLower(), QByteArray("close"));
    QVERIFY(client.waitForDisconnected());
    QVERIFY(!WsKit::bindHttpServer(m_server.get(), nullptr));
}

void tst_BindHttpServer::behindATrustedProxy()
{
    // This test is the trusted proxy (127.0.0.1) and forwards 203.0.113.7.
    QVERIFY(m_server->setTrustedProxies({QStringLiteral("127.0.0.1")}));
    m_http->route(QStringLiteral("/who"), [](const QHttpServerRequest &request) {
        return request.remoteAddress().toString().toUtf8() + " for " + request.value("X-Forwarded-For");
    });
    QVERIFY(start(false));
    const QByteArray forwarded = "X-Forwarded-For: 203.0.113.7\r\n";

    // QHttpServer reads the request itself: the proxy is its remote address, and the
    // forwarded field reaches the route as it was sent.
    HttpClient page;
    QVERIFY(page.connectTo(m_server->serverPort(), false));
    page.send(get("/who").replace("\r\n\r\n", "\r\n" + forwarded + "\r\n"));
    const Response who = page.next();
    QCOMPARE(who.status, 200);
    QCOMPARE(who.body, QByteArray("127.0.0.1 for 203.0.113.7"));

    // A WebSocket on the same port is WsKit's, which believes the proxy.
    QSignalSpy opened(m_server.get(), &WsKit::Server::newConnection);
    HttpClient upgrade;
    QVERIFY(upgrade.connectTo(m_server->serverPort(), false));
    upgrade.send(upgradeRequest("/ws").replace("\r\n\r\n", "\r\n" + forwarded + "\r\n"));
    QCOMPARE(upgrade.next().status, 101);
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, Wait);
    QCOMPARE(opened.first().first().value<Connection *>()->peerAddress(), QHostAddress(QStringLiteral("203.0.113.7")));
}

QTEST_MAIN(tst_BindHttpServer)
#include "tst_bindhttpserver.moc"
