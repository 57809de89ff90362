#include <WsKit/Core/mask.h>

#include <cstring>

namespace WsKit::Core {

std::size_t applyMask(char *data, std::size_t size, MaskKey key, std::size_t phase) noexcept
{
    phase &= 3;

    // The key repeated over a 64-bit word, rotated to start at `phase`. A word is a
    // whole number of key periods, so the same word masks every following 8 bytes.
    unsigned char pattern[8];
    for (std::size_t i = 0; i < sizeof pattern; ++i)
        pattern[i] = key[(phase + i) & 3];
    std::uint64_t word;
    std::memcpy(&word, pattern, sizeof word);

    // memcpy loads and stores: no alignment or aliasing assumption, and compilers
    // turn them into plain (vector) moves.
    std::size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        std::uint64_t block[4];
        std::memcpy(block, data + i, sizeof block);
        block[0] ^= word;
        block[1] ^= word;
        block[2] ^= word;
        block[3] ^= word;
        std::memcpy(data + i, block, sizeof block);
    }
    for (; i + 8 <= size; i += 8) {
        std::uint64_t chunk;
        std::memcpy(&chunk, data + i, sizeof chunk);
        chunk ^= word;
        std::memcpy(data + i, &chunk, sizeof chunk);
    }
    for (; i < size; ++i)
        data[i] = static_cast<char>(data[i] ^ pattern[i & 7]);

    return (phase + size) & 3;
}

} // namespace WsKit::Core
