#pragma once
/// @file
/// SHA-1 (FIPS 180-4), needed only for Sec-WebSocket-Accept.

#include <WsKit/Core/wskitcore_export.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace WsKit::Core {

/// A SHA-1 digest: 20 bytes.
using Sha1Digest = std::array<std::uint8_t, 20>;

/// The SHA-1 digest of data.
WSKITCORE_EXPORT Sha1Digest sha1(std::string_view data) noexcept;

} // namespace WsKit::Core
