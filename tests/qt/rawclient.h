#pragma once
// A deliberately low-level WebSocket client for conformance tests, in the manner
// of Autobahn's fuzzing client: it performs the opening handshake by hand, writes
// masked frames exactly as told (invalid ones included) in whatever chunks a test
// asks for, and reads the server's frames strictly, turning them into the events
// Autobahn records (messages, pings, pongs, the close frame, the end of TCP).
//
// The client blocks on its socket, so the server under test must run in another
// thread.

#include <WsKit/Core/closecode.h>
#include <WsKit/Core/frame.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/utf8.h>

#include <QtCore/QByteArray>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QList>
#include <QtCore/QRandomGenerator>
#include <QtCore/QString>
#include <QtCore/QThread>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpSocket>

#include <chrono>
#include <cstring>
#include <optional>

namespace Conformance {

namespace Core = WsKit::Core;

// Autobahn numbers the reserved bits as one 3-bit value: 4 is RSV1, 2 RSV2, 1 RSV3.
inline std::uint8_t rsvBits(int autobahnRsv)
{
    return static_cast<std::uint8_t>(((autobahnRsv & 4) ? Core::Rsv::Rsv1 : 0) | ((autobahnRsv & 2) ? Core::Rsv::Rsv2 : 0)
                                     | ((autobahnRsv & 1) ? Core::Rsv::Rsv3 : 0));
}

// A frame to send. The opcode is the raw 4-bit value so reserved ones can be sent.
struct OutFrame {
    int opcode = int(Core::Opcode::Text);
    QByteArray payload;
    bool fin = true;
    int rsv = 0; // Autobahn's 3-bit value (rsvBits())
};

inline OutFrame textFrame(const QByteArray &payload, bool fin = true)
{
    return {int(Core::Opcode::Text), payload, fin, 0};
}
inline OutFrame binaryFrame(const QByteArray &payload, bool fin = true)
{
    return {int(Core::Opcode::Binary), payload, fin, 0};
}
inline OutFrame continuationFrame(const QByteArray &payload, bool fin)
{
    return {int(Core::Opcode::Continuation), payload, fin, 0};
}
inline OutFrame pingFrame(const QByteArray &payload = {})
{
    return {int(Core::Opcode::Ping), payload, true, 0};
}
inline OutFrame pongFrame(const QByteArray &payload = {})
{
    return {int(Core::Opcode::Pong), payload, true, 0};
}
inline QByteArray closePayload(quint16 code, const QByteArray &reason = {})
{
    QByteArray payload;
    payload.append(char(code >> 8)).append(char(code & 0xff)).append(reason);
    return payload;
}
inline OutFrame closeFrame(const QByteArray &payload = {})
{
    return {int(Core::Opcode::Close), payload, true, 0};
}

// One frame as the server sent it.
struct InFrame {
    bool fin = true;
    std::uint8_t rsv = 0;
    Core::Opcode opcode = Core::Opcode::Binary;
    QByteArray payload;
};

// What Autobahn's client observes.
struct Event {
    enum class Kind {
        Message,
        Ping,
        Pong,
        Close,
        Disconnected, // the server ended the TCP connection
        Timeout,      // nothing within the wait
        Violation,    // the server sent something RFC 6455 forbids
    };
    Kind kind = Kind::Timeout;
    bool binary = false;  // Message
    QByteArray payload;   // Message, Ping, Pong; Close: the raw close payload
    QString violation;    // Violation: what was wrong

    static Event message(const QByteArray &payload, bool binary) { return {Kind::Message, binary, payload, {}}; }
    static Event text(const QByteArray &payload) { return message(payload, false); }
    static Event binaryMessage(const QByteArray &payload) { return message(payload, true); }
    static Event ping(const QByteArray &payload) { return {Kind::Ping, false, payload, {}}; }
    static Event pong(const QByteArray &payload) { return {Kind::Pong, false, payload, {}}; }

