// Forwarded / X-Forwarded-* parsing and the walk that decides which hop to believe.
#include <WsKit/Core/forwarded.h>

#include <QtTest>

using namespace WsKit::Core;
using Kind = ForwardedNode::Kind;
using Fields = QList<QPair<QByteArray, QByteArray>>;

Q_DECLARE_METATYPE(WsKit::Core::ForwardedNode::Kind)

namespace {

HttpHeaders headersOf(const Fields &fields)
{
    HttpHeaders headers;
    for (const auto &[name, value] : fields)
        headers.add(name.toStdString(), value.toStdString());
    return headers;
}

// A node as one comparable line: "kind address port".
QString describe(const ForwardedNode &node)
{
    static const char *const kinds[] = {"address", "unknown", "obfuscated", "malformed"};
    return QStringLiteral("%1 %2 %3")
        .arg(QLatin1String(kinds[int(node.kind)]), QString::fromStdString(node.address))
        .arg(node.port);
}

QString describe(const ForwardedElement &element)
{
    if (!element.valid)
        return QStringLiteral("invalid");
    return QStringLiteral("for=%1|by=%2|proto=%3|host=%4")
        .arg(element.hasFor ? describe(element.forNode) : QStringLiteral("-"), QString::fromStdString(element.by),
             QString::fromStdString(element.proto), QString::fromStdString(element.host));
}

// The outcome of resolveForwarded as one line: "address port scheme host", "-"
// for a missing address.
QString describe(const ForwardedClient &client)
{
    const QString node = client.node ? QStringLiteral("%1 %2").arg(QString::fromStdString(client.node->address))
                                           .arg(client.node->port)
                                     : QStringLiteral("-");
    return QStringLiteral("%1|%2|%3").arg(node, QString::fromStdString(client.scheme),
                                          QString::fromStdString(client.host));
}

// The proxies of the tests: 10.0.0.0/8, 127.0.0.1 and 2001:db8:ffff::/48, as prefixes.
bool isTrustedProxy(std::string_view address)
{
    return address.substr(0, 3) == "10." || address == "127.0.0.1" || address.substr(0, 15) == "2001:db8:ffff::";
}

} // namespace

class tst_Forwarded : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ipv4_data();
    void ipv4();
    void ipv6_data();
    void ipv6();
    void node_data();
    void node();
    void forwarded_data();
    void forwarded();
    void xForwardedFor_data();
    void xForwardedFor();
    void resolve_data();
    void resolve();
    void onlyReachedHopsAreAsked();
};

void tst_Forwarded::ipv4_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::newRow("plain") << QByteArray("192.0.2.7") << true;
    QTest::newRow("zeros") << QByteArray("0.0.0.0") << true;
    QTest::newRow("max") << QByteArray("255.255.255.255") << true;
    QTest::newRow("octet over 255") << QByteArray("192.0.2.256") << false;
    QTest::newRow("leading zero") << QByteArray("192.0.2.07") << false;
    QTest::newRow("four digits") << QByteArray("192.0.2.0007") << false;
    QTest::newRow("three octets") << QByteArray("192.0.2") << false;
    QTest::newRow("five octets") << QByteArray("192.0.2.7.1") << false;
    QTest::newRow("empty octet") << QByteArray("192..2.7") << false;
    QTest::newRow("trailing dot") << QByteArray("192.0.2.7.") << false;
    QTest::newRow("sign") << QByteArray("+1.0.2.7") << false;
    QTest::newRow("space") << QByteArray("192.0.2.7 ") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("name") << QByteArray("example.com") << false;
}

void tst_Forwarded::ipv4()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QCOMPARE(isIpv4Address(text.toStdString()), valid);
}

