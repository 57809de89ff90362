// Connection over real loopback sockets: every signal and send method, the
// closing handshake in each direction, failures with their close codes, the
// limits and timeouts, and receivers that delete the connection.

#include "testserver.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaEnum>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <type_traits>
#include <utility>

using namespace TestClient;
using Type = WsKit::Core::Event::Type;
using WsKit::Connection;
namespace CloseCode = WsKit::Core::CloseCode;

namespace {

// Starts fixture's server, its connections made with options, and returns its
// side of client's connection; nullptr when it cannot listen or the upgrade fails.
Connection *listenAndAccept(TestServer &fixture, Client &client, const WsKit::ConnectionOptions &options = {})
{
    WsKit::Upgrader upgrader;
    upgrader.setConnectionOptions(options);
    fixture.server.setUpgrader(upgrader);
    if (!fixture.listen())
        return nullptr;
    return fixture.accept(client);
}

// A setter called on a temporary (a copy a getter returned) would change nothing:
// the value types refuse it at compile time and take variables only.
constexpr auto setsOptions = [](auto &&policy) -> decltype(std::forward<decltype(policy)>(policy).setConnectionOptions({})) {};
constexpr auto setsLevel = [](auto &&options) -> decltype(std::forward<decltype(options)>(options).setLevel(9)) {};
constexpr auto setsSize = [](auto &&options) -> decltype(std::forward<decltype(options)>(options).setMaxMessageSize(1)) {};
static_assert(!std::is_invocable_v<decltype(setsOptions), WsKit::Upgrader>);
static_assert(std::is_invocable_v<decltype(setsOptions), WsKit::Upgrader &>);
static_assert(!std::is_invocable_v<decltype(setsOptions), WsKit::Dialer>);
static_assert(std::is_invocable_v<decltype(setsOptions), WsKit::Dialer &>);
static_assert(!std::is_invocable_v<decltype(setsLevel), WsKit::CompressionOptions>);
static_assert(std::is_invocable_v<decltype(setsLevel), WsKit::CompressionOptions &>);
static_assert(!std::is_invocable_v<decltype(setsSize), WsKit::ConnectionOptions>);
static_assert(std::is_invocable_v<decltype(setsSize), WsKit::ConnectionOptions &>);

// The connection failed: errorOccurred(error) once, and closed(code) once.
void expectFailed(const QSignalSpy &closed, const QSignalSpy &errors, int code, Connection::Error error)
{
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), code);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), error);
}

} // namespace

class tst_Connection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void messagesBothWays();
    void textSignalCarriesQString();
    void sendJson();
    void receiveJson();
    void sendTextUtf8IsValidated();
    void fragmentedMessageWithInterleavedPing();
    void pingAndPong();
    void customPingHandler();
    void peerClosesFirst_data();
    void peerClosesFirst();
    void weCloseFirst();
    void customCloseHandler();
    void closeCodesRoundTrip();
    void unexpectedCloseCodes();
    void closeRefusesBadCodes();
    void sendAfterClose();
    void closeTimeout();
    void abortReportsAbnormalClosure();
    void peerVanishes();
    void protocolViolations_data();
    void protocolViolations();
    void keepAliveGetsPongs();
    void keepAlivePongTimeout();
    void idleTimeout();
    void incomingStreaming();
    void messageWriter();
    void messageWriterRefusesInvalidUtf8();
    void outgoingFragmentSize();
    void receiverDeletesConnection_data();
    void receiverDeletesConnection();
    void slowReaderHitsBufferLimit();
    void pingFloodFromNonReaderIsBounded();
    void handshakeAccessors();
    void framesPipelinedAfterHead();
};

void tst_Connection::messagesBothWays()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QCOMPARE(connection->state(), Connection::State::Open);
    QCOMPARE(connection->role(), Connection::Role::Server);

    QSignalSpy messages(connection, &Connection::messageReceived);
    QSignalSpy binaries(connection, &Connection::binaryMessageReceived);
    client.sendText("h\xc3\xa9llo");
    client.sendBinary(QByteArray("\x00\x01\xff", 3));
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 2, Wait);
    QCOMPARE(messages.at(0).at(0).toByteArray(), QByteArray("h\xc3\xa9llo"));
    QCOMPARE(messages.at(0).at(1).value<Connection::MessageType>(), Connection::MessageType::Text);
    QCOMPARE(messages.at(1).at(0).toByteArray(), QByteArray("\x00\x01\xff", 3));
    QCOMPARE(messages.at(1).at(1).value<Connection::MessageType>(), Connection::MessageType::Binary);
    QCOMPARE(binaries.size(), 1);
    QCOMPARE(binaries.at(0).at(0).toByteArray(), QByteArray("\x00\x01\xff", 3));

    QVERIFY(connection->sendText(QStringLiteral("caf\u00e9")));
    QVERIFY(connection->sendBinary(QByteArray(70000, 'b')));
    QVERIFY(connection->sendMessage("raw", Connection::MessageType::Text));
    Event text = client.nextMessage();
    QCOMPARE(text.messageType, WsKit::Core::MessageType::Text);
    QCOMPARE(text.payload, QByteArray("caf\xc3\xa9"));
    Event binary = client.nextMessage();
    QCOMPARE(binary.messageType, WsKit::Core::MessageType::Binary);
    QCOMPARE(binary.payload, QByteArray(70000, 'b'));
    QCOMPARE(client.nextMessage().payload, QByteArray("raw"));
}

