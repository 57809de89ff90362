// HTTP header fields and the incremental message-head parser.
#include <WsKit/Core/http.h>

#include <QtTest>

using namespace WsKit::Core;

using Kind = HttpHeadParser::Kind;
using Status = HttpHeadParser::Status;
using Fields = QList<QPair<QByteArray, QByteArray>>;

Q_DECLARE_METATYPE(WsKit::Core::Error)
Q_DECLARE_METATYPE(WsKit::Core::HttpHeadParser::Kind)
Q_DECLARE_METATYPE(WsKit::Core::HttpHeadParser::Status)

namespace {

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), std::size_t(bytes.size()));
}

HttpHeaders headersOf(const Fields &fields)
{
    HttpHeaders headers;
    for (const auto &[name, value] : fields)
        headers.add(name.toStdString(), value.toStdString());
    return headers;
}

QStringList toStringList(const std::vector<std::string> &values)
{
    QStringList list;
    for (const auto &value : values)
        list += QString::fromStdString(value);
    return list;
}

// Everything a parser produced, as one comparable value.
struct Outcome {
    Status status = Status::NeedMore;
    Error error = Error::None;
    std::size_t consumed = 0;
    QString head;

    bool operator==(const Outcome &other) const
    {
        return status == other.status && error == other.error && consumed == other.consumed && head == other.head;
    }
};

// Lets QCOMPARE print both outcomes when they differ.
char *toString(const Outcome &outcome)
{
    return QTest::toString(QStringLiteral("status %1, error %2, consumed %3, head \"%4\"")
                               .arg(int(outcome.status))
                               .arg(int(outcome.error))
                               .arg(outcome.consumed)
                               .arg(outcome.head));
}

QString describe(const HttpHeadParser &parser, Kind kind)
{
    QString text;
    if (kind == Kind::Request) {
        const HttpRequestHead &request = parser.request();
        text = QString::fromStdString(request.method + ' ' + request.target + ' ')
             + QString::number(request.versionMajor) + '.' + QString::number(request.versionMinor);
    } else {
        const HttpResponseHead &response = parser.response();
        text = QString::number(response.versionMajor) + '.' + QString::number(response.versionMinor) + ' '
             + QString::number(response.status) + ' ' + QString::fromStdString(response.reason);
    }
    const HttpHeaders &headers = kind == Kind::Request ? parser.request().headers : parser.response().headers;
    for (const auto &[name, value] : headers.fields())
        text += '\n' + QString::fromStdString(name) + '=' + QString::fromStdString(value);
    return text;
}

// Feeds bytes in pieces ending at each of cuts (then the rest), checking the
// parser's contract on every call: it never consumes more than it was given, and
// consumes nothing once finished.
Outcome feed(Kind kind, const QByteArray &bytes, const QList<int> &cuts, std::size_t maxHeadSize = DefaultMaxHeadSize)
{
    HttpHeadParser parser(kind, maxHeadSize);
    Outcome outcome;
    int begin = 0;
    QList<int> ends = cuts;
    ends += int(bytes.size());
    for (const int end : ends) {
        const Status before = parser.status();
        std::size_t used = 0;
        const Status status = parser.parse(bytes.constData() + begin, std::size_t(end - begin), used);
        if (status != parser.status() || used > std::size_t(end - begin)
            || (before != Status::NeedMore && used != 0)) {
            qWarning("parser contract broken at offset %d", begin);
            outcome.status = Status::Failed;
            outcome.head = QStringLiteral("contract broken");
            return outcome;
        }
        outcome.consumed += used;
        begin = end;
    }
    outcome.status = parser.status();
    outcome.error = parser.error();
    if (outcome.status == Status::Complete)
        outcome.head = describe(parser, kind);
    return outcome;
}

Outcome feedWhole(Kind kind, const QByteArray &bytes, std::size_t maxHeadSize = DefaultMaxHeadSize)
{
    return feed(kind, bytes, {}, maxHeadSize);
}