void tst_Forwarded::ipv6_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::newRow("full") << QByteArray("2001:db8:0:0:1:0:0:1") << true;
    QTest::newRow("compressed") << QByteArray("2001:db8::1") << true;
    QTest::newRow("loopback") << QByteArray("::1") << true;
    QTest::newRow("any") << QByteArray("::") << true;
    QTest::newRow("trailing gap") << QByteArray("2001:db8::") << true;
    QTest::newRow("gap for one group") << QByteArray("1:2:3:4:5:6:7::") << true;
    QTest::newRow("upper case") << QByteArray("2001:DB8:CAFE::17") << true;
    QTest::newRow("embedded IPv4") << QByteArray("::ffff:192.0.2.7") << true;
    QTest::newRow("full with IPv4") << QByteArray("1:2:3:4:5:6:192.0.2.7") << true;
    QTest::newRow("nine groups") << QByteArray("1:2:3:4:5:6:7:8:9") << false;
    QTest::newRow("seven groups") << QByteArray("1:2:3:4:5:6:7") << false;
    QTest::newRow("gap with eight groups") << QByteArray("1:2:3:4::5:6:7:8") << false;
    QTest::newRow("two gaps") << QByteArray("2001::db8::1") << false;
    QTest::newRow("triple colon") << QByteArray("2001:::1") << false;
    QTest::newRow("leading colon") << QByteArray(":1:2:3:4:5:6:7") << false;
    QTest::newRow("trailing colon") << QByteArray("1:2:3:4:5:6:7:") << false;
    QTest::newRow("five hex digits") << QByteArray("2001:db8::12345") << false;
    QTest::newRow("not hex") << QByteArray("2001:db8::g") << false;
    QTest::newRow("IPv4 before the gap") << QByteArray("192.0.2.7::1") << false;
    QTest::newRow("IPv4 not last") << QByteArray("::192.0.2.7:1") << false;
    QTest::newRow("bad IPv4") << QByteArray("::ffff:192.0.2.300") << false;
    QTest::newRow("brackets") << QByteArray("[::1]") << false;
    QTest::newRow("zone") << QByteArray("fe80::1%eth0") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("IPv4") << QByteArray("192.0.2.7") << false;
}

void tst_Forwarded::ipv6()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QCOMPARE(isIpv6Address(text.toStdString()), valid);
}

void tst_Forwarded::node_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("IPv4") << QByteArray("192.0.2.43") << "address 192.0.2.43 0";
    QTest::newRow("IPv4 with port") << QByteArray("192.0.2.43:47011") << "address 192.0.2.43 47011";
    QTest::newRow("IPv4 with obfuscated port") << QByteArray("192.0.2.43:_x1") << "address 192.0.2.43 0";
    QTest::newRow("IPv6") << QByteArray("[2001:db8:cafe::17]") << "address 2001:db8:cafe::17 0";
    QTest::newRow("IPv6 with port") << QByteArray("[2001:db8:cafe::17]:4711") << "address 2001:db8:cafe::17 4711";
    QTest::newRow("unknown") << QByteArray("unknown") << "unknown  0";
    QTest::newRow("unknown in capitals") << QByteArray("UNKNOWN") << "unknown  0";
    QTest::newRow("unknown with port") << QByteArray("unknown:80") << "unknown  0";
    QTest::newRow("obfuscated") << QByteArray("_hidden") << "obfuscated  0";
    QTest::newRow("obfuscated with dots") << QByteArray("_SEVKISEK.a-b_c") << "obfuscated  0";
    QTest::newRow("obfuscated with port") << QByteArray("_hidden:_port") << "obfuscated  0";
    QTest::newRow("lone underscore") << QByteArray("_") << "malformed  0";
    QTest::newRow("obfuscated with a bad character") << QByteArray("_a/b") << "malformed  0";
    QTest::newRow("IPv6 without brackets") << QByteArray("2001:db8::1") << "malformed  0";
    QTest::newRow("unclosed bracket") << QByteArray("[2001:db8::1") << "malformed  0";
    QTest::newRow("bracketed IPv4") << QByteArray("[192.0.2.43]") << "malformed  0";
    QTest::newRow("junk after bracket") << QByteArray("[::1]x") << "malformed  0";
    QTest::newRow("port over 65535") << QByteArray("192.0.2.43:65536") << "malformed  0";
    QTest::newRow("port of six digits") << QByteArray("192.0.2.43:000080") << "malformed  0";
    QTest::newRow("empty port") << QByteArray("192.0.2.43:") << "malformed  0";
    QTest::newRow("port with a sign") << QByteArray("192.0.2.43:+80") << "malformed  0";
    QTest::newRow("host name") << QByteArray("proxy.example") << "malformed  0";
    QTest::newRow("empty") << QByteArray() << "malformed  0";
}

void tst_Forwarded::node()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    QCOMPARE(describe(parseForwardedNode(text.toStdString())), expected);
}

