// Deciding each upgrade in code, over real loopback sockets: rejections with any
// status, fields and body; fields, subprotocol and limits chosen per request;
// decisions made later (accepted, rejected, timed out, dropped, or abandoned by a
// client that went away); the origin check before the decision; and what the
// decision handler sees of the request.

#include "dialertestutil.h"
#include "testserver.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/server.h>
#include <WsKit/upgradedecision.h>
#include <WsKit/upgrader.h>

#include <QtCore/QTimer>
#include <QtNetwork/QNetworkCookieJar>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace TestClient;
using Type = WsKit::Core::Event::Type;
using WsKit::Connection;
using WsKit::HttpRequest;
using WsKit::Server;
using WsKit::UpgradeDecision;
using WsKit::Upgrader;
namespace CloseCode = WsKit::Core::CloseCode;

namespace {

QByteArray headerValue(const WsKit::HttpHeaderList &headers, const QByteArray &name)
{
    for (const auto &[fieldName, value] : headers) {
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

// A server whose Upgrader runs handler on every request that passed the checks.
struct DecidingServer : TestServer {
    explicit DecidingServer(Upgrader::DecisionHandler handler, Upgrader upgrader = {})
    {
        upgrader.setDecisionHandler(std::move(handler));
        server.setUpgrader(upgrader);
    }
};

QUrl wsUrl(quint16 port, const QString &pathAndQuery = QStringLiteral("/"))
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(port).arg(pathAndQuery));
}

} // namespace

class tst_UpgradeDecision : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rejectWith401();
    void rejectionSeenByDialer();
    void cookiePerRequestInDialerJar();
    void requestDetails();
    void requestDetailsOverTls();
    void originCheckRunsFirst();
    void responseFieldsAreChecked();
    void subprotocolPerRequest();
    void limitsPerRequest();
    void compressionPerRequest();
    void deferredAccept();
    void deferredReject();
    void clientGoesAwayWhilePending();
    void decisionTimesOut();
    void droppedDecisionAnswers500();
    void shutdownAbandonsPendingDecisions();
    void pendingDecisionsCountAgainstLimits();
    void upgraderWithCallbackOnItsOwnSocket();
};

void tst_UpgradeDecision::rejectWith401()
{
    QList<int> refused;
    Upgrader upgrader;
    upgrader.setErrorHandler([&](const HttpRequest &, int status, const QString &) { refused.append(status); });
    DecidingServer fixture(
        [](const HttpRequest &request, UpgradeDecision decision) {
            if (request.header("Authorization") == "Bearer good") {
                decision.accept();
                return;
            }
            WsKit::HttpResponse response(401);
            response.setHeader("WWW-Authenticate", "Bearer realm=\"chat\"");
            response.setBody("Log in first.\n", "text/plain");
            // Framing is the server's, and no value may split the head.
            response.addHeader("Content-Length", "999");
            response.addHeader("X-Split", "a\r\nX-Injected: 1");
            QVERIFY(decision.reject(response));
            QVERIFY(!decision.accept()); // decided once
            QCOMPARE(decision.state(), UpgradeDecision::State::Rejected);
        },
        upgrader);
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());

    Client anonymous;
    QVERIFY(anonymous.connectTo(fixture.port()));
    QCOMPARE(anonymous.upgrade(), 401);
    QCOMPARE(headerValue(anonymous.response, "WWW-Authenticate"), QByteArray("Bearer realm=\"chat\""));
    QCOMPARE(headerValue(anonymous.response, "Connection").toLower(), QByteArray("close"));
    QVERIFY(anonymous.waitForDisconnected());
    QCOMPARE(anonymous.responseBody, QByteArray("Log in first.\n"));
    QCOMPARE(headerValue(anonymous.response, "Content-Length"), QByteArray("14"));
    QVERIFY(!anonymous.response.headers.contains("X-Split"));
    QVERIFY(!anonymous.response.headers.contains("X-Injected"));
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).toInt(), 401);
    QCOMPARE(refused, QList<int>{401});
    QCOMPARE(fixture.connections.size(), 0);

    Client member;
    QVERIFY(member.connectTo(fixture.port()));
    QCOMPARE(member.upgrade("/", {"Authorization: Bearer good"}), 101);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
    QVERIFY(fixture.connections.at(0)->sendText(QStringLiteral("welcome")));
    QCOMPARE(member.nextMessage().payload, QByteArray("welcome"));
}

