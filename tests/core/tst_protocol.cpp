// The per-connection state machine: message assembly, limits, control frames,
// the closing handshake and sending, in both roles, over real frame bytes.

#include "protocoltestutil.h"

#include <WsKit/Core/closecode.h>
#include <WsKit/Core/protocol.h>

#include <QtTest/QtTest>

#include <random>

using namespace WsKit::Core;
using namespace TestUtil;

Q_DECLARE_METATYPE(WsKit::Core::Error)

namespace {

using Type = Event::Type;

// The one frame in out, checked to be a close frame, as (code, reason).
std::pair<std::uint16_t, std::string> sentClose(Protocol &protocol)
{
    const auto frames = parseFrames(drainOutput(protocol), protocol.role());
    if (frames.size() != 1 || frames[0].header.opcode != Opcode::Close)
        return {0, "not a single close frame"};
    ClosePayload close;
    if (parseClosePayload(frames[0].payload, close) != Error::None)
        return {0, "invalid close payload"};
    return {close.code, std::string(close.reason)};
}

// The only event is the failure with error, closing the connection with closeCode.
void expectFailure(const std::vector<Received> &events, Error error, std::uint16_t closeCode)
{
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Failed);
    QCOMPARE(events[0].error, error);
    QCOMPARE(events[0].closeCode, closeCode);
}

} // namespace

class tst_Protocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serverReceivesMaskedText();
    void clientReceivesUnmaskedText();
    void serverReceivesUnmaskedFrame_fails();
    void clientReceivesMaskedFrame_fails();
    void fragmentedMessageIsAssembled();
    void controlFrameInsideFragmentedMessage();
    void continuationWithoutStart_fails();
    void newMessageWhileFragmented_fails();
    void emptyMessages();
    void messageOverLimitFailsBeforeBuffering();
    void fragmentedMessageOverLimit_fails();
    void messageAtLimitIsAccepted();
    void invalidUtf8FailsMidFrame();
    void invalidUtf8FailsMidFragmentedMessage();
    void codePointSplitAcrossFrames();
    void truncatedCodePointAtMessageEnd_fails();
    void binaryMessageIsNotValidated();
    void pingIsAnsweredWithSamePayload();
    void pingNotAnsweredWhenAutoPongOff();
    void pongIsReported();
    void reservedBitsWithoutExtension_fails();
    void peerCloseIsEchoed();
    void peerCloseWithoutCode();
    void peerCloseCodes_data();
    void peerCloseCodes();
    void onByteClosePayload_fails();
    void closeReasonInvalidUtf8_fails();
    void dataAfterPeerCloseIsIgnored();
    void weCloseFirst();
    void closeReplyLeftToCaller();
    void messagesStillDeliveredWhileClosing();
    void sendAfterClose_isRefused();
    void failedConnectionSendsCloseAndStops();
    void clientFramesAreMaskedWithFreshKeys();
    void serverFramesAreNotMasked();
    void outgoingFragmentation();
    void streamedOutgoingMessage();
    void streamingMisuse();
    void streamedPiecesAreFragmentedToo();
    void controlPayloadLimits();
    void closeCodesToSend_data();
    void closeCodesToSend();
    void sendingBeforeOpen_isRefused();
    void streamingDeliversChunks();
    void streamingSingleFrameInPieces();
    void streamingEmptyMessage();
    void streamingInvalidUtf8FailsFast();
    void streamingLimitStillApplies();
    void compressedRoundTrip_data();
    void compressedRoundTrip();
    void compressedFragmentedAndStreamed();
    void compressionThreshold();
    void rsv1OnContinuation_fails();
    void rsv1OnControlFrame_fails();
    void compressedBombFailsWith1009();
    void corruptCompressedData_fails();
    void compressedInvalidUtf8_fails();
    void outputBufferIsConsumedInParts();
    void headerOnlySendWhenPayloadGoesUnchanged();
    void headerOnlySendRefused();
    void messagesAssembleInCallerStorage();
    void storageGrowsWithArrivedBytes();
    void storageGrowsGeometricallyAcrossFragments();
    void chunkInvariance();
};

void tst_Protocol::serverReceivesMaskedText()
{
    Protocol server = openProtocol(Role::Server);
    // RFC 6455 §5.7: a single-frame masked text message "Hello".
    const std::string wire("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    const auto events = feed(server, wire);
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Message);
    QCOMPARE(events[0].messageType, MessageType::Text);
    QCOMPARE(events[0].payload, std::string("Hello"));
    QVERIFY(server.pendingOutput().empty());
}

void tst_Protocol::clientReceivesUnmaskedText()
{
    Protocol client = openProtocol(Role::Client);
    // RFC 6455 §5.7: a single-frame unmasked text message "Hello".
    const auto events = feed(client, std::string("\x81\x05\x48\x65\x6c\x6c\x6f", 7));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].payload, std::string("Hello"));
}

void tst_Protocol::serverReceivesUnmaskedFrame_fails()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, serverFrame(Opcode::Text, "Hello"));
    expectFailure(events, Error::UnmaskedClientFrame, CloseCode::ProtocolError);
    QCOMPARE(sentClose(server).first, CloseCode::ProtocolError);
    QCOMPARE(server.state(), Protocol::State::Closed);
    QVERIFY(server.shouldCloseTransport());
}

void tst_Protocol::clientReceivesMaskedFrame_fails()
{
    Protocol client = openProtocol(Role::Client);
    const auto events = feed(client, clientFrame(Opcode::Binary, "x"));
    expectFailure(events, Error::MaskedServerFrame, CloseCode::ProtocolError);
    QCOMPARE(sentClose(client).first, CloseCode::ProtocolError);
    QVERIFY(client.shouldCloseTransport());
}

