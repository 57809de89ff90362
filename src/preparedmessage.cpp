#include "preparedmessage_p.h"

#include <WsKit/Core/utf8.h>

#include <QtCore/QMutexLocker>

namespace WsKit {

namespace {

Core::MessageType toCore(Connection::MessageType type)
{
    return type == Connection::MessageType::Text ? Core::MessageType::Text : Core::MessageType::Binary;
}

} // namespace

PreparedMessagePrivate::PreparedMessagePrivate(const QByteArray &bytes, Connection::MessageType messageType)
    : payload(bytes)
    , type(messageType)
    , valid(messageType == Connection::MessageType::Binary
            || Core::isValidUtf8({bytes.constData(), static_cast<std::size_t>(bytes.size())}))
{
}

QByteArray PreparedMessagePrivate::frames(const Core::MessageEncoding &encoding) const
{
    const QMutexLocker locker(&m_mutex);
    for (const auto &[built, bytes] : m_encodings) {
        if (built == encoding)
            return bytes;
    }
    std::string encoded;
    if (Core::encodeMessage(toCore(type), {payload.constData(), static_cast<std::size_t>(payload.size())}, encoding,
                            encoded)
        != Core::Error::None)
        return {};
    QByteArray bytes(encoded.data(), static_cast<qsizetype>(encoded.size()));
    m_encodings.emplace_back(encoding, bytes);
    return bytes;
}

int PreparedMessagePrivate::encodingCount() const
{
    const QMutexLocker locker(&m_mutex);
    return static_cast<int>(m_encodings.size());
}

PreparedMessage::PreparedMessage() = default;

PreparedMessage::PreparedMessage(const QByteArray &payload, Connection::MessageType type)
    : d(std::make_shared<PreparedMessagePrivate>(payload, type))
{
}

PreparedMessage::PreparedMessage(const QString &text)
    : PreparedMessage(text.toUtf8(), Connection::MessageType::Text)
{
}

PreparedMessage::PreparedMessage(const PreparedMessage &other) = default;
PreparedMessage::PreparedMessage(PreparedMessage &&other) noexcept = default;
PreparedMessage &PreparedMessage::operator=(const PreparedMessage &other) = default;
PreparedMessage &PreparedMessage::operator=(PreparedMessage &&other) noexcept = default;
PreparedMessage::~PreparedMessage() = default;

bool PreparedMessage::isNull() const
{
    return !d;
}

bool PreparedMessage::isValid() const
{
    return d && d->valid;
}

Connection::MessageType PreparedMessage::type() const
{
    return d ? d->type : Connection::MessageType::Binary;
}

QByteArray PreparedMessage::payload() const
{
    return d ? d->payload : QByteArray();
}

int PreparedMessage::encodingCount() const
{
    return d ? d->encodingCount() : 0;
}

} // namespace WsKit
