// Every way a compressed message can be framed, into both roles' Protocol: a
// sweep over message kinds (text and binary, compressible and random), context
// takeover, window bits 8-15, assembled and streamed delivery, whole and split
// reads, and every framing of compressedframing.h, several messages in a row so
// that the state one message leaves is checked by the next. The messages are
// compressed by zlib itself, as the peers we meet do.
//
// Then our own senders' edges: messages sent whole, split by
// outgoingFragmentSize, and streamed in pieces with empty first, middle and last
// pieces, each decoded by zlib and by the other role's Protocol.

#include "compressedframing.h"
#include "zlibpeer.h"

#include <WsKit/Core/protocol.h>

#include <QtTest/QtTest>

using namespace WsKit::Core;
using CompressedFraming::Frame;
using CompressedFraming::Message;

namespace {

Role otherRole(Role role)
{
    return role == Role::Server ? Role::Client : Role::Server;
}

ProtocolOptions optionsFor(Role role, bool streaming)
{
    ProtocolOptions options;
    options.streamIncoming = streaming;
    if (role == Role::Client)
        options.maskKeySource = [] { return MaskKey{{0x12, 0x9e, 0x61, 0xf0}}; };
    return options;
}

// The parameters a negotiation settles on when `sender` compresses with this
// window and context takeover (the other direction keeps the defaults).
DeflateParameters parametersFor(Role sender, int windowBits, bool noContextTakeover)
{
    DeflateParameters parameters;
    if (sender == Role::Server) {
        parameters.serverMaxWindowBits = std::uint8_t(windowBits);
        parameters.serverNoContextTakeover = noContextTakeover;
    } else {
        parameters.clientMaxWindowBits = std::uint8_t(windowBits);
        parameters.clientNoContextTakeover = noContextTakeover;
    }
    return parameters;
}

// What a receiving Protocol made of the bytes it was given.
struct Received {
    QList<Message> messages;
    QByteArray partial; // a streamed message so far
    bool inMessage = false;
    qsizetype pings = 0;
    QString failure;
};

void receive(Protocol &protocol, QByteArray wire, qsizetype readSize, Received &received)
{
    for (qsizetype offset = 0; offset < wire.size() && received.failure.isEmpty(); offset += readSize) {
        protocol.receive(wire.data() + offset, std::size_t(qMin(readSize, wire.size() - offset)));
        for (Event event = protocol.nextEvent(); event.type != Event::Type::None; event = protocol.nextEvent()) {
            const QByteArray payload(event.payload.data(), qsizetype(event.payload.size()));
            switch (event.type) {
            case Event::Type::Message:
                received.messages.append({event.messageType, payload});
                break;
            case Event::Type::MessageChunk:
                if (event.first == received.inMessage)
                    received.failure = QStringLiteral("a chunk's first flag is wrong");
                received.partial.append(payload);
                received.inMessage = !event.last;
                if (event.last) {
                    received.messages.append({event.messageType, received.partial});
                    received.partial.clear();
                }
                break;
            case Event::Type::Ping:
                ++received.pings;
                break;
            case Event::Type::Failed:
                received.failure = QString::fromUtf8(errorText(event.error));
                break;
            default:
                received.failure = QStringLiteral("an unexpected event");
                break;
            }
        }
    }
}

// The pongs in a receiver's output, one per ping, answered in order.
bool answeredEveryPing(Protocol &receiver, qsizetype pings)
{
    const std::string_view output = receiver.pendingOutput();
    const auto frames = CompressedFraming::decode(QByteArray(output.data(), qsizetype(output.size())),
                                                  otherRole(receiver.role()));
    receiver.consumeOutput(output.size());
    if (!frames || frames->size() != pings)
        return false;
    for (qsizetype i = 0; i < pings; ++i) {
        if (frames->at(i).opcode != Opcode::Pong)
            return false;
    }
    return true;
}

} // namespace

Q_DECLARE_METATYPE(WsKit::Core::Role)

class tst_DeflateFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void framingIsCheckedItself();
    void everyFramingDecodes_data();
    void everyFramingDecodes();
    void emptyCompressedPayloadIsNotAMessage_data();
    void emptyCompressedPayloadIsNotAMessage();
    void ownSendersEdges_data();
    void ownSendersEdges();

private:
    QList<Message> m_messages;
};

void tst_DeflateFraming::initTestCase()
{
    m_messages = CompressedFraming::sweepMessages();
}