void tst_Connection::textSignalCarriesQString()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy texts(connection, &Connection::textMessageReceived);
    QSignalSpy binaries(connection, &Connection::binaryMessageReceived);
    client.sendBinary("not text");
    client.sendText("\xe2\x82\xac 5");
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, Wait);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("\u20ac 5"));
    QCOMPARE(binaries.size(), 1);
}

void tst_Connection::sendJson()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QVERIFY(connection->sendJson(QJsonDocument(QJsonObject{{QStringLiteral("n"), 1}})));
    const Event message = client.nextMessage();
    QCOMPARE(message.messageType, WsKit::Core::MessageType::Text);
    QCOMPARE(message.payload, QByteArray(R"({"n":1})"));
}

void tst_Connection::receiveJson()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy json(connection, &Connection::jsonMessageReceived);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    client.sendText(R"({"user":"ann","n":[1,2]})");
    client.sendText(R"({"user": "ann", "n": [1, 2)");
    client.sendBinary(R"({"binary":true})"); // only text messages are parsed
    client.sendText("[]");
    QTRY_COMPARE_WITH_TIMEOUT(json.size(), 3, Wait);

    const auto document = json.at(0).at(0).value<QJsonDocument>();
    QCOMPARE(json.at(0).at(1).value<QJsonParseError>().error, QJsonParseError::NoError);
    QCOMPARE(document.object().value(QStringLiteral("user")).toString(), QStringLiteral("ann"));
    QCOMPARE(document.object().value(QStringLiteral("n")).toArray().size(), 2);

    // Not JSON: the error says why and where, and the document is null.
    const auto broken = json.at(1).at(1).value<QJsonParseError>();
    QVERIFY(broken.error != QJsonParseError::NoError);
    QVERIFY(!broken.errorString().isEmpty());
    QVERIFY(broken.offset > 0);
    QVERIFY(json.at(1).at(0).value<QJsonDocument>().isNull());

    QVERIFY(json.at(2).at(0).value<QJsonDocument>().isArray());
    // A message that is not JSON is the application's business, not a failure.
    QCOMPARE(errors.size(), 0);
    QCOMPARE(connection->state(), Connection::State::Open);
}

void tst_Connection::sendTextUtf8IsValidated()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy refused(connection, &Connection::sendRefused);
    QVERIFY(!connection->sendTextUtf8("\xc3\x28"));
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.at(0).at(0).value<Connection::Error>(), Connection::Error::InvalidSend);
    // A refusal is no error of the connection; sendRefusal() says why on the spot.
    QCOMPARE(errors.size(), 0);
    QCOMPARE(connection->error(), Connection::Error::NoError);
    QVERIFY(connection->errorString().isEmpty());
    QCOMPARE(connection->sendRefusal(), Connection::Error::InvalidSend);
    QVERIFY(!connection->sendMessage("\xed\xa0\x80", Connection::MessageType::Text)); // a surrogate
    QVERIFY(connection->sendTextUtf8("\xc3\xa9"));
    QCOMPARE(connection->sendRefusal(), Connection::Error::NoError); // the latest send went out
    // Only the valid text went out; the connection is still open.
    QCOMPARE(client.nextMessage().payload, QByteArray("\xc3\xa9"));
    QCOMPARE(connection->state(), Connection::State::Open);
}

void tst_Connection::fragmentedMessageWithInterleavedPing()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy messages(connection, &Connection::messageReceived);
    QSignalSpy pings(connection, &Connection::pingReceived);
    client.sendFrame({WsKit::Core::Opcode::Text, "frag", false});
    client.sendFrame({WsKit::Core::Opcode::Ping, "mid"});
    client.sendFrame({WsKit::Core::Opcode::Continuation, "men", false});
    client.sendFrame({WsKit::Core::Opcode::Continuation, "ted", true});
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, Wait);
    QCOMPARE(messages.at(0).at(0).toByteArray(), QByteArray("fragmented"));
    QCOMPARE(pings.size(), 1);
    QCOMPARE(client.waitFor(Type::Pong).payload, QByteArray("mid"));
}