void tst_Protocol::fragmentedMessageIsAssembled()
{
    Protocol client = openProtocol(Role::Client);
    // RFC 6455 §5.7: a fragmented unmasked text message "Hel" + "lo".
    const std::string wire("\x01\x03\x48\x65\x6c\x80\x02\x6c\x6f", 9);
    for (std::size_t piece : {size_t(0), size_t(1), size_t(4)}) {
        const auto events = feed(client, wire, piece);
        QCOMPARE(events.size(), size_t(1));
        QCOMPARE(events[0].type, Type::Message);
        QCOMPARE(events[0].payload, std::string("Hello"));
    }
}

void tst_Protocol::controlFrameInsideFragmentedMessage()
{
    Protocol server = openProtocol(Role::Server);
    const std::string wire = clientFrame(Opcode::Text, "Hel", false) + clientFrame(Opcode::Ping, "now")
                             + clientFrame(Opcode::Continuation, "lo", true);
    const auto events = feed(server, wire);
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[0].type, Type::Ping);
    QCOMPARE(events[0].payload, std::string("now"));
    QCOMPARE(events[1].type, Type::Message);
    QCOMPARE(events[1].payload, std::string("Hello"));
    const auto frames = parseFrames(drainOutput(server), Role::Server);
    QCOMPARE(frames.size(), size_t(1));
    QCOMPARE(frames[0].header.opcode, Opcode::Pong);
    QCOMPARE(frames[0].payload, std::string("now"));
}

void tst_Protocol::continuationWithoutStart_fails()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Continuation, "lo"));
    expectFailure(events, Error::UnexpectedContinuation, CloseCode::ProtocolError);
    QCOMPARE(sentClose(server).first, CloseCode::ProtocolError);
}

void tst_Protocol::newMessageWhileFragmented_fails()
{
    Protocol server = openProtocol(Role::Server);
    const auto events
        = feed(server, clientFrame(Opcode::Text, "Hel", false) + clientFrame(Opcode::Binary, "lo"));
    expectFailure(events, Error::ExpectedContinuation, CloseCode::ProtocolError);
}

void tst_Protocol::emptyMessages()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Text, "") + clientFrame(Opcode::Binary, "", false)
                                         + clientFrame(Opcode::Continuation, ""));
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[0].messageType, MessageType::Text);
    QCOMPARE(events[0].payload, std::string());
    QCOMPARE(events[1].messageType, MessageType::Binary);
    QCOMPARE(events[1].payload, std::string());
}

void tst_Protocol::messageOverLimitFailsBeforeBuffering()
{
    ProtocolOptions options;
    options.maxMessageSize = 1000;
    Protocol server = openProtocol(Role::Server, options);
    const std::string wire = clientFrame(Opcode::Binary, std::string(1001, 'x'));
    // Only the header arrives: the length alone is enough to refuse.
    std::string header = wire.substr(0, 8);
    server.receive(header.data(), header.size());
    const Received event = copyOf(server.nextEvent());
    QCOMPARE(event.type, Type::Failed);
    QCOMPARE(event.error, Error::MessageTooBig);
    QCOMPARE(event.closeCode, CloseCode::MessageTooBig);
    QCOMPARE(sentClose(server).first, CloseCode::MessageTooBig);
}

void tst_Protocol::fragmentedMessageOverLimit_fails()
{
    ProtocolOptions options;
    options.maxMessageSize = 10;
    Protocol server = openProtocol(Role::Server, options);
    const auto events = feed(server, clientFrame(Opcode::Text, "123456", false)
                                         + clientFrame(Opcode::Continuation, "7890", false)
                                         + clientFrame(Opcode::Continuation, "1", true));
    expectFailure(events, Error::MessageTooBig, CloseCode::MessageTooBig);
}

void tst_Protocol::messageAtLimitIsAccepted()
{
    ProtocolOptions options;
    options.maxMessageSize = 10;
    Protocol server = openProtocol(Role::Server, options);
    const auto events
        = feed(server, clientFrame(Opcode::Text, "123456", false) + clientFrame(Opcode::Continuation, "7890"));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].payload, std::string("1234567890"));
}

void tst_Protocol::invalidUtf8FailsMidFrame()
{
    Protocol server = openProtocol(Role::Server);
    // A long text frame whose 3rd byte can never be UTF-8; only its start arrives.
    const std::string wire = clientFrame(Opcode::Text, "ab\xff" + std::string(1000, 'c'));
    std::string start = wire.substr(0, 8 + 3);
    server.receive(start.data(), start.size());
    const Received event = copyOf(server.nextEvent());
    QCOMPARE(event.type, Type::Failed);
    QCOMPARE(event.error, Error::InvalidUtf8);
    QCOMPARE(event.closeCode, CloseCode::InvalidPayload);
    QCOMPARE(sentClose(server).first, CloseCode::InvalidPayload);
}

void tst_Protocol::invalidUtf8FailsMidFragmentedMessage()
{
    Protocol server = openProtocol(Role::Server);
    // Autobahn 6.4.x: the first fragment is valid, the second breaks the text.
    const auto events = feed(server, clientFrame(Opcode::Text, "\xce\xba\xe1\xbd\xb9", false)
                                         + clientFrame(Opcode::Continuation, "\xf4\x90\x80\x80", false)
                                         + clientFrame(Opcode::Continuation, "ok"));
    expectFailure(events, Error::InvalidUtf8, CloseCode::InvalidPayload);
}

void tst_Protocol::codePointSplitAcrossFrames()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Text, "\xce", false) + clientFrame(Opcode::Continuation, "\xba"));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].payload, std::string("\xce\xba"));
}

void tst_Protocol::truncatedCodePointAtMessageEnd_fails()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Text, "abc\xe2\x82"));
    expectFailure(events, Error::InvalidUtf8, CloseCode::InvalidPayload);
}

void tst_Protocol::binaryMessageIsNotValidated()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Binary, "\xff\xfe\xc0"));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Message);
    QCOMPARE(events[0].payload, std::string("\xff\xfe\xc0"));
}