QList<int> everyByte(const QByteArray &bytes)
{
    QList<int> cuts;
    for (int i = 1; i < bytes.size(); ++i)
        cuts += i;
    return cuts;
}

const QByteArray ChromiumRequest =
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: example.com:8080\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Upgrade: websocket\r\n"
    "Origin: http://example.com:8080\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n";

const QByteArray SwitchingResponse =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n"
    "\r\n";

} // namespace

class tst_Http : public QObject
{
    Q_OBJECT

private slots:
    // Field syntax helpers
    void httpToken_data();
    void httpToken();
    void fieldValue_data();
    void fieldValue();
    void equalsIgnoringCase_data();
    void equalsIgnoringCase();

    // HttpHeaders
    void namesAreCaseInsensitive();
    void valueIsTheFirstOfRepeatedFields();
    void combinedValueJoinsRepeatedFields();
    void listValues_data();
    void listValues();
    void containsToken_data();
    void containsToken();

    // HttpHeadParser
    void request();
    void requestVersion();
    void response_data();
    void response();
    void malformedRequest_data();
    void malformedRequest();
    void malformedResponse_data();
    void malformedResponse();
    void failsWhenTheBadLineEnds();
    void headSizeLimit_data();
    void headSizeLimit();
    void failsOnTheFirstByteOverTheLimit_data();
    void failsOnTheFirstByteOverTheLimit();
    void limitCoversTheWholeHead();
    void defaultLimit();
    void bytesAfterTheHeadAreLeft();
    void nothingConsumedOnceFinished();
    void emptyChunk();
    void chunking_data();
    void chunking();
};

void tst_Http::httpToken_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");

    QTest::newRow("word") << QByteArray("websocket") << true;
    QTest::newRow("header name") << QByteArray("Sec-WebSocket-Key") << true;
    QTest::newRow("every symbol") << QByteArray("!#$%&'*+-.^_`|~09azAZ") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("space") << QByteArray("a b") << false;
    QTest::newRow("tab") << QByteArray("a\tb") << false;
    QTest::newRow("colon") << QByteArray("a:b") << false;
    QTest::newRow("slash") << QByteArray("a/b") << false;
    QTest::newRow("quote") << QByteArray("a\"b") << false;
    QTest::newRow("parenthesis") << QByteArray("a(b") << false;
    QTest::newRow("comma") << QByteArray("a,b") << false;
    QTest::newRow("control") << QByteArray("a\x01") << false;
    QTest::newRow("del") << QByteArray("a\x7f") << false;
    QTest::newRow("high byte") << QByteArray("a\xc3\xa9") << false;
}

void tst_Http::httpToken()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QCOMPARE(isHttpToken(view(text)), valid);
}

void tst_Http::fieldValue_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");

    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("text") << QByteArray("text/plain; charset=utf-8") << true;
    QTest::newRow("tab") << QByteArray("a\tb") << true;
    QTest::newRow("obs-text") << QByteArray("caf\xc3\xa9") << true;
    QTest::newRow("CR") << QByteArray("a\rb") << false;
    QTest::newRow("LF") << QByteArray("a\nb") << false;
    QTest::newRow("CRLF") << QByteArray("a\r\nX-Injected: 1") << false;
    QTest::newRow("NUL") << QByteArray("a\0b", 3) << false;
    QTest::newRow("DEL") << QByteArray("a\x7f") << false;
    QTest::newRow("escape") << QByteArray("a\x1b[0m") << false;
}

void tst_Http::fieldValue()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QCOMPARE(isHttpFieldValue(view(text)), valid);
}

void tst_Http::equalsIgnoringCase_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("equal");

    QTest::newRow("same") << QByteArray("Upgrade") << QByteArray("Upgrade") << true;
    QTest::newRow("case") << QByteArray("UPGRADE") << QByteArray("upgrade") << true;
    QTest::newRow("empty") << QByteArray() << QByteArray() << true;
    QTest::newRow("prefix") << QByteArray("Upgrade") << QByteArray("Upgrades") << false;
    QTest::newRow("different") << QByteArray("upgrade") << QByteArray("upgrada") << false;
    // Only ASCII letters fold: '@' and '`' sit next to 'A' and 'a'.
    QTest::newRow("neighbours of letters") << QByteArray("@") << QByteArray("`") << false;
    QTest::newRow("non-ascii") << QByteArray("\xc3\xa9") << QByteArray("\xc3\x89") << false;
}

