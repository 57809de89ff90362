// Tests of the Sec-WebSocket-Extensions grammar and permessage-deflate negotiation
// (RFC 6455 §9.1, RFC 7692 §7.1), server and client.

#include <WsKit/Core/deflatenegotiation.h>

#include <QtTest/QtTest>

#include <string>

using namespace WsKit::Core;

Q_DECLARE_METATYPE(WsKit::Core::Error)
Q_DECLARE_METATYPE(WsKit::Core::DeflateConfig)
Q_DECLARE_METATYPE(std::string)

namespace {

DeflateConfig config(bool serverNoContextTakeover, bool clientNoContextTakeover, int serverBits, int clientBits)
{
    DeflateConfig result;
    result.serverNoContextTakeover = serverNoContextTakeover;
    result.clientNoContextTakeover = clientNoContextTakeover;
    result.serverMaxWindowBits = std::uint8_t(serverBits);
    result.clientMaxWindowBits = std::uint8_t(clientBits);
    return result;
}

const DeflateConfig defaults;

DeflateConfig disabled()
{
    DeflateConfig result;
    result.enabled = false;
    return result;
}

// "name(param, param=value) | name" or "malformed".
std::string describe(const std::optional<std::vector<Extension>> &extensions)
{
    if (!extensions)
        return "malformed";
    std::string out;
    for (const Extension &extension : *extensions) {
        if (!out.empty())
            out += " | ";
        out += extension.name;
        if (extension.parameters.empty())
            continue;
        out += '(';
        for (std::size_t i = 0; i < extension.parameters.size(); ++i) {
            const ExtensionParameter &parameter = extension.parameters[i];
            out += (i ? ", " : "") + parameter.name;
            if (parameter.value)
                out += '=' + *parameter.value;
        }
        out += ')';
    }
    return out;
}

// "server 15 client 15" with " server-reset" / " client-reset" for no context
// takeover, or "none".
std::string describe(const std::optional<DeflateParameters> &parameters)
{
    if (!parameters)
        return "none";
    std::string out = "server " + std::to_string(parameters->serverMaxWindowBits) + " client "
        + std::to_string(parameters->clientMaxWindowBits);
    if (parameters->serverNoContextTakeover)
        out += " server-reset";
    if (parameters->clientNoContextTakeover)
        out += " client-reset";
    return out;
}

} // namespace

class TestDeflateNegotiation : public QObject
{
    Q_OBJECT

private slots:
    void parseExtensions_data();
    void parseExtensions();
    void serverNegotiation_data();
    void serverNegotiation();
    void clientOffer_data();
    void clientOffer();
    void clientAcceptsResponse_data();
    void clientAcceptsResponse();
    void bothSidesAgree_data();
    void bothSidesAgree();
};