void tst_Connection::pingAndPong()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy pings(connection, &Connection::pingReceived);
    QSignalSpy pongs(connection, &Connection::pongReceived);
    QSignalSpy formerPongs(connection, &Connection::pong); // the former name still works

    // An unsolicited pong: there was no ping of ours to time it against.
    client.sendFrame({WsKit::Core::Opcode::Pong, "beat"});
    QTRY_COMPARE_WITH_TIMEOUT(pongs.size(), 1, Wait);
    QCOMPARE(pongs.at(0).at(0).toLongLong(), -1);
    QCOMPARE(pongs.at(0).at(1).toByteArray(), QByteArray("beat"));

    // The default ping handler answers with the same payload.
    client.sendFrame({WsKit::Core::Opcode::Ping, "abc"});
    QCOMPARE(client.waitFor(Type::Pong).payload, QByteArray("abc"));
    QCOMPARE(pings.size(), 1);
    QCOMPARE(pings.at(0).at(0).toByteArray(), QByteArray("abc"));

    QVERIFY(connection->ping("xyz"));
    QCOMPARE(client.waitFor(Type::Ping).payload, QByteArray("xyz"));
    QTRY_COMPARE_WITH_TIMEOUT(pongs.size(), 2, Wait);
    QVERIFY(pongs.at(1).at(0).toLongLong() >= 0);
    QCOMPARE(pongs.at(1).at(1).toByteArray(), QByteArray("xyz"));
    QCOMPARE(formerPongs.size(), 2);
    QCOMPARE(formerPongs.at(1), pongs.at(1));

    QSignalSpy refused(connection, &Connection::sendRefused);
    QVERIFY(!connection->ping(QByteArray(126, 'p')));
    QCOMPARE(refused.at(0).at(0).value<Connection::Error>(), Connection::Error::InvalidSend);
}

void tst_Connection::customPingHandler()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QByteArrayList seen;
    connection->setPingHandler([&](const QByteArray &payload) {
        seen.append(payload);
        connection->sendPong("custom:" + payload);
    });
    client.sendFrame({WsKit::Core::Opcode::Ping, "one"});
    // The handler's pong is the only answer: no automatic pong came before it.
    QCOMPARE(client.waitFor(Type::Pong).payload, QByteArray("custom:one"));
    QCOMPARE(seen, QByteArrayList{"one"});

    connection->setPingHandler({});
    client.sendFrame({WsKit::Core::Opcode::Ping, "two"});
    QCOMPARE(client.waitFor(Type::Pong).payload, QByteArray("two"));
}

void tst_Connection::peerClosesFirst_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::newRow("code and reason") << closePayload(CloseCode::Normal, "bye") << int(CloseCode::Normal)
                                     << QStringLiteral("bye");
    QTest::newRow("application code") << closePayload(4321) << 4321 << QString();
    QTest::newRow("no code") << QByteArray() << int(CloseCode::NoStatusReceived) << QString();
}

void tst_Connection::peerClosesFirst()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, code);
    QFETCH(QString, reason);
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy states(connection, &Connection::stateChanged);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    client.sendFrame({WsKit::Core::Opcode::Close, payload});

    // The server echoes the code (RFC 6455 §5.5.1) and then closes the TCP connection.
    const Event echo = client.waitFor(Type::Close);
    QCOMPARE(echo.type, Type::Close);
    QCOMPARE(int(echo.closeCode), code);
    QVERIFY(client.waitForDisconnected());
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), code);
    QCOMPARE(closed.at(0).at(1).toString(), reason);
    QCOMPARE(states.size(), 2);
    QCOMPARE(states.at(0).at(0).value<Connection::State>(), Connection::State::Closing);
    QCOMPARE(states.at(1).at(0).value<Connection::State>(), Connection::State::Closed);
    QCOMPARE(errors.size(), 0);
    // The server deletes a connection it still parents once it closed.
    QTRY_VERIFY_WITH_TIMEOUT(fixture.connections.last().isNull(), Wait);
    QCOMPARE(fixture.server.connectionCount(), 0);
}