void tst_UpgradeDecision::rejectionSeenByDialer()
{
    DecidingServer fixture([](const HttpRequest &, UpgradeDecision decision) {
        WsKit::HttpResponse response(401);
        response.addHeader("WWW-Authenticate", "Basic realm=\"ws\"");
        response.setBody("{\"error\":\"no token\"}", "application/json");
        decision.reject(response);
    });
    QVERIFY(fixture.listen());
    WsKit::Dialer dialer;
    Connection *connection = dialer.dial(wsUrl(fixture.port()), {}, this);
    const DialerTest::Outcome outcome = DialerTest::waitForOutcome(connection);
    QVERIFY(outcome.finished && !outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HandshakeFailed);
    const WsKit::HttpResponse response = connection->handshakeResponse();
    QCOMPARE(response.statusCode(), 401);
    QCOMPARE(headerValue(response.headers(), "WWW-Authenticate"), QByteArray("Basic realm=\"ws\""));
    QCOMPARE(response.body(), QByteArray("{\"error\":\"no token\"}"));
    delete connection;
}

void tst_UpgradeDecision::cookiePerRequestInDialerJar()
{
    QList<QByteArray> cookiesSeen;
    DecidingServer fixture([&](const HttpRequest &request, UpgradeDecision decision) {
        cookiesSeen.append(request.cookie("session"));
        const QString user = request.query().queryItemValue(QStringLiteral("user"));
        QVERIFY(decision.addResponseHeader("Set-Cookie", "session=" + user.toUtf8() + "; Path=/; HttpOnly"));
        decision.accept();
    });
    QVERIFY(fixture.listen());
    QNetworkCookieJar jar;
    WsKit::Dialer dialer;
    dialer.setCookieJar(&jar);
    const QUrl cookieUrl(QStringLiteral("http://127.0.0.1:%1/").arg(fixture.port()));

    for (const QString &user : {QStringLiteral("alice"), QStringLiteral("bob")}) {
        Connection *connection = dialer.dial(wsUrl(fixture.port(), QStringLiteral("/?user=") + user), {}, this);
        QVERIFY(DialerTest::waitForOutcome(connection).opened);
        QCOMPARE(headerValue(connection->responseHeaders(), "Set-Cookie"),
                 "session=" + user.toUtf8() + "; Path=/; HttpOnly");
        const QList<QNetworkCookie> stored = jar.cookiesForUrl(cookieUrl);
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored.at(0).value(), user.toUtf8());
        delete connection;
    }
    // The second request carried the cookie the first one set.
    QCOMPARE(cookiesSeen, (QList<QByteArray>{QByteArray(), QByteArray("alice")}));
}