    // Close: the code in the payload, or -1 for an empty payload.
    int closeCode() const
    {
        if (payload.size() < 2)
            return -1;
        return (quint8(payload[0]) << 8) | quint8(payload[1]);
    }
};

inline QString describe(const Event &event)
{
    auto shown = [](const QByteArray &bytes) {
        const QByteArray head = bytes.left(24).toHex(' ');
        return QStringLiteral("%1 bytes [%2%3]")
            .arg(bytes.size())
            .arg(QString::fromLatin1(head))
            .arg(bytes.size() > 24 ? QStringLiteral(" ...") : QString());
    };
    switch (event.kind) {
    case Event::Kind::Message:
        return QStringLiteral("%1 message, %2").arg(event.binary ? QStringLiteral("binary") : QStringLiteral("text"),
                                                    shown(event.payload));
    case Event::Kind::Ping:
        return QStringLiteral("ping, ") + shown(event.payload);
    case Event::Kind::Pong:
        return QStringLiteral("pong, ") + shown(event.payload);
    case Event::Kind::Close:
        return QStringLiteral("close %1, reason of %2 bytes").arg(event.closeCode()).arg(event.payload.size() - 2);
    case Event::Kind::Disconnected:
        return QStringLiteral("TCP connection ended");
    case Event::Kind::Timeout:
        return QStringLiteral("nothing (timeout)");
    case Event::Kind::Violation:
        return QStringLiteral("protocol violation: ") + event.violation;
    }
    return {};
}

inline bool sameEvent(const Event &a, const Event &b)
{
    return a.kind == b.kind && a.binary == b.binary && a.payload == b.payload;
}

class RawClient
{
public:
    RawClient() { m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1); }