void tst_Connection::weCloseFirst()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QObject owner; // another parent: the server no longer deletes it after closed()
    connection->setParent(&owner);
    QSignalSpy closed(connection, &Connection::closed);
    QVERIFY(connection->close(4000, QStringLiteral("done")));
    QCOMPARE(connection->state(), Connection::State::Closing);
    const Event close = client.waitFor(Type::Close);
    QCOMPARE(int(close.closeCode), 4000);
    QCOMPARE(close.closeReason, QByteArray("done"));
    // The client's answer echoes 4000: that is the code closed() reports.
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), 4000);
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(connection->closeCode(), quint16(4000));
    QCOMPARE(connection->state(), Connection::State::Closed);
    QCOMPARE(fixture.server.connectionCount(), 0);
}

void tst_Connection::customCloseHandler()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy closed(connection, &Connection::closed);
    connection->setCloseHandler([&](quint16 code, const QString &reason) {
        QCOMPARE(code, quint16(CloseCode::GoingAway));
        QCOMPARE(reason, QStringLiteral("away"));
        connection->close(CloseCode::Normal, QStringLiteral("answered"));
    });
    client.sendClose(CloseCode::GoingAway, "away");
    const Event answer = client.waitFor(Type::Close);
    QCOMPARE(int(answer.closeCode), int(CloseCode::Normal));
    QCOMPARE(answer.closeReason, QByteArray("answered"));
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), int(CloseCode::GoingAway));
}

void tst_Connection::closeCodesRoundTrip()
{
    TestServer fixture;
    QVERIFY(fixture.listen());
    QList<Connection::CloseCode> codes;
    QList<quint16> numbers;
    QObject::connect(&fixture.server, &WsKit::Server::newConnection, &fixture.server, [&](Connection *connection) {
        // Receivers may take the enum or the number.
        QObject::connect(connection, &Connection::closed, connection,
                         [&](Connection::CloseCode code) { codes.append(code); });
        QObject::connect(connection, &Connection::closed, connection,
                         [&, connection](quint16 code) { numbers.append(code == connection->closeCode() ? code : 0); });
    });

    // A named code from our side, a private-use code from the peer's.
    Client first;
    Connection *connection = fixture.accept(first);
    QVERIFY(connection);
    QVERIFY(connection->close(Connection::CloseCodePolicyViolation, QStringLiteral("rules")));
    const Event sent = first.waitFor(Type::Close);
    QCOMPARE(int(sent.closeCode), 1008);
    QCOMPARE(sent.closeReason, QByteArray("rules"));
    QTRY_COMPARE_WITH_TIMEOUT(codes.size(), 1, Wait);
    QCOMPARE(codes.at(0), Connection::CloseCodePolicyViolation);

    Client second;
    connection = fixture.accept(second);
    QVERIFY(connection);
    QSignalSpy closed(connection, &Connection::closed);
    second.sendClose(4321, "app code");
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(codes.at(1), Connection::CloseCode(4321));
    QCOMPARE(quint16(codes.at(1)), quint16(4321));
    QCOMPARE(closed.at(0).at(0).value<Connection::CloseCode>(), Connection::CloseCode(4321));
    QCOMPARE(closed.at(0).at(0).toInt(), 4321);
    QCOMPARE(closed.at(0).at(1).toString(), QStringLiteral("app code"));
    QCOMPARE(numbers, (QList<quint16>{1008, 4321}));
    // The enum names the codes it knows, for logs.
    QCOMPARE(QMetaEnum::fromType<Connection::CloseCode>().valueToKey(Connection::CloseCodeGoingAway),
             "CloseCodeGoingAway");
}

void tst_Connection::unexpectedCloseCodes()
{
    const QList<quint16> expected{Connection::CloseCodeNormal, Connection::CloseCodeGoingAway};
    QVERIFY(!Connection::isUnexpectedCloseCode(Connection::CloseCodeNormal, expected));
    QVERIFY(!Connection::isUnexpectedCloseCode(1001, expected));
    QVERIFY(Connection::isUnexpectedCloseCode(Connection::CloseCodeAbnormal, expected));
    QVERIFY(Connection::isUnexpectedCloseCode(4000, expected));
    QVERIFY(!Connection::isUnexpectedCloseCode(4000, {4000}));
    QVERIFY(Connection::isUnexpectedCloseCode(1000, {}));

    // As used on a real close: a peer that vanished is unexpected, a goodbye is not.
    TestServer fixture;
    QVERIFY(fixture.listen());
    QList<bool> unexpected;
    QObject::connect(&fixture.server, &WsKit::Server::newConnection, &fixture.server, [&](Connection *connection) {
        QObject::connect(connection, &Connection::closed, connection, [&](quint16 code) {
            unexpected.append(Connection::isUnexpectedCloseCode(code, expected));
        });
    });
    Client polite;
    QVERIFY(fixture.accept(polite));
    polite.sendClose(Connection::CloseCodeGoingAway);
    QTRY_COMPARE_WITH_TIMEOUT(unexpected.size(), 1, Wait);
    {
        Client vanishing;
        QVERIFY(fixture.accept(vanishing));
        vanishing.socket.abort();
    }
    QTRY_COMPARE_WITH_TIMEOUT(unexpected.size(), 2, Wait);
    QCOMPARE(unexpected, (QList<bool>{false, true}));
}