void tst_UpgradeDecision::requestDetails()
{
    QList<HttpRequest> seen;
    QList<QStringList> offered;
    DecidingServer fixture([&](const HttpRequest &request, UpgradeDecision decision) {
        seen.append(request);
        offered.append(decision.requestedSubprotocols());
        QCOMPARE(decision.request().target(), request.target());
        decision.accept();
    });
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade("/rooms/7?since=42&name=a%20b",
                            {"Cookie: theme=dark; session=abc123", "Cookie: extra=1", "Cookie: broken",
                             "Sec-WebSocket-Protocol: chat.v2, chat.v1"}),
             101);
    QCOMPARE(seen.size(), 1);
    const HttpRequest &request = seen.at(0);
    QCOMPARE(request.method(), QByteArray("GET"));
    QCOMPARE(request.target(), QByteArray("/rooms/7?since=42&name=a%20b"));
    QCOMPARE(request.path(), QStringLiteral("/rooms/7"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("since")), QStringLiteral("42"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("name"), QUrl::FullyDecoded), QStringLiteral("a b"));
    QCOMPARE(request.cookie("session"), QByteArray("abc123"));
    QCOMPARE(request.cookie("extra"), QByteArray("1"));
    QVERIFY(request.cookie("missing").isNull());
    const QList<QNetworkCookie> cookies = request.cookies();
    QCOMPARE(cookies.size(), 3);
    QCOMPARE(cookies.at(0).name(), QByteArray("theme"));
    QCOMPARE(cookies.at(0).value(), QByteArray("dark"));
    QCOMPARE(request.peerAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(request.peerPort(), client.socket.localPort());
    QVERIFY(!request.isSecure());
    QVERIFY(request.sslConfiguration().isNull());
    QCOMPARE(offered.at(0), (QStringList{QStringLiteral("chat.v2"), QStringLiteral("chat.v1")}));

    // The HTTP handler sees the same details.
    QList<HttpRequest> pages;
    fixture.server.setHttpHandler([&](const HttpRequest &page, WsKit::HttpResponse &) { pages.append(page); });
    Client browser;
    QVERIFY(browser.connectTo(fixture.port()));
    QCOMPARE(browser.handshake("GET /page HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\n\r\n"), 404);
    QCOMPARE(pages.size(), 1);
    QCOMPARE(pages.at(0).cookie("a"), QByteArray("1"));
    QCOMPARE(pages.at(0).peerPort(), browser.socket.localPort());
}

void tst_UpgradeDecision::requestDetailsOverTls()
{
    QTemporaryDir dir;
    DialerTest::TestPki pki;
    QVERIFY2(pki.make(dir.path()), qPrintable(pki.error));
    const QSslConfiguration tls = DialerTest::TestPki::serverConfiguration(pki.server, pki.serverKey);
    QList<HttpRequest> seen;
    DecidingServer fixture([&](const HttpRequest &request, UpgradeDecision decision) {
        seen.append(request);
        decision.accept();
    });
    fixture.server.setSslConfiguration(tls);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(fixture.accept(client));
    QCOMPARE(seen.size(), 1);
    QVERIFY(seen.at(0).isSecure());
    QVERIFY(!seen.at(0).sslConfiguration().isNull());
    QCOMPARE(seen.at(0).sslConfiguration().sessionProtocol(), client.socket.sessionProtocol());
    QCOMPARE(seen.at(0).sslConfiguration().localCertificate(), pki.server);
}

void tst_UpgradeDecision::originCheckRunsFirst()
{
    int asked = 0;
    QByteArray originSeen;
    const auto handler = [&](const HttpRequest &request, UpgradeDecision decision) {
        ++asked;
        originSeen = request.header("Origin");
        decision.accept();
    };
    DecidingServer fixture(handler);
    QVERIFY(fixture.listen());
    Client foreign;
    QVERIFY(foreign.connectTo(fixture.port()));
    QCOMPARE(foreign.upgrade("/", {"Origin: http://evil.example"}), 403);
    QCOMPARE(asked, 0);
    // An invalid handshake is refused before the decision too.
    Client broken;
    QVERIFY(broken.connectTo(fixture.port()));
    QCOMPARE(broken.handshake("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n"),
             400);
    Client badExtensions;
    QVERIFY(badExtensions.connectTo(fixture.port()));
    QCOMPARE(badExtensions.upgrade("/", {"Sec-WebSocket-Extensions: permessage-deflate; ;"}), 400);
    QCOMPARE(asked, 0);

    // With the origin check off, the decision handler sees every Origin.
    Upgrader open;
    open.allowAnyOrigin();
    open.setDecisionHandler(handler);
    fixture.server.setUpgrader(open);
    Client elsewhere;
    QVERIFY(elsewhere.connectTo(fixture.port()));
    QCOMPARE(elsewhere.upgrade("/", {"Origin: http://evil.example"}), 101);
    QCOMPARE(asked, 1);
    QCOMPARE(originSeen, QByteArray("http://evil.example"));
}

