#pragma once
// A message encoded once and sent to many connections: a broadcast.

#include <WsKit/connection.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <memory>

namespace WsKit {

class PreparedMessagePrivate;

/// A data message encoded once and sent to many connections with Connection::sendPrepared().
///
/// Its frames are built on first use, once per distinct encoding the receiving
/// connections need, and every connection that needs the same encoding is handed the
/// same bytes (a QByteArray, shared without a copy). A server connection takes the
/// shared bytes when:
/// - the message goes out uncompressed: compression was not negotiated, the message
///   is under the connection's compression threshold, or outgoing compression is
///   switched off. One encoding serves all of these (per outgoing fragment size when
///   the message is split);
/// - or it is compressed on a connection without context takeover on the server's
///   side (CompressionOptions::setNoContextTakeover()): one encoding serves every such
///   connection with the same window, level and memLevel.
///
/// A server connection that compresses with context takeover (the default) compresses
/// the message with its own deflater, exactly as Connection::sendMessage() would: its
/// context must see every message it sends. A client connection also encodes the
/// message on its own: RFC 6455 §5.3 wants a fresh, unpredictable mask key for every
/// frame, so masked bytes are never shared.
///
/// Copies are cheap and share the payload and the encodings built so far. A
/// PreparedMessage may be sent from several threads at once (connections on worker
/// threads): the encodings are built under a lock.
class WSKIT_EXPORT PreparedMessage
{
public:
    /// A null message; sending it is refused.
    PreparedMessage();
    /// A message of this type; text must be valid UTF-8 (checked once, here: see isValid()).
    PreparedMessage(const QByteArray &payload, Connection::MessageType type);
    /// A text message.
    explicit PreparedMessage(const QString &text);
    /// Shares other's payload and encodings.
    PreparedMessage(const PreparedMessage &other);
    /// Takes over other's payload and encodings; other becomes null.
    PreparedMessage(PreparedMessage &&other) noexcept;
    /// Shares other's payload and encodings.
    PreparedMessage &operator=(const PreparedMessage &other);
    /// Takes over other's payload and encodings; other becomes null.
    PreparedMessage &operator=(PreparedMessage &&other) noexcept;
    ~PreparedMessage();

    /// Whether this is the null message of the default constructor.
    bool isNull() const;
    /// Whether it can be sent: not null, and a text message's payload is valid UTF-8.
    bool isValid() const;
    /// The message's type (Binary for a null message).
    Connection::MessageType type() const;
    /// The message's payload, shared.
    QByteArray payload() const;
    /// How many distinct encodings were built so far: one per kind of receiver
    /// that took shared bytes.
    int encodingCount() const;

private:
    friend class PreparedMessagePrivate;
    std::shared_ptr<PreparedMessagePrivate> d;
};

} // namespace WsKit