void tst_Protocol::pingIsAnsweredWithSamePayload()
{
    Protocol server = openProtocol(Role::Server);
    const std::string payload(125, 'p');
    const auto events = feed(server, clientFrame(Opcode::Ping, payload), 7);
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Ping);
    const auto frames = parseFrames(drainOutput(server), Role::Server);
    QCOMPARE(frames.size(), size_t(1));
    QCOMPARE(frames[0].header.opcode, Opcode::Pong);
    QCOMPARE(frames[0].payload, payload);
}

void tst_Protocol::pingNotAnsweredWhenAutoPongOff()
{
    ProtocolOptions options;
    options.autoPong = false;
    Protocol server = openProtocol(Role::Server, options);
    const auto events = feed(server, clientFrame(Opcode::Ping, "x"));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Ping);
    QVERIFY(server.pendingOutput().empty());
    QCOMPARE(server.pong("custom"), Error::None);
    const auto frames = parseFrames(drainOutput(server), Role::Server);
    QCOMPARE(frames.size(), size_t(1));
    QCOMPARE(frames[0].payload, std::string("custom"));
}

void tst_Protocol::pongIsReported()
{
    Protocol client = openProtocol(Role::Client);
    // RFC 6455 §5.7 shows a masked pong; servers send them unmasked.
    const auto events = feed(client, serverFrame(Opcode::Pong, "Hello"));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Pong);
    QCOMPARE(events[0].payload, std::string("Hello"));
    QVERIFY(client.pendingOutput().empty());
}

void tst_Protocol::reservedBitsWithoutExtension_fails()
{
    for (std::uint8_t rsv : {Rsv::Rsv1, Rsv::Rsv2, Rsv::Rsv3}) {
        Protocol server = openProtocol(Role::Server);
        const auto events = feed(server, clientFrame(Opcode::Text, "x", true, rsv));
        expectFailure(events, Error::ReservedBitsSet, CloseCode::ProtocolError);
    }
}

void tst_Protocol::peerCloseIsEchoed()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Close, closePayload(1000, "bye")));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Close);
    QCOMPARE(events[0].closeCode, std::uint16_t(1000));
    QCOMPARE(events[0].closeReason, std::string("bye"));
    QCOMPARE(sentClose(server), std::make_pair(std::uint16_t(1000), std::string()));
    QCOMPARE(server.state(), Protocol::State::Closed);
    QVERIFY(server.closeSent());
    QVERIFY(server.closeReceived());
    QVERIFY(server.shouldCloseTransport());
}

void tst_Protocol::peerCloseWithoutCode()
{
    Protocol client = openProtocol(Role::Client);
    const auto events = feed(client, serverFrame(Opcode::Close, ""));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].closeCode, CloseCode::NoStatusReceived);
    const auto frames = parseFrames(drainOutput(client), Role::Client);
    QCOMPARE(frames.size(), size_t(1));
    QCOMPARE(frames[0].header.opcode, Opcode::Close);
    QCOMPARE(frames[0].payload, std::string());
    QCOMPARE(client.state(), Protocol::State::Closed);
    // RFC 6455 §7.1.1: the client leaves closing TCP to the server.
    QVERIFY(!client.shouldCloseTransport());
}

void tst_Protocol::peerCloseCodes_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("valid");
    for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
        QTest::addRow("%d", code) << code << true;
    for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
        QTest::addRow("%d", code) << code << false;
}

void tst_Protocol::peerCloseCodes()
{
    QFETCH(int, code);
    QFETCH(bool, valid);
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Close, closePayload(static_cast<std::uint16_t>(code))));
    QCOMPARE(events.size(), size_t(1));
    if (valid) {
        QCOMPARE(events[0].type, Type::Close);
        QCOMPARE(sentClose(server).first, static_cast<std::uint16_t>(code));
    } else {
        QCOMPARE(events[0].type, Type::Failed);
        QCOMPARE(events[0].error, Error::InvalidCloseCode);
        QCOMPARE(sentClose(server).first, CloseCode::ProtocolError);
    }
}

void tst_Protocol::onByteClosePayload_fails()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Close, "\x03"));
    expectFailure(events, Error::InvalidClosePayload, CloseCode::ProtocolError);
    QCOMPARE(sentClose(server).first, CloseCode::ProtocolError);
}

void tst_Protocol::closeReasonInvalidUtf8_fails()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Close, closePayload(1000, "\xce\xba\xe1\xbd\xb9\xed\xa0\x80")));
    expectFailure(events, Error::InvalidUtf8, CloseCode::InvalidPayload);
    QCOMPARE(sentClose(server).first, CloseCode::InvalidPayload);
}

void tst_Protocol::dataAfterPeerCloseIsIgnored()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Close, closePayload(1000)) + clientFrame(Opcode::Text, "late")
                                         + clientFrame(Opcode::Ping, "late"));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Close);
    // Later bytes, even in a later read, produce nothing and no pong.
    drainOutput(server);
    QVERIFY(feed(server, clientFrame(Opcode::Ping, "later")).empty());
    QVERIFY(server.pendingOutput().empty());
}

void tst_Protocol::weCloseFirst()
{
    Protocol client = openProtocol(Role::Client);
    QCOMPARE(client.close(1000, "done"), Error::None);
    QCOMPARE(client.state(), Protocol::State::Closing);
    QCOMPARE(sentClose(client), std::make_pair(std::uint16_t(1000), std::string("done")));
    const auto events = feed(client, serverFrame(Opcode::Close, closePayload(1000)));
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].type, Type::Close);
    QCOMPARE(client.state(), Protocol::State::Closed);
    QVERIFY(client.pendingOutput().empty()); // no second close frame
}

