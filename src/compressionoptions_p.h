#pragma once
// CompressionOptions in the core's terms. The options speak of our side and the
// peer's; RFC 7692's parameters of the server and the client.

#include <WsKit/Core/deflatenegotiation.h>
#include <WsKit/compressionoptions.h>

namespace WsKit {

// What to offer (Role::Client) or accept (Role::Server).
Core::DeflateConfig deflateConfig(const CompressionOptions &options, Core::Role role);
Core::DeflateTuning deflateTuning(const CompressionOptions &options);
// The agreed parameters seen from role, with the tuning and threshold in use.
CompressionOptions agreedCompression(const Core::DeflateParameters &agreed, Core::Role role,
                                     const Core::DeflateTuning &tuning, std::size_t threshold);

} // namespace WsKit
