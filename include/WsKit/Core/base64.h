#pragma once
/// @file
/// Base64 (RFC 4648 §4, with padding) for the handshake keys.

#include <WsKit/Core/wskitcore_export.h>

#include <optional>
#include <string>
#include <string_view>

namespace WsKit::Core {

/// The padded base64 text of bytes.
WSKITCORE_EXPORT std::string base64Encode(std::string_view bytes);

/// The decoded bytes, or nothing when text is not canonical padded base64.
WSKITCORE_EXPORT std::optional<std::string> base64Decode(std::string_view text);

} // namespace WsKit::Core