void tst_Protocol::closeReplyLeftToCaller()
{
    ProtocolOptions options;
    options.autoCloseReply = false;
    Protocol server = openProtocol(Role::Server, options);
    const auto events = feed(server, clientFrame(Opcode::Close, closePayload(4001, "app")));
    QCOMPARE(events.size(), size_t(1));
    QVERIFY(server.pendingOutput().empty());
    QCOMPARE(server.state(), Protocol::State::Closing);
    QCOMPARE(server.close(4002, "mine"), Error::None);
    QCOMPARE(sentClose(server), std::make_pair(std::uint16_t(4002), std::string("mine")));
    QCOMPARE(server.state(), Protocol::State::Closed);
}

void tst_Protocol::messagesStillDeliveredWhileClosing()
{
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.close(1001), Error::None);
    drainOutput(server);
    const auto events = feed(server, clientFrame(Opcode::Text, "in flight") + clientFrame(Opcode::Ping, "p"));
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[0].payload, std::string("in flight"));
    QCOMPARE(events[1].type, Type::Ping);
    QVERIFY(server.pendingOutput().empty()); // nothing may follow our close frame
}

void tst_Protocol::sendAfterClose_isRefused()
{
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.close(1000), Error::None);
    drainOutput(server);
    QCOMPARE(server.sendMessage(MessageType::Text, "late"), Error::SendAfterClose);
    QCOMPARE(server.ping("late"), Error::SendAfterClose);
    QCOMPARE(server.pong("late"), Error::SendAfterClose);
    QCOMPARE(server.beginMessage(MessageType::Binary), Error::SendAfterClose);
    QCOMPARE(server.close(1000), Error::SendAfterClose);
    QVERIFY(server.pendingOutput().empty());
}

void tst_Protocol::failedConnectionSendsCloseAndStops()
{
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, clientFrame(Opcode::Text, "ok") + clientFrame(Opcode::Continuation, "bad")
                                         + clientFrame(Opcode::Text, "never"));
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[0].payload, std::string("ok"));
    QCOMPARE(events[1].type, Type::Failed);
    QCOMPARE(sentClose(server).first, CloseCode::ProtocolError);
    QCOMPARE(server.sendMessage(MessageType::Text, "x"), Error::SendAfterClose);
    QVERIFY(feed(server, clientFrame(Opcode::Text, "more")).empty());
}

void tst_Protocol::clientFramesAreMaskedWithFreshKeys()
{
    Protocol client = openProtocol(Role::Client);
    QCOMPARE(client.sendMessage(MessageType::Text, "one"), Error::None);
    QCOMPARE(client.sendMessage(MessageType::Binary, "two"), Error::None);
    const std::string wire = drainOutput(client);
    QVERIFY(wire.find("one") == std::string::npos);
    const auto frames = parseFrames(wire, Role::Client);
    QCOMPARE(frames.size(), size_t(2));
    QVERIFY(frames[0].header.masked && frames[1].header.masked);
    QVERIFY(frames[0].header.maskKey != frames[1].header.maskKey);
    QCOMPARE(frames[0].payload, std::string("one"));
    QCOMPARE(frames[1].header.opcode, Opcode::Binary);
    // And a server reads them back.
    Protocol server = openProtocol(Role::Server);
    const auto events = feed(server, wire);
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[1].payload, std::string("two"));
}

void tst_Protocol::serverFramesAreNotMasked()
{
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.sendMessage(MessageType::Text, "Hello"), Error::None);
    QCOMPARE(drainOutput(server), std::string("\x81\x05Hello", 7));
}

void tst_Protocol::outgoingFragmentation()
{
    ProtocolOptions options;
    options.outgoingFragmentSize = 4;
    Protocol server = openProtocol(Role::Server, options);
    QCOMPARE(server.sendMessage(MessageType::Text, "0123456789"), Error::None);
    const auto frames = parseFrames(drainOutput(server), Role::Server);
    QCOMPARE(frames.size(), size_t(3));
    QCOMPARE(frames[0].header.opcode, Opcode::Text);
    QCOMPARE(frames[1].header.opcode, Opcode::Continuation);
    QCOMPARE(frames[2].header.opcode, Opcode::Continuation);
    QVERIFY(!frames[0].header.fin && !frames[1].header.fin && frames[2].header.fin);
    QCOMPARE(frames[0].payload + frames[1].payload + frames[2].payload, std::string("0123456789"));
}

void tst_Protocol::streamedOutgoingMessage()
{
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.beginMessage(MessageType::Binary), Error::None);
    QVERIFY(server.isMessageOpen());
    QCOMPARE(server.sendFragment("ab", false), Error::None);
    QCOMPARE(server.ping("between"), Error::None); // control frames may interleave
    QCOMPARE(server.sendFragment("cd", true), Error::None);
    QVERIFY(!server.isMessageOpen());
    const auto frames = parseFrames(drainOutput(server), Role::Server);
    QCOMPARE(frames.size(), size_t(3));
    QCOMPARE(frames[0].header.opcode, Opcode::Binary);
    QVERIFY(!frames[0].header.fin);
    QCOMPARE(frames[1].header.opcode, Opcode::Ping);
    QCOMPARE(frames[2].header.opcode, Opcode::Continuation);
    QVERIFY(frames[2].header.fin);
}

