#include <WsKit/Core/closecode.h>

#include <WsKit/Core/utf8.h>

namespace WsKit::Core {

bool isValidCloseCode(std::uint16_t code) noexcept
{
    // RFC 6455 §7.4.1 and the IANA registry: 1004 is reserved, 1005/1006 are never
    // sent, 1015 (TLS failure) is never sent; 3000-4999 belong to libraries and apps.
    if (code >= 1000 && code <= 1003)
        return true;
    if (code >= 1007 && code <= 1014)
        return true;
    return code >= 3000 && code <= 4999;
}

Error parseClosePayload(std::string_view payload, ClosePayload &out) noexcept
{
    // RFC 6455 §5.5.1: empty, or a 2-byte big-endian code followed by a UTF-8 reason.
    if (payload.empty()) {
        out = ClosePayload{};
        return Error::None;
    }
    if (payload.size() == 1)
        return Error::InvalidClosePayload;
    const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8)
                                                 | static_cast<unsigned char>(payload[1]));
    if (!isValidCloseCode(code))
        return Error::InvalidCloseCode;
    const std::string_view reason = payload.substr(2);
    if (!isValidUtf8(reason))
        return Error::InvalidUtf8;
    out.code = code;
    out.reason = reason;
    return Error::None;
}

void appendClosePayload(std::uint16_t code, std::string_view reason, std::string &out)
{
    if (code == CloseCode::NoStatusReceived)
        return;
    out.push_back(static_cast<char>(code >> 8));
    out.push_back(static_cast<char>(code & 0xff));
    out.append(reason);
}

} // namespace WsKit::Core
