// The Dialer over real loopback sockets: against our own Server, and against a
// raw TCP server that answers the handshake byte for byte, right or wrong.

#include "dialertestutil.h"

#include <WsKit/Core/frame.h>
#include <WsKit/Core/mask.h>
#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/httprequest.h>
#include <WsKit/server.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QSet>

#include <cstring>
#include <QtNetwork/QNetworkCookie>
#include <QtNetwork/QNetworkCookieJar>
#include <QtNetwork/QNetworkProxy>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace DialerTest;
using WsKit::Dialer;
using WsKit::HttpHeaderList;
using WsKit::Server;

namespace {

// Our own server, echoing every message; remembers the request targets it upgraded.
class EchoServer
{
public:
    explicit EchoServer(const QHostAddress &address = QHostAddress::LocalHost, const QStringList &subprotocols = {})
    {
        WsKit::Upgrader upgrader = server.upgrader();
        upgrader.setSubprotocols(subprotocols);
        server.setUpgrader(upgrader);
        QObject::connect(&server, &Server::newConnection, &server, [this](Connection *connection) {
            targets.append(connection->requestTarget());
            echoMessages(connection);
        });
        listening = server.listen(address, 0);
    }

    QString url(const QString &pathAndQuery = QStringLiteral("/")) const
    {
        const QHostAddress address = server.serverAddress();
        const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
            ? QStringLiteral("[%1]").arg(address.toString())
            : address.toString();
        return QStringLiteral("ws://%1:%2%3").arg(host).arg(server.serverPort()).arg(pathAndQuery);
    }

