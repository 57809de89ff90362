#include "connection_p.h"

#include <WsKit/messagewriter.h>

namespace WsKit {

struct MessageWriter::Private {
    QPointer<Connection> connection;
};

MessageWriter::MessageWriter() = default;

MessageWriter::MessageWriter(Connection *connection)
    : d(std::make_unique<Private>(Private{connection}))
{
}

MessageWriter::MessageWriter(MessageWriter &&other) noexcept = default;
MessageWriter &MessageWriter::operator=(MessageWriter &&other) noexcept
{
    if (this != &other) {
        if (isOpen())
            finish();
        d = std::move(other.d);
    }
    return *this;
}

MessageWriter::~MessageWriter()
{
    if (isOpen())
        finish();
}

bool MessageWriter::isOpen() const
{
    return d && d->connection;
}

bool MessageWriter::write(const QByteArray &piece)
{
    if (!isOpen())
        return false;
    return ConnectionPrivate::get(d->connection)->sendFragment({piece.constData(), static_cast<std::size_t>(piece.size())}, false);
}

bool MessageWriter::finish(const QByteArray &lastPiece)
{
    if (!isOpen())
        return false;
    // A refused last piece leaves the message open, so the caller can try again
    // (e.g. once the outgoing buffer drained).
    const QPointer<Connection> connection = d->connection;
    if (!ConnectionPrivate::get(connection)->sendFragment({lastPiece.constData(), static_cast<std::size_t>(lastPiece.size())}, true))
        return false;
    d.reset();
    return true;
}

} // namespace WsKit