void TestDeflateNegotiation::parseExtensions_data()
{
    QTest::addColumn<std::string>("header");
    QTest::addColumn<std::string>("expected");

    QTest::newRow("empty") << std::string() << std::string();
    QTest::newRow("whitespace only") << std::string(" \t ") << std::string();
    QTest::newRow("name only") << std::string("permessage-deflate") << std::string("permessage-deflate");
    QTest::newRow("parameter without value") << std::string("permessage-deflate; client_max_window_bits")
                                             << std::string("permessage-deflate(client_max_window_bits)");
    QTest::newRow("parameters with values")
        << std::string("permessage-deflate; server_max_window_bits=10; client_max_window_bits=12")
        << std::string("permessage-deflate(server_max_window_bits=10, client_max_window_bits=12)");
    QTest::newRow("whitespace around separators")
        << std::string(" \tpermessage-deflate ;client_max_window_bits = 10\t;  server_no_context_takeover  ")
        << std::string("permessage-deflate(client_max_window_bits=10, server_no_context_takeover)");
    QTest::newRow("no whitespace") << std::string("a;b=1;c,d") << std::string("a(b=1, c) | d");
    QTest::newRow("several extensions") << std::string("x-webkit-deflate-frame, permessage-deflate; a=1, foo")
                                        << std::string("x-webkit-deflate-frame | permessage-deflate(a=1) | foo");
    QTest::newRow("quoted value") << std::string("permessage-deflate; server_max_window_bits=\"10\"")
                                  << std::string("permessage-deflate(server_max_window_bits=10)");
    QTest::newRow("quoted pair") << std::string("a; b=\"1\\0\"") << std::string("a(b=10)");
    QTest::newRow("empty list elements") << std::string(", a,, b ,") << std::string("a | b");
    QTest::newRow("token characters") << std::string("a!#$%&'*+-.^_`|~9; B=x.Y") << std::string("a!#$%&'*+-.^_`|~9(B=x.Y)");

    const std::string malformed = "malformed";
    QTest::newRow("lone semicolon") << std::string(";") << malformed;
    QTest::newRow("trailing semicolon") << std::string("permessage-deflate;") << malformed;
    QTest::newRow("empty parameter") << std::string("a;;b") << malformed;
    QTest::newRow("parameter without name") << std::string("a; =1") << malformed;
    QTest::newRow("equals without value") << std::string("a; b=") << malformed;
    QTest::newRow("two values") << std::string("a; b=1=2") << malformed;
    QTest::newRow("space inside a name") << std::string("permessage deflate") << malformed;
    QTest::newRow("space inside a value") << std::string("a; b=1 0") << malformed;
    QTest::newRow("quoted value not a token") << std::string("a; b=\"1 0\"") << malformed;
    QTest::newRow("empty quoted value") << std::string("a; b=\"\"") << malformed;
    QTest::newRow("unterminated quote") << std::string("a; b=\"10") << malformed;
    QTest::newRow("escape at the end") << std::string("a; b=\"10\\") << malformed;
    QTest::newRow("separator in a name") << std::string("a/b") << malformed;
    QTest::newRow("quoted name") << std::string("\"a\"") << malformed;
    QTest::newRow("non-ASCII") << std::string("perm\xc3\xa9ssage") << malformed;
    QTest::newRow("control character") << std::string("a;\x01") << malformed;
}

void TestDeflateNegotiation::parseExtensions()
{
    QFETCH(std::string, header);
    QFETCH(std::string, expected);
    QCOMPARE(describe(WsKit::Core::parseExtensions(header)), expected);
}