    Server server;
    QList<QByteArray> targets;
    bool listening = false;
};

// The frames a client sent, parsed on the server side: header and unmasked payload.
struct ClientFrame {
    WsKit::Core::FrameHeader header;
    QByteArray payload;
};

QList<ClientFrame> parseClientFrames(QByteArray bytes)
{
    QList<ClientFrame> frames;
    qsizetype offset = 0;
    while (offset < bytes.size()) {
        WsKit::Core::FrameHeaderParser parser(WsKit::Core::Role::Server);
        std::size_t consumed = 0;
        const auto status = parser.parse(bytes.constData() + offset, static_cast<std::size_t>(bytes.size() - offset),
                                         consumed);
        if (status != WsKit::Core::FrameHeaderParser::Status::Complete)
            break;
        const auto length = static_cast<qsizetype>(parser.header().payloadLength);
        offset += static_cast<qsizetype>(consumed);
        if (offset + length > bytes.size())
            break;
        ClientFrame frame{parser.header(), bytes.mid(offset, length)};
        WsKit::Core::applyMask(frame.payload.data(), static_cast<std::size_t>(frame.payload.size()),
                               frame.header.maskKey);
        frames.append(frame);
        offset += length;
    }
    return frames;
}

// An unmasked server frame, encoded with the core's header codec.
QByteArray serverFrame(WsKit::Core::Opcode opcode, const QByteArray &payload)
{
    WsKit::Core::FrameHeader header;
    header.opcode = opcode;
    header.payloadLength = static_cast<std::uint64_t>(payload.size());
    char bytes[WsKit::Core::MaxFrameHeaderSize];
    const std::size_t size = WsKit::Core::encodeFrameHeader(header, bytes);
    return QByteArray(bytes, static_cast<qsizetype>(size)) + payload;
}

QByteArray headerValue(const WsKit::Core::HttpRequestHead &head, const char *name)
{
    const auto value = head.headers.value(name);
    return value ? QByteArray(value->data(), static_cast<qsizetype>(value->size())) : QByteArray();
}

int headerCount(const WsKit::Core::HttpRequestHead &head, const char *name)
{
    int count = 0;
    for (const auto &field : head.headers.fields())
        count += WsKit::Core::equalsIgnoringCase(field.first, name) ? 1 : 0;
    return count;
}

QByteArray responseHeader(const WsKit::HttpResponse &response, const QByteArray &name)
{
    for (const auto &[fieldName, value] : response.headers()) {
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

class tst_Dialer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void opensAndEchoes();
    void dialWithParentOnly();
    void signalsArriveAfterDialReturns();
    void handshakeDetailsOnConnection();
    void invalidUrl_data();
    void invalidUrl();
    void invalidRequestFields_data();
    void invalidRequestFields();
    void requestFields();
    void hostFieldOverride();
    void userInfoBecomesBasicAuth();
    void explicitAuthorizationWins();
    void keyIsFreshPerHandshake();
    void ipv6Literal();
    void subprotocolsInOrder();
    void noSubprotocolChosen();
    void badResponse_data();
    void badResponse();
    void refusedWithBody_data();
    void refusedWithBody();
    void timeoutWhenServerNeverAnswers();
    void timeoutWhenBodyNeverEnds();
    void serverClosesMidHandshake_data();
    void serverClosesMidHandshake();
    void connectionRefused();
    void hostNotFound();
    void framesInTheSameReadAsTheHead();
    void serverClosesRightAfterAccepting_data();
    void serverClosesRightAfterAccepting();
    void everyFrameMaskedWithFreshKey();
    void cookiesSentAndStored();
    void secureCookieNotSentOverWs();
    void cookiesStoredFromRefusal();
    void abortWhileConnecting();
    void deleteWhileConnecting();
    void deleteFromSlots_data();
    void deleteFromSlots();
    void connectionOptionsApply();
};

void tst_Dialer::opensAndEchoes()
{
    EchoServer server;
    QVERIFY(server.listening);
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(server.url(QStringLiteral("/chat?room=1&x=%20y"))), {}, this);
    QCOMPARE(connection->role(), Connection::Role::Client);
    QCOMPARE(connection->state(), Connection::State::Connecting);
    QVERIFY(connection->socket() == nullptr);

    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->state(), Connection::State::Open);
    QCOMPARE(server.targets, QList<QByteArray>{"/chat?room=1&x=%20y"});
    QCOMPARE(connection->requestTarget(), QByteArray("/chat?room=1&x=%20y"));
    QCOMPARE(connection->peerAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(connection->peerPort(), server.server.serverPort());

    QVERIFY(connection->sendText(QStringLiteral("héllo")));
    QCOMPARE(nextText(connection), QStringLiteral("héllo"));
    const QByteArray big(300 * 1024, 'x');
    QVERIFY(connection->sendBinary(big));
    QCOMPARE(nextBinary(connection), big);
    QCOMPARE(closeAndWait(connection), 1000);
    QCOMPARE(connection->error(), Connection::Error::NoError);
    delete connection;
}

void tst_Dialer::dialWithParentOnly()
{
    EchoServer server;
    QVERIFY(server.listening);
    Dialer dialer;
    // dial(url, this) takes `this` as the parent, not as header fields.
    Connection *connection = dialer.dial(QUrl(server.url(QStringLiteral("/parent"))), this);
    QCOMPARE(connection->parent(), this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(server.targets, QList<QByteArray>{"/parent"});
    QVERIFY(connection->sendText(QStringLiteral("with a parent")));
    QCOMPARE(nextText(connection), QStringLiteral("with a parent"));
    delete connection;

    auto *owner = new QObject;
    const QPointer<Connection> owned = dialer.dial(QUrl(server.url()), owner);
    QVERIFY(waitForOutcome(owned).opened);
    delete owner;
    QVERIFY(owned.isNull());
    Connection *orphan = dialer.dial(QUrl(server.url()), nullptr);
    QCOMPARE(orphan->parent(), nullptr);
    QVERIFY(waitForOutcome(orphan).opened);
    delete orphan;
}

void tst_Dialer::signalsArriveAfterDialReturns()
{
    EchoServer server;
    QVERIFY(server.listening);
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(server.url()), {}, this);
    QList<QString> events;
    connect(connection, &Connection::stateChanged, this, [&](Connection::State state) {
        events.append(QStringLiteral("state %1").arg(static_cast<int>(state)));
    });
    connect(connection, &Connection::opened, this, [&] {
        events.append(QStringLiteral("opened"));
        connection->sendText(QStringLiteral("first"));
    });
    connect(connection, &Connection::textMessageReceived, this,
            [&](const QString &text) { events.append(QStringLiteral("message ") + text); });
    QVERIFY(spinUntil([&] { return events.size() >= 3; }));
    const QList<QString> expected{QStringLiteral("state %1").arg(static_cast<int>(Connection::State::Open)),
                                  QStringLiteral("opened"), QStringLiteral("message first")};
    QCOMPARE(events, expected);
    delete connection;
}

void tst_Dialer::handshakeDetailsOnConnection()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    raw.write(raw.acceptResponse(0, "X-Served-By: raw\r\n"));
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    const WsKit::HttpResponse response = connection->handshakeResponse();
    QCOMPARE(response.statusCode(), 101);
    QCOMPARE(responseHeader(response, "x-served-by"), QByteArray("raw"));
    QCOMPARE(response.headers(), connection->responseHeaders());
    QVERIFY(response.body().isEmpty());
    bool sawKey = false;
    for (const auto &[name, value] : connection->requestHeaders())
        sawKey = sawKey || name == "Sec-WebSocket-Key";
    QVERIFY(sawKey);
    QVERIFY(connection->subprotocol().isEmpty());
    delete connection;
}

void tst_Dialer::invalidUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("why");
    QTest::newRow("http") << QStringLiteral("http://127.0.0.1:%1/") << QStringLiteral("scheme \"http\"");
    QTest::newRow("https") << QStringLiteral("https://127.0.0.1:%1/") << QStringLiteral("scheme \"https\"");
    QTest::newRow("no scheme") << QStringLiteral("//127.0.0.1:%1/") << QStringLiteral("no scheme");
    QTest::newRow("no host") << QStringLiteral("ws:///path%1") << QStringLiteral("no host");
    QTest::newRow("fragment") << QStringLiteral("ws://127.0.0.1:%1/#part") << QStringLiteral("fragment");
    QTest::newRow("port zero") << QStringLiteral("ws://127.0.0.1:0/%1") << QStringLiteral("port");
    QTest::newRow("not a URL") << QStringLiteral("ws://127.0.0.1:%1:2/") << QStringLiteral("not valid");
}

