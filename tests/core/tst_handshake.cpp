// The opening handshake (RFC 6455 §4): server-side validation and answers,
// client-side request and response checks, on real request and response bytes.
#include <WsKit/Core/base64.h>
#include <WsKit/Core/handshake.h>

#include <QtTest>

using namespace WsKit::Core;

using Fields = QList<QPair<QByteArray, QByteArray>>;

Q_DECLARE_METATYPE(WsKit::Core::Error)

namespace {

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), std::size_t(bytes.size()));
}

QByteArray bytesOf(std::string_view text)
{
    return QByteArray(text.data(), int(text.size()));
}

std::vector<std::string> stdStrings(const QStringList &list)
{
    std::vector<std::string> strings;
    for (const QString &item : list)
        strings.push_back(item.toStdString());
    return strings;
}

QStringList qStrings(const std::vector<std::string> &strings)
{
    QStringList list;
    for (const auto &item : strings)
        list += QString::fromStdString(item);
    return list;
}

HttpHeaders headersOf(const Fields &fields)
{
    HttpHeaders headers;
    for (const auto &[name, value] : fields)
        headers.add(name.toStdString(), value.toStdString());
    return headers;
}

QByteArray head(const QByteArray &startLine, const Fields &fields)
{
    QByteArray bytes = startLine + "\r\n";
    for (const auto &[name, value] : fields)
        bytes += name + ": " + value + "\r\n";
    return bytes + "\r\n";
}

Fields without(Fields fields, const QByteArray &name)
{
    fields.removeIf([&name](const auto &field) { return field.first == name; });
    return fields;
}

Fields replaced(Fields fields, const QByteArray &name, const QByteArray &value)
{
    for (auto &field : fields) {
        if (field.first == name)
            field.second = value;
    }
    return fields;
}

Fields plus(Fields fields, const QByteArray &name, const QByteArray &value)
{
    fields.append({name, value});
    return fields;
}

// Parses a whole head; a test first checks has_value().
template<typename Head>
std::optional<Head> parseHead(HttpHeadParser::Kind kind, const QByteArray &bytes, bool byteByByte = false)
{
    HttpHeadParser parser(kind);
    std::size_t consumed = 0;
    const std::size_t step = byteByByte ? 1 : std::size_t(bytes.size());
    for (std::size_t offset = 0; offset < std::size_t(bytes.size()); offset += step)
        parser.parse(bytes.constData() + offset, std::min(step, std::size_t(bytes.size()) - offset), consumed);
    if (parser.status() != HttpHeadParser::Status::Complete || consumed != std::size_t(bytes.size()))
        return std::nullopt;
    if constexpr (std::is_same_v<Head, HttpRequestHead>)
        return parser.request();
    else
        return parser.response();
}

std::optional<HttpRequestHead> parseRequest(const QByteArray &bytes, bool byteByByte = false)
{
    return parseHead<HttpRequestHead>(HttpHeadParser::Kind::Request, bytes, byteByByte);
}

std::optional<HttpResponseHead> parseResponse(const QByteArray &bytes)
{
    return parseHead<HttpResponseHead>(HttpHeadParser::Kind::Response, bytes);
}

// The nonce and accept key of RFC 6455 §1.3 and §4.2.2.
const QByteArray RfcKey = "dGhlIHNhbXBsZSBub25jZQ==";
const QByteArray RfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

const Fields ValidRequestFields = {
    {"Host", "server.example.com"},
    {"Upgrade", "websocket"},
    {"Connection", "Upgrade"},
    {"Sec-WebSocket-Key", RfcKey},
    {"Sec-WebSocket-Version", "13"},
};

const Fields ValidResponseFields = {
    {"Upgrade", "websocket"},
    {"Connection", "Upgrade"},
    {"Sec-WebSocket-Accept", RfcAccept},
};

// What Chromium sends for new WebSocket("ws://localhost:8080/chat", ["chat", "superchat"]).
const QByteArray ChromiumRequest =
    "GET /chat HTTP/1.1\r\n"
    "Host: localhost:8080\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36\r\n"
    "Upgrade: websocket\r\n"
    "Origin: http://localhost:8080\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cookie: session=4f2a; theme=dark\r\n"
    "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "\r\n";

// Captured from python-websockets 10.4: websockets.connect("ws://127.0.0.1:42647/chat?x=1",
// subprotocols=["chat", "superchat"]).
const QByteArray PythonWebsocketsRequest =
    "GET /chat?x=1 HTTP/1.1\r\n"
    "Host: 127.0.0.1:42647\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: pPH1DhHmyr6PEocA+6Tc1w==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "User-Agent: Python/3.11 websockets/10.4\r\n"
    "\r\n";