void TestDeflateNegotiation::serverNegotiation_data()
{
    QTest::addColumn<std::string>("header");
    QTest::addColumn<DeflateConfig>("serverConfig");
    QTest::addColumn<Error>("error");
    QTest::addColumn<std::string>("agreed");
    QTest::addColumn<std::string>("response");

    const std::string plain = "server 15 client 15";
    const std::string accepted = "permessage-deflate";
    auto row = [](const char *name, std::string header, DeflateConfig serverConfig, std::string agreed,
                  std::string response) {
        QTest::newRow(name) << header << serverConfig << Error::None << agreed << response;
    };

    row("no header", "", defaults, "none", "");
    row("other extension only", "x-foo; bar=1", defaults, "none", "");
    row("plain offer", "permessage-deflate", defaults, plain, accepted);
    row("after another extension", "x-foo, permessage-deflate", defaults, plain, accepted);
    row("name case-insensitive", "PerMessage-Deflate; Server_No_Context_Takeover", defaults,
        plain + " server-reset", "permessage-deflate; server_no_context_takeover");

    // §7.1.1.1, §7.1.1.2: no context takeover asked by the client is granted.
    row("server_no_context_takeover", "permessage-deflate; server_no_context_takeover", defaults,
        plain + " server-reset", "permessage-deflate; server_no_context_takeover");
    row("client_no_context_takeover", "permessage-deflate; client_no_context_takeover", defaults,
        plain + " client-reset", "permessage-deflate; client_no_context_takeover");
    // §7.1.2.1: the offered server window is answered, even at 15.
    row("server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10", defaults,
        "server 10 client 15", "permessage-deflate; server_max_window_bits=10");
    row("server_max_window_bits=15", "permessage-deflate; server_max_window_bits=15", defaults, plain,
        "permessage-deflate; server_max_window_bits=15");
    row("server_max_window_bits quoted", "permessage-deflate; server_max_window_bits=\"12\"", defaults,
        "server 12 client 15", "permessage-deflate; server_max_window_bits=12");
    // §7.1.2.2: without a value the client only says it supports the parameter; with
    // one, it promises that limit, which the answer makes explicit.
    row("client_max_window_bits", "permessage-deflate; client_max_window_bits", defaults, plain, accepted);
    row("client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10", defaults,
        "server 15 client 10", "permessage-deflate; client_max_window_bits=10");
    row("client_max_window_bits quoted", "permessage-deflate; client_max_window_bits=\"9\"", defaults,
        "server 15 client 9", "permessage-deflate; client_max_window_bits=9");
    row("all four",
        "permessage-deflate; client_max_window_bits=11; server_max_window_bits=12; client_no_context_takeover; "
        "server_no_context_takeover",
        defaults, "server 12 client 11 server-reset client-reset",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; "
        "client_max_window_bits=11");
    // Window bits 8 are valid (§7.1.2.1); the codec honours them without back references.
    row("server_max_window_bits=8", "permessage-deflate; server_max_window_bits=8", defaults,
        "server 8 client 15", "permessage-deflate; server_max_window_bits=8");
    row("client_max_window_bits=8", "permessage-deflate; client_max_window_bits=8", defaults,
        "server 15 client 8", "permessage-deflate; client_max_window_bits=8");

    // §7.1: an invalid offer is declined and the next one considered; here the next
    // one asks for client_no_context_takeover, so the answer shows which was taken.
    const std::string fallback = ", permessage-deflate; client_no_context_takeover";
    const std::string fallbackAgreed = plain + " client-reset";
    const std::string fallbackResponse = "permessage-deflate; client_no_context_takeover";
    const char *const invalidOffers[][2] = {
        {"unknown parameter", "permessage-deflate; foo"},
        {"unknown parameter with value", "permessage-deflate; foo=1"},
        {"duplicate server_no_context_takeover", "permessage-deflate; server_no_context_takeover; server_no_context_takeover"},
        {"duplicate client_no_context_takeover", "permessage-deflate; client_no_context_takeover; client_no_context_takeover"},
        {"duplicate server_max_window_bits", "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10"},
        {"duplicate client_max_window_bits", "permessage-deflate; client_max_window_bits; client_max_window_bits=10"},
        {"duplicate in other case", "permessage-deflate; server_no_context_takeover; SERVER_NO_CONTEXT_TAKEOVER"},
        {"server_no_context_takeover with value", "permessage-deflate; server_no_context_takeover=1"},
        {"client_no_context_takeover with value", "permessage-deflate; client_no_context_takeover=\"x\""},
        {"server_max_window_bits without value", "permessage-deflate; server_max_window_bits"},
        {"server_max_window_bits=7", "permessage-deflate; server_max_window_bits=7"},
        {"server_max_window_bits=16", "permessage-deflate; server_max_window_bits=16"},
        {"server_max_window_bits=08", "permessage-deflate; server_max_window_bits=08"},
        {"server_max_window_bits=015", "permessage-deflate; server_max_window_bits=015"},
        {"server_max_window_bits=+9", "permessage-deflate; server_max_window_bits=+9"},
        {"server_max_window_bits=abc", "permessage-deflate; server_max_window_bits=abc"},
        {"server_max_window_bits=0", "permessage-deflate; server_max_window_bits=0"},
        {"client_max_window_bits=7", "permessage-deflate; client_max_window_bits=7"},
        {"client_max_window_bits=16", "permessage-deflate; client_max_window_bits=16"},
        {"client_max_window_bits=09", "permessage-deflate; client_max_window_bits=09"},
        {"client_max_window_bits=100", "permessage-deflate; client_max_window_bits=100"},
    };
    for (const auto &offer : invalidOffers) {
        QTest::addRow("declined, %s", offer[0])
            << std::string(offer[1]) + fallback << defaults << Error::None << fallbackAgreed << fallbackResponse;
        QTest::addRow("declined alone, %s", offer[0])
            << std::string(offer[1]) << defaults << Error::None << std::string("none") << std::string();
    }
    row("first acceptable of several", "permessage-deflate; client_max_window_bits=10, permessage-deflate", defaults,
        "server 15 client 10", "permessage-deflate; client_max_window_bits=10");
    // Several Sec-WebSocket-Extensions fields arrive combined with ", ".
    row("across header fields",
        "x-foo; a=1, permessage-deflate; server_max_window_bits=99, permessage-deflate; server_max_window_bits=11",
        defaults, "server 11 client 15", "permessage-deflate; server_max_window_bits=11");

    // The server's own configuration.
    row("disabled", "permessage-deflate", disabled(), "none", "");
    row("server resets unasked", "permessage-deflate", config(true, false, 15, 15), plain + " server-reset",
        "permessage-deflate; server_no_context_takeover");
    row("server requires client reset", "permessage-deflate", config(false, true, 15, 15), plain + " client-reset",
        "permessage-deflate; client_no_context_takeover");
    row("server window 10", "permessage-deflate", config(false, false, 10, 15), "server 10 client 15",
        "permessage-deflate; server_max_window_bits=10");
    row("server window 10, offer 12", "permessage-deflate; server_max_window_bits=12", config(false, false, 10, 15),
        "server 10 client 15", "permessage-deflate; server_max_window_bits=10");
    row("server window 10, offer 9", "permessage-deflate; server_max_window_bits=9", config(false, false, 10, 15),
        "server 9 client 15", "permessage-deflate; server_max_window_bits=9");
    row("server window 8", "permessage-deflate", config(false, false, 8, 15), "server 8 client 15",
        "permessage-deflate; server_max_window_bits=8");
    row("server window below range", "permessage-deflate", config(false, false, 3, 15), "server 8 client 15",
        "permessage-deflate; server_max_window_bits=8");
    row("client window 10, offer cannot be limited", "permessage-deflate", config(false, false, 15, 10), "none", "");
    row("client window 10, offer supports it", "permessage-deflate; client_max_window_bits",
        config(false, false, 15, 10), "server 15 client 10", "permessage-deflate; client_max_window_bits=10");
    row("client window 10, offer 12", "permessage-deflate; client_max_window_bits=12", config(false, false, 15, 10),
        "server 15 client 10", "permessage-deflate; client_max_window_bits=10");
    row("client window 10, offer 9", "permessage-deflate; client_max_window_bits=9", config(false, false, 15, 10),
        "server 15 client 9", "permessage-deflate; client_max_window_bits=9");
    row("client window 10, second offer supports it", "permessage-deflate, permessage-deflate; client_max_window_bits",
        config(false, false, 15, 10), "server 15 client 10", "permessage-deflate; client_max_window_bits=10");

    // A header that does not parse is a bad request, whatever the configuration.
    const char *const malformed[][2] = {
        {"trailing semicolon", "permessage-deflate;"},
        {"quoted value not a token", "permessage-deflate; server_max_window_bits=\"1 0\""},
        {"missing comma", "permessage-deflate permessage-deflate"},
        {"garbage after valid offer", "permessage-deflate, @"},
    };
    for (const auto &header : malformed) {
        QTest::addRow("malformed, %s", header[0])
            << std::string(header[1]) << defaults << Error::InvalidExtensionOffer << std::string("none") << std::string();
        QTest::addRow("malformed while disabled, %s", header[0])
            << std::string(header[1]) << disabled() << Error::InvalidExtensionOffer << std::string("none")
            << std::string();
    }
}

