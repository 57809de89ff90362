#pragma once
// A WebSocket client for tests, written against the wire: it sends a request head
// of our choosing, builds frames with the core's frame codec (well formed or not),
// and decodes what the server sends with a client-role Core::Protocol.

#include <WsKit/Core/closecode.h>
#include <WsKit/Core/deflatenegotiation.h>
#include <WsKit/Core/frame.h>
#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/protocol.h>

#include <QtCore/QByteArray>
#include <QtCore/QElapsedTimer>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtNetwork/QSslSocket>
#include <QtTest/QTest>

#include <memory>
#include <optional>
#include <string>

namespace TestClient {

using namespace WsKit;

inline constexpr int Wait = 5000; // generous: a test never depends on timing beyond it

inline std::string toStd(const QByteArray &bytes)
{
    return std::string(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

inline QByteArray toBytes(std::string_view bytes)
{
    return QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()));
}

// The first field with this name in a response head the server sent; null if none.
inline QByteArray headerValue(const Core::HttpResponseHead &response, std::string_view name)
{
    const auto value = response.headers.value(name);
    return value ? toBytes(*value) : QByteArray();
}

// One frame on the wire, masked as a client must (or not, to break the rule).
struct Frame {
    Core::Opcode opcode = Core::Opcode::Text;
    QByteArray payload;
    bool fin = true;
    bool masked = true;
    std::uint8_t rsv = 0;
};

inline QByteArray encode(const Frame &frame)
{
    Core::FrameHeader header;
    header.fin = frame.fin;
    header.rsv = frame.rsv;
    header.opcode = frame.opcode;
    header.masked = frame.masked;
    header.maskKey = {{0x1f, 0x8a, 0x44, 0xc3}};
    header.payloadLength = static_cast<std::uint64_t>(frame.payload.size());
    char encoded[Core::MaxFrameHeaderSize];
    QByteArray bytes(encoded, static_cast<qsizetype>(Core::encodeFrameHeader(header, encoded)));
    QByteArray payload = frame.payload;
    if (frame.masked)
        Core::applyMask(payload.data(), static_cast<std::size_t>(payload.size()), header.maskKey);
    return bytes + payload;
}

inline QByteArray closePayload(quint16 code, const QByteArray &reason = {})
{
    std::string payload;
    Core::appendClosePayload(code, toStd(reason), payload);
    return toBytes(payload);
}

// A valid upgrade request head for target, plus extra fields ("Name: value" lines).
inline QByteArray upgradeRequest(const QByteArray &target = "/", const QList<QByteArray> &extra = {})
{
    QByteArray head = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n";
    for (const QByteArray &line : extra)
        head += line + "\r\n";
    return head + "\r\n";
}

struct Event {
    Core::Event::Type type = Core::Event::Type::None;
    Core::MessageType messageType = Core::MessageType::Binary;
    QByteArray payload;
    bool first = false;
    bool last = false;
    quint16 closeCode = 0;
    QByteArray closeReason;
};

class Client : public QObject
{
public:
    Client()
        : m_protocol(std::make_unique<Core::Protocol>(Core::Role::Client, clientOptions()))
    {
        connect(&socket, &QIODevice::readyRead, this, &Client::readAvailable);
    }

    static Core::ProtocolOptions clientOptions()
    {
        Core::ProtocolOptions options;
        options.maxMessageSize = 0;
        options.maskKeySource = [] { return Core::MaskKey{{0x5a, 0x01, 0xe7, 0x90}}; };
        return options;
    }

    bool connectTo(quint16 port, bool tls = false)
    {
        if (tls) {
            socket.setPeerVerifyMode(QSslSocket::VerifyNone);
            socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
            // Not waitForEncrypted(): the server shares this thread's event loop.
            return QTest::qWaitFor([this] { return socket.isEncrypted(); }, Wait);
        }
        socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        return socket.waitForConnected(Wait);
    }

    void write(const QByteArray &bytes) { socket.write(bytes); }

    // Sends the head and waits for the whole response head; returns its status
    // (0 when none came). A 101 opens the client-side protocol.
    int handshake(const QByteArray &head)
    {
        write(head);
        if (!QTest::qWaitFor([this] { return m_responseParsed || socket.state() != QAbstractSocket::ConnectedState; }, Wait))
            return 0;
        if (!m_responseParsed)
            readAvailable();
        if (!m_responseParsed)
            return 0;
        return response.status;
    }
    int upgrade(const QByteArray &target = "/", const QList<QByteArray> &extra = {})
    {
        return handshake(upgradeRequest(target, extra));
    }