    // Connects and performs the opening handshake (RFC 6455 §4.1, the key and
    // accept value of the RFC's own example); sentWithRequest goes out in the same
    // write as the request (frames a client sends without waiting for the answer).
    // Returns an error text, empty on success.
    QString open(quint16 port, const QByteArray &sentWithRequest = {})
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        if (!m_socket.waitForConnected(5000))
            return QStringLiteral("connect: ") + m_socket.errorString();
        m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
        // The request as Autobahn's client writes it ("WebSocket" capitalised).
        const QByteArray request = "GET / HTTP/1.1\r\n"
                                   "User-Agent: AutobahnTestSuite/0.8.2-0.10.9\r\n"
                                   "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n"
                                   "Upgrade: WebSocket\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Pragma: no-cache\r\n"
                                   "Cache-Control: no-cache\r\n"
                                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                   "Sec-WebSocket-Version: 13\r\n"
                                   "\r\n"
                                   + sentWithRequest;
        m_socket.write(request);
        const QDeadlineTimer deadline(5000);
        qsizetype end = -1;
        while ((end = m_buffer.indexOf("\r\n\r\n")) < 0) {
            if (!fill(deadline))
                return QStringLiteral("no complete response head: ") + QString::fromLatin1(m_buffer);
        }
        const QByteArray head = m_buffer.left(end + 4);
        m_buffer.remove(0, end + 4);
        if (!head.startsWith("HTTP/1.1 101 "))
            return QStringLiteral("not switching protocols: ") + QString::fromLatin1(head);
        QByteArray accept;
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "sec-websocket-accept")
                accept = line.mid(colon + 1).trimmed();
        }
        if (accept != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
            return QStringLiteral("wrong accept value: ") + QString::fromLatin1(head);
        return {};
    }

    quint16 localPort() const { return m_localPort ? m_localPort : m_socket.localPort(); }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }

    // The bytes of frame as a client sends it: masked with a fresh random key.
    static QByteArray encode(const OutFrame &frame)
    {
        Core::FrameHeader header;
        header.fin = frame.fin;
        header.rsv = rsvBits(frame.rsv);
        header.opcode = static_cast<Core::Opcode>(frame.opcode & 0x0f);
        header.masked = true;
        const quint32 key = QRandomGenerator::global()->generate();
        std::memcpy(header.maskKey.data(), &key, header.maskKey.size());
        header.payloadLength = static_cast<std::uint64_t>(frame.payload.size());
        char encoded[Core::MaxFrameHeaderSize];
        const std::size_t headerSize = Core::encodeFrameHeader(header, encoded);
        QByteArray bytes(qsizetype(headerSize) + frame.payload.size(), Qt::Uninitialized);
        std::memcpy(bytes.data(), encoded, headerSize);
        std::memcpy(bytes.data() + headerSize, frame.payload.constData(), std::size_t(frame.payload.size()));
        Core::applyMask(bytes.data() + headerSize, std::size_t(frame.payload.size()), header.maskKey);
        return bytes;
    }

    // Writes bytes in chops of chopSize (0: all at once), each chop pushed to the
    // network on its own, with pause after each one (so the server reads them apart).
    void sendBytes(const QByteArray &bytes, qsizetype chopSize = 0,
                   std::chrono::microseconds pause = std::chrono::microseconds(0))
    {
        if (chopSize <= 0)
            chopSize = bytes.size();
        for (qsizetype offset = 0; offset < bytes.size(); offset += chopSize) {
            // Once the server has ended the connection, Autobahn's writes stop too.
            // (Writing on would draw a reset, and a failed write drops what the
            // socket had read, the server's close frame among it.)
            if (!takeArrivedBytes())
                return;
            m_socket.write(bytes.constData() + offset, qMin(chopSize, bytes.size() - offset));
            flush();
            if (pause.count() > 0)
                QThread::usleep(static_cast<unsigned long>(pause.count()));
        }
        if (bytes.isEmpty())
            flush();
    }

    // Sends a frame as Autobahn's sendFrame(): chopSize splits the frame's bytes
    // (1: octet-wise), sync pushes it out and lets the server read it alone.
    void sendFrame(const OutFrame &frame, qsizetype chopSize = 0, bool sync = false)
    {
        sendBytes(encode(frame), chopSize, pauseFor(chopSize, sync));
    }

    void sendFrames(const QList<OutFrame> &frames, qsizetype chopSize = 0, bool sync = false)
    {
        if (chopSize > 0 || sync) {
            for (const OutFrame &frame : frames)
                sendFrame(frame, chopSize, sync);
            return;
        }
        // Frames sent "in one chop": one write, so the server may read them together.
        QByteArray bytes;
        for (const OutFrame &frame : frames)
            bytes += encode(frame);
        sendBytes(bytes);
    }

    // A message split into frames of fragmentSize payload bytes (Autobahn's
    // sendMessage with fragmentSize / payload_frag_size).
    void sendMessage(const QByteArray &payload, bool binary, qsizetype fragmentSize, qsizetype chopSize = 0)
    {
        const int opcode = int(binary ? Core::Opcode::Binary : Core::Opcode::Text);
        if (fragmentSize <= 0 || payload.size() <= fragmentSize) {
            sendFrame({opcode, payload, true, 0}, chopSize);
            return;
        }
        QByteArray bytes;
        for (qsizetype offset = 0; offset < payload.size(); offset += fragmentSize) {
            const bool last = offset + fragmentSize >= payload.size();
            bytes += encode({offset == 0 ? opcode : int(Core::Opcode::Continuation), payload.mid(offset, fragmentSize),
                             last, 0});
        }
        sendBytes(bytes, chopSize);
    }

    // The next frame from the server, or nothing on timeout, end of TCP or an
    // invalid frame header (then violation() says what was wrong).
    std::optional<InFrame> readFrame(QDeadlineTimer deadline)
    {
        Core::FrameHeaderParser parser(Core::Role::Client);
        for (;;) {
            std::size_t consumed = 0;
            const auto status = parser.parse(m_buffer.constData() + m_pos, std::size_t(m_buffer.size() - m_pos), consumed);
            if (status == Core::FrameHeaderParser::Status::Failed) {
                m_violation = QStringLiteral("invalid frame header: ") + QString::fromUtf8(Core::errorText(parser.error()));
                return std::nullopt;
            }
            if (status == Core::FrameHeaderParser::Status::Complete) {
                const auto &header = parser.header();
                const qsizetype total = qsizetype(consumed) + qsizetype(header.payloadLength);
                while (m_buffer.size() - m_pos < total) {
                    if (!fill(deadline))
                        return std::nullopt;
                }
                InFrame frame{header.fin, header.rsv, header.opcode,
                              m_buffer.mid(m_pos + qsizetype(consumed), qsizetype(header.payloadLength))};
                m_pos += total;
                ++m_framesReceived;
                return frame;
            }
            // Parse the whole header again once more bytes are in (headers are short).
            parser.reset();
            if (!fill(deadline))
                return std::nullopt;
        }
    }

    // The next Autobahn-level event. Data frames are assembled into messages;
    // pings, pongs and the close frame are reported as they come.
    Event nextEvent(int timeoutMs = 2000)
    {
        const QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            if (!m_violation.isEmpty())
                return violation(m_violation);
            const std::optional<InFrame> frame = readFrame(deadline);
            if (!frame) {
                if (!m_violation.isEmpty())
                    return violation(m_violation);
                if (m_socket.state() != QAbstractSocket::ConnectedState && m_pos == m_buffer.size())
                    return {Event::Kind::Disconnected, false, {}, {}};
                return {Event::Kind::Timeout, false, {}, {}};
            }
            if (m_closeReceived)
                return violation(QStringLiteral("a frame after the close frame"));
            if (frame->rsv != 0)
                return violation(QStringLiteral("reserved bits set without an extension"));
            switch (frame->opcode) {
            case Core::Opcode::Ping:
                return Event::ping(frame->payload);
            case Core::Opcode::Pong:
                return Event::pong(frame->payload);
            case Core::Opcode::Close: {
                m_closeReceived = true;
                Core::ClosePayload close;
                const std::string_view raw(frame->payload.constData(), std::size_t(frame->payload.size()));
                if (Core::parseClosePayload(raw, close) != Core::Error::None)
                    return violation(QStringLiteral("invalid close payload"));
                return {Event::Kind::Close, false, frame->payload, {}};
            }
            case Core::Opcode::Text:
            case Core::Opcode::Binary:
                if (m_inMessage)
                    return violation(QStringLiteral("a new message inside a fragmented one"));
                m_inMessage = true;
                m_messageBinary = frame->opcode == Core::Opcode::Binary;
                m_message.clear();
                m_messageFrames = 0;
                m_messageLargestFrame = 0;
                break;
            case Core::Opcode::Continuation:
                if (!m_inMessage)
                    return violation(QStringLiteral("a continuation frame with no message open"));
                break;
            }
            m_message += frame->payload;
            ++m_messageFrames;
            m_messageLargestFrame = qMax(m_messageLargestFrame, frame->payload.size());
            if (!frame->fin)
                continue;
            m_inMessage = false;
            m_lastMessageFrames = m_messageFrames;
            m_lastMessageLargestFrame = m_messageLargestFrame;
            if (!m_messageBinary && !Core::isValidUtf8({m_message.constData(), std::size_t(m_message.size())}))
                return violation(QStringLiteral("a text message that is not UTF-8"));
            Event event = Event::message(m_message, m_messageBinary);
            m_message.clear();
            return event;
        }
    }

    // Waits for the server to end the TCP connection; false when it did not in time.
    bool waitForDisconnected(int timeoutMs)
    {
        if (m_socket.state() == QAbstractSocket::UnconnectedState)
            return true;
        const QDeadlineTimer deadline(timeoutMs);
        while (m_socket.state() != QAbstractSocket::UnconnectedState) {
            if (deadline.hasExpired())
                return false;
            m_socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
            m_buffer += m_socket.readAll();
            if (m_pos < m_buffer.size())
                return false; // the server sent more instead of closing

        }
        return true;
    }

    // Drops the connection from this end (Autobahn's killAfter).
    void abort() { m_socket.abort(); }

    // A slow reader: a small kernel receive buffer (set before open()), and at
    // most bytes held unread by the socket (0: no limit).
    void setReceiveBufferSize(int bytes) { m_socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, bytes); }
    void setReadBufferSize(qint64 bytes) { m_socket.setReadBufferSize(bytes); }

    // Queues bytes without waiting for them to leave, then lets them go out for
    // up to ms while reading no more than the read buffer allows.
    void sendWithoutWaiting(const QByteArray &bytes, int ms)
    {
        m_socket.write(bytes);
        const QDeadlineTimer deadline(ms);
        while (m_socket.bytesToWrite() > 0 && !deadline.hasExpired())
            m_socket.waitForBytesWritten(int(qMax<qint64>(1, deadline.remainingTime())));
    }

    // The data frames of the last complete message and the largest payload among
    // them, and the payload received so far of a message still open.
    int lastMessageFrames() const { return m_lastMessageFrames; }
    qsizetype lastMessageLargestFrame() const { return m_lastMessageLargestFrame; }
    int framesReceived() const { return m_framesReceived; }
    bool isInMessage() const { return m_inMessage; }
    QByteArray openMessagePayload() const { return m_message; }

