#pragma once
/// @file
/// Who a request really came from when reverse proxies stand in front of the
/// server: the Forwarded field (RFC 7239) and the X-Forwarded-For, -Proto and -Host
/// fields that proxies add, parsed and walked from the nearest hop outwards.

#include <WsKit/Core/http.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace WsKit::Core {

/// One node of a forwarding chain: where a proxy saw a request come from (RFC 7239 §6).
struct ForwardedNode {
    /// What the node names.
    enum class Kind : unsigned char {
        Address,    ///< an IPv4 or IPv6 address, perhaps with a port
        Unknown,    ///< "unknown": the proxy does not know or does not say
        Obfuscated, ///< an obfuscated identifier ("_hidden"): not an address
        Malformed,  ///< not a node at all
    };

    /// What the node names.
    Kind kind = Kind::Malformed;
    /// For an Address: the address as written, without brackets ("192.0.2.7",
    /// "2001:db8::1"); empty otherwise.
    std::string address;
    /// For an Address: the port, 0 when none was given or it was obfuscated.
    std::uint16_t port = 0;
};

/// One element of a Forwarded field: what one proxy said about the request it passed on.
struct ForwardedElement {
    /// Whether the element is well formed; a malformed one says nothing.
    bool valid = false;
    /// Whether it has a "for" parameter.
    bool hasFor = false;
    /// The "for" node: who sent the request to that proxy.
    ForwardedNode forNode;
    /// The "by" parameter as sent (unquoted): the interface the proxy received it on.
    std::string by;
    /// The "proto" parameter (unquoted), as sent: the scheme the request used.
    std::string proto;
    /// The "host" parameter (unquoted), as sent: the Host the request carried.
    std::string host;
};

/// The client a request came from, as trusted proxies tell it.
struct ForwardedClient {
    /// The client's address, when the trusted proxies named one (an Address node);
    /// empty when the request's own peer is the nearest client known.
    std::optional<ForwardedNode> node;
    /// The scheme the client used, lower case ("https", "wss" …); empty when not said.
    std::string scheme;
    /// The host (and port) the client asked for; empty when not said.
    std::string host;
};

/// Whether text is an IPv4 address in dotted-decimal form ("192.0.2.7"; no
/// leading zeros, which some parsers read as octal).
WSKITCORE_EXPORT bool isIpv4Address(std::string_view text) noexcept;

/// Whether text is an IPv6 address in the text form of RFC 4291 §2.2 ("2001:db8::1",
/// "::ffff:192.0.2.7"), without brackets or a zone.
WSKITCORE_EXPORT bool isIpv6Address(std::string_view text) noexcept;

/// Parses a node of RFC 7239 §6 as it stands after unquoting: an IPv4 address, a
/// bracketed IPv6 address, "unknown" or an obfuscated identifier ("_hidden"), each
/// with an optional port (up to 65535, or an obfuscated "_port").
WSKITCORE_EXPORT ForwardedNode parseForwardedNode(std::string_view text);

/// Splits one Forwarded field value into its elements (RFC 7239 §4), nearest proxy
/// last. Parameter names are case-insensitive; values are tokens or quoted strings.
/// An element with bad syntax, or a parameter given twice, is kept as not valid;
/// the next element starts after the next comma outside a quoted string.
WSKITCORE_EXPORT std::vector<ForwardedElement> parseForwarded(std::string_view value);

/// Splits one X-Forwarded-For field value into its nodes, nearest proxy last: nodes
/// as in Forwarded, and IPv6 addresses without brackets (as proxies write them
/// there). Empty elements are skipped; an element that is not a node is kept as
/// Malformed.
WSKITCORE_EXPORT std::vector<ForwardedNode> parseXForwardedFor(std::string_view value);

/// Who the client is, from the fields of a request whose peer is a trusted proxy.
///
/// The chain of nodes is walked from the nearest hop outwards; each address the
/// walk reaches becomes the client, and the walk goes on past it only while
/// isTrusted(address) holds, so entries a client wrote itself before the first
/// proxy we trust are never believed. A node that is not an address (unknown,
/// obfuscated, malformed) stops the walk before it: the client is the last address
/// reached (none: the peer itself).
///
/// When the request has any X-Forwarded-For, X-Forwarded-Proto or X-Forwarded-Host
/// field, those are used (scheme and host from the last element, which the nearest
/// proxy set) and Forwarded is ignored; otherwise Forwarded is, with the scheme and
/// host of the farthest element the walk reached. Each field line is parsed on its
/// own, so a malformed line cannot swallow the one a proxy added. A scheme that is
/// not a URI scheme, or a host with characters a Host field cannot hold, is ignored.
WSKITCORE_EXPORT ForwardedClient
resolveForwarded(const HttpHeaders &headers, const std::function<bool(std::string_view address)> &isTrusted);

} // namespace WsKit::Core
