#pragma once
// Mask keys for the frames a client sends (RFC 6455 §5.3): drawn from the
// system's cryptographic random source, so no key can be predicted from the
// keys seen before it.

#include <WsKit/Core/mask.h>

namespace WsKit {

Core::MaskKey nextMaskKey();

} // namespace WsKit
