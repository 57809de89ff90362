#pragma once
// PreparedMessage's shared data: the payload and the encodings built so far.

#include <WsKit/Core/messageencoding.h>
#include <WsKit/preparedmessage.h>

#include <QtCore/QMutex>

#include <utility>
#include <vector>

namespace WsKit {

class PreparedMessagePrivate
{
public:
    PreparedMessagePrivate(const QByteArray &payload, Connection::MessageType type);

    static const PreparedMessagePrivate *get(const PreparedMessage &message) { return message.d.get(); }

    // The frames of this encoding, built on first use and shared from then on; a
    // null array when compressing failed (Core::Error::CompressionFailed).
    QByteArray frames(const Core::MessageEncoding &encoding) const;
    int encodingCount() const;

    const QByteArray payload;
    const Connection::MessageType type;
    const bool valid; // a text payload is valid UTF-8

private:
    mutable QMutex m_mutex;
    // Usually one or two: a vector beats a map.
    mutable std::vector<std::pair<Core::MessageEncoding, QByteArray>> m_encodings;
};

} // namespace WsKit