void tst_DeflateFraming::framingIsCheckedItself()
{
    // The Autobahn rule the sweep relies on: an empty final frame exactly when the
    // payload divides evenly, one frame when it fits.
    const auto even = CompressedFraming::autobahnFragments(Opcode::Text, QByteArray(512, 'a'), 256);
    QCOMPARE(even.size(), 3);
    QVERIFY(even[2].payload.isEmpty() && even[2].fin && !even[1].fin);
    QVERIFY(even[0].rsv1 && !even[1].rsv1 && !even[2].rsv1);
    QCOMPARE(even[1].opcode, Opcode::Continuation);
    const auto odd = CompressedFraming::autobahnFragments(Opcode::Text, QByteArray(513, 'a'), 256);
    QCOMPARE(odd.size(), 3);
    QCOMPARE(odd[2].payload.size(), 1);
    QCOMPARE(CompressedFraming::autobahnFragments(Opcode::Text, QByteArray(256, 'a'), 256).size(), 1);

    // Encoding and decoding are inverse in both directions.
    for (Role receiver : {Role::Server, Role::Client}) {
        const QList<Frame> frames = CompressedFraming::withPings(even);
        const auto decoded = CompressedFraming::decode(CompressedFraming::encode(frames, receiver == Role::Server),
                                                       receiver);
        QVERIFY(decoded.has_value());
        QCOMPARE(decoded->size(), frames.size());
        for (qsizetype i = 0; i < frames.size(); ++i)
            QCOMPARE(decoded->at(i).payload, frames[i].payload);
    }
}

void tst_DeflateFraming::everyFramingDecodes_data()
{
    QTest::addColumn<Role>("receiver");
    QTest::addColumn<bool>("streaming");
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<int>("windowBits");
    for (Role receiver : {Role::Server, Role::Client}) {
        for (bool streaming : {false, true}) {
            for (bool noContextTakeover : {false, true}) {
                for (int windowBits = 8; windowBits <= 15; ++windowBits) {
                    QTest::addRow("%s, %s, %s, window %d", receiver == Role::Server ? "server" : "client",
                                  streaming ? "streamed" : "assembled",
                                  noContextTakeover ? "no context takeover" : "context takeover", windowBits)
                        << receiver << streaming << noContextTakeover << windowBits;
                }
            }
        }
    }
}

void tst_DeflateFraming::everyFramingDecodes()
{
    QFETCH(Role, receiver);
    QFETCH(bool, streaming);
    QFETCH(bool, noContextTakeover);
    QFETCH(int, windowBits);
    const Role sender = otherRole(receiver);

    for (const CompressedFraming::Framing &framing : CompressedFraming::allFramings()) {
        // Whole messages in one read, and the same bytes in reads of 7.
        for (qsizetype readSize : {qsizetype(1) << 20, qsizetype(7)}) {
            const QString where = QStringLiteral("%1, reads of %2").arg(framing.name).arg(readSize);
            Protocol protocol(receiver, optionsFor(receiver, streaming));
            protocol.open(parametersFor(sender, windowBits, noContextTakeover));
            ZlibPeer::Deflater deflater(windowBits, noContextTakeover);
            QVERIFY(deflater.isValid());

            Received received;
            qsizetype pings = 0;
            for (const Message &message : std::as_const(m_messages)) {
                const QByteArray compressed = deflater.compress(message.payload);
                QVERIFY2(!compressed.isEmpty(), "zlib failed to compress");
                const QList<Frame> frames = framing.cut(CompressedFraming::opcodeOf(message.type), compressed);
                pings += CompressedFraming::pingCount(frames);
                receive(protocol, CompressedFraming::encode(frames, sender == Role::Client), readSize, received);
                QVERIFY2(received.failure.isEmpty(),
                         qPrintable(QStringLiteral("%1: message %2 failed the connection: %3")
                                        .arg(where)
                                        .arg(received.messages.size())
                                        .arg(received.failure)));
            }
            QCOMPARE(received.messages, m_messages);
            QCOMPARE(received.pings, pings);
            QVERIFY2(answeredEveryPing(protocol, pings), qPrintable(where));
            QVERIFY2(protocol.state() == Protocol::State::Open, qPrintable(where));
        }
    }
}

void tst_DeflateFraming::emptyCompressedPayloadIsNotAMessage_data()
{
    QTest::addColumn<bool>("afterAMessage");
    QTest::newRow("first message") << false;
    QTest::newRow("after a message") << true;
}

void tst_DeflateFraming::emptyCompressedPayloadIsNotAMessage()
{
    // An empty message compresses to one byte (RFC 7692 §7.2.3.6); a compressed
    // message with no payload at all does not end on a block boundary once the
    // tail is restored, so it is invalid data (1007) rather than a message that
    // would leave the inflater inside a stored block's header.
    QFETCH(bool, afterAMessage);
    Protocol server(Role::Server, optionsFor(Role::Server, false));
    server.open(DeflateParameters{});
    ZlibPeer::Deflater deflater(15, false);
    Received received;
    if (afterAMessage) {
        receive(server, CompressedFraming::encode({{Opcode::Text, deflater.compress("Hello"), true, true}}, true), 64,
                received);
        QCOMPARE(received.messages.size(), 1);
    }
    receive(server, CompressedFraming::encode({{Opcode::Text, QByteArray(), true, true}}, true), 64, received);
    QCOMPARE(received.failure, QString::fromUtf8(errorText(Error::InvalidCompressedData)));
    QCOMPARE(server.state(), Protocol::State::Closed);
}