void tst_Http::equalsIgnoringCase()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, equal);
    QCOMPARE(WsKit::Core::equalsIgnoringCase(view(a), view(b)), equal);
}

void tst_Http::namesAreCaseInsensitive()
{
    const HttpHeaders headers = headersOf({{"Sec-WebSocket-Key", "abc"}});
    QCOMPARE(headers.value("sec-websocket-key"), std::optional<std::string_view>("abc"));
    QCOMPARE(headers.value("SEC-WEBSOCKET-KEY"), std::optional<std::string_view>("abc"));
    QVERIFY(headers.contains("sec-WebSocket-KEY"));
    QVERIFY(!headers.contains("Sec-WebSocket-Keys"));
    QVERIFY(!headers.value("Sec-WebSocket-Version").has_value());
    QVERIFY(!headers.isEmpty());
    QVERIFY(HttpHeaders().isEmpty());
}

void tst_Http::valueIsTheFirstOfRepeatedFields()
{
    const HttpHeaders headers = headersOf({{"X-A", "1"}, {"x-a", "2"}, {"X-B", "3"}});
    QCOMPARE(headers.value("X-A"), std::optional<std::string_view>("1"));
    QCOMPARE(headers.fields().size(), std::size_t(3));
    QCOMPARE(headers.fields()[1].first, std::string("x-a")); // arrival order and spelling kept
}

void tst_Http::combinedValueJoinsRepeatedFields()
{
    const HttpHeaders headers = headersOf({{"Sec-WebSocket-Extensions", "permessage-deflate"},
                                           {"Other", "x"},
                                           {"sec-websocket-extensions", "foo; bar=1"}});
    QCOMPARE(headers.combinedValue("Sec-WebSocket-Extensions"), std::string("permessage-deflate, foo; bar=1"));
    QCOMPARE(headers.combinedValue("Other"), std::string("x"));
    QCOMPARE(headers.combinedValue("Absent"), std::string());
}

void tst_Http::listValues_data()
{
    QTest::addColumn<Fields>("fields");
    QTest::addColumn<QStringList>("elements");

    QTest::newRow("absent") << Fields{{"Other", "a"}} << QStringList();
    QTest::newRow("one") << Fields{{"Connection", "Upgrade"}} << QStringList{"Upgrade"};
    QTest::newRow("two") << Fields{{"Connection", "keep-alive, Upgrade"}} << QStringList{"keep-alive", "Upgrade"};
    QTest::newRow("whitespace trimmed") << Fields{{"Connection", " keep-alive ,\tUpgrade\t"}}
                                        << QStringList{"keep-alive", "Upgrade"};
    QTest::newRow("no space") << Fields{{"Connection", "a,b"}} << QStringList{"a", "b"};
    // RFC 9110 §5.6.1: empty elements are ignored.
    QTest::newRow("empty elements") << Fields{{"Connection", ", a,, ,b,"}} << QStringList{"a", "b"};
    QTest::newRow("only commas") << Fields{{"Connection", " , ,"}} << QStringList();
    QTest::newRow("repeated fields in order")
        << Fields{{"Sec-WebSocket-Protocol", "chat, superchat"}, {"Host", "x"}, {"sec-websocket-protocol", "v2"}}
        << QStringList{"chat", "superchat", "v2"};
    QTest::newRow("comma in a quoted string")
        << Fields{{"Sec-WebSocket-Extensions", "foo; p=\"a,b\", bar"}} << QStringList{"foo; p=\"a,b\"", "bar"};
    QTest::newRow("escaped quote in a quoted string")
        << Fields{{"Sec-WebSocket-Extensions", "foo; p=\"a\\\",b\", bar"}}
        << QStringList{"foo; p=\"a\\\",b\"", "bar"};
    QTest::newRow("backslash ending an open quote")
        << Fields{{"Sec-WebSocket-Extensions", "a, \"b\\"}} << QStringList{"a", "\"b\\"};
}