void TestDeflateNegotiation::serverNegotiation()
{
    QFETCH(std::string, header);
    QFETCH(DeflateConfig, serverConfig);
    QFETCH(Error, error);
    QFETCH(std::string, agreed);
    QFETCH(std::string, response);

    // Stale values are replaced.
    std::optional<DeflateParameters> parameters = DeflateParameters{};
    std::string responseHeader = "stale";
    QCOMPARE(negotiateDeflate(header, serverConfig, parameters, responseHeader), error);
    QCOMPARE(describe(parameters), agreed);
    QCOMPARE(responseHeader, response);
}

void TestDeflateNegotiation::clientOffer_data()
{
    QTest::addColumn<DeflateConfig>("clientConfig");
    QTest::addColumn<std::string>("offer");

    QTest::newRow("defaults") << defaults << std::string("permessage-deflate; client_max_window_bits");
    QTest::newRow("disabled") << disabled() << std::string();
    QTest::newRow("server no context takeover")
        << config(true, false, 15, 15) << std::string("permessage-deflate; server_no_context_takeover; client_max_window_bits");
    QTest::newRow("client no context takeover")
        << config(false, true, 15, 15) << std::string("permessage-deflate; client_no_context_takeover; client_max_window_bits");
    QTest::newRow("server window 10")
        << config(false, false, 10, 15) << std::string("permessage-deflate; server_max_window_bits=10; client_max_window_bits");
    QTest::newRow("client window 9") << config(false, false, 15, 9) << std::string("permessage-deflate; client_max_window_bits=9");
    QTest::newRow("window above range") << config(false, false, 15, 200) << std::string("permessage-deflate; client_max_window_bits");
    QTest::newRow("everything") << config(true, true, 8, 8)
                                << std::string("permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
                                               "server_max_window_bits=8; client_max_window_bits=8");
}