// Captured from a python-websockets 10.4 server (subprotocols=["superchat"]) answering
// a request with the RFC key, offering chat, superchat and permessage-deflate.
const QByteArray PythonWebsocketsResponse =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; client_max_window_bits=12\r\n"
    "Sec-WebSocket-Protocol: superchat\r\n"
    "Date: Tue, 24 Nov 2026 00:32:35 GMT\r\n"
    "Server: Python/3.11 websockets/10.4\r\n"
    "\r\n";

} // namespace

class tst_Handshake : public QObject
{
    Q_OBJECT

private slots:
    void acceptKey_data();
    void acceptKey();

    // Server side
    void isWebSocketUpgrade_data();
    void isWebSocketUpgrade();
    void validateUpgradeRequest_data();
    void validateUpgradeRequest();
    void upgradeRequestFields();
    void failedValidationLeavesOutAlone();
    void realRequests_data();
    void realRequests();
    void originMatchesHost_data();
    void originMatchesHost();
    void acceptResponseRfcExample();
    void acceptResponseFields();
    void errorResponse_data();
    void errorResponse();
    void errorResponseBytes();
    void reasonPhrase_data();
    void reasonPhrase();
    void unsafeFieldsAreLeftOut();

    // Client side
    void clientKey_data();
    void clientKey();
    void hostHeaderValue_data();
    void hostHeaderValue();
    void clientRequestBytes();
    void clientRequestOptionalFields();
    void clientRequestIsAccepted();
    void validateServerResponse_data();
    void validateServerResponse();
    void pythonWebsocketsResponse();
};

void tst_Handshake::acceptKey_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("accept");

    QTest::newRow("rfc 6455 §1.3") << RfcKey << RfcAccept;
    // The example of the Wikipedia and MDN WebSocket pages.
    QTest::newRow("x3JJ") << QByteArray("x3JJHMbDL1EzLkh9GBhXDw==") << QByteArray("HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

void tst_Handshake::acceptKey()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, accept);
    QCOMPARE(bytesOf(computeAcceptKey(view(key))), accept);
}

void tst_Handshake::isWebSocketUpgrade_data()
{
    QTest::addColumn<Fields>("fields");
    QTest::addColumn<bool>("upgrade");

    QTest::newRow("websocket") << Fields{{"Upgrade", "websocket"}} << true;
    QTest::newRow("mixed case") << Fields{{"upgrade", "WebSocket"}} << true;
    QTest::newRow("in a list") << Fields{{"Upgrade", "h2c, websocket"}} << true;
    QTest::newRow("absent") << Fields{{"Host", "example.com"}} << false;
    QTest::newRow("other protocol") << Fields{{"Upgrade", "h2c"}} << false;
    QTest::newRow("websocket in another field") << Fields{{"Connection", "websocket"}} << false;
}

void tst_Handshake::isWebSocketUpgrade()
{
    QFETCH(Fields, fields);
    QFETCH(bool, upgrade);
    const std::optional<HttpRequestHead> request = parseRequest(head("GET / HTTP/1.1", fields));
    QVERIFY(request.has_value());
    QCOMPARE(WsKit::Core::isWebSocketUpgrade(*request), upgrade);
}