void tst_Protocol::streamedPiecesAreFragmentedToo()
{
    ProtocolOptions options;
    options.outgoingFragmentSize = 4;
    Protocol server(Role::Server, options);
    server.open(DeflateParameters{});
    QCOMPARE(server.beginMessage(MessageType::Text, false), Error::None);
    QCOMPARE(server.sendFragment("abcdef", false), Error::None);
    QCOMPARE(server.sendFragment("ghij", true), Error::None);
    const auto frames = parseFrames(drainOutput(server), Role::Server);
    QCOMPARE(frames.size(), size_t(3));
    QCOMPARE(frames[0].header.opcode, Opcode::Text);
    QCOMPARE(frames[1].header.opcode, Opcode::Continuation);
    QCOMPARE(frames[2].header.opcode, Opcode::Continuation);
    QVERIFY(!frames[0].header.fin && !frames[1].header.fin && frames[2].header.fin);
    QCOMPARE(frames[0].payload + frames[1].payload + frames[2].payload, std::string("abcdefghij"));

    // Compressed: RSV1 on the message's first frame only.
    QCOMPARE(server.beginMessage(MessageType::Binary), Error::None);
    QCOMPARE(server.sendFragment(std::string(100, 'z'), true), Error::None);
    const auto compressed = parseFrames(drainOutput(server), Role::Server);
    QVERIFY(compressed.size() > 1);
    QCOMPARE(compressed[0].header.rsv, Rsv::Rsv1);
    for (std::size_t i = 1; i < compressed.size(); ++i) {
        QCOMPARE(compressed[i].header.rsv, std::uint8_t(0));
        QVERIFY(compressed[i].payload.size() <= 4);
    }
    QVERIFY(compressed.back().header.fin);
}

void tst_Protocol::streamingMisuse()
{
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.sendFragment("x", true), Error::NoMessageOpen);
    QCOMPARE(server.beginMessage(MessageType::Text), Error::None);
    QCOMPARE(server.beginMessage(MessageType::Text), Error::MessageAlreadyOpen);
    QCOMPARE(server.sendMessage(MessageType::Text, "x"), Error::MessageAlreadyOpen);
    QVERIFY(server.pendingOutput().empty());
}

void tst_Protocol::controlPayloadLimits()
{
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.ping(std::string(126, 'x')), Error::ControlPayloadTooLong);
    QCOMPARE(server.pong(std::string(126, 'x')), Error::ControlPayloadTooLong);
    QCOMPARE(server.close(1000, std::string(124, 'x')), Error::ControlPayloadTooLong);
    QVERIFY(server.pendingOutput().empty());
    QCOMPARE(server.ping(std::string(125, 'x')), Error::None);
    QCOMPARE(server.close(1000, std::string(123, 'x')), Error::None);
}

void tst_Protocol::closeCodesToSend_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<WsKit::Core::Error>("expected");
    QTest::newRow("1000") << 1000 << Error::None;
    QTest::newRow("4999") << 4999 << Error::None;
    QTest::newRow("1005 as empty close") << 1005 << Error::None;
    QTest::newRow("1006") << 1006 << Error::InvalidCloseCodeToSend;
    QTest::newRow("1015") << 1015 << Error::InvalidCloseCodeToSend;
    QTest::newRow("999") << 999 << Error::InvalidCloseCodeToSend;
    QTest::newRow("5000") << 5000 << Error::InvalidCloseCodeToSend;
}

void tst_Protocol::closeCodesToSend()
{
    QFETCH(int, code);
    QFETCH(WsKit::Core::Error, expected);
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.close(static_cast<std::uint16_t>(code)), expected);
    if (expected != Error::None) {
        QVERIFY(server.pendingOutput().empty());
        QCOMPARE(server.state(), Protocol::State::Open);
    } else {
        const auto frames = parseFrames(drainOutput(server), Role::Server);
        QCOMPARE(frames.size(), size_t(1));
        QCOMPARE(frames[0].payload.size(), code == 1005 ? size_t(0) : size_t(2));
    }
}

void tst_Protocol::sendingBeforeOpen_isRefused()
{
    Protocol server(Role::Server);
    QCOMPARE(server.state(), Protocol::State::Connecting);
    QCOMPARE(server.sendMessage(MessageType::Text, "x"), Error::NotOpen);
    QCOMPARE(server.ping({}), Error::NotOpen);
    QVERIFY(server.pendingOutput().empty());
}

void tst_Protocol::streamingDeliversChunks()
{
    ProtocolOptions options;
    options.streamIncoming = true;
    Protocol server = openProtocol(Role::Server, options);
    const auto events = feed(server, clientFrame(Opcode::Binary, "ab", false) + clientFrame(Opcode::Continuation, "cd", false)
                                         + clientFrame(Opcode::Continuation, "ef"));
    QCOMPARE(events.size(), size_t(3));
    QCOMPARE(events[0].type, Type::MessageChunk);
    QVERIFY(events[0].first && !events[0].last);
    QVERIFY(!events[1].first && !events[1].last);
    QVERIFY(!events[2].first && events[2].last);
    QCOMPARE(events[0].payload + events[1].payload + events[2].payload, std::string("abcdef"));
}

void tst_Protocol::streamingSingleFrameInPieces()
{
    ProtocolOptions options;
    options.streamIncoming = true;
    Protocol server = openProtocol(Role::Server, options);
    const std::string payload(100, 'z');
    const std::string wire = clientFrame(Opcode::Text, payload);
    const auto events = feed(server, wire, 30);
    QVERIFY(events.size() > 2);
    std::string joined;
    for (const auto &event : events) {
        QCOMPARE(event.type, Type::MessageChunk);
        joined += event.payload;
    }
    QVERIFY(events.front().first);
    QVERIFY(events.back().last);
    QCOMPARE(joined, payload);
}

void tst_Protocol::streamingEmptyMessage()
{
    ProtocolOptions options;
    options.streamIncoming = true;
    Protocol server = openProtocol(Role::Server, options);
    const auto events = feed(server, clientFrame(Opcode::Text, ""));
    QCOMPARE(events.size(), size_t(1));
    QVERIFY(events[0].first && events[0].last);
    QCOMPARE(events[0].payload, std::string());
}

void tst_Protocol::streamingInvalidUtf8FailsFast()
{
    ProtocolOptions options;
    options.streamIncoming = true;
    Protocol server = openProtocol(Role::Server, options);
    const auto events = feed(server, clientFrame(Opcode::Text, "good", false) + clientFrame(Opcode::Continuation, "\xc0\xaf"));
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[0].payload, std::string("good"));
    QCOMPARE(events[1].error, Error::InvalidUtf8);
}