void tst_Connection::closeRefusesBadCodes()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy refused(connection, &Connection::sendRefused);
    QVERIFY(!connection->close(999));
    QVERIFY(!connection->close(CloseCode::AbnormalClosure));
    QVERIFY(!connection->close(CloseCode::Normal, QString(124, QLatin1Char('r'))));
    QCOMPARE(refused.size(), 3);
    QCOMPARE(connection->error(), Connection::Error::NoError);
    for (const auto &error : refused)
        QCOMPARE(error.at(0).value<Connection::Error>(), Connection::Error::InvalidSend);
    QCOMPARE(connection->state(), Connection::State::Open);
    QVERIFY(connection->sendText(QStringLiteral("still open")));
    QCOMPARE(client.nextMessage().payload, QByteArray("still open"));
}

void tst_Connection::sendAfterClose()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy refused(connection, &Connection::sendRefused);
    QVERIFY(connection->close());
    QVERIFY(!connection->sendText(QStringLiteral("late")));
    QVERIFY(!connection->ping());
    QVERIFY(!connection->close());
    QCOMPARE(refused.size(), 3);
    for (const auto &error : refused)
        QCOMPARE(error.at(0).value<Connection::Error>(), Connection::Error::SendAfterClose);
    QCOMPARE(client.waitFor(Type::Close).type, Type::Close);
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(client.events.size(), 0); // nothing after the close frame
}

void tst_Connection::closeTimeout()
{
    WsKit::ConnectionOptions options;
    options.setCloseTimeout(std::chrono::milliseconds(200));
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    QCOMPARE(connection->options().closeTimeout(), std::chrono::milliseconds(200));
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    client.stopReading(); // never answers the close frame
    QVERIFY(connection->close());
    expectFailed(closed, errors, int(CloseCode::AbnormalClosure), Connection::Error::CloseTimeout);
    if (QTest::currentTestFailed())
        return;
    client.resumeReading();
    QVERIFY(client.waitForDisconnected());
}

void tst_Connection::abortReportsAbnormalClosure()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    connection->abort();
    QCOMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).toInt(), int(CloseCode::AbnormalClosure));
    QCOMPARE(connection->state(), Connection::State::Closed);
    connection->abort();
    QVERIFY(client.waitForDisconnected());
    QTest::qWait(50); // the socket's own end notification must not add a second closed()
    QCOMPARE(closed.size(), 1);
    QCOMPARE(errors.size(), 0);
}

void tst_Connection::peerVanishes()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    client.socket.abort();
    expectFailed(closed, errors, int(CloseCode::AbnormalClosure), Connection::Error::TransportError);
}

void tst_Connection::protocolViolations_data()
{
    using WsKit::Core::Opcode;
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    QTest::addColumn<Connection::Error>("error");
    QTest::newRow("unmasked frame") << encode({Opcode::Text, "x", true, false}) << int(CloseCode::ProtocolError)
                                    << Connection::Error::ProtocolError;
    QTest::newRow("reserved bit") << encode({Opcode::Text, "x", true, true, WsKit::Core::Rsv::Rsv2})
                                  << int(CloseCode::ProtocolError) << Connection::Error::ProtocolError;
    QTest::newRow("unknown opcode") << encode({static_cast<Opcode>(3), "x"}) << int(CloseCode::ProtocolError)
                                    << Connection::Error::ProtocolError;
    QTest::newRow("continuation first") << encode({Opcode::Continuation, "x"}) << int(CloseCode::ProtocolError)
                                        << Connection::Error::ProtocolError;
    QTest::newRow("fragmented ping") << encode({Opcode::Ping, "x", false}) << int(CloseCode::ProtocolError)
                                     << Connection::Error::ProtocolError;
    QTest::newRow("invalid utf-8") << encode({Opcode::Text, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"})
                                   << int(CloseCode::InvalidPayload) << Connection::Error::InvalidPayload;
    QTest::newRow("invalid close code") << encode({Opcode::Close, closePayload(1004)})
                                        << int(CloseCode::ProtocolError) << Connection::Error::ProtocolError;
    QTest::newRow("too big") << encode({Opcode::Binary, QByteArray(1025, 'x')}) << int(CloseCode::MessageTooBig)
                             << Connection::Error::MessageTooBig;
}

void tst_Connection::protocolViolations()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    QFETCH(Connection::Error, error);
    WsKit::ConnectionOptions options;
    options.setMaxMessageSize(1024);
    TestServer fixture;
    Client bystander;
    Connection *other = listenAndAccept(fixture, bystander, options);
    QVERIFY(other);
    QObject::connect(other, &Connection::messageReceived, other,
                     [other](const QByteArray &payload, Connection::MessageType type) { other->sendMessage(payload, type); });
    Client client;
    Connection *connection = fixture.accept(client);
    QVERIFY(connection);
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy messages(connection, &Connection::messageReceived);
    client.write(bytes);

    const Event close = client.waitFor(Type::Close);
    QCOMPARE(int(close.closeCode), code);
    QVERIFY(client.waitForDisconnected());
    expectFailed(closed, errors, code, error);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!errors.at(0).at(1).toString().isEmpty());
    QCOMPARE(messages.size(), 0);

    // The failure stays on its connection.
    bystander.sendText("still here");
    QCOMPARE(bystander.nextMessage().payload, QByteArray("still here"));
}