void TestDeflateNegotiation::clientOffer()
{
    QFETCH(DeflateConfig, clientConfig);
    QFETCH(std::string, offer);
    QCOMPARE(deflateOffer(clientConfig), offer);
}

void TestDeflateNegotiation::clientAcceptsResponse_data()
{
    QTest::addColumn<std::string>("response");
    QTest::addColumn<DeflateConfig>("offered");
    QTest::addColumn<Error>("error");
    QTest::addColumn<std::string>("agreed");

    const std::string plain = "server 15 client 15";
    auto accept = [](const char *name, std::string response, DeflateConfig offered, std::string agreed) {
        QTest::newRow(name) << response << offered << Error::None << agreed;
    };
    auto reject = [](const char *name, std::string response, DeflateConfig offered) {
        QTest::newRow(name) << response << offered << Error::UnexpectedExtension << std::string("none");
    };

    accept("declined", "", defaults, "none");
    accept("plain", "permessage-deflate", defaults, plain);
    accept("name case-insensitive", "Permessage-Deflate", defaults, plain);
    // §7.1.1: the server may impose no context takeover on either side unasked.
    accept("server_no_context_takeover unasked", "permessage-deflate; server_no_context_takeover", defaults,
           plain + " server-reset");
    accept("client_no_context_takeover unasked", "permessage-deflate; client_no_context_takeover", defaults,
           plain + " client-reset");
    accept("server_no_context_takeover asked", "permessage-deflate; server_no_context_takeover",
           config(true, false, 15, 15), plain + " server-reset");
    // Our own client_no_context_takeover is a promise kept whatever the answer.
    accept("client_no_context_takeover offered, not answered", "permessage-deflate", config(false, true, 15, 15),
           plain + " client-reset");
    // §7.1.2.1: the server may announce a smaller window unasked.
    accept("server_max_window_bits unasked", "permessage-deflate; server_max_window_bits=10", defaults,
           "server 10 client 15");
    accept("server_max_window_bits=8", "permessage-deflate; server_max_window_bits=8", defaults, "server 8 client 15");
    accept("server_max_window_bits as offered", "permessage-deflate; server_max_window_bits=10",
           config(false, false, 10, 15), "server 10 client 15");
    accept("server_max_window_bits below offered", "permessage-deflate; server_max_window_bits=9",
           config(false, false, 10, 15), "server 9 client 15");
    // §7.1.2.2: client_max_window_bits is always offered, so the server may set it.
    accept("client_max_window_bits", "permessage-deflate; client_max_window_bits=10", defaults, "server 15 client 10");
    accept("client_max_window_bits quoted", "permessage-deflate; client_max_window_bits=\"9\"", defaults,
           "server 15 client 9");
    accept("client_max_window_bits=8", "permessage-deflate; client_max_window_bits=8", defaults, "server 15 client 8");
    accept("client window offered, not answered", "permessage-deflate", config(false, false, 15, 10),
           "server 15 client 10");
    accept("client window below offered", "permessage-deflate; client_max_window_bits=9", config(false, false, 15, 10),
           "server 15 client 9");
    accept("everything",
           "permessage-deflate; client_max_window_bits=9; server_max_window_bits=8; client_no_context_takeover; "
           "server_no_context_takeover",
           config(true, false, 12, 15), "server 8 client 9 server-reset client-reset");

    reject("not offered", "permessage-deflate", disabled());
    reject("other extension", "x-foo", defaults);
    reject("other extension as well", "permessage-deflate, x-foo", defaults);
    reject("permessage-deflate twice", "permessage-deflate, permessage-deflate", defaults);
    reject("malformed", "permessage-deflate;", defaults);
    reject("malformed quoted value", "permessage-deflate; client_max_window_bits=\"9", defaults);
    reject("unknown parameter", "permessage-deflate; foo", defaults);
    reject("duplicate parameter", "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
           defaults);
    reject("duplicate window", "permessage-deflate; client_max_window_bits=10; client_max_window_bits=10", defaults);
    reject("server_no_context_takeover with value", "permessage-deflate; server_no_context_takeover=1", defaults);
    reject("client_no_context_takeover with value", "permessage-deflate; client_no_context_takeover=1", defaults);
    reject("server_max_window_bits without value", "permessage-deflate; server_max_window_bits", defaults);
    // A response must give client_max_window_bits a value (§7.1.2.2).
    reject("client_max_window_bits without value", "permessage-deflate; client_max_window_bits", defaults);
    reject("server_max_window_bits=16", "permessage-deflate; server_max_window_bits=16", defaults);
    reject("server_max_window_bits=7", "permessage-deflate; server_max_window_bits=7", defaults);
    reject("client_max_window_bits=16", "permessage-deflate; client_max_window_bits=16", defaults);
    reject("client_max_window_bits=010", "permessage-deflate; client_max_window_bits=010", defaults);
    // §7.1.1.1: asked for, server_no_context_takeover must be in the answer.
    reject("server_no_context_takeover not granted", "permessage-deflate", config(true, false, 15, 15));
    // §7.1.2.1: asked for, server_max_window_bits must be answered, at most as offered.
    reject("server_max_window_bits not answered", "permessage-deflate", config(false, false, 10, 15));
    reject("server_max_window_bits above offered", "permessage-deflate; server_max_window_bits=11",
           config(false, false, 10, 15));
    // §7.1.2.2: the server may lower our window, not raise it above our offer.
    reject("client_max_window_bits above offered", "permessage-deflate; client_max_window_bits=11",
           config(false, false, 15, 10));
}