void tst_Handshake::validateUpgradeRequest_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<Error>("error");
    QTest::addColumn<int>("httpStatus");

    const QByteArray line = "GET /chat HTTP/1.1";
    const Fields &valid = ValidRequestFields;
    const auto row = [](const char *name, const QByteArray &requestLine, const Fields &fields, Error error,
                        int httpStatus) { QTest::newRow(name) << head(requestLine, fields) << error << httpStatus; };

    row("valid", line, valid, Error::None, 0);
    row("later HTTP version", "GET /chat HTTP/1.2", valid, Error::None, 0);
    row("Upgrade mixed case", line, replaced(valid, "Upgrade", "WebSocket"), Error::None, 0);
    row("Upgrade list", line, replaced(valid, "Upgrade", "h2c, websocket"), Error::None, 0);
    row("Connection list", line, replaced(valid, "Connection", "keep-alive, Upgrade"), Error::None, 0);
    row("Connection lowercase", line, replaced(valid, "Connection", "upgrade"), Error::None, 0);
    row("names lowercase", line,
        Fields{{"host", "a"}, {"upgrade", "websocket"}, {"connection", "upgrade"},
               {"sec-websocket-key", RfcKey}, {"sec-websocket-version", "13"}},
        Error::None, 0);

    // §4.2.1 item 1: the method is GET.
    row("POST", "POST /chat HTTP/1.1", valid, Error::MethodNotGet, 405);
    row("HEAD", "HEAD /chat HTTP/1.1", valid, Error::MethodNotGet, 405);
    row("lowercase get", "get /chat HTTP/1.1", valid, Error::MethodNotGet, 405);
    // ... and the version at least HTTP/1.1.
    row("HTTP/1.0", "GET /chat HTTP/1.0", valid, Error::UnsupportedHttpVersion, 400);
    row("HTTP/0.9", "GET /chat HTTP/0.9", valid, Error::UnsupportedHttpVersion, 400);

    // Item 2: Host.
    row("no Host", line, without(valid, "Host"), Error::MissingHost, 400);
    row("empty Host", line, replaced(valid, "Host", ""), Error::MissingHost, 400);
    row("two Host fields", line, plus(valid, "Host", "other.example.com"), Error::MalformedRequest, 400);

    // Item 3: Upgrade: websocket.
    row("no Upgrade", line, without(valid, "Upgrade"), Error::MissingUpgradeWebSocket, 400);
    row("Upgrade h2c", line, replaced(valid, "Upgrade", "h2c"), Error::MissingUpgradeWebSocket, 400);
    row("Upgrade websocket2", line, replaced(valid, "Upgrade", "websocket2"), Error::MissingUpgradeWebSocket, 400);

    // Item 4: Connection: Upgrade.
    row("no Connection", line, without(valid, "Connection"), Error::MissingConnectionUpgrade, 400);
    row("Connection keep-alive", line, replaced(valid, "Connection", "keep-alive"),
        Error::MissingConnectionUpgrade, 400);
    row("Connection Upgraded", line, replaced(valid, "Connection", "Upgraded"), Error::MissingConnectionUpgrade, 400);

    // Item 5: a key of 16 bytes in base64, once.
    row("no key", line, without(valid, "Sec-WebSocket-Key"), Error::InvalidKey, 400);
    row("empty key", line, replaced(valid, "Sec-WebSocket-Key", ""), Error::InvalidKey, 400);
    row("key not base64", line, replaced(valid, "Sec-WebSocket-Key", "not base64 at all!!"), Error::InvalidKey, 400);
    row("key unpadded", line, replaced(valid, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ"), Error::InvalidKey, 400);
    row("key of 15 bytes", line, replaced(valid, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25j"), Error::InvalidKey, 400);
    row("key of 17 bytes", line, replaced(valid, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZSE="), Error::InvalidKey,
        400);
    row("key repeated", line, plus(valid, "Sec-WebSocket-Key", RfcKey), Error::InvalidKey, 400);

    // Item 6: version 13, else 426 (§4.4).
    row("no version", line, without(valid, "Sec-WebSocket-Version"), Error::UnsupportedVersion, 426);
    row("version 8", line, replaced(valid, "Sec-WebSocket-Version", "8"), Error::UnsupportedVersion, 426);
    row("version 14", line, replaced(valid, "Sec-WebSocket-Version", "14"), Error::UnsupportedVersion, 426);
    row("version list", line, replaced(valid, "Sec-WebSocket-Version", "13, 8"), Error::UnsupportedVersion, 426);
    row("version repeated", line, plus(valid, "Sec-WebSocket-Version", "13"), Error::UnsupportedVersion, 426);

    // Several faults: the first check in §4.2.1 order is reported.
    row("POST without key", "POST /chat HTTP/1.1", without(valid, "Sec-WebSocket-Key"), Error::MethodNotGet, 405);
    row("no Upgrade, bad version", line, replaced(without(valid, "Upgrade"), "Sec-WebSocket-Version", "8"),
        Error::MissingUpgradeWebSocket, 400);
}

void tst_Handshake::validateUpgradeRequest()
{
    QFETCH(QByteArray, request);
    QFETCH(Error, error);
    QFETCH(int, httpStatus);

    const std::optional<HttpRequestHead> head = parseRequest(request);
    QVERIFY(head.has_value());
    UpgradeRequest out;
    const Error result = WsKit::Core::validateUpgradeRequest(*head, out);
    QCOMPARE(result, error);
    QCOMPARE(errorHttpStatus(result), httpStatus);
}

void tst_Handshake::upgradeRequestFields()
{
    const Fields fields = plus(plus(plus(plus(plus(ValidRequestFields, "Sec-WebSocket-Protocol", "chat, superchat"),
                                              "Origin", "https://server.example.com"),
                                         "Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
                                    "sec-websocket-protocol", "v2.json"),
                               "Sec-WebSocket-Extensions", "x-custom");
    const std::optional<HttpRequestHead> request = parseRequest(head("GET /chat?a=1 HTTP/1.1", fields));
    QVERIFY(request.has_value());

    UpgradeRequest out;
    QCOMPARE(WsKit::Core::validateUpgradeRequest(*request, out), Error::None);
    QCOMPARE(bytesOf(out.key), RfcKey);
    QCOMPARE(qStrings(out.subprotocols), (QStringList{"chat", "superchat", "v2.json"}));
    QCOMPARE(bytesOf(out.extensions), QByteArray("permessage-deflate; client_max_window_bits, x-custom"));
    QCOMPARE(bytesOf(out.origin), QByteArray("https://server.example.com"));
    QCOMPARE(bytesOf(out.host), QByteArray("server.example.com"));

    // Absent optional fields leave their members empty.
    const std::optional<HttpRequestHead> minimal = parseRequest(head("GET / HTTP/1.1", ValidRequestFields));
    QVERIFY(minimal.has_value());
    QCOMPARE(WsKit::Core::validateUpgradeRequest(*minimal, out), Error::None);
    QVERIFY(out.subprotocols.empty());
    QVERIFY(out.extensions.empty());
    QVERIFY(out.origin.empty());
}

void tst_Handshake::failedValidationLeavesOutAlone()
{
    const std::optional<HttpRequestHead> request =
        parseRequest(head("GET / HTTP/1.1", plus(without(ValidRequestFields, "Sec-WebSocket-Version"),
                                                 "Sec-WebSocket-Protocol", "chat")));
    QVERIFY(request.has_value());
    UpgradeRequest out;
    out.key = "previous";
    QCOMPARE(WsKit::Core::validateUpgradeRequest(*request, out), Error::UnsupportedVersion);
    QCOMPARE(out.key, std::string("previous"));
    QVERIFY(out.subprotocols.empty());
}

void tst_Handshake::realRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<bool>("originAllowed");

    QTest::newRow("chromium") << ChromiumRequest << QByteArray("x3JJHMbDL1EzLkh9GBhXDw==")
                              << QByteArray("localhost:8080") << QByteArray("http://localhost:8080") << true;
    QTest::newRow("python-websockets") << PythonWebsocketsRequest << QByteArray("pPH1DhHmyr6PEocA+6Tc1w==")
                                       << QByteArray("127.0.0.1:42647") << QByteArray() << true;
}

void tst_Handshake::realRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, origin);
    QFETCH(bool, originAllowed);

    for (const bool byteByByte : {false, true}) {
        const std::optional<HttpRequestHead> head = parseRequest(request, byteByByte);
        QVERIFY(head.has_value());
        QVERIFY(WsKit::Core::isWebSocketUpgrade(*head));

        UpgradeRequest upgrade;
        QCOMPARE(WsKit::Core::validateUpgradeRequest(*head, upgrade), Error::None);
        QCOMPARE(bytesOf(upgrade.key), key);
        QCOMPARE(bytesOf(upgrade.host), host);
        QCOMPARE(bytesOf(upgrade.origin), origin);
        QCOMPARE(qStrings(upgrade.subprotocols), (QStringList{"chat", "superchat"}));
        QCOMPARE(bytesOf(upgrade.extensions), QByteArray("permessage-deflate; client_max_window_bits"));
        QCOMPARE(WsKit::Core::originMatchesHost(upgrade.origin, upgrade.host), originAllowed);

        // The answer to it satisfies the client-side checks of the same offer.
        const QByteArray answer = bytesOf(buildAcceptResponse(upgrade.key, "superchat", ""));
        const std::optional<HttpResponseHead> response = parseResponse(answer);
        QVERIFY(response.has_value());
        ClientRequest offer;
        offer.key = upgrade.key;
        offer.subprotocols = upgrade.subprotocols;
        offer.extensions = upgrade.extensions;
        ServerAcceptance acceptance;
        QCOMPARE(WsKit::Core::validateServerResponse(*response, offer, acceptance), Error::None);
        QCOMPARE(bytesOf(acceptance.subprotocol), QByteArray("superchat"));
    }
}

void tst_Handshake::originMatchesHost_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<bool>("matches");

    QTest::newRow("no origin") << QByteArray() << QByteArray("example.com") << true;
    QTest::newRow("same host and port") << QByteArray("http://example.com:8080") << QByteArray("example.com:8080")
                                        << true;
    QTest::newRow("https, no port") << QByteArray("https://example.com") << QByteArray("example.com") << true;
    QTest::newRow("case-insensitive") << QByteArray("http://EXAMPLE.com") << QByteArray("example.COM") << true;
    QTest::newRow("ipv6") << QByteArray("http://[::1]:8080") << QByteArray("[::1]:8080") << true;
    QTest::newRow("trailing slash") << QByteArray("http://example.com/") << QByteArray("example.com") << true;
    QTest::newRow("other host") << QByteArray("http://evil.com") << QByteArray("example.com") << false;
    QTest::newRow("other port") << QByteArray("http://example.com:8081") << QByteArray("example.com:8080") << false;
    QTest::newRow("port only in Host") << QByteArray("http://example.com") << QByteArray("example.com:8080")
                                       << false;
    QTest::newRow("port only in origin") << QByteArray("http://example.com:8080") << QByteArray("example.com")
                                         << false;
    QTest::newRow("subdomain") << QByteArray("http://sub.example.com") << QByteArray("example.com") << false;
    QTest::newRow("suffix") << QByteArray("http://example.com.evil.com") << QByteArray("example.com") << false;
    QTest::newRow("userinfo") << QByteArray("http://user@example.com") << QByteArray("example.com") << false;
    QTest::newRow("null") << QByteArray("null") << QByteArray("example.com") << false;
    QTest::newRow("null against null") << QByteArray("null") << QByteArray("null") << false;
    QTest::newRow("no scheme") << QByteArray("example.com") << QByteArray("example.com") << false;
    QTest::newRow("empty scheme") << QByteArray("://example.com") << QByteArray("example.com") << false;
    QTest::newRow("empty authority") << QByteArray("http://") << QByteArray("") << false;
}

void tst_Handshake::originMatchesHost()
{
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, host);
    QFETCH(bool, matches);
    QCOMPARE(WsKit::Core::originMatchesHost(view(origin), view(host)), matches);
}

