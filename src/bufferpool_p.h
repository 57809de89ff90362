#pragma once
// Output buffers shared by every connection of the process, as gorilla's
// write-buffer pool: a connection takes a chunk only while the kernel does not
// take its bytes at once, and gives it back as soon as the chunk went out, so an
// idle connection holds no write buffer and a busy one reuses warm memory. All
// chunks have one size, so they never fragment the heap.

#include <QtCore/QByteArray>

namespace WsKit::BufferPool {

// The capacity of every chunk.
inline constexpr qsizetype ChunkSize = 16 * 1024;
// Chunks kept for reuse, at most; more are freed.
inline constexpr int MaxKeptChunks = 32;

// An empty chunk with room for ChunkSize bytes. Any thread.
QByteArray take();
// Hands a chunk back; it is kept for reuse once nobody else holds it. Any thread.
void give(QByteArray &&chunk);
// Chunks kept for reuse now.
int keptChunks();

} // namespace WsKit::BufferPool
