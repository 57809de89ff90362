#pragma once
// The start of an HTTP response body (RFC 9112 §6): what a client keeps of a
// refused handshake so an application can show why. Follows the framing the
// head announces (Content-Length, chunked, or until the connection closes) and
// stops at a size limit.

#include <WsKit/Core/http.h>

#include <QtCore/QByteArray>

namespace WsKit {

class ResponseBodyStart
{
public:
    ResponseBodyStart(const Core::HttpResponseHead &head, qsizetype limit);

    // Adds the next bytes received after the head.
    void append(const QByteArray &bytes);
    // The body ended, the limit was reached, or the framing turned out malformed:
    // waiting for more bytes would add nothing.
    bool isComplete() const { return m_complete; }
    QByteArray body() const { return m_body; }

private:
    enum class Framing { Length, Chunked, UntilClose };
    enum class ChunkState { Size, Extension, Data, DataEnd };

    void appendChunked(const char *data, qsizetype size);
    void take(const char *data, qsizetype size);

    Framing m_framing = Framing::UntilClose;
    qsizetype m_limit;
    qint64 m_remaining = 0; // Length: body bytes still to come; Chunked: of this chunk
    ChunkState m_chunkState = ChunkState::Size;
    bool m_chunkSizeSeen = false;
    QByteArray m_body;
    bool m_complete = false;
};

} // namespace WsKit
