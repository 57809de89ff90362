#pragma once
/// @file
/// The WebSocket opening handshake (RFC 6455 §4): validating and answering an
/// upgrade request on the server, building the request and checking the response
/// on the client.

#include <WsKit/Core/error.h>
#include <WsKit/Core/http.h>
#include <WsKit/Core/wskitcore_export.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace WsKit::Core {

/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) (§4.2.2).
WSKITCORE_EXPORT std::string computeAcceptKey(std::string_view key);

// ---- Server side ---------------------------------------------------------------

/// Whether the request asks for a WebSocket (an Upgrade header naming websocket);
/// a server routes other requests to its plain HTTP handler.
WSKITCORE_EXPORT bool isWebSocketUpgrade(const HttpRequestHead &request);

/// What a valid upgrade request asks for (validateUpgradeRequest()).
struct UpgradeRequest {
    std::string key;                       ///< Sec-WebSocket-Key as sent
    std::vector<std::string> subprotocols; ///< Sec-WebSocket-Protocol, in client order
    std::string extensions;                ///< Sec-WebSocket-Extensions, all fields combined
    std::string origin;                    ///< empty when absent
    std::string host;                      ///< the Host field
};

/// Checks the request against §4.2.1 (GET, HTTP/1.1 or later, Host, Upgrade,
/// Connection, a key of 16 bytes, version 13) and fills out on success. A
/// repeated Host, Sec-WebSocket-Key or Sec-WebSocket-Version is refused
/// (MalformedRequest, InvalidKey, UnsupportedVersion).
WSKITCORE_EXPORT Error validateUpgradeRequest(const HttpRequestHead &request, UpgradeRequest &out);

/// The default origin policy: true when origin is empty, or when its host (and
/// port, as written) equals the Host header, case-insensitively; "null" never matches.
WSKITCORE_EXPORT bool originMatchesHost(std::string_view origin, std::string_view host);

/// "HTTP/1.1 101 Switching Protocols" with the accept key, the chosen subprotocol
/// and extensions (each omitted when empty) and any extra fields. Here and in the
/// other builders, a field whose name is not a token or whose value holds a
/// control character (CR, LF …) is left out, so no value can split the head.
WSKITCORE_EXPORT std::string buildAcceptResponse(std::string_view key, std::string_view subprotocol,
                                                 std::string_view extensions,
                                                 const HttpHeaders &extra = {});

/// An error answer with a short text/plain body and "Connection: close"; a 426
/// also carries "Sec-WebSocket-Version: 13" and a 405 "Allow: GET".
WSKITCORE_EXPORT std::string buildErrorResponse(int status, std::string_view body,
                                                const HttpHeaders &extra = {});

/// The reason phrase for a status code ("Bad Request" …); empty when unknown.
WSKITCORE_EXPORT std::string_view httpReasonPhrase(int status) noexcept;

// ---- Client side ---------------------------------------------------------------

/// A Sec-WebSocket-Key from 16 random bytes the caller drew.
WSKITCORE_EXPORT std::string makeClientKey(const std::array<std::uint8_t, 16> &randomBytes);

/// The Host header value: IPv6 literals in brackets, the port omitted when it is
/// the scheme's default (80, or 443 when secure).
WSKITCORE_EXPORT std::string hostHeaderValue(std::string_view host, std::uint16_t port, bool secure);

/// A client's upgrade request, to be built and to check the response against.
struct ClientRequest {
    std::string target = "/";              ///< path and query
    std::string host;                      ///< the Host header value (hostHeaderValue())
    std::string key;                       ///< makeClientKey()
    std::vector<std::string> subprotocols; ///< Sec-WebSocket-Protocol, in preference order
    std::string extensions;                ///< Sec-WebSocket-Extensions offer, empty for none
    HttpHeaders extra;                     ///< Origin, Authorization, Cookie …
};

/// The request head of request, from "GET" to the empty line (RFC 6455 §4.1).
WSKITCORE_EXPORT std::string buildClientRequest(const ClientRequest &request);

/// What a server's valid 101 response settled (validateServerResponse()).
struct ServerAcceptance {
    std::string subprotocol; ///< empty when none was chosen
    std::string extensions;  ///< the server's Sec-WebSocket-Extensions, combined
};

/// Checks a response head against §4.1: status 101, Upgrade, Connection, the accept
/// key, a subprotocol among those offered and no extension when none was offered.
/// The extension parameters themselves are checked by the extension's negotiation.
WSKITCORE_EXPORT Error validateServerResponse(const HttpResponseHead &response, const ClientRequest &request,
                                              ServerAcceptance &out);

} // namespace WsKit::Core
