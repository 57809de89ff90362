#pragma once
// Bytes a connection wrote that the kernel did not take yet, in order: copied
// bytes in chunks from the BufferPool, large payloads as the caller's shared
// QByteArray. It holds no memory while empty.

#include <QtCore/QByteArray>

#include <string_view>
#include <vector>

namespace WsKit {

class OutputQueue
{
public:
    OutputQueue() = default;
    ~OutputQueue();
    OutputQueue(const OutputQueue &) = delete;
    OutputQueue &operator=(const OutputQueue &) = delete;

    bool isEmpty() const { return m_size == 0; }
    qint64 size() const { return m_size; }

    // Copies bytes to the end.
    void append(std::string_view bytes);
    // Appends payload from offset on, shared.
    void append(const QByteArray &payload, qsizetype offset);

    // Up to `max` views of the first queued bytes, in order, for one gathered
    // write; returns how many.
    int peek(std::string_view *views, int max) const;
    // Drops the first `bytes` bytes (what the kernel took).
    void consume(qint64 bytes);
    // Drops everything and returns the chunks to the pool.
    void clear();

private:
    struct Segment {
        QByteArray bytes;
        qsizetype offset = 0; // bytes before it were sent
        bool pooled = false;  // a BufferPool chunk: more bytes may be copied into it
    };

    std::vector<Segment> m_segments;
    std::size_t m_head = 0; // the first segment not sent yet
    qint64 m_size = 0;
};

} // namespace WsKit