void tst_UpgradeDecision::responseFieldsAreChecked()
{
    QList<bool> results;
    Upgrader upgrader;
    upgrader.setResponseHeaders({{"X-Server", "wskit"}});
    DecidingServer fixture(
        [&](const HttpRequest &, UpgradeDecision decision) {
            QCOMPARE(decision.responseHeaders(), (WsKit::HttpHeaderList{{"X-Server", "wskit"}}));
            results << decision.addResponseHeader("X-Request", "1") << decision.addResponseHeader("Bad Name", "x")
                    << decision.addResponseHeader("X-Split", "a\r\nX-Injected: 1")
                    << decision.addResponseHeader("Sec-WebSocket-Accept", "forged")
                    << decision.addResponseHeader("connection", "close") << decision.addResponseHeader("Upgrade", "h2c");
            decision.accept();
        },
        upgrader);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade(), 101);
    QCOMPARE(results, (QList<bool>{true, false, false, false, false, false}));
    QCOMPARE(headerValue(client.response, "X-Server"), QByteArray("wskit"));
    QCOMPARE(headerValue(client.response, "X-Request"), QByteArray("1"));
    QVERIFY(!client.response.headers.contains("X-Injected"));
    QCOMPARE(headerValue(client.response, "Sec-WebSocket-Accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    QCOMPARE(headerValue(client.response, "Connection"), QByteArray("Upgrade"));
}

void tst_UpgradeDecision::subprotocolPerRequest()
{
    Upgrader upgrader;
    upgrader.setSubprotocols({QStringLiteral("chat.v2"), QStringLiteral("chat.v1")});
    DecidingServer fixture(
        [](const HttpRequest &request, UpgradeDecision decision) {
            QCOMPARE(decision.subprotocol(), QStringLiteral("chat.v2")); // the Upgrader's preference
            QVERIFY(!decision.setSubprotocol(QStringLiteral("never.offered")));
            if (request.path() == QStringLiteral("/legacy"))
                QVERIFY(decision.setSubprotocol(QStringLiteral("chat.v1")));
            else if (request.path() == QStringLiteral("/plain"))
                QVERIFY(decision.setSubprotocol(QString()));
            decision.accept();
        },
        upgrader);
    QVERIFY(fixture.listen());
    const QList<QByteArray> offer{"Sec-WebSocket-Protocol: chat.v1, chat.v2"};
    Client modern;
    QVERIFY(modern.connectTo(fixture.port()));
    QCOMPARE(modern.upgrade("/", offer), 101);
    QCOMPARE(headerValue(modern.response, "Sec-WebSocket-Protocol"), QByteArray("chat.v2"));
    Client legacy;
    QVERIFY(legacy.connectTo(fixture.port()));
    QCOMPARE(legacy.upgrade("/legacy", offer), 101);
    QCOMPARE(headerValue(legacy.response, "Sec-WebSocket-Protocol"), QByteArray("chat.v1"));
    Client plain;
    QVERIFY(plain.connectTo(fixture.port()));
    QCOMPARE(plain.upgrade("/plain", offer), 101);
    QVERIFY(!plain.response.headers.contains("Sec-WebSocket-Protocol"));
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 3, Wait);
    QCOMPARE(fixture.connections.at(0)->subprotocol(), QStringLiteral("chat.v2"));
    QCOMPARE(fixture.connections.at(1)->subprotocol(), QStringLiteral("chat.v1"));
    QCOMPARE(fixture.connections.at(2)->subprotocol(), QString());

    // A Dialer agrees with what was chosen for it.
    WsKit::Dialer dialer;
    dialer.setSubprotocols({QStringLiteral("chat.v2"), QStringLiteral("chat.v1")});
    Connection *connection = dialer.dial(wsUrl(fixture.port(), QStringLiteral("/legacy")), {}, this);
    QVERIFY(DialerTest::waitForOutcome(connection).opened);
    QCOMPARE(connection->subprotocol(), QStringLiteral("chat.v1"));
    delete connection;
}