void tst_Protocol::streamingLimitStillApplies()
{
    ProtocolOptions options;
    options.streamIncoming = true;
    options.maxMessageSize = 5;
    Protocol server = openProtocol(Role::Server, options);
    const auto events = feed(server, clientFrame(Opcode::Binary, "abc", false) + clientFrame(Opcode::Continuation, "def"));
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[1].error, Error::MessageTooBig);
}

// ---- permessage-deflate through the state machine -----------------------------------

namespace {

std::pair<Protocol, Protocol> compressedPair(const DeflateParameters &parameters, ProtocolOptions serverOptions = {})
{
    ProtocolOptions clientOptions;
    clientOptions.maskKeySource = countingMaskSource();
    Protocol client(Role::Client, clientOptions);
    Protocol server(Role::Server, std::move(serverOptions));
    client.open(parameters);
    server.open(parameters);
    return {std::move(client), std::move(server)};
}

} // namespace

void tst_Protocol::compressedRoundTrip_data()
{
    QTest::addColumn<bool>("noContextTakeover");
    QTest::newRow("context takeover") << false;
    QTest::newRow("no context takeover") << true;
}

void tst_Protocol::compressedRoundTrip()
{
    QFETCH(bool, noContextTakeover);
    DeflateParameters parameters;
    parameters.clientNoContextTakeover = noContextTakeover;
    parameters.serverNoContextTakeover = noContextTakeover;
    auto [client, server] = compressedPair(parameters);
    QVERIFY(client.isCompressionNegotiated());
    const std::string text = "The quick brown fox jumps over the lazy dog. The quick brown fox.";
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(client.sendMessage(MessageType::Text, text), Error::None);
        const std::string wire = drainOutput(client);
        const auto frames = parseFrames(wire, Role::Client);
        QCOMPARE(frames.size(), size_t(1));
        QVERIFY(frames[0].header.rsv & Rsv::Rsv1);
        QVERIFY(frames[0].payload.size() < text.size());
        const auto events = feed(server, wire, 3);
        QCOMPARE(events.size(), size_t(1));
        QCOMPARE(events[0].payload, text);

        QCOMPARE(server.sendMessage(MessageType::Binary, text), Error::None);
        const auto back = feed(client, drainOutput(server));
        QCOMPARE(back.size(), size_t(1));
        QCOMPARE(back[0].messageType, MessageType::Binary);
        QCOMPARE(back[0].payload, text);
    }
}

void tst_Protocol::compressedFragmentedAndStreamed()
{
    ProtocolOptions serverOptions;
    serverOptions.streamIncoming = true;
    auto [client, server] = compressedPair({}, serverOptions);
    std::string text;
    for (int i = 0; i < 2000; ++i)
        text += "line " + std::to_string(i) + " of a long and repetitive text\n";
    QCOMPARE(client.beginMessage(MessageType::Text), Error::None);
    const std::size_t half = text.size() / 2;
    QCOMPARE(client.sendFragment(std::string_view(text).substr(0, half), false), Error::None);
    QCOMPARE(client.sendFragment(std::string_view(text).substr(half), true), Error::None);
    const std::string wire = drainOutput(client);
    const auto frames = parseFrames(wire, Role::Client);
    QCOMPARE(frames.size(), size_t(2));
    QVERIFY(frames[0].header.rsv & Rsv::Rsv1);
    QCOMPARE(frames[1].header.rsv, std::uint8_t(0));
    const auto events = feed(server, wire, 100);
    std::string joined;
    for (const auto &event : events) {
        QCOMPARE(event.type, Type::MessageChunk);
        joined += event.payload;
    }
    QVERIFY(events.back().last);
    QCOMPARE(joined, text);
}

void tst_Protocol::compressionThreshold()
{
    ProtocolOptions options;
    options.compressionThreshold = 100;
    Protocol server(Role::Server, options);
    server.open(DeflateParameters{});
    QCOMPARE(server.sendMessage(MessageType::Text, "short"), Error::None);
    QCOMPARE(server.sendMessage(MessageType::Text, std::string(200, 'a')), Error::None);
    QCOMPARE(server.sendMessage(MessageType::Text, std::string(200, 'a'), false), Error::None);
    const auto frames = parseFrames(drainOutput(server), Role::Server);
    QCOMPARE(frames.size(), size_t(3));
    QCOMPARE(frames[0].header.rsv, std::uint8_t(0));
    QCOMPARE(frames[0].payload, std::string("short"));
    QCOMPARE(frames[1].header.rsv, Rsv::Rsv1);
    QCOMPARE(frames[2].header.rsv, std::uint8_t(0));
}

void tst_Protocol::rsv1OnContinuation_fails()
{
    auto [client, server] = compressedPair({});
    const auto events = feed(server, clientFrame(Opcode::Text, "a", false) + clientFrame(Opcode::Continuation, "b", true, Rsv::Rsv1));
    expectFailure(events, Error::ReservedBitsSet, CloseCode::ProtocolError);
}

void tst_Protocol::rsv1OnControlFrame_fails()
{
    auto [client, server] = compressedPair({});
    const auto events = feed(server, clientFrame(Opcode::Ping, "a", true, Rsv::Rsv1));
    expectFailure(events, Error::ReservedBitsSet, CloseCode::ProtocolError);
}

void tst_Protocol::compressedBombFailsWith1009()
{
    ProtocolOptions serverOptions;
    serverOptions.maxMessageSize = 1024 * 1024;
    auto [client, server] = compressedPair({}, serverOptions);
    QCOMPARE(client.sendMessage(MessageType::Binary, std::string(10 * 1024 * 1024, '\0')), Error::None);
    const std::string wire = drainOutput(client);
    QVERIFY(wire.size() < 64 * 1024); // ten megabytes of zeros deflate to a few KiB
    const auto events = feed(server, wire);
    expectFailure(events, Error::MessageTooBig, CloseCode::MessageTooBig);
}