void tst_Handshake::acceptResponseRfcExample()
{
    // RFC 6455 §1.3, byte for byte.
    QCOMPARE(bytesOf(buildAcceptResponse(view(RfcKey), "chat", "")),
             QByteArray("HTTP/1.1 101 Switching Protocols\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                        "Sec-WebSocket-Protocol: chat\r\n"
                        "\r\n"));
}

void tst_Handshake::acceptResponseFields()
{
    const QByteArray minimal = bytesOf(buildAcceptResponse(view(RfcKey), "", ""));
    QCOMPARE(minimal, head("HTTP/1.1 101 Switching Protocols", ValidResponseFields));

    const QByteArray full = bytesOf(buildAcceptResponse(
        view(RfcKey), "superchat", "permessage-deflate; server_no_context_takeover",
        headersOf({{"Set-Cookie", "id=1"}, {"Server", "WsKit"}})));
    const std::optional<HttpResponseHead> response = parseResponse(full);
    QVERIFY(response.has_value());
    QCOMPARE(response->status, 101);
    QCOMPARE(response->headers.value("Sec-WebSocket-Protocol"), std::optional<std::string_view>("superchat"));
    QCOMPARE(response->headers.value("Sec-WebSocket-Extensions"),
             std::optional<std::string_view>("permessage-deflate; server_no_context_takeover"));
    QCOMPARE(response->headers.value("Set-Cookie"), std::optional<std::string_view>("id=1"));
    QCOMPARE(response->headers.value("Server"), std::optional<std::string_view>("WsKit"));
    QCOMPARE(response->headers.fields().size(), std::size_t(7));
}

