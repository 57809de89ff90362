#pragma once
// The ways a sender may cut one compressed message into frames (RFC 6455 §5.4,
// RFC 7692 §6.1: RSV1 on the first frame only, any frame may be empty, control
// frames may come between fragments). Sweeps feed every framing to a receiver
// and expect the same message each time.

#include <WsKit/Core/frame.h>
#include <WsKit/Core/mask.h>
#include <WsKit/Core/protocol.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QRandomGenerator>
#include <QtCore/QString>
#include <QtTest/QTest>

#include <algorithm>
#include <functional>
#include <optional>

namespace CompressedFraming {

namespace Core = WsKit::Core;

struct Frame {
    Core::Opcode opcode = Core::Opcode::Binary;
    QByteArray payload;
    bool fin = true;
    bool rsv1 = false;
};

// Cuts a compressed payload into the data frames of one message.
using Cut = std::function<QList<Frame>(Core::Opcode opcode, const QByteArray &payload)>;

struct Framing {
    QString name;
    Cut cut;
};

struct Message {
    Core::MessageType type = Core::MessageType::Binary;
    QByteArray payload;
};

inline bool operator==(const Message &a, const Message &b)
{
    return a.type == b.type && a.payload == b.payload;
}

inline char *toString(const Message &message)
{
    return QTest::toString(QStringLiteral("%1 message of %2 bytes")
                               .arg(message.type == Core::MessageType::Text ? QStringLiteral("text")
                                                                            : QStringLiteral("binary"))
                               .arg(message.payload.size()));
}

// The messages each connection of a sweep carries, in this order: text and
// binary, compressible and random, empty and one byte; the prose comes back at
// the end so that, with context takeover, it refers back a long way.
inline QList<Message> sweepMessages()
{
    QRandomGenerator random(6455);
    const QByteArray words[] = {"Grüße", "aus", "dem", "Qt-Land,", "κόσμε", "😀", "permessage-deflate", "frames"};
    QByteArray prose;
    while (prose.size() < 3000)
        prose += words[random.bounded(int(std::size(words)))] + ' ';

    QString randomText;
    while (randomText.size() < 400) {
        const char32_t codePoint = random.bounded(0x110000u);
        if (codePoint >= 0xd800 && codePoint <= 0xdfff)
            continue;
        randomText += QString::fromUcs4(&codePoint, 1);
    }

    QByteArray noise(1500, Qt::Uninitialized);
    random.fillRange(reinterpret_cast<quint32 *>(noise.data()), noise.size() / 4);
    QByteArray records;
    for (int i = 0; records.size() < 4000; ++i)
        records += "{\"id\":" + QByteArray::number(i) + ",\"state\":\"ok\"}";

    using Core::MessageType;
    return {{MessageType::Text, prose},
            {MessageType::Binary, noise},
            {MessageType::Text, randomText.toUtf8()},
            {MessageType::Binary, records},
            {MessageType::Text, QByteArray()},
            {MessageType::Binary, QByteArray("x")},
            {MessageType::Text, prose}};
}

inline Core::Opcode opcodeOf(Core::MessageType type)
{
    return type == Core::MessageType::Text ? Core::Opcode::Text : Core::Opcode::Binary;
}

// Frames whose payloads are pieces, in order: the message's opcode and RSV1 on
// the first, FIN on the last.
inline QList<Frame> framesOf(Core::Opcode opcode, const QList<QByteArray> &pieces)
{
    QList<Frame> frames;
    for (qsizetype i = 0; i < pieces.size(); ++i)
        frames.append({i == 0 ? opcode : Core::Opcode::Continuation, pieces[i], i == pieces.size() - 1, i == 0});
    return frames;
}

// Autobahn's auto-fragmentation: one frame when the payload fits, otherwise
// frames of `size` bytes and an empty final frame when the payload divides evenly.
inline QList<Frame> autobahnFragments(Core::Opcode opcode, const QByteArray &payload, qsizetype size)
{
    if (size <= 0 || payload.size() <= size)
        return framesOf(opcode, {payload});
    QList<QByteArray> pieces;
    qsizetype offset = 0;
    for (;;) {
        pieces.append(payload.mid(offset, size));
        if (offset + size > payload.size())
            break;
        offset += size;
    }
    return framesOf(opcode, pieces);
}

// Two frames, the first ending at `offset` (clamped to the payload).
inline QList<Frame> splitAt(Core::Opcode opcode, const QByteArray &payload, qsizetype offset)
{
    const qsizetype at = qBound<qsizetype>(0, offset, payload.size());
    return framesOf(opcode, {payload.left(at), payload.mid(at)});
}

// A ping after every data frame but the last, the pings numbered from 0.
inline QList<Frame> withPings(const QList<Frame> &frames)
{
    QList<Frame> result;
    for (qsizetype i = 0; i < frames.size(); ++i) {
        result.append(frames[i]);
        if (i + 1 < frames.size())
            result.append({Core::Opcode::Ping, "ping " + QByteArray::number(i), true, false});
    }
    return result;
}

// Every framing the sweeps use.
inline QList<Framing> allFramings()
{
    QList<Framing> framings;
    framings.append({QStringLiteral("one frame"), [](Core::Opcode opcode, const QByteArray &payload) {
                         return framesOf(opcode, {payload});
                     }});
    for (qsizetype size : {1, 2, 3, 255, 256, 1024}) {
        framings.append({QStringLiteral("frames of %1").arg(size),
                         [size](Core::Opcode opcode, const QByteArray &payload) {
                             return autobahnFragments(opcode, payload, size);
                         }});
    }
    for (qsizetype fromEnd = 1; fromEnd <= 8; ++fromEnd) {
        framings.append({QStringLiteral("split %1 bytes before the end").arg(fromEnd),
                         [fromEnd](Core::Opcode opcode, const QByteArray &payload) {
                             return splitAt(opcode, payload, payload.size() - fromEnd);
                         }});
    }
    framings.append({QStringLiteral("empty first frame"), [](Core::Opcode opcode, const QByteArray &payload) {
                         return framesOf(opcode, {QByteArray(), payload});
                     }});
    framings.append({QStringLiteral("empty middle frame"), [](Core::Opcode opcode, const QByteArray &payload) {
                         const qsizetype half = payload.size() / 2;
                         return framesOf(opcode, {payload.left(half), QByteArray(), payload.mid(half)});
                     }});
    framings.append({QStringLiteral("empty last frame"), [](Core::Opcode opcode, const QByteArray &payload) {
                         return framesOf(opcode, {payload, QByteArray()});
                     }});
    framings.append({QStringLiteral("empty frames around every 3 bytes"),
                     [](Core::Opcode opcode, const QByteArray &payload) {
                         QList<QByteArray> pieces{QByteArray()};
                         for (qsizetype offset = 0; offset < payload.size(); offset += 3)
                             pieces << payload.mid(offset, 3) << QByteArray();
                         return framesOf(opcode, pieces);
                     }});
    framings.append({QStringLiteral("pings between frames of 5"), [](Core::Opcode opcode, const QByteArray &payload) {
                         return withPings(autobahnFragments(opcode, payload, 5));
                     }});
    framings.append({QStringLiteral("pings around empty frames"), [](Core::Opcode opcode, const QByteArray &payload) {
                         return withPings(framesOf(opcode, {QByteArray(), payload, QByteArray()}));
                     }});
    return framings;
}

// The frames on the wire: masked as a client sends them, or unmasked as a server does.
inline QByteArray encode(const QList<Frame> &frames, bool masked)
{
    QByteArray wire;
    for (const Frame &frame : frames) {
        Core::FrameHeader header;
        header.fin = frame.fin;
        header.rsv = frame.rsv1 ? Core::Rsv::Rsv1 : 0;
        header.opcode = frame.opcode;
        header.masked = masked;
        header.maskKey = {{0x5a, 0x13, 0xc7, 0x02}};
        header.payloadLength = std::uint64_t(frame.payload.size());
        char encoded[Core::MaxFrameHeaderSize];
        wire.append(encoded, qsizetype(Core::encodeFrameHeader(header, encoded)));
        const qsizetype start = wire.size();
        wire.append(frame.payload);
        if (masked)
            Core::applyMask(wire.data() + start, std::size_t(frame.payload.size()), header.maskKey);
    }
    return wire;
}

// The frames in bytes sent to `receiver`'s role, unmasked; nothing when the
// bytes do not end on a frame boundary or break a framing rule.
inline std::optional<QList<Frame>> decode(const QByteArray &wire, Core::Role receiver)
{
    QList<Frame> frames;
    qsizetype offset = 0;
    while (offset < wire.size()) {
        Core::FrameHeaderParser parser(receiver);
        parser.setAllowedRsv(Core::Rsv::Rsv1);
        std::size_t consumed = 0;
        if (parser.parse(wire.constData() + offset, std::size_t(wire.size() - offset), consumed)
            != Core::FrameHeaderParser::Status::Complete)
            return std::nullopt;
        const Core::FrameHeader &header = parser.header();
        offset += qsizetype(consumed);
        if (std::uint64_t(wire.size() - offset) < header.payloadLength)
            return std::nullopt;
        QByteArray payload = wire.mid(offset, qsizetype(header.payloadLength));
        offset += payload.size();
        if (header.masked)
            Core::applyMask(payload.data(), std::size_t(payload.size()), header.maskKey);
        frames.append({header.opcode, payload, header.fin, (header.rsv & Core::Rsv::Rsv1) != 0});
    }
    return frames;
}

inline qsizetype pingCount(const QList<Frame> &frames)
{
    return std::count_if(frames.cbegin(), frames.cend(),
                         [](const Frame &frame) { return frame.opcode == Core::Opcode::Ping; });
}

} // namespace CompressedFraming