void tst_Http::listValues()
{
    QFETCH(Fields, fields);
    QFETCH(QStringList, elements);
    const std::string name = fields.first().first == "Other" ? "Connection" : fields.first().first.toStdString();
    QCOMPARE(toStringList(headersOf(fields).listValues(name)), elements);
}

void tst_Http::containsToken_data()
{
    QTest::addColumn<Fields>("fields");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("contained");

    QTest::newRow("exact") << Fields{{"Connection", "Upgrade"}} << QByteArray("Upgrade") << true;
    QTest::newRow("case-insensitive") << Fields{{"connection", "UPGRADE"}} << QByteArray("upgrade") << true;
    QTest::newRow("in a list") << Fields{{"Connection", "keep-alive, Upgrade"}} << QByteArray("upgrade") << true;
    QTest::newRow("in a later field") << Fields{{"Connection", "keep-alive"}, {"Connection", "Upgrade"}}
                                      << QByteArray("upgrade") << true;
    QTest::newRow("absent") << Fields{{"Connection", "keep-alive"}} << QByteArray("upgrade") << false;
    QTest::newRow("no field") << Fields{{"Upgrade", "websocket"}} << QByteArray("upgrade") << false;
    QTest::newRow("substring only") << Fields{{"Connection", "Upgrades, NoUpgrade"}} << QByteArray("upgrade")
                                    << false;
    QTest::newRow("whole value is not one element") << Fields{{"Connection", "keep-alive Upgrade"}}
                                                    << QByteArray("upgrade") << false;
}

void tst_Http::containsToken()
{
    QFETCH(Fields, fields);
    QFETCH(QByteArray, token);
    QFETCH(bool, contained);
    QCOMPARE(headersOf(fields).containsToken("Connection", view(token)), contained);
}

void tst_Http::request()
{
    HttpHeadParser parser(Kind::Request);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(ChromiumRequest.constData(), std::size_t(ChromiumRequest.size()), consumed),
             Status::Complete);
    QCOMPARE(consumed, std::size_t(ChromiumRequest.size()));
    QCOMPARE(parser.status(), Status::Complete);
    QCOMPARE(parser.error(), Error::None);

    const HttpRequestHead &request = parser.request();
    QCOMPARE(request.method, std::string("GET"));
    QCOMPARE(request.target, std::string("/chat?room=1"));
    QCOMPARE(request.versionMajor, 1);
    QCOMPARE(request.versionMinor, 1);
    QCOMPARE(request.headers.fields().size(), std::size_t(8));
    QCOMPARE(request.headers.fields().front(), std::make_pair(std::string("Host"), std::string("example.com:8080")));
    QCOMPARE(request.headers.value("sec-websocket-extensions"),
             std::optional<std::string_view>("permessage-deflate; client_max_window_bits"));
}

void tst_Http::requestVersion()
{
    const QByteArray head = "GET / HTTP/1.0\r\n\r\n";
    HttpHeadParser parser(Kind::Request);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(head.constData(), std::size_t(head.size()), consumed), Status::Complete);
    QCOMPARE(parser.request().versionMajor, 1);
    QCOMPARE(parser.request().versionMinor, 0);
    QVERIFY(parser.request().headers.isEmpty());
}