void tst_Handshake::errorResponse_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("allow");

    QTest::newRow("400") << 400 << QByteArray("Bad Request") << QByteArray("Sec-WebSocket-Key is missing.")
                         << QByteArray() << QByteArray();
    QTest::newRow("403") << 403 << QByteArray("Forbidden") << QByteArray("Origin not allowed.") << QByteArray()
                         << QByteArray();
    QTest::newRow("405") << 405 << QByteArray("Method Not Allowed") << QByteArray("Use GET.") << QByteArray()
                         << QByteArray("GET");
    QTest::newRow("426") << 426 << QByteArray("Upgrade Required") << QByteArray("Version 13 only.")
                         << QByteArray("13") << QByteArray();
    QTest::newRow("431") << 431 << QByteArray("Request Header Fields Too Large") << QByteArray()
                         << QByteArray() << QByteArray();
    QTest::newRow("utf-8 body") << 400 << QByteArray("Bad Request") << QByteArray("Schl\xc3\xbcssel fehlt.")
                                << QByteArray() << QByteArray();
}

void tst_Handshake::errorResponse()
{
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, allow);

    const QByteArray bytes = bytesOf(buildErrorResponse(status, view(body), headersOf({{"X-Request-Id", "7"}})));
    HttpHeadParser parser(HttpHeadParser::Kind::Response);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(bytes.constData(), std::size_t(bytes.size()), consumed), HttpHeadParser::Status::Complete);
    const HttpResponseHead &response = parser.response();
    QCOMPARE(response.status, status);
    QCOMPARE(bytesOf(response.reason), reason);
    QCOMPARE(response.headers.value("Content-Type"), std::optional<std::string_view>("text/plain; charset=utf-8"));
    QCOMPARE(response.headers.value("Content-Length"),
             std::optional<std::string_view>(std::to_string(body.size())));
    QCOMPARE(response.headers.value("Connection"), std::optional<std::string_view>("close"));
    QCOMPARE(bytesOf(response.headers.combinedValue("Sec-WebSocket-Version")), version);
    QCOMPARE(bytesOf(response.headers.combinedValue("Allow")), allow);
    QCOMPARE(response.headers.value("X-Request-Id"), std::optional<std::string_view>("7"));
    QCOMPARE(bytes.mid(int(consumed)), body);
}

void tst_Handshake::errorResponseBytes()
{
    QCOMPARE(bytesOf(buildErrorResponse(426, "Version 13 only.")),
             QByteArray("HTTP/1.1 426 Upgrade Required\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Length: 16\r\n"
                        "Connection: close\r\n"
                        "Sec-WebSocket-Version: 13\r\n"
                        "\r\n"
                        "Version 13 only."));
}