void tst_Protocol::corruptCompressedData_fails()
{
    auto [client, server] = compressedPair({});
    const auto events = feed(server, clientFrame(Opcode::Binary, "\xff\xff\xff\xff\xff", true, Rsv::Rsv1));
    expectFailure(events, Error::InvalidCompressedData, CloseCode::InvalidPayload);
}

void tst_Protocol::compressedInvalidUtf8_fails()
{
    auto [client, server] = compressedPair({});
    // The client sends bytes as text without validating: the server must catch it.
    QCOMPARE(client.sendMessage(MessageType::Text, "valid start \xed\xa0\x80 surrogate"), Error::None);
    const auto events = feed(server, drainOutput(client));
    expectFailure(events, Error::InvalidUtf8, CloseCode::InvalidPayload);
}

void tst_Protocol::outputBufferIsConsumedInParts()
{
    Protocol server = openProtocol(Role::Server);
    QCOMPARE(server.sendMessage(MessageType::Binary, std::string(300000, 'b')), Error::None);
    QCOMPARE(server.sendMessage(MessageType::Text, "tail"), Error::None);
    std::string written;
    while (!server.pendingOutput().empty()) {
        const std::string_view pending = server.pendingOutput();
        const std::size_t n = std::min<std::size_t>(pending.size(), 70001);
        written.append(pending.substr(0, n));
        server.consumeOutput(n);
    }
    const auto frames = parseFrames(written, Role::Server);
    QCOMPARE(frames.size(), size_t(2));
    QCOMPARE(frames[0].payload.size(), size_t(300000));
    QCOMPARE(frames[1].payload, std::string("tail"));
}

void tst_Protocol::headerOnlySendWhenPayloadGoesUnchanged()
{
    Protocol server = openProtocol(Role::Server);
    const std::string payload(300, 'p');
    QVERIFY(server.sendMessageHeader(MessageType::Binary, payload.size()));
    const std::string header = drainOutput(server);
    QCOMPARE(header, std::string("\x82\x7e\x01\x2c", 4));
    // The header followed by the caller's payload is one well-formed frame.
    const auto frames = parseFrames(header + payload, Role::Server);
    QCOMPARE(frames.size(), size_t(1));
    QCOMPARE(frames[0].payload, payload);
}

void tst_Protocol::headerOnlySendRefused()
{
    // A client must mask, so it cannot send a payload unchanged.
    Protocol client = openProtocol(Role::Client);
    QVERIFY(!client.sendMessageHeader(MessageType::Text, 10));
    QVERIFY(client.pendingOutput().empty());
    // Fragmenting or compressing changes the payload too.
    ProtocolOptions fragmenting;
    fragmenting.outgoingFragmentSize = 100;
    Protocol server = openProtocol(Role::Server, fragmenting);
    QVERIFY(!server.sendMessageHeader(MessageType::Binary, 101));
    QVERIFY(server.sendMessageHeader(MessageType::Binary, 100));
    Protocol compressing(Role::Server);
    compressing.open(DeflateParameters{});
    QVERIFY(!compressing.sendMessageHeader(MessageType::Text, 10));
    QVERIFY(compressing.sendMessageHeader(MessageType::Text, 10, false));
    // Nothing may be sent while a streamed message is open or after close.
    Protocol streaming = openProtocol(Role::Server);
    QCOMPARE(streaming.beginMessage(MessageType::Binary), Error::None);
    QVERIFY(!streaming.sendMessageHeader(MessageType::Binary, 1));
    Protocol closed = openProtocol(Role::Server);
    QCOMPARE(closed.close(1000), Error::None);
    drainOutput(closed);
    QVERIFY(!closed.sendMessageHeader(MessageType::Binary, 1));
    QVERIFY(closed.pendingOutput().empty());
}

namespace {

class RecordingStorage : public MessageStorage
{
public:
    void clear() override { bytes_.clear(); ++clears; }
    std::size_t capacity() const override { return bytes_.capacity(); }
    void reserve(std::size_t capacity) override
    {
        reserves.push_back(capacity);
        bytes_.reserve(capacity);
    }
    void append(std::string_view more) override { bytes_.append(more); }
    std::string_view bytes() const override { return bytes_; }

    std::string bytes_;
    int clears = 0;
    std::vector<std::size_t> reserves;
};

} // namespace

void tst_Protocol::messagesAssembleInCallerStorage()
{
    RecordingStorage storage;
    Protocol server = openProtocol(Role::Server);
    server.setMessageStorage(&storage);
    const std::string wire = clientFrame(Opcode::Text, std::string(1000, 'a'), false)
                             + clientFrame(Opcode::Continuation, std::string(3000, 'b'));
    std::string bytes = wire;
    server.receive(bytes.data(), bytes.size());
    const Event event = server.nextEvent();
    QCOMPARE(event.type, Type::Message);
    QCOMPARE(event.payload.size(), size_t(4000));
    // The event views the caller's storage, which grew once: to 64 KiB, the first
    // reservation of a message whose end is not known yet.
    QCOMPARE(static_cast<const void *>(event.payload.data()), static_cast<const void *>(storage.bytes_.data()));
    QCOMPARE(storage.clears, 1);
    QCOMPARE(storage.reserves, (std::vector<std::size_t>{64 * 1024}));
    server.setMessageStorage(nullptr);
    QCOMPARE(feed(server, wire).at(0).payload.size(), size_t(4000));
    QCOMPARE(storage.clears, 1);
}