void TestDeflateNegotiation::clientAcceptsResponse()
{
    QFETCH(std::string, response);
    QFETCH(DeflateConfig, offered);
    QFETCH(Error, error);
    QFETCH(std::string, agreed);

    std::optional<DeflateParameters> parameters = DeflateParameters{};
    QCOMPARE(acceptDeflateResponse(response, offered, parameters), error);
    QCOMPARE(describe(parameters), agreed);
}

void TestDeflateNegotiation::bothSidesAgree_data()
{
    QTest::addColumn<DeflateConfig>("clientConfig");
    QTest::addColumn<DeflateConfig>("serverConfig");
    QTest::addColumn<std::string>("agreed");

    QTest::newRow("defaults") << defaults << defaults << std::string("server 15 client 15");
    QTest::newRow("client asks for everything") << config(true, true, 9, 10) << defaults
                                                << std::string("server 9 client 10 server-reset client-reset");
    QTest::newRow("server imposes everything") << defaults << config(true, true, 11, 12)
                                               << std::string("server 11 client 12 server-reset client-reset");
    QTest::newRow("both limit windows") << config(false, false, 12, 9) << config(false, false, 10, 11)
                                        << std::string("server 10 client 9");
    QTest::newRow("window bits 8") << config(false, false, 8, 8) << defaults << std::string("server 8 client 8");
    QTest::newRow("client disabled") << disabled() << defaults << std::string("none");
    QTest::newRow("server disabled") << defaults << disabled() << std::string("none");
}

void TestDeflateNegotiation::bothSidesAgree()
{
    QFETCH(DeflateConfig, clientConfig);
    QFETCH(DeflateConfig, serverConfig);
    QFETCH(std::string, agreed);

    std::optional<DeflateParameters> serverAgreed;
    std::string response;
    QCOMPARE(negotiateDeflate(deflateOffer(clientConfig), serverConfig, serverAgreed, response), Error::None);
    std::optional<DeflateParameters> clientAgreed;
    QCOMPARE(acceptDeflateResponse(response, clientConfig, clientAgreed), Error::None);
    QCOMPARE(describe(serverAgreed), agreed);
    QCOMPARE(describe(clientAgreed), agreed);
}

QTEST_APPLESS_MAIN(TestDeflateNegotiation)
#include "tst_deflatenegotiation.moc"
