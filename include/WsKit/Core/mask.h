#pragma once
/// @file
/// Client-to-server masking (RFC 6455 §5.3).

#include <WsKit/Core/wskitcore_export.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace WsKit::Core {

/// The four bytes a client masks a frame's payload with (RFC 6455 §5.3).
using MaskKey = std::array<std::uint8_t, 4>;

/// XORs data in place with key, starting at key byte `phase` (0-3), and returns the
/// phase for the byte after the last one, so a frame's payload can be unmasked in
/// pieces as it arrives. Works a machine word at a time at any alignment.
WSKITCORE_EXPORT std::size_t applyMask(char *data, std::size_t size, MaskKey key,
                                       std::size_t phase = 0) noexcept;

} // namespace WsKit::Core