void tst_Connection::keepAliveGetsPongs()
{
    WsKit::ConnectionOptions options;
    options.setKeepAliveInterval(std::chrono::milliseconds(50));
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    QSignalSpy pongs(connection, &Connection::pongReceived);
    QTRY_VERIFY_WITH_TIMEOUT(pongs.size() >= 3, Wait);
    QCOMPARE(connection->state(), Connection::State::Open);
    QVERIFY(pongs.at(0).at(0).toLongLong() >= 0);
}

void tst_Connection::keepAlivePongTimeout()
{
    WsKit::ConnectionOptions options;
    options.setKeepAliveInterval(std::chrono::milliseconds(50));
    options.setPongTimeout(std::chrono::milliseconds(100));
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    client.stopReading(); // pings are no longer answered
    QSignalSpy closed(connection, &Connection::closed);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    expectFailed(closed, errors, int(CloseCode::AbnormalClosure), Connection::Error::PongTimeout);
}

void tst_Connection::idleTimeout()
{
    WsKit::ConnectionOptions options;
    options.setIdleTimeout(std::chrono::milliseconds(300));
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    QSignalSpy errors(connection, &Connection::errorOccurred);
    QSignalSpy closed(connection, &Connection::closed);
    const Event close = client.waitFor(Type::Close);
    QCOMPARE(int(close.closeCode), int(CloseCode::GoingAway));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), Connection::Error::IdleTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Wait);
    QCOMPARE(closed.at(0).at(0).toInt(), int(CloseCode::GoingAway));
}

void tst_Connection::incomingStreaming()
{
    WsKit::ConnectionOptions options;
    options.setIncomingStreaming(true);
    options.setMaxMessageSize(10);
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    QSignalSpy chunks(connection, &Connection::messageChunkReceived);
    QSignalSpy messages(connection, &Connection::messageReceived);
    client.sendFrame({WsKit::Core::Opcode::Text, "abc", false});
    QTRY_VERIFY_WITH_TIMEOUT(chunks.size() >= 1, Wait);
    client.sendFrame({WsKit::Core::Opcode::Continuation, "def", true});
    QTRY_VERIFY_WITH_TIMEOUT(!chunks.isEmpty() && chunks.last().at(3).toBool(), Wait);
    QByteArray whole;
    for (qsizetype i = 0; i < chunks.size(); ++i) {
        whole += chunks.at(i).at(0).toByteArray();
        QCOMPARE(chunks.at(i).at(1).value<Connection::MessageType>(), Connection::MessageType::Text);
        QCOMPARE(chunks.at(i).at(2).toBool(), i == 0);
        QCOMPARE(chunks.at(i).at(3).toBool(), i == chunks.size() - 1);
    }
    QCOMPARE(whole, QByteArray("abcdef"));
    QCOMPARE(messages.size(), 0);

    // maxMessageSize still bounds a streamed message.
    QSignalSpy errors(connection, &Connection::errorOccurred);
    client.sendFrame({WsKit::Core::Opcode::Binary, "0123456", false});
    client.sendFrame({WsKit::Core::Opcode::Continuation, "789ab", true});
    QCOMPARE(int(client.waitFor(Type::Close).closeCode), int(CloseCode::MessageTooBig));
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), Connection::Error::MessageTooBig);
}