void tst_Handshake::reasonPhrase_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("101") << 101 << QByteArray("Switching Protocols");
    QTest::newRow("200") << 200 << QByteArray("OK");
    QTest::newRow("400") << 400 << QByteArray("Bad Request");
    QTest::newRow("403") << 403 << QByteArray("Forbidden");
    QTest::newRow("404") << 404 << QByteArray("Not Found");
    QTest::newRow("405") << 405 << QByteArray("Method Not Allowed");
    QTest::newRow("426") << 426 << QByteArray("Upgrade Required");
    QTest::newRow("431") << 431 << QByteArray("Request Header Fields Too Large");
    QTest::newRow("500") << 500 << QByteArray("Internal Server Error");
    QTest::newRow("503") << 503 << QByteArray("Service Unavailable");
    QTest::newRow("unknown") << 299 << QByteArray();
    QTest::newRow("not a status") << -1 << QByteArray();
}

void tst_Handshake::reasonPhrase()
{
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QCOMPARE(bytesOf(httpReasonPhrase(status)), reason);
}

void tst_Handshake::unsafeFieldsAreLeftOut()
{
    // Values that would end the head early or are not field syntax never reach the wire.
    const HttpHeaders extra = headersOf({{"X-Good", "1"},
                                         {"X-Split", "a\r\nX-Injected: 1"},
                                         {"X-Nul", QByteArray("a\0b", 3)},
                                         {"Bad Name", "2"},
                                         {"", "3"},
                                         {"X-Last", "4"}});
    const QList<QByteArray> answers = {
        bytesOf(buildAcceptResponse(view(RfcKey), "chat\r\nX-Injected: 1", "", extra)),
        bytesOf(buildErrorResponse(400, "body", extra)),
    };
    for (const QByteArray &answer : answers) {
        const std::optional<HttpResponseHead> response = parseResponse(answer.left(answer.indexOf("\r\n\r\n") + 4));
        QVERIFY(response.has_value());
        QVERIFY(!response->headers.contains("X-Injected"));
        QVERIFY(!response->headers.contains("X-Split"));
        QVERIFY(!response->headers.contains("X-Nul"));
        QVERIFY(!response->headers.contains("Sec-WebSocket-Protocol"));
        QCOMPARE(response->headers.value("X-Good"), std::optional<std::string_view>("1"));
        QCOMPARE(response->headers.value("X-Last"), std::optional<std::string_view>("4"));
    }

    ClientRequest request;
    request.host = "example.com";
    request.key = RfcKey.toStdString();
    request.extra = extra;
    const std::optional<HttpRequestHead> sent = parseRequest(bytesOf(buildClientRequest(request)));
    QVERIFY(sent.has_value());
    QVERIFY(!sent->headers.contains("X-Injected"));
    QCOMPARE(sent->headers.fields().size(), std::size_t(7));
}

void tst_Handshake::clientKey_data()
{
    QTest::addColumn<QByteArray>("random");
    QTest::addColumn<QByteArray>("key");

    QTest::newRow("rfc nonce") << QByteArray("the sample nonce") << RfcKey;
    QTest::newRow("counting") << QByteArray("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16)
                              << QByteArray("AAECAwQFBgcICQoLDA0ODw==");
    QTest::newRow("all ones") << QByteArray(16, '\xff') << QByteArray("/////////////////////w==");
}

void tst_Handshake::clientKey()
{
    QFETCH(QByteArray, random);
    QFETCH(QByteArray, key);
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = std::uint8_t(random[int(i)]);
    const std::string made = makeClientKey(bytes);
    QCOMPARE(bytesOf(made), key);
    // A server must find exactly the 16 bytes in it (§4.2.1 item 5).
    const std::optional<std::string> decoded = base64Decode(made);
    QVERIFY(decoded.has_value());
    QCOMPARE(bytesOf(*decoded), random);
}

void tst_Handshake::hostHeaderValue_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("secure");
    QTest::addColumn<QByteArray>("value");

    QTest::newRow("ws default port") << QByteArray("example.com") << 80 << false << QByteArray("example.com");
    QTest::newRow("wss default port") << QByteArray("example.com") << 443 << true << QByteArray("example.com");
    QTest::newRow("other port") << QByteArray("example.com") << 8080 << false << QByteArray("example.com:8080");
    QTest::newRow("443 without tls") << QByteArray("example.com") << 443 << false << QByteArray("example.com:443");
    QTest::newRow("80 with tls") << QByteArray("example.com") << 80 << true << QByteArray("example.com:80");
    QTest::newRow("ipv4") << QByteArray("127.0.0.1") << 9001 << false << QByteArray("127.0.0.1:9001");
    QTest::newRow("ipv6 default port") << QByteArray("::1") << 80 << false << QByteArray("[::1]");
    QTest::newRow("ipv6 other port") << QByteArray("::1") << 9001 << false << QByteArray("[::1]:9001");
    QTest::newRow("ipv6 full") << QByteArray("2001:db8::7") << 443 << true << QByteArray("[2001:db8::7]");
    QTest::newRow("ipv6 already bracketed") << QByteArray("[::1]") << 9001 << false << QByteArray("[::1]:9001");
}