void tst_Dialer::invalidUrl()
{
    QFETCH(QString, url);
    QFETCH(QString, why);
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(url.arg(raw.port())), {}, this);
    // Nothing is emitted before the caller could connect.
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy closed(connection, &Connection::closed);
    QCOMPARE(connection->state(), Connection::State::Connecting);
    QVERIFY(closed.wait(5000));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().at(0).value<Connection::Error>(), Connection::Error::InvalidRequest);
    QVERIFY2(connection->errorString().contains(why), qPrintable(connection->errorString()));
    QCOMPARE(closed.size(), 1);
    QCOMPARE(closed.first().at(0).toInt(), 1006);
    QCOMPARE(connection->state(), Connection::State::Closed);
    QCOMPARE(connection->handshakeResponse().statusCode(), 0);
    QTest::qWait(50);
    QCOMPARE(raw.connectionCount(), 0);
    delete connection;
}

void tst_Dialer::invalidRequestFields_data()
{
    QTest::addColumn<HttpHeaderList>("headers");
    QTest::addColumn<QStringList>("subprotocols");
    QTest::addColumn<QString>("why");
    QTest::newRow("name with space") << HttpHeaderList{{"X Bad", "1"}} << QStringList() << QStringLiteral("token");
    QTest::newRow("value with CRLF") << HttpHeaderList{{"X-Test", "a\r\nInjected: yes"}} << QStringList()
                                     << QStringLiteral("control characters");
    QTest::newRow("Upgrade") << HttpHeaderList{{"upgrade", "h2c"}} << QStringList() << QStringLiteral("handshake");
    QTest::newRow("Connection") << HttpHeaderList{{"Connection", "close"}} << QStringList()
                                << QStringLiteral("handshake");
    QTest::newRow("key") << HttpHeaderList{{"Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA=="}} << QStringList()
                         << QStringLiteral("handshake");
    QTest::newRow("version") << HttpHeaderList{{"Sec-WebSocket-Version", "8"}} << QStringList()
                             << QStringLiteral("handshake");
    QTest::newRow("protocol field") << HttpHeaderList{{"Sec-WebSocket-Protocol", "chat"}} << QStringList()
                                    << QStringLiteral("handshake");
    QTest::newRow("extensions") << HttpHeaderList{{"Sec-WebSocket-Extensions", "permessage-deflate"}}
                                << QStringList() << QStringLiteral("handshake");
    QTest::newRow("subprotocol not a token") << HttpHeaderList() << QStringList{QStringLiteral("a b")}
                                             << QStringLiteral("token");
    QTest::newRow("subprotocol twice") << HttpHeaderList()
                                       << QStringList{QStringLiteral("chat"), QStringLiteral("chat")}
                                       << QStringLiteral("twice");
}

void tst_Dialer::invalidRequestFields()
{
    QFETCH(HttpHeaderList, headers);
    QFETCH(QStringList, subprotocols);
    QFETCH(QString, why);
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    dialer.setSubprotocols(subprotocols);
    Connection *connection = dialer.dial(QUrl(raw.url()), headers, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::InvalidRequest);
    QVERIFY2(outcome.errorString.contains(why), qPrintable(outcome.errorString));
    QCOMPARE(outcome.closedSignals, 1);
    QTest::qWait(50);
    QCOMPARE(raw.connectionCount(), 0);
    delete connection;
}

void tst_Dialer::requestFields()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    dialer.setSubprotocols({QStringLiteral("v2.chat"), QStringLiteral("v1.chat")});
    const HttpHeaderList headers{{"Origin", "http://127.0.0.1"}, {"X-Trace", "abc 123"}, {"User-Agent", "tests/1"}};
    Connection *connection = dialer.dial(QUrl(raw.url(QStringLiteral("/a/b?q=1"))), headers, this);
    QVERIFY(raw.waitForHead());
    const auto head = raw.requestHead();
    QCOMPARE(QByteArray::fromStdString(head.method), QByteArray("GET"));
    QCOMPARE(QByteArray::fromStdString(head.target), QByteArray("/a/b?q=1"));
    QCOMPARE(head.versionMajor, 1);
    QCOMPARE(head.versionMinor, 1);
    QCOMPARE(headerValue(head, "Host"), QStringLiteral("127.0.0.1:%1").arg(raw.port()).toUtf8());
    QCOMPARE(headerValue(head, "Upgrade"), QByteArray("websocket"));
    QCOMPARE(headerValue(head, "Connection"), QByteArray("Upgrade"));
    QCOMPARE(headerValue(head, "Sec-WebSocket-Version"), QByteArray("13"));
    QCOMPARE(headerValue(head, "Sec-WebSocket-Protocol"), QByteArray("v2.chat, v1.chat"));
    QCOMPARE(headerValue(head, "Origin"), QByteArray("http://127.0.0.1"));
    QCOMPARE(headerValue(head, "X-Trace"), QByteArray("abc 123"));
    QCOMPARE(headerValue(head, "User-Agent"), QByteArray("tests/1"));
    QCOMPARE(headerCount(head, "Host"), 1);
    // Compression is on by default: the offer lets the server limit our window.
    QCOMPARE(headerValue(head, "Sec-WebSocket-Extensions"), QByteArray("permessage-deflate; client_max_window_bits=12"));
    QVERIFY(!head.headers.contains("Authorization"));
    QVERIFY(!head.headers.contains("Cookie"));
    // The key: 16 random bytes in base64 (RFC 6455 §4.1).
    const QByteArray key = QByteArray::fromBase64(headerValue(head, "Sec-WebSocket-Key"));
    QCOMPARE(key.size(), 16);
    delete connection;
}

