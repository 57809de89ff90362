#include "messagestorage_p.h"

#include <algorithm>
#include <vector>

namespace WsKit {

namespace {

// Smaller buffers come cheaply from the heap; larger ones than the pool's whole
// budget are never kept.
constexpr qsizetype PooledMinimum = 64 * 1024;
constexpr qsizetype PoolBudget = 8 * 1024 * 1024;

class BufferPool
{
public:
    // An empty buffer with room for at least `capacity` bytes.
    QByteArray take(qsizetype capacity)
    {
        const auto fits = std::find_if(m_buffers.begin(), m_buffers.end(), [capacity](const QByteArray &buffer) {
            return buffer.isDetached() && buffer.capacity() >= capacity;
        });
        if (fits == m_buffers.end()) {
            QByteArray fresh;
            fresh.reserve(capacity);
            return fresh;
        }
        QByteArray buffer = std::move(*fits);
        m_buffers.erase(fits);
        buffer.resize(0); // keeps the allocation
        return buffer;
    }

    void give(QByteArray &&buffer)
    {
        const qsizetype size = buffer.capacity();
        if (size < PooledMinimum || size > PoolBudget)
            return;
        m_buffers.push_back(std::move(buffer));
        qsizetype total = 0;
        for (const QByteArray &kept : m_buffers)
            total += kept.capacity();
        // Over budget: forget the oldest buffers (their holders keep them alive).
        while (total > PoolBudget) {
            total -= m_buffers.front().capacity();
            m_buffers.erase(m_buffers.begin());
        }
    }

private:
    std::vector<QByteArray> m_buffers;
};

BufferPool &pool()
{
    static thread_local BufferPool threadPool;
    return threadPool;
}

} // namespace

void MessageStorage::clear()
{
    recycle(std::move(m_bytes));
    m_bytes = QByteArray();
}

void MessageStorage::reserve(std::size_t capacity)
{
    QByteArray bigger = pool().take(static_cast<qsizetype>(capacity));
    bigger.append(m_bytes.constData(), m_bytes.size());
    // The outgrown buffer is let go, not pooled: the core grows a message with its
    // bytes, doubling, and pooling every step would fill the pool with sizes this
    // message just left behind, held after the connection is gone.
    m_bytes = std::move(bigger);
}

void MessageStorage::append(std::string_view bytes)
{
    m_bytes.append(bytes.data(), static_cast<qsizetype>(bytes.size()));
}

QByteArray MessageStorage::message(std::string_view payload) const
{
    if (!payload.empty() && payload.data() == m_bytes.constData())
        return m_bytes;
    const auto size = static_cast<qsizetype>(payload.size());
    if (size < PooledMinimum)
        return QByteArray(payload.data(), size);
    QByteArray copy = pool().take(size);
    copy.append(payload.data(), size);
    return copy;
}

void MessageStorage::recycle(QByteArray &&buffer)
{
    pool().give(std::move(buffer));
}

} // namespace WsKit