void tst_Handshake::hostHeaderValue()
{
    QFETCH(QByteArray, host);
    QFETCH(int, port);
    QFETCH(bool, secure);
    QFETCH(QByteArray, value);
    QCOMPARE(bytesOf(WsKit::Core::hostHeaderValue(view(host), std::uint16_t(port), secure)), value);
}

void tst_Handshake::clientRequestBytes()
{
    ClientRequest request;
    request.target = "/chat?room=1";
    request.host = "server.example.com:8080";
    request.key = RfcKey.toStdString();
    request.subprotocols = {"chat", "superchat"};
    request.extensions = "permessage-deflate; client_max_window_bits";
    request.extra = headersOf({{"Origin", "http://example.com"}, {"Cookie", "id=1"}});
    QCOMPARE(bytesOf(buildClientRequest(request)),
             QByteArray("GET /chat?room=1 HTTP/1.1\r\n"
                        "Host: server.example.com:8080\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Protocol: chat, superchat\r\n"
                        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                        "Origin: http://example.com\r\n"
                        "Cookie: id=1\r\n"
                        "\r\n"));
}

void tst_Handshake::clientRequestOptionalFields()
{
    ClientRequest request;
    request.target.clear();
    request.host = "example.com";
    request.key = RfcKey.toStdString();
    const QByteArray bytes = bytesOf(buildClientRequest(request));
    QVERIFY(bytes.startsWith("GET / HTTP/1.1\r\n"));
    QVERIFY(!bytes.contains("Sec-WebSocket-Protocol"));
    QVERIFY(!bytes.contains("Sec-WebSocket-Extensions"));
    QCOMPARE(bytes, head("GET / HTTP/1.1", replaced(ValidRequestFields, "Host", "example.com")));
}