void tst_UpgradeDecision::limitsPerRequest()
{
    DecidingServer fixture([](const HttpRequest &request, UpgradeDecision decision) {
        if (request.query().queryItemValue(QStringLiteral("guest")) == QStringLiteral("1")) {
            WsKit::ConnectionOptions guest = decision.connectionOptions();
            guest.setMaxMessageSize(1000);
            decision.setConnectionOptions(guest);
        }
        decision.accept();
    });
    QObject::connect(&fixture.server, &Server::newConnection, &fixture.server, &DialerTest::echoMessages);
    QVERIFY(fixture.listen());
    const QByteArray big(2000, 'x');

    Client member;
    Connection *memberSide = fixture.accept(member, "/?guest=0");
    QVERIFY(memberSide);
    QCOMPARE(memberSide->options().maxMessageSize(), WsKit::ConnectionOptions::DefaultMaxMessageSize);
    member.sendBinary(big);
    QCOMPARE(member.nextMessage().payload, big);

    Client guest;
    Connection *guestSide = fixture.accept(guest, "/?guest=1");
    QVERIFY(guestSide);
    QCOMPARE(guestSide->options().maxMessageSize(), 1000);
    QSignalSpy errors(guestSide, &Connection::errorOccurred);
    guest.sendBinary(QByteArray(999, 'y'));
    QCOMPARE(guest.nextMessage().payload, QByteArray(999, 'y'));
    guest.sendBinary(big);
    QCOMPARE(int(guest.waitFor(Type::Close).closeCode), int(CloseCode::MessageTooBig));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), Connection::Error::MessageTooBig);

    // The member's connection is untouched.
    member.sendText("still here");
    QCOMPARE(member.nextMessage().payload, QByteArray("still here"));
}

void tst_UpgradeDecision::compressionPerRequest()
{
    DecidingServer fixture([](const HttpRequest &request, UpgradeDecision decision) {
        if (request.path() == QStringLiteral("/media")) {
            WsKit::ConnectionOptions options = decision.connectionOptions();
            WsKit::CompressionOptions compression = options.compression();
            compression.setEnabled(false);
            options.setCompression(compression);
            decision.setConnectionOptions(options);
        }
        decision.accept();
    });
    QVERIFY(fixture.listen());
    const WsKit::Core::DeflateConfig offer;
    Client text;
    QVERIFY(text.connectTo(fixture.port()));
    QCOMPARE(text.upgradeCompressed(offer, "/text"), 101);
    QVERIFY(text.agreedDeflate.has_value());
    Client media;
    QVERIFY(media.connectTo(fixture.port()));
    QCOMPARE(media.upgradeCompressed(offer, "/media"), 101);
    QVERIFY(!media.agreedDeflate.has_value());
    QVERIFY(!media.response.headers.contains("Sec-WebSocket-Extensions"));
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 2, Wait);
    QVERIFY(fixture.connections.at(0)->isCompressionNegotiated());
    QVERIFY(!fixture.connections.at(1)->isCompressionNegotiated());
}

void tst_UpgradeDecision::deferredAccept()
{
    QList<UpgradeDecision> waiting;
    DecidingServer fixture([&](const HttpRequest &request, UpgradeDecision decision) {
        QVERIFY(decision.addResponseHeader("X-User", request.query().queryItemValue(QStringLiteral("u")).toUtf8()));
        waiting.append(decision);
    });
    QSignalSpy opened(&fixture.server, &Server::newConnection);
    QVERIFY(fixture.listen());

    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    client.write(upgradeRequest("/?u=carol"));
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    QTest::qWait(100); // nothing is answered while the decision is pending
    QVERIFY(client.raw.isEmpty());
    QCOMPARE(client.response.status, 0);
    QCOMPARE(opened.size(), 0);
    QVERIFY(waiting.at(0).isPending());

    // Later, as when another service answered.
    QTimer::singleShot(50, &fixture.server, [&] { QVERIFY(waiting[0].accept()); });
    QVERIFY(QTest::qWaitFor([&] { return client.response.status != 0; }, Wait));
    QCOMPARE(client.response.status, 101);
    QCOMPARE(headerValue(client.response, "X-User"), QByteArray("carol"));
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, Wait);
    QCOMPARE(waiting.at(0).state(), UpgradeDecision::State::Accepted);
    QVERIFY(!waiting[0].reject(403));
    Connection *connection = fixture.connections.at(0);
    QVERIFY(connection->sendText(QStringLiteral("accepted later")));
    QCOMPARE(client.nextMessage().payload, QByteArray("accepted later"));
    QCOMPARE(fixture.server.connectionCount(), 1);
}

