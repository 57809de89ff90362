// SHA-1 as specified in FIPS 180-4 §6.1. Only the handshake uses it, on inputs of
// a few dozen bytes, so clarity wins over speed here.
#include <WsKit/Core/sha1.h>

#include <cstddef>

namespace WsKit::Core {

namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) noexcept
{
    return (x << n) | (x >> (32 - n));
}

// Processes one 64-byte block (§6.1.2).
void compress(std::uint32_t (&h)[5], const std::uint8_t *block) noexcept
{
    std::uint32_t w[80];
    for (int t = 0; t < 16; ++t) {
        w[t] = std::uint32_t(block[4 * t]) << 24 | std::uint32_t(block[4 * t + 1]) << 16
             | std::uint32_t(block[4 * t + 2]) << 8 | std::uint32_t(block[4 * t + 3]);
    }
    for (int t = 16; t < 80; ++t)
        w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; ++t) {
        std::uint32_t f;
        std::uint32_t k;
        if (t < 20) {
            f = (b & c) | (~b & d); // Ch
            k = 0x5a827999;
        } else if (t < 40) {
            f = b ^ c ^ d; // Parity
            k = 0x6ed9eba1;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d); // Maj
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        const std::uint32_t temp = rotl(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = temp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

} // namespace

Sha1Digest sha1(std::string_view data) noexcept
{
    std::uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

    const auto *bytes = reinterpret_cast<const std::uint8_t *>(data.data());
    const std::size_t fullBlocks = data.size() / 64;
    for (std::size_t i = 0; i < fullBlocks; ++i)
        compress(h, bytes + 64 * i);

    // Padding (§5.1.1): 0x80, zeros, then the message length in bits, big-endian,
    // filling one or two final blocks.
    std::uint8_t tail[128] = {};
    const std::size_t rest = data.size() % 64;
    for (std::size_t i = 0; i < rest; ++i)
        tail[i] = bytes[64 * fullBlocks + i];
    tail[rest] = 0x80;
    const std::size_t tailSize = rest < 56 ? 64 : 128;
    const std::uint64_t bitLength = std::uint64_t(data.size()) * 8;
    for (int i = 0; i < 8; ++i)
        tail[tailSize - 1 - i] = std::uint8_t(bitLength >> (8 * i));
    compress(h, tail);
    if (tailSize == 128)
        compress(h, tail + 64);

    Sha1Digest digest;
    for (int i = 0; i < 5; ++i) {
        digest[4 * i] = std::uint8_t(h[i] >> 24);
        digest[4 * i + 1] = std::uint8_t(h[i] >> 16);
        digest[4 * i + 2] = std::uint8_t(h[i] >> 8);
        digest[4 * i + 3] = std::uint8_t(h[i]);
    }
    return digest;
}

} // namespace WsKit::Core