void tst_Handshake::clientRequestIsAccepted()
{
    ClientRequest request;
    request.target = "/feed";
    request.host = WsKit::Core::hostHeaderValue("::1", 9001, false);
    request.key = makeClientKey({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    request.subprotocols = {"v1.json", "v2.json"};
    request.extensions = "permessage-deflate";
    request.extra = headersOf({{"Origin", "http://[::1]:9001"}});

    const std::optional<HttpRequestHead> head = parseRequest(bytesOf(buildClientRequest(request)));
    QVERIFY(head.has_value());
    UpgradeRequest upgrade;
    QCOMPARE(WsKit::Core::validateUpgradeRequest(*head, upgrade), Error::None);
    QCOMPARE(upgrade.key, request.key);
    QCOMPARE(upgrade.subprotocols, request.subprotocols);
    QCOMPARE(upgrade.extensions, request.extensions);
    QCOMPARE(bytesOf(upgrade.host), QByteArray("[::1]:9001"));
    QVERIFY(WsKit::Core::originMatchesHost(upgrade.origin, upgrade.host));
    QCOMPARE(head->target, std::string("/feed"));
}

void tst_Handshake::validateServerResponse_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QStringList>("offeredSubprotocols");
    QTest::addColumn<QByteArray>("offeredExtensions");
    QTest::addColumn<Error>("error");
    QTest::addColumn<QByteArray>("subprotocol");
    QTest::addColumn<QByteArray>("extensions");

    const QByteArray line = "HTTP/1.1 101 Switching Protocols";
    const Fields &valid = ValidResponseFields;
    const QStringList none;
    const QStringList offered = {"chat", "superchat"};
    const QByteArray deflate = "permessage-deflate; client_max_window_bits";
    const auto row = [](const char *name, const QByteArray &statusLine, const Fields &fields,
                        const QStringList &subprotocols, const QByteArray &extensionOffer, Error error,
                        const QByteArray &subprotocol = {}, const QByteArray &extensions = {}) {
        QTest::newRow(name) << head(statusLine, fields) << subprotocols << extensionOffer << error << subprotocol
                            << extensions;
    };

    row("valid", line, valid, none, {}, Error::None);
    row("valid, nothing offered used", line, valid, offered, deflate, Error::None);
    row("empty reason", "HTTP/1.1 101 ", valid, none, {}, Error::None);
    row("Upgrade mixed case", line, replaced(valid, "Upgrade", "WebSocket"), none, {}, Error::None);
    row("Connection list", line, replaced(valid, "Connection", "keep-alive, upgrade"), none, {}, Error::None);
    row("subprotocol chosen", line, plus(valid, "Sec-WebSocket-Protocol", "superchat"), offered, {}, Error::None,
        "superchat");
    row("extension accepted", line, plus(valid, "Sec-WebSocket-Extensions", "permessage-deflate"), none, deflate,
        Error::None, {}, "permessage-deflate");

    // §4.1: status 101 ...
    row("200", "HTTP/1.1 200 OK", valid, none, {}, Error::UnexpectedStatus);
    row("302", "HTTP/1.1 302 Found", plus(valid, "Location", "/elsewhere"), none, {}, Error::UnexpectedStatus);
    row("400", "HTTP/1.1 400 Bad Request", {}, none, {}, Error::UnexpectedStatus);
    row("426", "HTTP/1.1 426 Upgrade Required", {{"Sec-WebSocket-Version", "13"}}, none, {},
        Error::UnexpectedStatus);
    // ... Upgrade: websocket ...
    row("no Upgrade", line, without(valid, "Upgrade"), none, {}, Error::MissingUpgradeResponse);
    row("Upgrade h2c", line, replaced(valid, "Upgrade", "h2c"), none, {}, Error::MissingUpgradeResponse);
    // ... Connection: Upgrade ...
    row("no Connection", line, without(valid, "Connection"), none, {}, Error::MissingConnectionResponse);
    row("Connection close", line, replaced(valid, "Connection", "close"), none, {}, Error::MissingConnectionResponse);
    // ... the accept key of our key ...
    row("no accept", line, without(valid, "Sec-WebSocket-Accept"), none, {}, Error::InvalidAccept);
    row("accept of another key", line, replaced(valid, "Sec-WebSocket-Accept", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="), none,
        {}, Error::InvalidAccept);
    row("accept in other case", line, replaced(valid, "Sec-WebSocket-Accept", RfcAccept.toLower()), none, {},
        Error::InvalidAccept);
    row("accept is the key", line, replaced(valid, "Sec-WebSocket-Accept", RfcKey), none, {}, Error::InvalidAccept);
    row("accept repeated", line, plus(valid, "Sec-WebSocket-Accept", RfcAccept), none, {}, Error::InvalidAccept);
    // ... a subprotocol among those offered ...
    row("subprotocol not offered", line, plus(valid, "Sec-WebSocket-Protocol", "mqtt"), offered, {},
        Error::UnexpectedSubprotocol);
    row("subprotocol when none offered", line, plus(valid, "Sec-WebSocket-Protocol", "chat"), none, {},
        Error::UnexpectedSubprotocol);
    row("two subprotocols", line, plus(valid, "Sec-WebSocket-Protocol", "chat, superchat"), offered, {},
        Error::UnexpectedSubprotocol);
    row("two subprotocol fields", line,
        plus(plus(valid, "Sec-WebSocket-Protocol", "chat"), "Sec-WebSocket-Protocol", "superchat"), offered, {},
        Error::UnexpectedSubprotocol);
    row("subprotocol in other case", line, plus(valid, "Sec-WebSocket-Protocol", "Chat"), offered, {},
        Error::UnexpectedSubprotocol);
    // ... and no extension when none was offered.
    row("extension not offered", line, plus(valid, "Sec-WebSocket-Extensions", "permessage-deflate"), offered, {},
        Error::UnexpectedExtension);
}

void tst_Handshake::validateServerResponse()
{
    QFETCH(QByteArray, response);
    QFETCH(QStringList, offeredSubprotocols);
    QFETCH(QByteArray, offeredExtensions);
    QFETCH(Error, error);
    QFETCH(QByteArray, subprotocol);
    QFETCH(QByteArray, extensions);

    const std::optional<HttpResponseHead> head = parseResponse(response);
    QVERIFY(head.has_value());
    ClientRequest request;
    request.host = "server.example.com";
    request.key = RfcKey.toStdString();
    request.subprotocols = stdStrings(offeredSubprotocols);
    request.extensions = offeredExtensions.toStdString();

    ServerAcceptance acceptance;
    QCOMPARE(WsKit::Core::validateServerResponse(*head, request, acceptance), error);
    if (error == Error::None) {
        QCOMPARE(bytesOf(acceptance.subprotocol), subprotocol);
        QCOMPARE(bytesOf(acceptance.extensions), extensions);
    }
}

void tst_Handshake::pythonWebsocketsResponse()
{
    const std::optional<HttpResponseHead> head = parseResponse(PythonWebsocketsResponse);
    QVERIFY(head.has_value());
    ClientRequest request;
    request.target = "/chat";
    request.host = "127.0.0.1";
    request.key = RfcKey.toStdString();
    request.subprotocols = {"chat", "superchat"};
    request.extensions = "permessage-deflate; client_max_window_bits";

    ServerAcceptance acceptance;
    QCOMPARE(WsKit::Core::validateServerResponse(*head, request, acceptance), Error::None);
    QCOMPARE(acceptance.subprotocol, std::string("superchat"));
    QCOMPARE(acceptance.extensions,
             std::string("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"));
}

QTEST_APPLESS_MAIN(tst_Handshake)
#include "tst_handshake.moc"