void tst_Forwarded::forwarded_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QStringList>("expected");
    // RFC 7239 §4 and §7 examples.
    QTest::newRow("rfc: obfuscated, quoted") << QByteArray("for=\"_gazonk\"")
                                      << QStringList{"for=obfuscated  0|by=|proto=|host="};
    QTest::newRow("rfc: case-insensitive name") << QByteArray("For=\"[2001:db8:cafe::17]:4711\"")
                                                << QStringList{"for=address 2001:db8:cafe::17 4711|by=|proto=|host="};
    QTest::newRow("rfc: pairs") << QByteArray("for=192.0.2.60;proto=http;by=203.0.113.43")
                                << QStringList{"for=address 192.0.2.60 0|by=203.0.113.43|proto=http|host="};
    QTest::newRow("rfc: list") << QByteArray("for=192.0.2.43, for=198.51.100.17")
                               << QStringList{"for=address 192.0.2.43 0|by=|proto=|host=",
                                              "for=address 198.51.100.17 0|by=|proto=|host="};
    QTest::newRow("rfc: mixed list") << QByteArray("for=192.0.2.43,for=\"[2001:db8:cafe::17]\",for=unknown")
                                     << QStringList{"for=address 192.0.2.43 0|by=|proto=|host=",
                                                    "for=address 2001:db8:cafe::17 0|by=|proto=|host=",
                                                    "for=unknown  0|by=|proto=|host="};
    QTest::newRow("host with port, quoted") << QByteArray("for=192.0.2.60;host=\"example.com:8443\";proto=https")
                                            << QStringList{"for=address 192.0.2.60 0|by=|proto=https|host=example.com:8443"};
    QTest::newRow("quoted-pair") << QByteArray("for=\"\\[2001:db8::1\\]:80\";host=\"a\\\"b\"")
                                 << QStringList{"for=address 2001:db8::1 80|by=|proto=|host=a\"b"};
    QTest::newRow("comma and semicolon inside quotes")
        << QByteArray("host=\"a,b;c\";for=192.0.2.1, for=192.0.2.2")
        << QStringList{"for=address 192.0.2.1 0|by=|proto=|host=a,b;c", "for=address 192.0.2.2 0|by=|proto=|host="};
    QTest::newRow("whitespace around separators")
        << QByteArray("  for=192.0.2.1 ; proto=https\t,\tfor=192.0.2.2  ")
        << QStringList{"for=address 192.0.2.1 0|by=|proto=https|host=", "for=address 192.0.2.2 0|by=|proto=|host="};
    QTest::newRow("empty elements and pairs") << QByteArray(",, ;for=192.0.2.1;;,")
                                              << QStringList{"for=address 192.0.2.1 0|by=|proto=|host="};
    QTest::newRow("extension parameter") << QByteArray("for=192.0.2.1;secret=\"x y\"")
                                         << QStringList{"for=address 192.0.2.1 0|by=|proto=|host="};
    QTest::newRow("element without for") << QByteArray("proto=https") << QStringList{"for=-|by=|proto=https|host="};
    // Malformed elements are kept as such; the list goes on after the next comma.
    QTest::newRow("unquoted IPv6") << QByteArray("for=[2001:db8::1], for=192.0.2.2")
                                   << QStringList{"invalid", "for=address 192.0.2.2 0|by=|proto=|host="};
    QTest::newRow("for given twice") << QByteArray("for=192.0.2.1;for=192.0.2.9, for=192.0.2.2")
                                     << QStringList{"invalid", "for=address 192.0.2.2 0|by=|proto=|host="};
    QTest::newRow("proto given twice") << QByteArray("proto=http;PROTO=https") << QStringList{"invalid"};
    QTest::newRow("space around equals") << QByteArray("for =192.0.2.1, for= 192.0.2.2, for=192.0.2.3")
                                         << QStringList{"invalid", "invalid", "for=address 192.0.2.3 0|by=|proto=|host="};
    QTest::newRow("pair without value") << QByteArray("for, for=192.0.2.3")
                                        << QStringList{"invalid", "for=address 192.0.2.3 0|by=|proto=|host="};
    QTest::newRow("two values") << QByteArray("for=192.0.2.1 192.0.2.9") << QStringList{"invalid"};
    QTest::newRow("junk after quotes") << QByteArray("for=\"192.0.2.1\"x, for=192.0.2.3")
                                       << QStringList{"invalid", "for=address 192.0.2.3 0|by=|proto=|host="};
    QTest::newRow("malformed quoted element skips its commas")
        << QByteArray("for=x\"a,b\", for=192.0.2.3")
        << QStringList{"invalid", "for=address 192.0.2.3 0|by=|proto=|host="};
    QTest::newRow("unterminated quote swallows the rest") << QByteArray("for=\"192.0.2.1, for=192.0.2.3")
                                                          << QStringList{"invalid"};
    QTest::newRow("empty quoted proto") << QByteArray("proto=\"\"") << QStringList{"invalid"};
    QTest::newRow("malformed node in a good element") << QByteArray("for=\"bad node\";proto=https")
                                                      << QStringList{"for=malformed  0|by=|proto=https|host="};
}

