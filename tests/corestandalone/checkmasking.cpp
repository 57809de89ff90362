// Masking word at a time must equal masking byte by byte, at every alignment of the
// buffer, every starting phase and every length around the word and block sizes,
// whole or in pieces, and never touch a byte outside the range.

#include "check.h"

#include <WsKit/Core/mask.h>

#include <string>

using namespace WsKit::Core;

namespace CoreCheck {

void checkMasking()
{
    const MaskKey key{{0x12, 0x34, 0x56, 0x78}};
    std::string buffer(4200, '\0');
    std::string reference;
    for (std::size_t offset = 0; offset < 16; ++offset) {
        for (std::size_t size = 0; size < 4150; size = size < 80 ? size + 1 : size * 2 + 1) {
            for (std::size_t phase = 0; phase < 4; ++phase) {
                for (std::size_t i = 0; i < buffer.size(); ++i)
                    buffer[i] = static_cast<char>(i * 31 + 7);
                reference = buffer;
                for (std::size_t i = 0; i < size; ++i)
                    reference[offset + i] = static_cast<char>(reference[offset + i] ^ key[(phase + i) & 3]);
                const std::size_t next = applyMask(buffer.data() + offset, size, key, phase);
                expect(next == ((phase + size) & 3), "mask: phase after", static_cast<long long>(size));
                expect(buffer == reference, "mask: whole", static_cast<long long>(offset * 10000 + size));

                // In two pieces, resuming with the returned phase, gives the same.
                for (std::size_t i = 0; i < buffer.size(); ++i)
                    buffer[i] = static_cast<char>(i * 31 + 7);
                const std::size_t split = size / 3;
                const std::size_t middle = applyMask(buffer.data() + offset, split, key, phase);
                applyMask(buffer.data() + offset + split, size - split, key, middle);
                expect(buffer == reference, "mask: in pieces", static_cast<long long>(offset * 10000 + size));
            }
        }
    }
}

} // namespace CoreCheck