void tst_Http::response_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<int>("fieldCount");

    QTest::newRow("101") << SwitchingResponse << 101 << QByteArray("Switching Protocols") << 3;
    QTest::newRow("empty reason") << QByteArray("HTTP/1.1 101 \r\n\r\n") << 101 << QByteArray() << 0;
    // RFC 9112 §4 requires the space, but some servers leave it out.
    QTest::newRow("no reason, no space") << QByteArray("HTTP/1.1 101\r\n\r\n") << 101 << QByteArray() << 0;
    QTest::newRow("404") << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n") << 404
                         << QByteArray("Not Found") << 1;
    QTest::newRow("reason with symbols") << QByteArray("HTTP/1.0 200 OK (fine)\t!\r\n\r\n") << 200
                                         << QByteArray("OK (fine)\t!") << 0;
    QTest::newRow("non-ascii reason") << QByteArray("HTTP/1.1 403 Verboten \xc3\xa4\r\n\r\n") << 403
                                      << QByteArray("Verboten \xc3\xa4") << 0;
}

void tst_Http::response()
{
    QFETCH(QByteArray, head);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(int, fieldCount);

    HttpHeadParser parser(Kind::Response);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(head.constData(), std::size_t(head.size()), consumed), Status::Complete);
    QCOMPARE(consumed, std::size_t(head.size()));
    QCOMPARE(parser.response().status, status);
    QCOMPARE(QByteArray::fromStdString(parser.response().reason), reason);
    QCOMPARE(int(parser.response().headers.fields().size()), fieldCount);
}

namespace {

// Rows of heads whose field lines are bad, after a valid start line.
void addMalformedFieldRows(const QByteArray &startLine)
{
    const auto row = [&startLine](const char *name, const QByteArray &lines) {
        QTest::newRow(name) << startLine + "Host: example.com\r\n" + lines + "\r\n";
    };
    row("no colon", "Upgrade websocket\r\n");
    row("space before colon", "Upgrade : websocket\r\n");
    row("tab before colon", "Upgrade\t: websocket\r\n");
    row("empty name", ": websocket\r\n");
    row("space in name", "X Y: value\r\n");
    row("invalid name char", "X(Y): value\r\n");
    row("non-ascii name", "X\xc3\xa9: value\r\n");
    row("obs-fold space", "X-A: one\r\n two\r\n");
    row("obs-fold tab", "X-A: one\r\n\ttwo\r\n");
    row("control char in value", "X-A: a\x01z\r\n");
    row("NUL in value", QByteArray("X-A: a\0z\r\n", 10));
    row("DEL in value", "X-A: a\x7fz\r\n");
    row("bare CR in value", "X-A: a\rz\r\n");
    row("bare LF line end", "X-A: a\n");
    row("bare LF empty line", "\n");
    row("bare CR line end", "X-A: a\r\r\n");
}

} // namespace

void tst_Http::malformedRequest_data()
{
    QTest::addColumn<QByteArray>("head");

    const auto row = [](const char *name, const QByteArray &requestLine) {
        QTest::newRow(name) << requestLine + "Host: example.com\r\n\r\n";
    };
    row("empty request line", "\r\n");
    row("no target", "GET HTTP/1.1\r\n");
    row("no version", "GET /\r\n");
    row("double space", "GET  / HTTP/1.1\r\n");
    row("leading space", " GET / HTTP/1.1\r\n");
    row("trailing space", "GET / HTTP/1.1 \r\n");
    row("tab separator", "GET\t/ HTTP/1.1\r\n");
    row("space in target", "GET /a b HTTP/1.1\r\n");
    row("control char in target", "GET /a\x01 HTTP/1.1\r\n");
    row("non-ascii target", "GET /caf\xc3\xa9 HTTP/1.1\r\n");
    row("invalid method char", "G(T / HTTP/1.1\r\n");
    row("version lowercase", "GET / http/1.1\r\n");
    row("version without dot", "GET / HTTP/11\r\n");
    row("version two digits", "GET / HTTP/1.10\r\n");
    row("version letters", "GET / HTTP/x.y\r\n");
    row("version prefix", "GET / HTTPS/1.1\r\n");
    row("bare LF request line", "GET / HTTP/1.1\n");
    row("tls client hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n");
    addMalformedFieldRows("GET / HTTP/1.1\r\n");
}

