#pragma once
/// @file
/// permessage-deflate negotiation (RFC 7692 §5, §7.1) over the grammar of the
/// Sec-WebSocket-Extensions header (RFC 6455 §9.1): the server picks the first
/// acceptable offer and answers it; the client builds its offer and checks the answer.

#include <WsKit/Core/deflate.h>
#include <WsKit/Core/error.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace WsKit::Core {

// ---- The header grammar ------------------------------------------------------------

/// One parameter of an extension: "client_max_window_bits=10".
struct ExtensionParameter {
    std::string name;                 ///< the parameter's name
    std::optional<std::string> value; ///< unquoted; empty optional when the parameter has none
};

/// One extension of a Sec-WebSocket-Extensions value, with its parameters.
struct Extension {
    std::string name;                           ///< e.g. "permessage-deflate"
    std::vector<ExtensionParameter> parameters; ///< in the order written
};

/// Splits a Sec-WebSocket-Extensions value (several fields combined with ", ") into
/// its extensions in order: `name *( ";" param [ "=" ( token / quoted-string ) ] )`,
/// comma separated, optional whitespace around the separators, empty list elements
/// skipped (RFC 9110 §5.6.1). A quoted value must unquote to a token (RFC 6455 §9.1).
/// Nothing when the value does not follow that grammar.
WSKITCORE_EXPORT std::optional<std::vector<Extension>> parseExtensions(std::string_view header);

// ---- permessage-deflate ------------------------------------------------------------

/// The extension's name in Sec-WebSocket-Extensions (RFC 7692 §7).
inline constexpr std::string_view PerMessageDeflateName = "permessage-deflate";

/// What one side asks for (client) or accepts (server). Window bits are 8-15 (values
/// outside are clamped); 15 means "no limit" and is never written out.
struct DeflateConfig {
    /// Whether to offer (client) or accept (server) permessage-deflate at all.
    bool enabled = true;
    /// Client: ask the server to compress every message on its own (the server must
    /// agree). Server: do so always, whether asked or not.
    bool serverNoContextTakeover = false;
    /// Client: promise to compress every message on its own. Server: require that of
    /// the client, so its inflater can be freed between messages.
    bool clientNoContextTakeover = false;
    /// Client: the largest window the server may compress with. Server: the largest
    /// window it compresses with (the client's limit may lower it).
    std::uint8_t serverMaxWindowBits = 15;
    /// Client: the largest window it compresses with; client_max_window_bits is always
    /// offered, with this value below 15, so a server may lower it. Server: the largest
    /// window it accepts from the client; below 15, an offer that does not let the
    /// server limit the client (no client_max_window_bits) is declined.
    std::uint8_t clientMaxWindowBits = 15;
};

/// Server: chooses the first permessage-deflate offer in the combined
/// Sec-WebSocket-Extensions value that is valid and acceptable under config, and
/// sets agreed and the value of the response's Sec-WebSocket-Extensions field. An
/// offer with an unknown, repeated or out-of-range parameter is declined and the next
/// one considered (RFC 7692 §7.1); when none is left, agreed stays empty and the
/// response empty: the connection proceeds uncompressed. Other extensions are ignored.
/// A header that does not parse fails with InvalidExtensionOffer (answered with 400),
/// whatever config says.
WSKITCORE_EXPORT Error negotiateDeflate(std::string_view extensionsHeader, const DeflateConfig &config,
                                        std::optional<DeflateParameters> &agreed,
                                        std::string &responseHeader);

/// Client: the Sec-WebSocket-Extensions value offering permessage-deflate under
/// config, e.g. "permessage-deflate; client_max_window_bits"; empty when disabled.
WSKITCORE_EXPORT std::string deflateOffer(const DeflateConfig &config);

/// Client: checks the server's combined Sec-WebSocket-Extensions value against the
/// offer deflateOffer(offered) made and sets agreed (empty when the server declined).
/// Fails with UnexpectedExtension when the value does not parse, names another
/// extension, repeats permessage-deflate, or answers with parameters that are
/// unknown, repeated, out of range or not allowed by the offer (RFC 7692 §7.1).
WSKITCORE_EXPORT Error acceptDeflateResponse(std::string_view responseExtensions, const DeflateConfig &offered,
                                             std::optional<DeflateParameters> &agreed);

} // namespace WsKit::Core