void tst_Dialer::hostFieldOverride()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {{"host", "chat.example:8080"}}, this);
    QVERIFY(raw.waitForHead());
    const auto head = raw.requestHead();
    QCOMPARE(headerCount(head, "Host"), 1);
    QCOMPARE(headerValue(head, "Host"), QByteArray("chat.example:8080"));
    delete connection;
}

void tst_Dialer::userInfoBecomesBasicAuth()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    QUrl url(raw.url(QStringLiteral("/private")));
    url.setUserName(QStringLiteral("alice"));
    url.setPassword(QStringLiteral("s3cr:t é"));
    Connection *connection = dialer.dial(url, {}, this);
    QVERIFY(raw.waitForHead());
    const auto head = raw.requestHead();
    const QByteArray authorization = headerValue(head, "Authorization");
    QVERIFY2(authorization.startsWith("Basic "), authorization.constData());
    QCOMPARE(QByteArray::fromBase64(authorization.mid(6)), QStringLiteral("alice:s3cr:t é").toUtf8());
    // The credentials go nowhere else.
    QVERIFY(!raw.received().contains("alice@"));
    QCOMPARE(QByteArray::fromStdString(head.target), QByteArray("/private"));
    delete connection;
}

void tst_Dialer::explicitAuthorizationWins()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    QUrl url(raw.url());
    url.setUserInfo(QStringLiteral("alice:pw"));
    Connection *connection = dialer.dial(url, {{"Authorization", "Bearer token123"}}, this);
    QVERIFY(raw.waitForHead());
    const auto head = raw.requestHead();
    QCOMPARE(headerCount(head, "Authorization"), 1);
    QCOMPARE(headerValue(head, "Authorization"), QByteArray("Bearer token123"));
    delete connection;
}

void tst_Dialer::keyIsFreshPerHandshake()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    QSet<QByteArray> keys;
    QList<Connection *> connections;
    for (int i = 0; i < 8; ++i) {
        connections.append(dialer.dial(QUrl(raw.url()), {}, this));
        QVERIFY(raw.waitForHead(i));
        keys.insert(headerValue(raw.requestHead(i), "Sec-WebSocket-Key"));
    }
    QCOMPARE(keys.size(), 8);
    qDeleteAll(connections);
}

void tst_Dialer::ipv6Literal()
{
    EchoServer server(QHostAddress::LocalHostIPv6);
    QVERIFY(server.listening);
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(server.url(QStringLiteral("/six"))), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->peerAddress(), QHostAddress(QHostAddress::LocalHostIPv6));
    QVERIFY(connection->sendText(QStringLiteral("over v6")));
    QCOMPARE(nextText(connection), QStringLiteral("over v6"));
    delete connection;

    // The Host field keeps the literal in brackets (RFC 3986 §3.2.2).
    RawServer raw;
    QVERIFY(raw.listen(QHostAddress::LocalHostIPv6));
    Connection *rawConnection = dialer.dial(QUrl(QStringLiteral("ws://[::1]:%1/").arg(raw.port())), {}, this);
    QVERIFY(raw.waitForHead());
    QCOMPARE(headerValue(raw.requestHead(), "Host"), QStringLiteral("[::1]:%1").arg(raw.port()).toUtf8());
    delete rawConnection;
}

void tst_Dialer::subprotocolsInOrder()
{
    // The server picks by its own preference among those offered.
    EchoServer server(QHostAddress::LocalHost, {QStringLiteral("v1.chat"), QStringLiteral("v2.chat")});
    QVERIFY(server.listening);
    Dialer dialer;
    dialer.setSubprotocols({QStringLiteral("v2.chat"), QStringLiteral("v1.chat")});
    Connection *connection = dialer.dial(QUrl(server.url()), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->subprotocol(), QStringLiteral("v1.chat"));
    delete connection;
}