void tst_Http::malformedRequest()
{
    QFETCH(QByteArray, head);
    const Outcome whole = feedWhole(Kind::Request, head);
    QCOMPARE(whole.status, Status::Failed);
    QCOMPARE(whole.error, Error::MalformedRequest);
    // The same bytes as a response are malformed too, with the response's error.
    const Outcome asResponse = feedWhole(Kind::Response, head);
    QCOMPARE(asResponse.status, Status::Failed);
    QCOMPARE(asResponse.error, Error::MalformedResponse);
}

void tst_Http::malformedResponse_data()
{
    QTest::addColumn<QByteArray>("head");

    const auto row = [](const char *name, const QByteArray &statusLine) {
        QTest::newRow(name) << statusLine + "Upgrade: websocket\r\n\r\n";
    };
    row("empty status line", "\r\n");
    row("version only", "HTTP/1.1\r\n");
    row("version and space", "HTTP/1.1 \r\n");
    row("two-digit status", "HTTP/1.1 10 Switching Protocols\r\n");
    row("four-digit status", "HTTP/1.1 1010 Switching Protocols\r\n");
    row("letters in status", "HTTP/1.1 1o1 Switching Protocols\r\n");
    row("double space", "HTTP/1.1  101 Switching Protocols\r\n");
    row("leading space", " HTTP/1.1 101 Switching Protocols\r\n");
    row("tab separator", "HTTP/1.1\t101 Switching Protocols\r\n");
    row("version lowercase", "http/1.1 101 Switching Protocols\r\n");
    row("other protocol", "ICY 200 OK\r\n");
    row("control char in reason", "HTTP/1.1 101 Switching\x01\r\n");
    row("bare LF status line", "HTTP/1.1 101 Switching Protocols\n");
    addMalformedFieldRows("HTTP/1.1 101 Switching Protocols\r\n");
}

void tst_Http::malformedResponse()
{
    QFETCH(QByteArray, head);
    const Outcome whole = feedWhole(Kind::Response, head);
    QCOMPARE(whole.status, Status::Failed);
    QCOMPARE(whole.error, Error::MalformedResponse);
}

void tst_Http::failsWhenTheBadLineEnds()
{
    // No empty line yet: the parser fails on the bad line itself and reads no further.
    const QByteArray goodLines = "GET / HTTP/1.1\r\nHost: example.com\r\n";
    const QByteArray badLine = "Upgrade websocket\r\n";
    const QByteArray input = goodLines + badLine + "Connection: Upgrade\r\n";
    HttpHeadParser parser(Kind::Request);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(input.constData(), std::size_t(input.size()), consumed), Status::Failed);
    QCOMPARE(parser.error(), Error::MalformedRequest);
    QCOMPARE(consumed, std::size_t(goodLines.size() + badLine.size()));

    // The line is not judged before its end: a valid prefix of it needs more.
    HttpHeadParser pending(Kind::Request);
    consumed = 0;
    QCOMPARE(pending.parse(goodLines.constData(), std::size_t(goodLines.size()), consumed), Status::NeedMore);
    QCOMPARE(pending.parse("Upgrade", 7, consumed), Status::NeedMore);
    QCOMPARE(pending.parse(" websocket\r", 11, consumed), Status::NeedMore);
    QCOMPARE(pending.parse("\n", 1, consumed), Status::Failed);
    QCOMPARE(pending.error(), Error::MalformedRequest);
}

void tst_Http::headSizeLimit_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<Error>("tooLarge");

    QTest::newRow("request") << Kind::Request << ChromiumRequest << Error::RequestHeadTooLarge;
    QTest::newRow("response") << Kind::Response << SwitchingResponse << Error::ResponseHeadTooLarge;
}

void tst_Http::headSizeLimit()
{
    QFETCH(Kind, kind);
    QFETCH(QByteArray, head);
    QFETCH(Error, tooLarge);
    const std::size_t size = std::size_t(head.size());

    // A head of exactly the limit, final CRLF included, is accepted.
    const Outcome atLimit = feedWhole(kind, head, size);
    QCOMPARE(atLimit.status, Status::Complete);
    QCOMPARE(atLimit.consumed, size);

    // One byte less of room and the last byte of the head is refused.
    for (const QList<int> &cuts : {QList<int>(), everyByte(head)}) {
        const Outcome overLimit = feed(kind, head, cuts, size - 1);
        QCOMPARE(overLimit.status, Status::Failed);
        QCOMPARE(overLimit.error, tooLarge);
        QCOMPARE(overLimit.consumed, size);
    }
}