    // Offers permessage-deflate as the core's client would; after a 101 the answer
    // is checked against the offer and what the server sends is inflated with the
    // agreed parameters.
    int upgradeCompressed(const Core::DeflateConfig &offer, const QByteArray &target = "/")
    {
        m_offer = offer;
        return upgrade(target, {"Sec-WebSocket-Extensions: " + toBytes(Core::deflateOffer(offer))});
    }

    // A data message through the client's own protocol: compressed when agreed and
    // compress is set, unless under the threshold of clientOptions() (none).
    void sendMessage(Core::MessageType type, const QByteArray &payload, bool compress = true)
    {
        m_protocol->sendMessage(type, {payload.constData(), static_cast<std::size_t>(payload.size())}, compress);
        writeOutput();
    }

    void sendFrame(const Frame &frame) { write(encode(frame)); }
    void sendText(const QByteArray &text) { sendFrame({Core::Opcode::Text, text}); }
    void sendBinary(const QByteArray &data) { sendFrame({Core::Opcode::Binary, data}); }
    void sendClose(quint16 code, const QByteArray &reason = {})
    {
        sendFrame({Core::Opcode::Close, closePayload(code, reason)});
    }

    // Waits until an event of this type arrived; returns it (type None on timeout).
    Event waitFor(Core::Event::Type type, int timeout = Wait)
    {
        Event found;
        const bool arrived = QTest::qWaitFor([&] {
            for (qsizetype i = 0; i < events.size(); ++i) {
                if (events.at(i).type == type) {
                    found = events.takeAt(i);
                    return true;
                }
            }
            return false;
        }, timeout);
        Q_UNUSED(arrived) // found stays of type None
        return found;
    }
    Event nextMessage(int timeout = Wait) { return waitFor(Core::Event::Type::Message, timeout); }

    bool waitForDisconnected(int timeout = Wait)
    {
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::UnconnectedState; }, timeout);
    }

    // Stops taking bytes from the kernel: the server's writes back up.
    void stopReading()
    {
        m_reading = false;
        socket.setReadBufferSize(1);
    }

    void resumeReading()
    {
        m_reading = true;
        socket.setReadBufferSize(0);
        readAvailable();
    }

    QSslSocket socket;
    Core::HttpResponseHead response;
    QByteArray responseBody; // bytes after the head of a non-101 answer
    QList<Event> events;
    QByteArray raw; // every byte after a 101 response head, as it came
    // After upgradeCompressed(): the server's answer checked against the offer.
    Core::Error deflateResponseError = Core::Error::None;
    std::optional<Core::DeflateParameters> agreedDeflate;
    qint64 protocolBytesSent = 0; // what sendMessage() and the protocol's answers wrote

private:
    void readAvailable()
    {
        if (!m_reading)
            return;
        QByteArray bytes = socket.readAll();
        if (m_failedHandshake) {
            responseBody += bytes;
            return;
        }
        if (!m_responseParsed) {
            std::size_t consumed = 0;
            const auto status = m_parser.parse(bytes.constData(), static_cast<std::size_t>(bytes.size()), consumed);
            if (status != Core::HttpHeadParser::Status::Complete)
                return;
            m_responseParsed = true;
            response = m_parser.response();
            bytes = bytes.mid(static_cast<qsizetype>(consumed));
            if (response.status != 101) {
                responseBody = bytes;
                m_failedHandshake = true;
                return;
            }
            if (m_offer) {
                deflateResponseError = Core::acceptDeflateResponse(
                    response.headers.combinedValue("Sec-WebSocket-Extensions"), *m_offer, agreedDeflate);
            }
            m_protocol->open(agreedDeflate);
        }
        raw += bytes;
        m_protocol->receive(bytes.data(), static_cast<std::size_t>(bytes.size()));
        for (Core::Event event = m_protocol->nextEvent(); event.type != Core::Event::Type::None;
             event = m_protocol->nextEvent()) {
            events.append({event.type, event.messageType, toBytes(event.payload), event.first, event.last,
                           event.closeCode, toBytes(event.closeReason)});
        }
        // Answers the server's pings and close frame as the protocol decided.
        writeOutput();
    }

    void writeOutput()
    {
        const std::string_view output = m_protocol->pendingOutput();
        if (!output.empty()) {
            protocolBytesSent += static_cast<qint64>(output.size());
            socket.write(output.data(), static_cast<qint64>(output.size()));
            m_protocol->consumeOutput(output.size());
        }
    }

    std::unique_ptr<Core::Protocol> m_protocol;
    Core::HttpHeadParser m_parser{Core::HttpHeadParser::Kind::Response};
    bool m_responseParsed = false;
    bool m_failedHandshake = false;
    bool m_reading = true;
    std::optional<Core::DeflateConfig> m_offer;
};

} // namespace TestClient