void tst_Dialer::noSubprotocolChosen()
{
    EchoServer server(QHostAddress::LocalHost, {QStringLiteral("other")});
    QVERIFY(server.listening);
    Dialer dialer;
    dialer.setSubprotocols({QStringLiteral("mine")});
    Connection *connection = dialer.dial(QUrl(server.url()), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QVERIFY(connection->subprotocol().isEmpty());
    delete connection;
}

void tst_Dialer::badResponse_data()
{
    // %ACCEPT% stands for the right Sec-WebSocket-Accept value.
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("why");
    const QByteArray upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    QTest::newRow("wrong accept") << upgrade + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" << 101
                                  << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::InvalidAccept));
    QTest::newRow("no accept") << upgrade + "\r\n" << 101
                               << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::InvalidAccept));
    QTest::newRow("missing upgrade")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %ACCEPT%\r\n\r\n")
        << 101 << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::MissingUpgradeResponse));
    QTest::newRow("upgrade to something else")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %ACCEPT%\r\n\r\n")
        << 101 << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::MissingUpgradeResponse));
    QTest::newRow("missing connection")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: %ACCEPT%\r\n\r\n")
        << 101 << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::MissingConnectionResponse));
    QTest::newRow("subprotocol not offered")
        << upgrade + "Sec-WebSocket-Accept: %ACCEPT%\r\nSec-WebSocket-Protocol: other\r\n\r\n" << 101
        << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::UnexpectedSubprotocol));
    QTest::newRow("two subprotocols")
        << upgrade + "Sec-WebSocket-Accept: %ACCEPT%\r\nSec-WebSocket-Protocol: chat, other\r\n\r\n" << 101
        << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::UnexpectedSubprotocol));
    QTest::newRow("extension not offered")
        << upgrade + "Sec-WebSocket-Accept: %ACCEPT%\r\nSec-WebSocket-Extensions: x-unknown\r\n\r\n" << 101
        << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::UnexpectedExtension));
    QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n\r\n") << 0
                              << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::MalformedResponse));
    QTest::newRow("bare LF") << QByteArray("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n") << 0
                             << QString::fromUtf8(WsKit::Core::errorText(WsKit::Core::Error::MalformedResponse));
    QTest::newRow("head too large") << "HTTP/1.1 101 Switching Protocols\r\nX-Filler: " + QByteArray(600, 'a')
                                           + "\r\n\r\n"
                                    << 0
                                    << QString::fromUtf8(
                                           WsKit::Core::errorText(WsKit::Core::Error::ResponseHeadTooLarge));
}

void tst_Dialer::badResponse()
{
    QFETCH(QByteArray, response);
    QFETCH(int, status);
    QFETCH(QString, why);
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    dialer.setSubprotocols({QStringLiteral("chat")});
    dialer.setMaxHeadSize(512);
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    raw.write(response.replace("%ACCEPT%", raw.acceptKey()));
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HandshakeFailed);
    QVERIFY2(outcome.errorString.contains(why), qPrintable(outcome.errorString));
    QCOMPARE(outcome.errorSignals, 1);
    QCOMPARE(outcome.closedSignals, 1);
    QCOMPARE(connection->closeCode(), 1006);
    QCOMPARE(connection->state(), Connection::State::Closed);
    QCOMPARE(connection->handshakeResponse().statusCode(), status);
    // The client dropped the TCP connection.
    QVERIFY(spinUntil([&] { return raw.socket()->state() == QAbstractSocket::UnconnectedState; }));
    delete connection;
}

void tst_Dialer::refusedWithBody_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("closeAfter");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("401 with Content-Length")
        << QByteArray("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"chat\"\r\n"
                      "Content-Length: 13\r\n\r\nlog in first.")
        << false << 401 << QByteArray("Unauthorized") << QByteArray("log in first.");
    QTest::newRow("403 chunked")
        << QByteArray("HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nnot a\r\n7;ext=1\r\nllowed.\r\n0\r\n\r\n")
        << false << 403 << QByteArray("Forbidden") << QByteArray("not allowed.");
    QTest::newRow("503 until close") << QByteArray("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\n\r\nbusy")
                                     << true << 503 << QByteArray("Service Unavailable") << QByteArray("busy");
    QTest::newRow("302 no body") << QByteArray("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")
                                 << false << 302 << QByteArray("Found") << QByteArray();
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << 204 << QByteArray("No Content")
                         << QByteArray();
    QTest::newRow("no reason phrase") << QByteArray("HTTP/1.1 426 \r\nContent-Length: 2\r\n\r\nup") << false << 426
                                      << QByteArray("Upgrade Required") << QByteArray("up");
    const QByteArray long1(Dialer::MaxResponseBodyStart + 500, 'a');
    QTest::newRow("long body is cut")
        << "HTTP/1.1 500 Internal Server Error\r\nContent-Length: " + QByteArray::number(long1.size()) + "\r\n\r\n"
               + long1
        << false << 500 << QByteArray("Internal Server Error") << long1.left(Dialer::MaxResponseBodyStart);
}