void tst_Http::failsOnTheFirstByteOverTheLimit_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<Error>("tooLarge");

    QTest::newRow("request line") << Kind::Request << QByteArray("GET /") << Error::RequestHeadTooLarge;
    QTest::newRow("request field") << Kind::Request << QByteArray("GET / HTTP/1.1\r\nCookie: ")
                                   << Error::RequestHeadTooLarge;
    QTest::newRow("response line") << Kind::Response << QByteArray("HTTP/1.1 101 ") << Error::ResponseHeadTooLarge;
    QTest::newRow("response field") << Kind::Response << QByteArray("HTTP/1.1 101 OK\r\nX: ")
                                    << Error::ResponseHeadTooLarge;
}

void tst_Http::failsOnTheFirstByteOverTheLimit()
{
    QFETCH(Kind, kind);
    QFETCH(QByteArray, prefix);
    QFETCH(Error, tooLarge);
    constexpr std::size_t Limit = 100;
    // A line that never ends: the parser must stop at the limit, not buffer it.
    const QByteArray input = prefix + QByteArray(1000, 'a');

    HttpHeadParser parser(kind, Limit);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(input.constData(), Limit, consumed), Status::NeedMore);
    QCOMPARE(consumed, Limit);
    QCOMPARE(parser.parse(input.constData() + Limit, 1, consumed), Status::Failed);
    QCOMPARE(parser.error(), tooLarge);
    QCOMPARE(consumed, Limit + 1);

    // The same in one large chunk.
    HttpHeadParser whole(kind, Limit);
    consumed = 0;
    QCOMPARE(whole.parse(input.constData(), std::size_t(input.size()), consumed), Status::Failed);
    QCOMPARE(whole.error(), tooLarge);
    QCOMPARE(consumed, Limit + 1);
}

void tst_Http::limitCoversTheWholeHead()
{
    // Every line is short; only their sum passes the limit.
    QByteArray head = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 20; ++i)
        head += "X-Field-" + QByteArray::number(i) + ": value\r\n";
    head += "\r\n";
    const Outcome limited = feedWhole(Kind::Request, head, 200);
    QCOMPARE(limited.status, Status::Failed);
    QCOMPARE(limited.error, Error::RequestHeadTooLarge);
    QCOMPARE(limited.consumed, std::size_t(201));
    QCOMPARE(feedWhole(Kind::Request, head).status, Status::Complete);
}

void tst_Http::defaultLimit()
{
    const QByteArray fieldStart = "GET / HTTP/1.1\r\nCookie: ";
    const QByteArray end = "\r\n\r\n";
    const int filler = int(DefaultMaxHeadSize) - fieldStart.size() - end.size();
    const QByteArray atLimit = fieldStart + QByteArray(filler, 'c') + end;
    QCOMPARE(feedWhole(Kind::Request, atLimit).status, Status::Complete);

    const QByteArray overLimit = fieldStart + QByteArray(filler + 1, 'c') + end;
    const Outcome outcome = feedWhole(Kind::Request, overLimit);
    QCOMPARE(outcome.status, Status::Failed);
    QCOMPARE(outcome.error, Error::RequestHeadTooLarge);
    QCOMPARE(outcome.consumed, DefaultMaxHeadSize + 1);
}