void tst_Connection::messageWriter()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    QSignalSpy errors(connection, &Connection::sendRefused);
    {
        WsKit::MessageWriter writer = connection->beginMessage(Connection::MessageType::Text);
        QVERIFY(writer.isOpen());
        QVERIFY(writer.write("hel"));
        // One message at a time: another data message waits for the writer.
        QVERIFY(!connection->sendText(QStringLiteral("interleaved")));
        QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), Connection::Error::InvalidSend);
        QVERIFY(!connection->beginMessage(Connection::MessageType::Binary).isOpen());
        QVERIFY(connection->ping("between")); // control frames may come between pieces
        QVERIFY(writer.write("lo"));
        QVERIFY(writer.finish("!"));
        QVERIFY(!writer.isOpen());
        QVERIFY(!writer.write("more"));
    }
    QCOMPARE(client.nextMessage().payload, QByteArray("hello!"));
    {
        // A writer dropped while open finishes its message.
        WsKit::MessageWriter writer = connection->beginMessage(Connection::MessageType::Binary);
        QVERIFY(writer.write("part"));
    }
    const Event binary = client.nextMessage();
    QCOMPARE(binary.messageType, WsKit::Core::MessageType::Binary);
    QCOMPARE(binary.payload, QByteArray("part"));
}

void tst_Connection::messageWriterRefusesInvalidUtf8()
{
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    WsKit::MessageWriter writer = connection->beginMessage(Connection::MessageType::Text);
    QVERIFY(writer.write("\xe2\x82")); // a code point split across pieces is fine …
    QVERIFY(!writer.write("\xff"));    // … a byte that can never be UTF-8 is not
    QVERIFY(!writer.finish());         // nor ending in the middle of a code point
    QVERIFY(writer.isOpen());
    QVERIFY(writer.finish("\xac"));
    QCOMPARE(client.nextMessage().payload, QByteArray("\xe2\x82\xac"));
}

void tst_Connection::outgoingFragmentSize()
{
    WsKit::ConnectionOptions options;
    options.setOutgoingFragmentSize(4);
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    QVERIFY(connection->sendBinary("0123456789"));
    QCOMPARE(client.nextMessage().payload, QByteArray("0123456789"));
    using WsKit::Core::Opcode;
    const QByteArray frames = encode({Opcode::Binary, "0123", false, false})
        + encode({Opcode::Continuation, "4567", false, false}) + encode({Opcode::Continuation, "89", true, false});
    QCOMPARE(client.raw, frames);
    QCOMPARE(connection->options().outgoingFragmentSize(), 4);
}

void tst_Connection::receiverDeletesConnection_data()
{
    QTest::addColumn<bool>("later");
    QTest::newRow("delete") << false;
    QTest::newRow("deleteLater") << true;
}

void tst_Connection::receiverDeletesConnection()
{
    QFETCH(bool, later);
    TestServer fixture;
    Client client;
    QPointer<Connection> connection = listenAndAccept(fixture, client);
    QVERIFY(connection);
    int received = 0;
    QObject::connect(connection, &Connection::messageReceived, &fixture.server, [&](const QByteArray &) {
        ++received;
        if (later)
            connection->deleteLater();
        else
            delete connection.data();
    });
    // Two messages and a ping in one segment: deletion happens mid-batch.
    client.write(encode({WsKit::Core::Opcode::Text, "one"}) + encode({WsKit::Core::Opcode::Text, "two"})
                 + encode({WsKit::Core::Opcode::Ping, "p"}));
    QTRY_VERIFY_WITH_TIMEOUT(connection.isNull(), Wait);
    QVERIFY(received >= 1);
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(fixture.server.connectionCount(), 0);
}