void tst_Dialer::refusedWithBody()
{
    QFETCH(QByteArray, response);
    QFETCH(bool, closeAfter);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(QByteArray, body);
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    DialWatch outcome(connection);
    QVERIFY(raw.waitForHead());
    // Written in two pieces: the body may come after the head.
    raw.write(response.left(response.indexOf("\r\n\r\n") + 4));
    raw.socket()->flush();
    QTest::qWait(20);
    raw.write(response.mid(response.indexOf("\r\n\r\n") + 4));
    if (closeAfter)
        raw.socket()->disconnectFromHost();
    QElapsedTimer timer;
    timer.start();
    QVERIFY(outcome.wait());
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HandshakeFailed);
    QVERIFY2(outcome.errorString.contains(QString::number(status) + QLatin1Char(' ') + QString::fromUtf8(reason)),
             qPrintable(outcome.errorString));
    // A complete body ends the wait; it does not run into the body timeout.
    QVERIFY2(timer.elapsed() < 800, qPrintable(QString::number(timer.elapsed())));
    const WsKit::HttpResponse handshakeResponse = connection->handshakeResponse();
    QCOMPARE(handshakeResponse.statusCode(), status);
    QCOMPARE(handshakeResponse.body(), body);
    if (status == 401)
        QCOMPARE(responseHeader(handshakeResponse, "WWW-Authenticate"), QByteArray("Basic realm=\"chat\""));
    if (status == 302)
        QCOMPARE(responseHeader(handshakeResponse, "location"), QByteArray("/elsewhere"));
    QCOMPARE(connection->closeCode(), 1006);
    delete connection;
}

void tst_Dialer::timeoutWhenServerNeverAnswers()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    dialer.setHandshakeTimeout(300ms);
    QElapsedTimer timer;
    timer.start();
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HandshakeTimeout);
    // Qt's coarse timers may fire up to 5 % early.
    QVERIFY2(timer.elapsed() >= 280 && timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(raw.received().contains("\r\n\r\n"));
    QVERIFY(spinUntil([&] { return raw.socket()->state() == QAbstractSocket::UnconnectedState; }));
    delete connection;
}

void tst_Dialer::timeoutWhenBodyNeverEnds()
{
    // A refusal whose body never completes is reported with what came, after a
    // short wait rather than the whole handshake timeout.
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    QElapsedTimer timer;
    timer.start();
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    raw.write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 100\r\n\r\npartial");
    const Outcome outcome = waitForOutcome(connection);
    QCOMPARE(outcome.error, Connection::Error::HandshakeFailed);
    QCOMPARE(connection->handshakeResponse().statusCode(), 401);
    QCOMPARE(connection->handshakeResponse().body(), QByteArray("partial"));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    delete connection;
}

void tst_Dialer::serverClosesMidHandshake_data()
{
    QTest::addColumn<QByteArray>("partial");
    QTest::newRow("before answering") << QByteArray();
    QTest::newRow("inside the status line") << QByteArray("HTTP/1.1 101 Swi");
    QTest::newRow("inside the fields") << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n");
}

void tst_Dialer::serverClosesMidHandshake()
{
    QFETCH(QByteArray, partial);
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    raw.write(partial);
    raw.socket()->disconnectFromHost();
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HandshakeFailed);
    QVERIFY2(outcome.errorString.contains(QStringLiteral("closed the connection")), qPrintable(outcome.errorString));
    QCOMPARE(outcome.errorSignals, 1);
    QCOMPARE(outcome.closedSignals, 1);
    QCOMPARE(connection->handshakeResponse().statusCode(), 0);
    delete connection;
}

void tst_Dialer::connectionRefused()
{
    const quint16 port = freePort();
    QVERIFY(port != 0);
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::ConnectionRefused);
    QVERIFY2(outcome.errorString.contains(QString::number(port)), qPrintable(outcome.errorString));
    QCOMPARE(connection->closeCode(), 1006);
    delete connection;
}

void tst_Dialer::hostNotFound()
{
    // A valid URL host whose name is longer than DNS allows (255 bytes, RFC 1035
    // §2.3.4): the resolver fails at once without asking any server.
    QStringList labels;
    for (const char letter : {'a', 'b', 'c', 'd'})
        labels.append(QString(63, QLatin1Char(letter)));
    labels.append(QStringLiteral("test"));
    const QString host = labels.join(QLatin1Char('.'));
    Dialer dialer;
    dialer.setProxy(QNetworkProxy::NoProxy);
    Connection *connection = dialer.dial(QUrl(QStringLiteral("ws://%1/").arg(host)), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HostNotFound);
    QVERIFY2(outcome.errorString.contains(host), qPrintable(outcome.errorString));
    delete connection;
}

void tst_Dialer::framesInTheSameReadAsTheHead()
{
    // The 101 head and the first frames in one write: the frames belong to the
    // Connection and must reach it in order.
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QList<QByteArray> received;
    bool openedFirst = false;
    connect(connection, &Connection::opened, this, [&] { openedFirst = received.isEmpty(); });
    connect(connection, &Connection::messageReceived, this,
            [&](const QByteArray &payload, Connection::MessageType) { received.append(payload); });
    QVERIFY(raw.waitForHead());
    raw.write(raw.acceptResponse() + serverFrame(WsKit::Core::Opcode::Text, "first")
              + serverFrame(WsKit::Core::Opcode::Binary, QByteArray(3000, 'b'))
              + serverFrame(WsKit::Core::Opcode::Text, "third"));
    QVERIFY(spinUntil([&] { return received.size() == 3; }));
    QVERIFY(openedFirst);
    QCOMPARE(received, (QList<QByteArray>{"first", QByteArray(3000, 'b'), "third"}));
    delete connection;
}