void tst_Forwarded::forwarded()
{
    QFETCH(QByteArray, value);
    QFETCH(QStringList, expected);
    QStringList actual;
    for (const ForwardedElement &element : parseForwarded(value.toStdString()))
        actual.append(describe(element));
    QCOMPARE(actual, expected);
}

void tst_Forwarded::xForwardedFor_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("one") << QByteArray("203.0.113.7") << QStringList{"address 203.0.113.7 0"};
    QTest::newRow("list") << QByteArray("203.0.113.7, 10.0.0.2,10.0.0.3")
                          << QStringList{"address 203.0.113.7 0", "address 10.0.0.2 0", "address 10.0.0.3 0"};
    QTest::newRow("IPv6 without brackets") << QByteArray("2001:db8::7, ::ffff:10.0.0.2")
                                           << QStringList{"address 2001:db8::7 0", "address ::ffff:10.0.0.2 0"};
    QTest::newRow("with ports") << QByteArray("203.0.113.7:5000, [2001:db8::7]:6000")
                                << QStringList{"address 203.0.113.7 5000", "address 2001:db8::7 6000"};
    QTest::newRow("unknown and empty elements") << QByteArray(" , unknown,,203.0.113.7 ,")
                                                << QStringList{"unknown  0", "address 203.0.113.7 0"};
    QTest::newRow("garbage") << QByteArray("<script>, 203.0.113.7, example.com")
                             << QStringList{"malformed  0", "address 203.0.113.7 0", "malformed  0"};
    QTest::newRow("a quote splits nothing") << QByteArray("\"198.51.100.1, 203.0.113.7")
                                            << QStringList{"malformed  0", "address 203.0.113.7 0"};
    QTest::newRow("empty") << QByteArray() << QStringList{};
}

void tst_Forwarded::xForwardedFor()
{
    QFETCH(QByteArray, value);
    QFETCH(QStringList, expected);
    QStringList actual;
    for (const ForwardedNode &node : parseXForwardedFor(value.toStdString()))
        actual.append(describe(node));
    QCOMPARE(actual, expected);
}