void tst_Protocol::storageGrowsWithArrivedBytes()
{
    // A frame declares 64 MiB, the limit, and its bytes arrive in 64 KiB reads: the
    // storage holds room in proportion to what arrived, not to what was declared,
    // and is not reallocated for every read.
    constexpr std::size_t declared = 64 * 1024 * 1024;
    constexpr std::size_t sent = 4 * 1024 * 1024;
    constexpr std::size_t read = 64 * 1024;
    ProtocolOptions options;
    options.maxMessageSize = declared;
    for (const std::size_t frameSize : {declared, sent}) {
        RecordingStorage storage;
        Protocol server = openProtocol(Role::Server, options);
        server.setMessageStorage(&storage);
        FrameHeader header;
        header.opcode = Opcode::Binary;
        header.masked = true;
        header.maskKey = MaskKey{{0x37, 0xfa, 0x21, 0x3d}};
        header.payloadLength = frameSize;
        char encoded[MaxFrameHeaderSize];
        std::string wire(encoded, encodeFrameHeader(header, encoded));
        std::string payload(sent, '\0');
        for (std::size_t i = 0; i < payload.size(); ++i)
            payload[i] = static_cast<char>(i * 7 + i / 4096);
        const std::size_t headerSize = wire.size();
        wire += payload;
        applyMask(wire.data() + headerSize, payload.size(), header.maskKey);

        // The header and the first 100 payload bytes.
        std::size_t offset = headerSize + 100;
        QVERIFY(feed(server, wire.substr(0, offset)).empty());
        QVERIFY2(storage.capacity() <= 64 * 1024, qPrintable(QString::number(storage.capacity())));
        std::vector<Received> events;
        while (offset < wire.size()) {
            const std::string piece = wire.substr(offset, read);
            offset += piece.size();
            events = feed(server, piece);
            const std::size_t arrived = offset - headerSize;
            QVERIFY2(storage.capacity() <= std::max<std::size_t>(2 * arrived, 64 * 1024),
                     qPrintable(QStringLiteral("%1 after %2").arg(storage.capacity()).arg(arrived)));
        }
        // Doubling from 64 KiB to 4 MiB: 7 reservations for 65 reads.
        QVERIFY2(storage.reserves.size() <= 7, qPrintable(QString::number(storage.reserves.size())));
        if (frameSize == sent) {
            // Never more room than the frame needs.
            QCOMPARE(storage.reserves.back(), sent);
            QCOMPARE(events.size(), std::size_t(1));
            QVERIFY(events.at(0).payload == payload);
        } else {
            QVERIFY(events.empty());
            QCOMPARE(storage.bytes_.size(), sent);
        }
    }
}

void tst_Protocol::storageGrowsGeometricallyAcrossFragments()
{
    // 4 MiB in 64-byte fragments (Autobahn 9.3.1): the storage doubles, it does not
    // grow (and copy the message so far) fragment by fragment.
    RecordingStorage storage;
    ProtocolOptions options;
    options.maxMessageSize = 5 * 1024 * 1024;
    Protocol server = openProtocol(Role::Server, options);
    server.setMessageStorage(&storage);
    constexpr std::size_t fragment = 64;
    constexpr std::size_t size = 4 * 1024 * 1024;
    std::string wire;
    for (std::size_t offset = 0; offset < size; offset += fragment)
        wire += clientFrame(offset == 0 ? Opcode::Binary : Opcode::Continuation, std::string(fragment, 'f'),
                            offset + fragment == size);
    const auto events = feed(server, wire, 65536);
    QCOMPARE(events.size(), std::size_t(1));
    QCOMPARE(events.at(0).payload.size(), size);
    // 64 KiB doubling to 4 MiB, never more than the limit.
    QVERIFY2(storage.reserves.size() <= 8, qPrintable(QString::number(storage.reserves.size())));
    QVERIFY(storage.capacity() <= options.maxMessageSize);
}

// The same byte stream fed whole, in random pieces and a byte at a time must give
// the same events and the same output, whatever it holds.
void tst_Protocol::chunkInvariance()
{
    std::mt19937 random(20261124);
    const std::vector<std::string> parts = {
        clientFrame(Opcode::Text, "Hello"),
        clientFrame(Opcode::Binary, std::string(300, '\x01')),
        clientFrame(Opcode::Text, "frag", false),
        clientFrame(Opcode::Ping, "p"),
        clientFrame(Opcode::Continuation, "ment\xce", false),
        clientFrame(Opcode::Continuation, "\xba"),
        clientFrame(Opcode::Pong, ""),
        clientFrame(Opcode::Binary, std::string(70000, 'x')),
        clientFrame(Opcode::Text, "\xff"),
        clientFrame(Opcode::Continuation, "orphan"),
        clientFrame(Opcode::Close, closePayload(1000, "bye")),
        serverFrame(Opcode::Text, "unmasked"),
        clientFrame(Opcode::Text, "x", true, Rsv::Rsv2),
    };
    for (int round = 0; round < 200; ++round) {
        std::string stream;
        const int count = 1 + static_cast<int>(random() % 6);
        for (int i = 0; i < count; ++i)
            stream += parts[random() % parts.size()];

        auto run = [&](auto pieceSize) {
            ProtocolOptions options;
            options.maxMessageSize = 65536 + static_cast<std::size_t>(round % 2) * 65536;
            Protocol server = openProtocol(Role::Server, options);
            std::vector<Received> events;
            std::size_t offset = 0;
            while (offset < stream.size()) {
                const std::size_t n = std::min(pieceSize(), stream.size() - offset);
                const auto more = feed(server, stream.substr(offset, n));
                events.insert(events.end(), more.begin(), more.end());
                offset += n;
            }
            return std::make_pair(events, drainOutput(server));
        };
        const auto whole = run([&] { return stream.size(); });
        const auto bytewise = run([] { return std::size_t(1); });
        const auto pieces = run([&] { return std::size_t(1 + random() % 200); });
        QVERIFY2(whole.first == bytewise.first, qPrintable(QStringLiteral("round %1").arg(round)));
        QVERIFY2(whole.first == pieces.first, qPrintable(QStringLiteral("round %1").arg(round)));
        QCOMPARE(whole.second, bytewise.second);
        QCOMPARE(whole.second, pieces.second);
    }
}

QTEST_APPLESS_MAIN(tst_Protocol)
#include "tst_protocol.moc"
