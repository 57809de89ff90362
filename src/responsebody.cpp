#include "responsebody_p.h"

#include <charconv>

namespace WsKit {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A chunk bigger than this is malformed for our purpose; it also keeps the
// size arithmetic far from overflow.
constexpr qint64 MaxChunkSize = qint64(1) << 40;

} // namespace

ResponseBodyStart::ResponseBodyStart(const Core::HttpResponseHead &head, qsizetype limit)
    : m_limit(limit)
{
    // RFC 9112 §6.3: 1xx, 204 and 304 answers have no body.
    if ((head.status >= 100 && head.status < 200) || head.status == 204 || head.status == 304) {
        m_complete = true;
        return;
    }
    if (head.headers.containsToken("Transfer-Encoding", "chunked")) {
        m_framing = Framing::Chunked;
        return;
    }
    if (const auto length = head.headers.value("Content-Length")) {
        qint64 value = 0;
        const auto [end, error] = std::from_chars(length->data(), length->data() + length->size(), value);
        if (error == std::errc() && end == length->data() + length->size() && value >= 0) {
            m_framing = Framing::Length;
            m_remaining = value;
            m_complete = value == 0;
        }
    }
}

void ResponseBodyStart::append(const QByteArray &bytes)
{
    if (m_complete)
        return;
    switch (m_framing) {
    case Framing::Length: {
        const qsizetype used = static_cast<qsizetype>(qMin<qint64>(m_remaining, bytes.size()));
        m_remaining -= used;
        take(bytes.constData(), used);
        if (m_remaining == 0)
            m_complete = true;
        break;
    }
    case Framing::Chunked:
        appendChunked(bytes.constData(), bytes.size());
        break;
    case Framing::UntilClose:
        take(bytes.constData(), bytes.size());
        break;
    }
}

void ResponseBodyStart::appendChunked(const char *data, qsizetype size)
{
    // RFC 9112 §7.1: chunk-size [; extensions] CRLF, data CRLF, ... and a last
    // chunk of size 0. Trailer fields after it are not needed.
    for (qsizetype i = 0; i < size && !m_complete; ++i) {
        const char c = data[i];
        switch (m_chunkState) {
        case ChunkState::Size:
        case ChunkState::Extension:
            if (c == '\n') {
                if (!m_chunkSizeSeen || m_remaining == 0) {
                    m_complete = true; // the last chunk, or a malformed size line
                    break;
                }
                m_chunkState = ChunkState::Data;
            } else if (m_chunkState == ChunkState::Size && hexValue(c) >= 0) {
                m_remaining = m_remaining * 16 + hexValue(c);
                m_chunkSizeSeen = true;
                if (m_remaining > MaxChunkSize)
                    m_complete = true;
            } else if (c == ';') {
                m_chunkState = ChunkState::Extension;
            } else if (m_chunkState == ChunkState::Size && c != '\r' && c != ' ' && c != '\t') {
                m_complete = true;
            }
            break;
        case ChunkState::Data: {
            const qsizetype used = static_cast<qsizetype>(qMin<qint64>(m_remaining, size - i));
            take(data + i, used);
            m_remaining -= used;
            i += used - 1;
            if (m_remaining == 0)
                m_chunkState = ChunkState::DataEnd;
            break;
        }
        case ChunkState::DataEnd:
            if (c == '\n') {
                m_chunkState = ChunkState::Size;
                m_chunkSizeSeen = false;
            } else if (c != '\r') {
                m_complete = true;
            }
            break;
        }
    }
}

void ResponseBodyStart::take(const char *data, qsizetype size)
{
    const qsizetype room = m_limit - m_body.size();
    m_body.append(data, qMin(room, size));
    if (m_body.size() >= m_limit)
        m_complete = true;
}

} // namespace WsKit