void tst_Dialer::serverClosesRightAfterAccepting_data()
{
    QTest::addColumn<bool>("withCloseFrame");
    QTest::addColumn<int>("code");
    QTest::addColumn<Connection::Error>("error");
    QTest::newRow("close frame") << true << 4001 << Connection::Error::NoError;
    QTest::newRow("no close frame") << false << 1006 << Connection::Error::TransportError;
}

void tst_Dialer::serverClosesRightAfterAccepting()
{
    // The server accepts, says its last and ends the TCP connection before the
    // client looked at the 101: the end is seen at once, not after closeTimeout.
    QFETCH(bool, withCloseFrame);
    QFETCH(int, code);
    QFETCH(Connection::Error, error);
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QStringList events;
    connect(connection, &Connection::opened, this, [&] { events.append(QStringLiteral("opened")); });
    connect(connection, &Connection::textMessageReceived, this, [&](const QString &text) { events.append(text); });
    connect(connection, &Connection::closed, this,
            [&](quint16 closeCode) { events.append(QStringLiteral("closed %1").arg(closeCode)); });
    QVERIFY(raw.waitForHead());
    QByteArray bytes = raw.acceptResponse() + serverFrame(WsKit::Core::Opcode::Text, "last words");
    if (withCloseFrame)
        bytes += serverFrame(WsKit::Core::Opcode::Close, QByteArray("\x0f\xa1", 2) + "gone");
    raw.write(bytes);
    raw.socket()->disconnectFromHost();
    QElapsedTimer timer;
    timer.start();
    QVERIFY(spinUntil([&] { return events.size() == 3; }));
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(events, (QStringList{QStringLiteral("opened"), QStringLiteral("last words"),
                                  QStringLiteral("closed %1").arg(code)}));
    QCOMPARE(connection->error(), error);
    delete connection;
}

void tst_Dialer::everyFrameMaskedWithFreshKey()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    const qsizetype headSize = raw.received().indexOf("\r\n\r\n") + 4;
    raw.write(raw.acceptResponse());
    QVERIFY(waitForOutcome(connection).opened);

    constexpr int Count = 200;
    QByteArray expectedBytes;
    for (int i = 0; i < Count; ++i) {
        const QByteArray payload = QByteArray::number(i).repeated(i % 7 + 1);
        QVERIFY(connection->sendBinary(payload));
        expectedBytes += payload;
    }
    QVERIFY(connection->ping("p"));
    QVERIFY(spinUntil([&] { return parseClientFrames(raw.received().mid(headSize)).size() == Count + 1; }));
    const QList<ClientFrame> frames = parseClientFrames(raw.received().mid(headSize));
    QSet<quint32> keys;
    QByteArray receivedBytes;
    for (qsizetype i = 0; i < frames.size(); ++i) {
        const ClientFrame &frame = frames[i];
        QVERIFY(frame.header.masked);
        quint32 key = 0;
        std::memcpy(&key, frame.header.maskKey.data(), sizeof key);
        keys.insert(key);
        if (i < Count)
            receivedBytes += frame.payload;
    }
    QCOMPARE(frames.last().header.opcode, WsKit::Core::Opcode::Ping);
    QCOMPARE(frames.last().payload, QByteArray("p"));
    QCOMPARE(receivedBytes, expectedBytes);
    // 201 keys of 32 bits: all distinct, and not all zero.
    QCOMPARE(keys.size(), Count + 1);
    QVERIFY(!keys.contains(0));
    delete connection;
}

void tst_Dialer::cookiesSentAndStored()
{
    RawServer raw;
    QVERIFY(raw.listen());
    QNetworkCookieJar jar;
    const QUrl httpUrl(QStringLiteral("http://127.0.0.1:%1/").arg(raw.port()));
    QNetworkCookie session("session", "abc123");
    QNetworkCookie other("theme", "dark");
    QVERIFY(jar.setCookiesFromUrl({session, other}, httpUrl));

    Dialer dialer;
    dialer.setCookieJar(&jar);
    QCOMPARE(dialer.cookieJar(), &jar);
    Connection *connection = dialer.dial(QUrl(raw.url(QStringLiteral("/live"))), {{"Cookie", "given=1"}}, this);
    QVERIFY(raw.waitForHead());
    const auto head = raw.requestHead();
    QCOMPARE(headerCount(head, "Cookie"), 1);
    const QByteArray cookie = headerValue(head, "Cookie");
    QVERIFY2(cookie.startsWith("given=1; "), cookie.constData());
    QVERIFY2(cookie.contains("session=abc123"), cookie.constData());
    QVERIFY2(cookie.contains("theme=dark"), cookie.constData());

    raw.write(raw.acceptResponse(0, "Set-Cookie: token=xyz; Path=/; HttpOnly\r\nSet-Cookie: theme=light\r\n"));
    QVERIFY(waitForOutcome(connection).opened);
    QMap<QByteArray, QByteArray> stored;
    for (const QNetworkCookie &jarCookie : jar.cookiesForUrl(httpUrl))
        stored.insert(jarCookie.name(), jarCookie.value());
    QCOMPARE(stored.value("token"), QByteArray("xyz"));
    QCOMPARE(stored.value("theme"), QByteArray("light"));
    QCOMPARE(stored.value("session"), QByteArray("abc123"));
    delete connection;
}

