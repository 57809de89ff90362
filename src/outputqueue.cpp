#include "outputqueue_p.h"

#include "bufferpool_p.h"

#include <algorithm>

namespace WsKit {

OutputQueue::~OutputQueue()
{
    clear();
}

void OutputQueue::append(std::string_view bytes)
{
    while (!bytes.empty()) {
        if (m_segments.size() == m_head || !m_segments.back().pooled
            || m_segments.back().bytes.size() == BufferPool::ChunkSize) {
            m_segments.push_back({BufferPool::take(), 0, true});
        }
        QByteArray &chunk = m_segments.back().bytes;
        const auto room = static_cast<std::size_t>(BufferPool::ChunkSize - chunk.size());
        const std::size_t size = std::min(room, bytes.size());
        chunk.append(bytes.data(), static_cast<qsizetype>(size));
        bytes.remove_prefix(size);
        m_size += static_cast<qint64>(size);
    }
}

void OutputQueue::append(const QByteArray &payload, qsizetype offset)
{
    if (offset >= payload.size())
        return;
    m_segments.push_back({payload, offset, false});
    m_size += payload.size() - offset;
}

int OutputQueue::peek(std::string_view *views, int max) const
{
    int count = 0;
    for (std::size_t i = m_head; i < m_segments.size() && count < max; ++i) {
        const Segment &segment = m_segments[i];
        views[count++] = {segment.bytes.constData() + segment.offset,
                          static_cast<std::size_t>(segment.bytes.size() - segment.offset)};
    }
    return count;
}

void OutputQueue::consume(qint64 bytes)
{
    m_size -= bytes;
    while (bytes > 0 && m_head < m_segments.size()) {
        Segment &segment = m_segments[m_head];
        const qint64 left = segment.bytes.size() - segment.offset;
        if (bytes < left) {
            segment.offset += static_cast<qsizetype>(bytes);
            return;
        }
        bytes -= left;
        if (segment.pooled)
            BufferPool::give(std::move(segment.bytes));
        segment.bytes = QByteArray();
        ++m_head;
    }
    if (m_head == m_segments.size()) {
        clear();
    } else if (m_head > m_segments.size() / 2) {
        // A queue that never drains completely must not grow with sent segments.
        m_segments.erase(m_segments.begin(), m_segments.begin() + static_cast<std::ptrdiff_t>(m_head));
        m_head = 0;
    }
}

void OutputQueue::clear()
{
    for (std::size_t i = m_head; i < m_segments.size(); ++i) {
        if (m_segments[i].pooled)
            BufferPool::give(std::move(m_segments[i].bytes));
    }
    // Gives the vector's own memory back too: an idle connection keeps nothing.
    std::vector<Segment>().swap(m_segments);
    m_head = 0;
    m_size = 0;
}

} // namespace WsKit