void tst_UpgradeDecision::deferredReject()
{
    QList<UpgradeDecision> waiting;
    DecidingServer fixture([&](const HttpRequest &, UpgradeDecision decision) { waiting.append(decision); });
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    client.write(upgradeRequest());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    QTimer::singleShot(50, &fixture.server, [&] { QVERIFY(waiting[0].reject(403, "Banned.\n")); });
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(client.response.status, 403);
    QCOMPARE(client.responseBody, QByteArray("Banned.\n"));
    QCOMPARE(headerValue(client.response, "Content-Type"), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).toInt(), 403);
    QCOMPARE(waiting.at(0).state(), UpgradeDecision::State::Rejected);
    QVERIFY(!waiting[0].accept());
    QCOMPARE(fixture.connections.size(), 0);
}

void tst_UpgradeDecision::clientGoesAwayWhilePending()
{
    QList<UpgradeDecision> waiting;
    QList<int> reported;
    Upgrader upgrader;
    upgrader.setErrorHandler([&](const HttpRequest &, int status, const QString &) { reported.append(status); });
    DecidingServer fixture([&](const HttpRequest &, UpgradeDecision decision) { waiting.append(decision); },
                           upgrader);
    fixture.server.setMaxPendingHandshakes(1);
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());
    {
        Client leaving;
        QVERIFY(leaving.connectTo(fixture.port()));
        leaving.write(upgradeRequest());
        QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
        leaving.socket.disconnectFromHost();
    }
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, Wait);
    QCOMPARE(failed.at(0).at(0).toInt(), 0);
    QCOMPARE(reported, QList<int>{0});
    QCOMPARE(waiting.at(0).state(), UpgradeDecision::State::Abandoned);
    QVERIFY(!waiting.at(0).isPending());
    QVERIFY(!waiting[0].accept());
    QVERIFY(!waiting[0].reject(401));
    QCOMPARE(fixture.connections.size(), 0);

    // The pending slot it held is free again: the next client gets through.
    Client next;
    QVERIFY(next.connectTo(fixture.port()));
    next.write(upgradeRequest());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 2, Wait);
    QVERIFY(waiting[1].accept());
    QVERIFY(QTest::qWaitFor([&] { return next.response.status == 101; }, Wait));
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
}

void tst_UpgradeDecision::decisionTimesOut()
{
    QList<UpgradeDecision> waiting;
    DecidingServer fixture([&](const HttpRequest &, UpgradeDecision decision) { waiting.append(decision); });
    fixture.server.setHandshakeTimeout(std::chrono::milliseconds(300));
    QSignalSpy failed(&fixture.server, &Server::handshakeFailed);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade(), 503);
    QVERIFY(client.waitForDisconnected());
    QVERIFY(!client.responseBody.isEmpty());
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).toInt(), 503);
    QCOMPARE(waiting.at(0).state(), UpgradeDecision::State::Abandoned);
    QVERIFY(!waiting[0].accept());

    // The Upgrader's own timeout applies when it is the shorter one.
    Upgrader quick = fixture.server.upgrader();
    quick.setDecisionTimeout(std::chrono::milliseconds(100));
    QCOMPARE(quick.decisionTimeout(), std::chrono::milliseconds(100));
    fixture.server.setUpgrader(quick);
    fixture.server.setHandshakeTimeout(std::chrono::seconds(60));
    Client other;
    QVERIFY(other.connectTo(fixture.port()));
    QCOMPARE(other.upgrade(), 503);
}