void tst_Forwarded::resolve_data()
{
    QTest::addColumn<Fields>("fields");
    QTest::addColumn<QString>("expected");
    const QByteArray xff = "X-Forwarded-For";
    const QByteArray fwd = "Forwarded";

    QTest::newRow("no fields") << Fields{{"Host", "example.com"}} << "-||";
    // X-Forwarded-For, walked from the nearest hop.
    QTest::newRow("xff: one proxy") << Fields{{xff, "203.0.113.7"}} << "203.0.113.7 0||";
    QTest::newRow("xff: trusted proxies in between") << Fields{{xff, "203.0.113.7, 10.0.0.2, 10.0.0.3"}}
                                                     << "203.0.113.7 0||";
    QTest::newRow("xff: everyone trusted") << Fields{{xff, "10.0.0.9, 10.0.0.2"}} << "10.0.0.9 0||";
    QTest::newRow("xff: IPv6 proxies") << Fields{{xff, "2001:db8::7, 2001:db8:ffff::2"}} << "2001:db8::7 0||";
    QTest::newRow("xff: with port") << Fields{{xff, "[2001:db8::7]:6000"}} << "2001:db8::7 6000||";
    QTest::newRow("xff: spoofed entries before the real client")
        << Fields{{xff, "198.51.100.1, 10.0.0.66, 203.0.113.7"}} << "203.0.113.7 0||";
    QTest::newRow("xff: spoofed trusted-looking entry before the real client")
        << Fields{{xff, "10.0.0.66, 203.0.113.7, 10.0.0.2"}} << "203.0.113.7 0||";
    QTest::newRow("xff: spoofed entries in a line of their own")
        << Fields{{xff, "198.51.100.1"}, {xff, "203.0.113.7"}} << "203.0.113.7 0||";
    QTest::newRow("xff: lines in order") << Fields{{xff, "203.0.113.7"}, {xff, "10.0.0.2"}} << "203.0.113.7 0||";
    QTest::newRow("xff: unknown nearest") << Fields{{xff, "203.0.113.7, unknown"}} << "-||";
    QTest::newRow("xff: unknown past a trusted proxy") << Fields{{xff, "203.0.113.7, unknown, 10.0.0.2"}}
                                                       << "10.0.0.2 0||";
    QTest::newRow("xff: garbage nearest") << Fields{{xff, "203.0.113.7, <script>"}} << "-||";
    QTest::newRow("xff: garbage spoofed") << Fields{{xff, "<script>, 203.0.113.7"}} << "203.0.113.7 0||";
    QTest::newRow("xff: an unterminated quote spoofed") << Fields{{xff, "\"198.51.100.1, 203.0.113.7"}}
                                                        << "203.0.113.7 0||";
    QTest::newRow("xff: proto and host") << Fields{{xff, "203.0.113.7"}, {"X-Forwarded-Proto", "HTTPS"},
                                                   {"X-Forwarded-Host", "chat.example:8443"}}
                                         << "203.0.113.7 0|https|chat.example:8443";
    QTest::newRow("xff: the nearest proto of a list") << Fields{{xff, "203.0.113.7"}, {"X-Forwarded-Proto", "wss, http"}}
                                                      << "203.0.113.7 0|http|";
    QTest::newRow("xff: bad proto and host ignored")
        << Fields{{xff, "203.0.113.7"}, {"X-Forwarded-Proto", "1http"}, {"X-Forwarded-Host", "a b/c"}}
        << "203.0.113.7 0||";
    QTest::newRow("x-forwarded wins over Forwarded")
        << Fields{{fwd, "for=198.51.100.1;proto=https;host=evil.example"}, {xff, "203.0.113.7"}}
        << "203.0.113.7 0||";
    QTest::newRow("x-forwarded-proto alone silences Forwarded")
        << Fields{{fwd, "for=198.51.100.1"}, {"X-Forwarded-Proto", "https"}} << "-|https|";
    // Forwarded.
    QTest::newRow("fwd: one proxy") << Fields{{fwd, "for=192.0.2.60;proto=https;host=chat.example"}}
                                    << "192.0.2.60 0|https|chat.example";
    QTest::newRow("fwd: quoted IPv6 with port") << Fields{{fwd, "for=\"[2001:db8:cafe::17]:4711\";proto=wss"}}
                                                << "2001:db8:cafe::17 4711|wss|";
    QTest::newRow("fwd: the farthest element reached says proto and host")
        << Fields{{fwd, "for=192.0.2.60;proto=https;host=chat.example, for=10.0.0.2;proto=http;host=inner"}}
        << "192.0.2.60 0|https|chat.example";
    QTest::newRow("fwd: spoofed element before the real client")
        << Fields{{fwd, "for=10.0.0.66;proto=https;host=evil.example, for=192.0.2.60;proto=http;host=chat.example"}}
        << "192.0.2.60 0|http|chat.example";
    QTest::newRow("fwd: obfuscated client") << Fields{{fwd, "for=_hidden;proto=https"}} << "-|https|";
    QTest::newRow("fwd: unknown past a trusted proxy")
        << Fields{{fwd, "for=unknown;proto=https, for=10.0.0.2;proto=http"}} << "10.0.0.2 0|https|";
    QTest::newRow("fwd: element without for") << Fields{{fwd, "proto=https;host=chat.example"}} << "-|https|chat.example";
    QTest::newRow("fwd: malformed nearest element") << Fields{{fwd, "for=192.0.2.60, for=[::1]"}} << "-||";
    QTest::newRow("fwd: malformed element past a trusted proxy")
        << Fields{{fwd, "for=\"a\"b, for=10.0.0.2;proto=https"}} << "10.0.0.2 0|https|";
    QTest::newRow("fwd: an unterminated quote in its own line")
        << Fields{{fwd, "for=\"198.51.100.1"}, {fwd, "for=192.0.2.60"}} << "192.0.2.60 0||";
    QTest::newRow("fwd: an unterminated quote swallows the line")
        << Fields{{fwd, "for=\"198.51.100.1, for=192.0.2.60"}} << "-||";
    QTest::newRow("fwd: bad proto and host ignored") << Fields{{fwd, "for=192.0.2.60;proto=\"h t\";host=\"a b\""}}
                                                     << "192.0.2.60 0||";
}

void tst_Forwarded::resolve()
{
    QFETCH(Fields, fields);
    QFETCH(QString, expected);
    QCOMPARE(describe(resolveForwarded(headersOf(fields), isTrustedProxy)), expected);
}

void tst_Forwarded::onlyReachedHopsAreAsked()
{
    // Nothing past the first untrusted hop is even looked at.
    std::vector<std::string> asked;
    const ForwardedClient client =
        resolveForwarded(headersOf({{"X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.0.0.2, 127.0.0.1"}}),
                         [&asked](std::string_view address) {
                             asked.emplace_back(address);
                             return isTrustedProxy(address);
                         });
    QVERIFY(client.node);
    QCOMPARE(client.node->address, std::string("203.0.113.7"));
    QCOMPARE(asked, (std::vector<std::string>{"127.0.0.1", "10.0.0.2", "203.0.113.7"}));
}

QTEST_APPLESS_MAIN(tst_Forwarded)
#include "tst_forwarded.moc"
