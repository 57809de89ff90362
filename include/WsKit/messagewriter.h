#pragma once
/// @file
/// An outgoing message written in pieces (Connection::beginMessage), for messages
/// too large to hold at once: every piece goes out as one frame as soon as it is
/// written, and finish() ends the message.

#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>

#include <memory>

namespace WsKit {

class Connection;

/// One outgoing message sent in pieces, each piece a frame (Connection::beginMessage()).
///
/// Move-only; while it is open, its Connection sends no other data message.
class WSKIT_EXPORT MessageWriter
{
public:
    /// A closed writer, as beginMessage() returns when it refused to begin.
    MessageWriter();
    /// Takes over other's message; other is closed.
    MessageWriter(MessageWriter &&other) noexcept;
    /// Finishes this writer's message if open, then takes over other's.
    MessageWriter &operator=(MessageWriter &&other) noexcept;
    MessageWriter(const MessageWriter &) = delete;
    MessageWriter &operator=(const MessageWriter &) = delete;
    /// Finishes the message if it is still open, so the connection can go on.
    ~MessageWriter();

    /// True while the message is open and its connection exists.
    bool isOpen() const;

    /// Sends the next piece. A text message's pieces together must be UTF-8; each
    /// piece is checked as it comes. Returns false, as Connection's sends do, when
    /// the piece was refused; the message stays open (finish() it).
    bool write(const QByteArray &piece);
    /// Sends the last piece, possibly empty, and closes the writer. When refused the
    /// message stays open: finish it again (a Connection sends no other data
    /// message while one is open).
    bool finish(const QByteArray &lastPiece = {});

private:
    friend class Connection;
    explicit MessageWriter(Connection *connection);
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
