#include <WsKit/Core/frame.h>

namespace WsKit::Core {

namespace {

constexpr std::uint8_t RsvBits = Rsv::Rsv1 | Rsv::Rsv2 | Rsv::Rsv3;

bool isKnownOpcode(std::uint8_t opcode) noexcept
{
    switch (static_cast<Opcode>(opcode)) {
    case Opcode::Continuation:
    case Opcode::Text:
    case Opcode::Binary:
    case Opcode::Close:
    case Opcode::Ping:
    case Opcode::Pong:
        return true;
    }
    return false;
}

} // namespace

// Header bytes are consumed one at a time and each is checked as soon as it
// arrives, so an invalid header fails at its first offending byte (RFC 6455 §5.2,
// §5.5, §5.1 for masking) whatever the chunking.
FrameHeaderParser::Status FrameHeaderParser::parse(const char *data, std::size_t size,
                                                   std::size_t &consumed) noexcept
{
    if (m_error != Error::None)
        return Status::Failed;
    std::size_t i = 0;
    while (m_have < m_needed && i < size) {
        const auto byte = static_cast<std::uint8_t>(data[i++]);
        const std::uint8_t index = m_have++;
        if (index == 0) {
            m_header.fin = (byte & HeaderBits::Fin) != 0;
            m_header.rsv = byte & RsvBits;
            m_header.opcode = static_cast<Opcode>(byte & HeaderBits::OpcodeBits);
            if ((m_header.rsv & ~m_allowedRsv) != 0)
                m_error = Error::ReservedBitsSet;
            else if (!isKnownOpcode(byte & HeaderBits::OpcodeBits))
                m_error = Error::UnknownOpcode;
            else if (isControl(m_header.opcode) && !m_header.fin)
                m_error = Error::FragmentedControlFrame;
        } else if (index == 1) {
            m_header.masked = (byte & HeaderBits::Mask) != 0;
            const std::uint8_t length = byte & HeaderBits::LengthBits;
            if (m_receiver == Role::Server && !m_header.masked)
                m_error = Error::UnmaskedClientFrame;
            else if (m_receiver == Role::Client && m_header.masked)
                m_error = Error::MaskedServerFrame;
            else if (isControl(m_header.opcode) && length > MaxControlPayload)
                m_error = Error::ControlFrameTooLong;
            m_header.payloadLength = length < HeaderBits::Length16 ? length : 0;
            const int lengthBytes = length == HeaderBits::Length16 ? 2 : length == HeaderBits::Length64 ? 8 : 0;
            m_needed = static_cast<std::uint8_t>(2 + lengthBytes + (m_header.masked ? 4 : 0));
        } else {
            const std::uint8_t lengthBytes = m_needed - 2 - (m_header.masked ? 4 : 0);
            const std::uint8_t lengthEnd = 2 + lengthBytes;
            if (index < lengthEnd) {
                if (lengthBytes == 8 && index == 2 && (byte & 0x80) != 0)
                    m_error = Error::LengthTopBitSet;
                m_header.payloadLength = (m_header.payloadLength << 8) | byte;
                // The shortest form is required (RFC 6455 §5.2 "the minimal number of bytes").
                if (index + 1 == lengthEnd) {
                    const std::uint64_t minimum = lengthBytes == 2 ? HeaderBits::Length16 : 0x10000;
                    if (m_header.payloadLength < minimum)
                        m_error = Error::NonMinimalLength;
                }
            } else {
                m_header.maskKey[index - lengthEnd] = byte;
            }
        }
        if (m_error != Error::None) {
            consumed += i;
            return Status::Failed;
        }
    }
    consumed += i;
    return m_have == m_needed ? Status::Complete : Status::NeedMore;
}

void FrameHeaderParser::reset() noexcept
{
    m_header = FrameHeader{};
    m_have = 0;
    m_needed = 2;
    m_error = Error::None;
}

std::size_t encodeFrameHeader(const FrameHeader &header, char *out) noexcept
{
    auto put = [out](std::size_t at, std::uint64_t value) { out[at] = static_cast<char>(value & 0xff); };
    put(0, (header.fin ? HeaderBits::Fin : 0u) | (header.rsv & RsvBits)
               | (static_cast<std::uint8_t>(header.opcode) & HeaderBits::OpcodeBits));
    const std::uint8_t maskBit = header.masked ? HeaderBits::Mask : 0;
    const std::uint64_t length = header.payloadLength;
    std::size_t size = 2;
    if (length < HeaderBits::Length16) {
        put(1, maskBit | length);
    } else if (length <= 0xffff) {
        put(1, maskBit | HeaderBits::Length16);
        for (int shift = 8; shift >= 0; shift -= 8)
            put(size++, length >> shift);
    } else {
        put(1, maskBit | HeaderBits::Length64);
        for (int shift = 56; shift >= 0; shift -= 8)
            put(size++, length >> shift);
    }
    if (header.masked) {
        for (std::uint8_t k : header.maskKey)
            put(size++, k);
    }
    return size;
}

} // namespace WsKit::Core