void tst_UpgradeDecision::droppedDecisionAnswers500()
{
    int asked = 0;
    DecidingServer fixture([&](const HttpRequest &, UpgradeDecision) { ++asked; });
    fixture.server.setHandshakeTimeout(std::chrono::seconds(60));
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(client.upgrade(), 500);
    QVERIFY(timer.elapsed() < Wait); // at once, not at the 60 s timeout
    QCOMPARE(asked, 1);
    QVERIFY(client.waitForDisconnected());

    // The same when a deferred decision is dropped later.
    QList<UpgradeDecision> waiting;
    Upgrader later;
    later.setDecisionHandler([&](const HttpRequest &, UpgradeDecision decision) { waiting.append(decision); });
    fixture.server.setUpgrader(later);
    Client second;
    QVERIFY(second.connectTo(fixture.port()));
    second.write(upgradeRequest());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    waiting.clear();
    QVERIFY(second.waitForDisconnected());
    QCOMPARE(second.response.status, 500);
}

void tst_UpgradeDecision::shutdownAbandonsPendingDecisions()
{
    QList<UpgradeDecision> waiting;
    DecidingServer fixture([&](const HttpRequest &, UpgradeDecision decision) { waiting.append(decision); });
    QSignalSpy finished(&fixture.server, &Server::shutdownFinished);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    client.write(upgradeRequest());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    fixture.server.shutdown();
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(waiting.at(0).state(), UpgradeDecision::State::Abandoned);
    QVERIFY(!waiting[0].accept());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, Wait);
    QCOMPARE(fixture.connections.size(), 0);
}

void tst_UpgradeDecision::pendingDecisionsCountAgainstLimits()
{
    QList<UpgradeDecision> waiting;
    DecidingServer fixture([&](const HttpRequest &, UpgradeDecision decision) { waiting.append(decision); });
    fixture.server.setMaxConnections(1);
    QVERIFY(fixture.listen());
    Client first;
    QVERIFY(first.connectTo(fixture.port()));
    first.write(upgradeRequest());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    // The pending decision may become the one connection allowed.
    Client second;
    QVERIFY(second.connectTo(fixture.port()));
    QCOMPARE(second.upgrade(), 503);
    QVERIFY(waiting[0].accept());
    QVERIFY(QTest::qWaitFor([&] { return first.response.status == 101; }, Wait));
    QTRY_COMPARE_WITH_TIMEOUT(fixture.server.connectionCount(), 1, Wait);
}

void tst_UpgradeDecision::upgraderWithCallbackOnItsOwnSocket()
{
    // A program that reads heads itself learns of deferred decisions through the
    // callback; the form without one returns nullptr for them.
    QList<UpgradeDecision> waiting;
    Upgrader upgrader;
    upgrader.setDecisionHandler([&](const HttpRequest &, UpgradeDecision decision) { waiting.append(decision); });
    HeadReadingListener fixture;
    QList<QPointer<Connection>> outcomes;
    int calls = 0;
    bool withCallback = true;
    fixture.onHead = [&](QTcpSocket *socket, const HttpRequest &request) {
        if (!withCallback) {
            QVERIFY(!upgrader.upgrade(socket, request, &fixture.listener));
            return;
        }
        upgrader.upgrade(socket, request, &fixture.listener, [&](Connection *connection) {
            ++calls;
            outcomes.append(connection);
        });
    };
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    client.write(upgradeRequest());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 1, Wait);
    QCOMPARE(waiting.at(0).request().peerPort(), client.socket.localPort());
    QCOMPARE(calls, 0);
    QVERIFY(waiting[0].accept());
    QCOMPARE(calls, 1);
    QVERIFY(outcomes.at(0));
    QCOMPARE(outcomes.at(0)->parent(), &fixture.listener);
    QVERIFY(QTest::qWaitFor([&] { return client.response.status == 101; }, Wait));
    QVERIFY(outcomes.at(0)->sendText(QStringLiteral("direct")));
    QCOMPARE(client.nextMessage().payload, QByteArray("direct"));

    withCallback = false;
    Client later;
    QVERIFY(later.connectTo(fixture.port()));
    later.write(upgradeRequest());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.size(), 2, Wait);
    QVERIFY(waiting[1].accept());
    QVERIFY(QTest::qWaitFor([&] { return later.response.status == 101; }, Wait));
    // The connection went to the parent all the same.
    QCOMPARE(fixture.listener.findChildren<Connection *>().size(), 2);
}

QTEST_MAIN(tst_UpgradeDecision)
#include "tst_upgradedecision.moc"