void tst_Dialer::secureCookieNotSentOverWs()
{
    RawServer raw;
    QVERIFY(raw.listen());
    QNetworkCookieJar jar;
    QNetworkCookie secureCookie("secret", "1");
    secureCookie.setSecure(true);
    QVERIFY(jar.setCookiesFromUrl({secureCookie}, QUrl(QStringLiteral("https://127.0.0.1:%1/").arg(raw.port()))));
    Dialer dialer;
    dialer.setCookieJar(&jar);
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    QVERIFY(!raw.requestHead().headers.contains("Cookie"));
    delete connection;
}

void tst_Dialer::cookiesStoredFromRefusal()
{
    RawServer raw;
    QVERIFY(raw.listen());
    QNetworkCookieJar jar;
    Dialer dialer;
    dialer.setCookieJar(&jar);
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    raw.write("HTTP/1.1 401 Unauthorized\r\nSet-Cookie: challenge=42\r\nContent-Length: 0\r\n\r\n");
    QCOMPARE(waitForOutcome(connection).error, Connection::Error::HandshakeFailed);
    const QList<QNetworkCookie> cookies = jar.cookiesForUrl(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(raw.port())));
    QCOMPARE(cookies.size(), 1);
    QCOMPARE(cookies.first().name(), QByteArray("challenge"));
    delete connection;
}

void tst_Dialer::abortWhileConnecting()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    dialer.setHandshakeTimeout(500ms);
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QSignalSpy opened(connection, &Connection::opened);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy closed(connection, &Connection::closed);
    QVERIFY(raw.waitForHead());
    connection->abort();
    QCOMPARE(connection->state(), Connection::State::Closed);
    QCOMPARE(closed.size(), 1);
    QCOMPARE(closed.first().at(0).toInt(), 1006);
    QVERIFY(spinUntil([&] { return raw.socket()->state() == QAbstractSocket::UnconnectedState; }));
    // Nothing follows: no timeout, no late answer.
    raw.write(raw.acceptResponse());
    QTest::qWait(700);
    QCOMPARE(opened.size(), 0);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(closed.size(), 1);
    delete connection;
}

void tst_Dialer::deleteWhileConnecting()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    delete connection;
    QVERIFY(spinUntil([&] { return raw.socket()->state() == QAbstractSocket::UnconnectedState; }));

    // Deleted before the dial even started.
    delete dialer.dial(QUrl(raw.url()), {}, this);
    QTest::qWait(50);
    QCOMPARE(raw.connectionCount(), 1);
}

void tst_Dialer::deleteFromSlots_data()
{
    QTest::addColumn<QString>("when");
    QTest::newRow("opened") << QStringLiteral("opened");
    QTest::newRow("first message") << QStringLiteral("message");
    QTest::newRow("error") << QStringLiteral("error");
    QTest::newRow("closed after refusal") << QStringLiteral("closed");
}

void tst_Dialer::deleteFromSlots()
{
    QFETCH(QString, when);
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    QPointer<Connection> connection = dialer.dial(QUrl(raw.url()), {}, this);
    const auto deleteIt = [&] { delete connection.data(); };
    if (when == QLatin1String("opened"))
        connect(connection, &Connection::opened, this, deleteIt);
    else if (when == QLatin1String("message"))
        connect(connection, &Connection::messageReceived, this, deleteIt);
    else if (when == QLatin1String("error"))
        connect(connection, &Connection::errorOccurred, this, deleteIt);
    else
        connect(connection, &Connection::closed, this, deleteIt);
    QVERIFY(raw.waitForHead());
    if (when == QLatin1String("opened") || when == QLatin1String("message"))
        raw.write(raw.acceptResponse() + serverFrame(WsKit::Core::Opcode::Text, "hi"));
    else
        raw.write("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
    QVERIFY(spinUntil([&] { return connection.isNull(); }));
    QVERIFY(spinUntil([&] { return raw.socket()->state() == QAbstractSocket::UnconnectedState; }));
}

void tst_Dialer::connectionOptionsApply()
{
    RawServer raw;
    QVERIFY(raw.listen());
    WsKit::ConnectionOptions options;
    options.setMaxMessageSize(10);
    Dialer dialer;
    dialer.setConnectionOptions(options);
    QCOMPARE(dialer.connectionOptions().maxMessageSize(), 10);
    Connection *connection = dialer.dial(QUrl(raw.url()), {}, this);
    QVERIFY(raw.waitForHead());
    raw.write(raw.acceptResponse() + serverFrame(WsKit::Core::Opcode::Text, "small")
              + serverFrame(WsKit::Core::Opcode::Text, "far more than ten bytes"));
    QSignalSpy closed(connection, &Connection::closed);
    QCOMPARE(nextText(connection), QStringLiteral("small"));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(connection->error(), Connection::Error::MessageTooBig);
    QCOMPARE(closed.first().at(0).toInt(), 1009);
    QCOMPARE(connection->options().maxMessageSize(), 10);
    delete connection;
}

QTEST_MAIN(tst_Dialer)
#include "tst_dialer.moc"