void tst_DeflateFraming::ownSendersEdges_data()
{
    QTest::addColumn<Role>("sender");
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<int>("windowBits");
    for (Role sender : {Role::Server, Role::Client}) {
        for (bool noContextTakeover : {false, true}) {
            for (int windowBits : {8, 9, 12, 15}) {
                QTest::addRow("%s sends, %s, window %d", sender == Role::Server ? "server" : "client",
                              noContextTakeover ? "no context takeover" : "context takeover", windowBits)
                    << sender << noContextTakeover << windowBits;
            }
        }
    }
}

void tst_DeflateFraming::ownSendersEdges()
{
    QFETCH(Role, sender);
    QFETCH(bool, noContextTakeover);
    QFETCH(int, windowBits);
    const DeflateParameters parameters = parametersFor(sender, windowBits, noContextTakeover);

    // How a message is handed to the sending Protocol: whole (split into frames
    // of outgoingFragmentSize), or streamed in pieces, some of them empty.
    using Send = std::function<Error(Protocol &, const Message &)>;
    auto whole = [](std::size_t fragmentSize) -> Send {
        return [fragmentSize](Protocol &protocol, const Message &message) {
            protocol.setOutgoingFragmentSize(fragmentSize);
            return protocol.sendMessage(message.type, {message.payload.constData(), std::size_t(message.payload.size())});
        };
    };
    // pieces: sizes to stream, 0 meaning an empty piece; the last one ends the message.
    auto streamed = [](QList<qsizetype> pieces) -> Send {
        return [pieces](Protocol &protocol, const Message &message) {
            if (const Error error = protocol.beginMessage(message.type); error != Error::None)
                return error;
            qsizetype offset = 0;
            for (qsizetype i = 0; i < pieces.size(); ++i) {
                const bool last = i == pieces.size() - 1;
                const qsizetype size = last ? message.payload.size() - offset : qMin(pieces[i], message.payload.size() - offset);
                const QByteArray piece = message.payload.mid(offset, size);
                offset += size;
                if (const Error error = protocol.sendFragment({piece.constData(), std::size_t(piece.size())}, last);
                    error != Error::None)
                    return error;
            }
            return Error::None;
        };
    };
    const QList<QPair<QString, Send>> ways = {
        {QStringLiteral("one frame"), whole(0)},
        {QStringLiteral("frames of 1"), whole(1)},
        {QStringLiteral("frames of 3"), whole(3)},
        {QStringLiteral("frames of 256"), whole(256)},
        {QStringLiteral("empty first piece"), streamed({0, -1})},
        {QStringLiteral("empty middle piece"), streamed({100, 0, -1})},
        {QStringLiteral("empty last piece"), streamed({1 << 20, -1})},
        {QStringLiteral("only empty pieces then the rest"), streamed({0, 0, 0, -1})},
        {QStringLiteral("pieces of 7 then an empty last"), streamed({7, 7, 7, 0, 7, 1 << 20, -1})},
    };

    for (const auto &[name, send] : ways) {
        Protocol out(sender, optionsFor(sender, false));
        out.open(parameters);
        Protocol in(otherRole(sender), optionsFor(otherRole(sender), false));
        in.open(parameters);
        ZlibPeer::Inflater zlib(windowBits, noContextTakeover);
        QVERIFY(zlib.isValid());
        Received received;
        for (const Message &message : std::as_const(m_messages)) {
            QCOMPARE(send(out, message), Error::None);
            const std::string_view output = out.pendingOutput();
            const QByteArray wire(output.data(), qsizetype(output.size()));
            out.consumeOutput(output.size());

            // zlib inflates what went on the wire: RSV1 on the first frame only.
            const auto frames = CompressedFraming::decode(wire, otherRole(sender));
            QVERIFY2(frames && !frames->isEmpty(), qPrintable(name));
            QByteArray compressed;
            for (qsizetype i = 0; i < frames->size(); ++i) {
                QCOMPARE(frames->at(i).rsv1, i == 0);
                QCOMPARE(frames->at(i).fin, i == frames->size() - 1);
                compressed += frames->at(i).payload;
            }
            const std::optional<QByteArray> inflated = zlib.decompress(compressed);
            QVERIFY2(inflated.has_value(), qPrintable(name + QStringLiteral(": zlib cannot inflate it")));
            QCOMPARE(*inflated, message.payload);

            receive(in, wire, 1 << 20, received);
            QVERIFY2(received.failure.isEmpty(), qPrintable(name + QStringLiteral(": ") + received.failure));
        }
        QCOMPARE(received.messages, m_messages);
    }
}

QTEST_APPLESS_MAIN(tst_DeflateFraming)

#include "tst_deflateframing.moc"