private:
    static std::chrono::microseconds pauseFor(qsizetype chopSize, bool sync)
    {
        // Tiny chops and synced frames get a moment each, so the server's reads
        // really see them one by one rather than coalesced.
        return (chopSize > 0 && chopSize <= 16) || sync ? std::chrono::microseconds(200)
                                                        : std::chrono::microseconds(0);
    }

    // Moves what has arrived into our own buffer; false once the server ended TCP.
    bool takeArrivedBytes()
    {
        m_socket.waitForReadyRead(0);
        m_buffer += m_socket.readAll();
        return m_socket.state() == QAbstractSocket::ConnectedState;
    }

    void flush()
    {
        if (m_localPort == 0)
            m_localPort = m_socket.localPort();
        while (m_socket.bytesToWrite() > 0 && m_socket.state() == QAbstractSocket::ConnectedState) {
            // Also reads what arrives meanwhile, so a server streaming its echo
            // while we still send cannot deadlock us.
            if (!m_socket.waitForBytesWritten(10000))
                break;
        }
    }

    // Reads more bytes into the buffer; false on timeout or the end of TCP.
    bool fill(QDeadlineTimer deadline)
    {
        // Drop what was parsed once it is most of the buffer (amortised linear).
        if (m_pos > 0 && m_pos * 2 >= m_buffer.size()) {
            m_buffer.remove(0, m_pos);
            m_pos = 0;
        }
        if (m_socket.bytesAvailable() == 0) {
            if (m_socket.state() != QAbstractSocket::ConnectedState)
                return false;
            const qint64 remaining = deadline.remainingTime();
            if (remaining == 0)
                return false;
            m_socket.waitForReadyRead(int(remaining < 0 ? 30000 : remaining));
            if (m_socket.bytesAvailable() == 0)
                return false;
        }
        m_buffer += m_socket.readAll();
        return true;
    }

    static Event violation(const QString &what) { return {Event::Kind::Violation, false, {}, what}; }

    QTcpSocket m_socket;
    quint16 m_localPort = 0;
    QByteArray m_buffer;
    qsizetype m_pos = 0; // where the unparsed bytes of m_buffer start
    QString m_violation;
    bool m_closeReceived = false;
    bool m_inMessage = false;
    bool m_messageBinary = false;
    QByteArray m_message;
    int m_messageFrames = 0;
    int m_lastMessageFrames = 0;
    qsizetype m_messageLargestFrame = 0;
    qsizetype m_lastMessageLargestFrame = 0;
    int m_framesReceived = 0;
};

} // namespace Conformance