void tst_Connection::slowReaderHitsBufferLimit()
{
    WsKit::ConnectionOptions options;
    constexpr qint64 limit = 512 * 1024;
    options.setMaxBufferedAmount(limit);
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    QSignalSpy errors(connection, &Connection::sendRefused);
    QSignalSpy fatal(connection, &Connection::errorOccurred);
    QSignalSpy buffered(connection, &Connection::bufferedAmountChanged);
    client.stopReading();

    // Send until the kernel buffers are full and ours reaches the limit.
    const QByteArray chunk(64 * 1024, 'x');
    qint64 accepted = 0;
    while (errors.isEmpty() && accepted < 4000) {
        if (connection->sendBinary(chunk))
            ++accepted;
        else
            break;
        if (accepted % 16 == 0)
            QTest::qWait(5); // let the event loop push what the kernel takes
        QVERIFY(connection->bufferedAmount() <= limit);
    }
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Connection::Error>(), Connection::Error::WriteBufferFull);
    QVERIFY(connection->bufferedAmount() + chunk.size() > limit);
    QCOMPARE(connection->state(), Connection::State::Open);
    // The connection stays open and error() says nothing went wrong.
    QCOMPARE(fatal.size(), 0);
    QCOMPARE(connection->error(), Connection::Error::NoError);
    QCOMPARE(connection->sendRefusal(), Connection::Error::WriteBufferFull);
    QVERIFY(!buffered.isEmpty());

    // The reader comes back: everything accepted arrives and the buffer drains.
    client.resumeReading();
    for (qint64 i = 0; i < accepted; ++i)
        QCOMPARE(client.nextMessage().payload.size(), chunk.size());
    QTRY_COMPARE_WITH_TIMEOUT(connection->bufferedAmount(), 0, Wait);
    QCOMPARE(buffered.last().at(0).toLongLong(), 0);
    QVERIFY(connection->sendBinary(chunk));
}

void tst_Connection::pingFloodFromNonReaderIsBounded()
{
    WsKit::ConnectionOptions options;
    constexpr qint64 limit = 64 * 1024;
    options.setMaxBufferedAmount(limit);
    TestServer fixture;
    Client client;
    Connection *connection = listenAndAccept(fixture, client, options);
    QVERIFY(connection);
    client.stopReading();

    // Every ping asks for a pong the client never reads; the server must stop
    // reading pings rather than queue pongs without bound.
    const QByteArray ping = encode({WsKit::Core::Opcode::Ping, QByteArray(125, 'p')});
    QByteArray burst;
    for (int i = 0; i < 1000; ++i)
        burst += ping;
    qint64 maxSeen = 0;
    for (int round = 0; round < 200; ++round) {
        client.write(burst);
        QTest::qWait(2);
        maxSeen = qMax(maxSeen, connection->bufferedAmount());
    }
    // Pongs are never refused, but reading stops once the buffer passed its limit:
    // it can exceed it by at most what one read of pings produces.
    QVERIFY2(maxSeen <= limit + 512 * 1024, QByteArray::number(maxSeen).constData());
    QVERIFY(connection->socket()->bytesAvailable() > 0 || client.socket.bytesToWrite() > 0);
    QCOMPARE(connection->state(), Connection::State::Open);
}

void tst_Connection::handshakeAccessors()
{
    TestServer fixture;
    WsKit::Upgrader upgrader;
    upgrader.setSubprotocols({QStringLiteral("chat")});
    fixture.server.setUpgrader(upgrader);
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.upgrade("/room?id=7", {"Sec-WebSocket-Protocol: chat", "X-Test: yes"}), 101);
    QTRY_COMPARE_WITH_TIMEOUT(fixture.connections.size(), 1, Wait);
    Connection *connection = fixture.connections.first();
    QCOMPARE(connection->subprotocol(), QStringLiteral("chat"));
    QCOMPARE(connection->requestTarget(), QByteArray("/room?id=7"));
    QVERIFY(connection->requestHeaders().contains(qMakePair(QByteArray("X-Test"), QByteArray("yes"))));
    const QByteArray accept = toBytes(WsKit::Core::computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    QVERIFY(connection->responseHeaders().contains(qMakePair(QByteArray("Sec-WebSocket-Accept"), accept)));
    QCOMPARE(connection->peerAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(connection->peerPort(), client.socket.localPort());
    QCOMPARE(connection->localPort(), fixture.port());
    QCOMPARE(connection->localAddress(), QHostAddress(QHostAddress::LocalHost));
    QVERIFY(connection->socket());
    QCOMPARE(connection->socket()->parent(), connection);
    QCOMPARE(connection->bufferedAmount(), 0);
}

void tst_Connection::framesPipelinedAfterHead()
{
    TestServer fixture;
    QList<QByteArray> received;
    // Slots connected in newConnection see a message that came in the same
    // segment as the request head.
    QObject::connect(&fixture.server, &WsKit::Server::newConnection, &fixture.server, [&](Connection *connection) {
        QObject::connect(connection, &Connection::messageReceived, connection,
                         [&](const QByteArray &payload) { received.append(payload); });
    });
    QVERIFY(fixture.listen());
    Client client;
    QVERIFY(client.connectTo(fixture.port()));
    QCOMPARE(client.handshake(upgradeRequest() + encode({WsKit::Core::Opcode::Text, "early"})), 101);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, Wait);
    QCOMPARE(received.first(), QByteArray("early"));
}

QTEST_MAIN(tst_Connection)
#include "tst_connection.moc"
