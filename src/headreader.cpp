#include "headreader_p.h"

#include <QtCore/QIODevice>

namespace WsKit {

void readHead(QIODevice *socket, Core::HttpHeadParser &parser)
{
    // Peek, then skip only what the parser used.
    constexpr qint64 Chunk = 16 * 1024;
    while (parser.status() == Core::HttpHeadParser::Status::NeedMore && socket->bytesAvailable() > 0) {
        const QByteArray bytes = socket->peek(qMin(socket->bytesAvailable(), Chunk));
        std::size_t consumed = 0;
        parser.parse(bytes.constData(), static_cast<std::size_t>(bytes.size()), consumed);
        socket->skip(static_cast<qint64>(consumed));
        if (consumed == 0)
            break;
    }
}

void peekHead(QIODevice *socket, Core::HttpHeadParser &parser, qint64 &parsed)
{
    constexpr qint64 Chunk = 16 * 1024;
    while (parser.status() == Core::HttpHeadParser::Status::NeedMore && socket->bytesAvailable() > parsed) {
        const QByteArray bytes = socket->peek(qMin(socket->bytesAvailable(), parsed + Chunk));
        std::size_t consumed = 0;
        parser.parse(bytes.constData() + parsed, static_cast<std::size_t>(bytes.size() - parsed), consumed);
        parsed += static_cast<qint64>(consumed);
        if (consumed == 0)
            break;
    }
}

} // namespace WsKit
