// Frame headers: lengths in every encoding (7-bit, 16-bit, 64-bit, in network byte
// order on the wire), masked and not, encoded and parsed back whole and a byte at
// a time.

#include "check.h"

#include <WsKit/Core/frame.h>

#include <algorithm>
#include <cstdint>
#include <string>

using namespace WsKit::Core;

namespace CoreCheck {

void checkFrames()
{
    const std::uint64_t lengths[] = {0, 1, 125, 126, 127, 0x1234, 65535, 65536, 0x01020304, 0x0102030405060708};
    for (std::uint64_t length : lengths) {
        for (bool masked : {false, true}) {
            FrameHeader header;
            header.fin = length % 2 == 0;
            header.opcode = Opcode::Binary;
            header.payloadLength = length;
            header.masked = masked;
            header.maskKey = MaskKey{{0xa1, 0xb2, 0xc3, 0xd4}};
            char encoded[MaxFrameHeaderSize];
            const std::size_t size = encodeFrameHeader(header, encoded);
            const std::string bytes(encoded, size);

            // The length's bytes, most significant first (RFC 6455 §5.2).
            std::string expected;
            expected += static_cast<char>((header.fin ? 0x80 : 0) | 0x2);
            const char maskBit = masked ? char(0x80) : char(0);
            if (length < 126) {
                expected += static_cast<char>(maskBit | char(length));
            } else if (length <= 0xffff) {
                expected += static_cast<char>(maskBit | 126);
                for (int shift = 8; shift >= 0; shift -= 8)
                    expected += static_cast<char>((length >> shift) & 0xff);
            } else {
                expected += static_cast<char>(maskBit | 127);
                for (int shift = 56; shift >= 0; shift -= 8)
                    expected += static_cast<char>((length >> shift) & 0xff);
            }
            if (masked)
                expected += std::string("\xa1\xb2\xc3\xd4", 4);
            expect(bytes == expected, "frames: encoding", static_cast<long long>(length));

            // A server parses masked frames, a client unmasked ones.
            for (std::size_t piece : {size, std::size_t(1)}) {
                FrameHeaderParser parser(masked ? Role::Server : Role::Client);
                auto status = FrameHeaderParser::Status::NeedMore;
                std::size_t offset = 0;
                while (status == FrameHeaderParser::Status::NeedMore && offset < size) {
                    std::size_t consumed = 0;
                    status = parser.parse(bytes.data() + offset, std::min(piece, size - offset), consumed);
                    offset += consumed;
                }
                expect(status == FrameHeaderParser::Status::Complete && offset == size, "frames: parsed",
                       static_cast<long long>(length));
                const FrameHeader &parsed = parser.header();
                expect(parsed.payloadLength == length && parsed.masked == masked && parsed.fin == header.fin
                           && (!masked || parsed.maskKey == header.maskKey),
                       "frames: round trip", static_cast<long long>(length));
            }
        }
    }
}

} // namespace CoreCheck
