#include "bufferpool_p.h"

#include <mutex>
#include <vector>

namespace WsKit::BufferPool {

namespace {

struct Pool {
    std::mutex mutex;
    std::vector<QByteArray> chunks;
};

Pool &pool()
{
    static Pool shared;
    return shared;
}

} // namespace

QByteArray take()
{
    Pool &shared = pool();
    {
        const std::lock_guard<std::mutex> lock(shared.mutex);
        if (!shared.chunks.empty()) {
            QByteArray chunk = std::move(shared.chunks.back());
            shared.chunks.pop_back();
            return chunk;
        }
    }
    QByteArray chunk;
    chunk.reserve(ChunkSize);
    return chunk;
}

void give(QByteArray &&chunk)
{
    // A chunk still shared (or never one of ours) is left to its holders.
    if (!chunk.isDetached() || chunk.capacity() != ChunkSize)
        return;
    chunk.resize(0); // keeps the allocation
    Pool &shared = pool();
    const std::lock_guard<std::mutex> lock(shared.mutex);
    if (static_cast<int>(shared.chunks.size()) < MaxKeptChunks)
        shared.chunks.push_back(std::move(chunk));
}

int keptChunks()
{
    Pool &shared = pool();
    const std::lock_guard<std::mutex> lock(shared.mutex);
    return static_cast<int>(shared.chunks.size());
}

} // namespace WsKit::BufferPool