void tst_Http::bytesAfterTheHeadAreLeft()
{
    // A client may send its first frame right behind the request head.
    const QByteArray frame("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    const QByteArray input = ChromiumRequest + frame;
    HttpHeadParser parser(Kind::Request);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(input.constData(), std::size_t(input.size()), consumed), Status::Complete);
    QCOMPARE(consumed, std::size_t(ChromiumRequest.size()));
    QCOMPARE(input.mid(int(consumed)), frame);

    const QByteArray response = SwitchingResponse + "\r\n\r\n";
    HttpHeadParser client(Kind::Response);
    consumed = 0;
    QCOMPARE(client.parse(response.constData(), std::size_t(response.size()), consumed), Status::Complete);
    QCOMPARE(consumed, std::size_t(SwitchingResponse.size()));
}

void tst_Http::nothingConsumedOnceFinished()
{
    HttpHeadParser complete(Kind::Response);
    std::size_t consumed = 0;
    QCOMPARE(complete.parse(SwitchingResponse.constData(), std::size_t(SwitchingResponse.size()), consumed),
             Status::Complete);
    QCOMPARE(complete.parse(SwitchingResponse.constData(), std::size_t(SwitchingResponse.size()), consumed),
             Status::Complete);
    QCOMPARE(consumed, std::size_t(SwitchingResponse.size()));
    QCOMPARE(complete.response().headers.fields().size(), std::size_t(3));

    HttpHeadParser failed(Kind::Request);
    consumed = 0;
    QCOMPARE(failed.parse("BAD\r\n", 5, consumed), Status::Failed);
    QCOMPARE(failed.parse(ChromiumRequest.constData(), std::size_t(ChromiumRequest.size()), consumed),
             Status::Failed);
    QCOMPARE(consumed, std::size_t(5));
    QCOMPARE(failed.error(), Error::MalformedRequest);
}

void tst_Http::emptyChunk()
{
    HttpHeadParser parser(Kind::Request);
    std::size_t consumed = 0;
    QCOMPARE(parser.parse(ChromiumRequest.constData(), 0, consumed), Status::NeedMore);
    QCOMPARE(consumed, std::size_t(0));
    QCOMPARE(parser.error(), Error::None);
}

void tst_Http::chunking_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<std::size_t>("maxHeadSize");
    QTest::addColumn<Status>("expected");

    const QByteArray trailing = "\x81\x05hello";
    QTest::newRow("request") << Kind::Request << ChromiumRequest + trailing << DefaultMaxHeadSize
                             << Status::Complete;
    QTest::newRow("response") << Kind::Response << SwitchingResponse + trailing << DefaultMaxHeadSize
                              << Status::Complete;
    QTest::newRow("incomplete request") << Kind::Request << ChromiumRequest.chopped(1) << DefaultMaxHeadSize
                                        << Status::NeedMore;
    QTest::newRow("malformed request") << Kind::Request << QByteArray("GET / HTTP/1.1\r\nBad Line\r\n\r\n")
                                       << DefaultMaxHeadSize << Status::Failed;
    QTest::newRow("malformed response") << Kind::Response << QByteArray("HTTP/1.1 99 Nope\r\n\r\n")
                                        << DefaultMaxHeadSize << Status::Failed;
    QTest::newRow("request too large") << Kind::Request << ChromiumRequest << std::size_t(100) << Status::Failed;
    QTest::newRow("response too large") << Kind::Response << SwitchingResponse << std::size_t(40)
                                        << Status::Failed;
}

void tst_Http::chunking()
{
    QFETCH(Kind, kind);
    QFETCH(QByteArray, input);
    QFETCH(std::size_t, maxHeadSize);
    QFETCH(Status, expected);

    const Outcome whole = feed(kind, input, {}, maxHeadSize);
    QCOMPARE(whole.status, expected);
    QCOMPARE(feed(kind, input, everyByte(input), maxHeadSize), whole);
    for (int split = 1; split < input.size(); ++split)
        QCOMPARE(feed(kind, input, {split}, maxHeadSize), whole);
    // Three pieces, cut around the line ends.
    for (int split = 1; split + 1 < input.size(); ++split)
        QCOMPARE(feed(kind, input, {split, split + 1}, maxHeadSize), whole);
}

QTEST_APPLESS_MAIN(tst_Http)
#include "tst_http.moc"
