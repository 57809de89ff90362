// The opening handshake of RFC 6455 §4: the server's checks of §4.2.1 and answer
// of §4.2.2, the client's request of §4.1 and its checks of the response.
#include <WsKit/Core/handshake.h>

#include <WsKit/Core/base64.h>
#include <WsKit/Core/sha1.h>

#include <algorithm>

namespace WsKit::Core {

namespace {

constexpr std::string_view AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::string_view WebSocketVersion = "13";

std::size_t fieldCount(const HttpHeaders &headers, std::string_view name)
{
    return std::size_t(std::count_if(headers.fields().begin(), headers.fields().end(),
                                      [name](const auto &field) { return equalsIgnoringCase(field.first, name); }));
}

// Writes one field line. A field that is not a token and a clean value is left
// out rather than written: a CR or LF in it would end the head early and let
// whoever chose the value inject fields or a body.
void appendField(std::string &out, std::string_view name, std::string_view value)
{
    if (!isHttpToken(name) || !isHttpFieldValue(value))
        return;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

void appendFields(std::string &out, const HttpHeaders &fields)
{
    for (const auto &[name, value] : fields.fields())
        appendField(out, name, value);
}

std::string joined(const std::vector<std::string> &elements)
{
    std::string text;
    for (const auto &element : elements) {
        if (!text.empty())
            text += ", ";
        text += element;
    }
    return text;
}

} // namespace

std::string computeAcceptKey(std::string_view key)
{
    std::string input;
    input.reserve(key.size() + AcceptGuid.size());
    input += key;
    input += AcceptGuid;
    const Sha1Digest digest = sha1(input);
    return base64Encode(std::string_view(reinterpret_cast<const char *>(digest.data()), digest.size()));
}

// ---- Server side ---------------------------------------------------------------

bool isWebSocketUpgrade(const HttpRequestHead &request)
{
    return request.headers.containsToken("Upgrade", "websocket");
}

Error validateUpgradeRequest(const HttpRequestHead &request, UpgradeRequest &out)
{
    const HttpHeaders &headers = request.headers;
    if (request.method != "GET")
        return Error::MethodNotGet; // methods are case-sensitive (RFC 9110 §9.1)
    if (request.versionMajor < 1 || (request.versionMajor == 1 && request.versionMinor < 1))
        return Error::UnsupportedHttpVersion;

    // RFC 9112 §3.2: exactly one Host field, else 400.
    const std::optional<std::string_view> host = headers.value("Host");
    if (!host || host->empty())
        return Error::MissingHost;
    if (fieldCount(headers, "Host") != 1)
        return Error::MalformedRequest;

    if (!isWebSocketUpgrade(request))
        return Error::MissingUpgradeWebSocket;
    if (!headers.containsToken("Connection", "Upgrade"))
        return Error::MissingConnectionUpgrade;

    // The key is a single field holding 16 bytes in base64 (§4.2.1 item 5).
    const std::optional<std::string_view> key = headers.value("Sec-WebSocket-Key");
    if (!key || fieldCount(headers, "Sec-WebSocket-Key") != 1)
        return Error::InvalidKey;
    const std::optional<std::string> nonce = base64Decode(*key);
    if (!nonce || nonce->size() != 16)
        return Error::InvalidKey;

    const std::optional<std::string_view> version = headers.value("Sec-WebSocket-Version");
    if (!version || *version != WebSocketVersion || fieldCount(headers, "Sec-WebSocket-Version") != 1)
        return Error::UnsupportedVersion;

    UpgradeRequest result;
    result.key = *key;
    result.subprotocols = headers.listValues("Sec-WebSocket-Protocol");
    result.extensions = headers.combinedValue("Sec-WebSocket-Extensions");
    result.origin = headers.value("Origin").value_or(std::string_view());
    result.host = *host;
    out = std::move(result);
    return Error::None;
}

bool originMatchesHost(std::string_view origin, std::string_view host)
{
    if (origin.empty())
        return true;
    // An origin is scheme "://" host [ ":" port ] (RFC 6454 §6.2); "null" and
    // anything else without an authority never match. The authority is compared
    // as written, like the Host header, so an explicit default port differs from
    // an omitted one.
    const std::size_t schemeEnd = origin.find("://");
    if (schemeEnd == std::string_view::npos || schemeEnd == 0)
        return false;
    std::string_view authority = origin.substr(schemeEnd + 3);
    authority = authority.substr(0, authority.find('/'));
    return !authority.empty() && equalsIgnoringCase(authority, host);
}

std::string buildAcceptResponse(std::string_view key, std::string_view subprotocol,
                                std::string_view extensions, const HttpHeaders &extra)
{
    std::string out = "HTTP/1.1 101 Switching Protocols\r\n";
    appendField(out, "Upgrade", "websocket");
    appendField(out, "Connection", "Upgrade");
    appendField(out, "Sec-WebSocket-Accept", computeAcceptKey(key));
    if (!subprotocol.empty())
        appendField(out, "Sec-WebSocket-Protocol", subprotocol);
    if (!extensions.empty())
        appendField(out, "Sec-WebSocket-Extensions", extensions);
    appendFields(out, extra);
    out += "\r\n";
    return out;
}

std::string buildErrorResponse(int status, std::string_view body, const HttpHeaders &extra)
{
    std::string out = "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += httpReasonPhrase(status);
    out += "\r\n";
    appendField(out, "Content-Type", "text/plain; charset=utf-8");
    appendField(out, "Content-Length", std::to_string(body.size()));
    appendField(out, "Connection", "close");
    if (status == 405)
        appendField(out, "Allow", "GET"); // required in a 405 (RFC 9110 §15.5.6)
    if (status == 426)
        appendField(out, "Sec-WebSocket-Version", WebSocketVersion); // §4.2.2 item 4
    appendFields(out, extra);
    out += "\r\n";
    out += body;
    return out;
}

std::string_view httpReasonPhrase(int status) noexcept
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return {};
    }
}

// ---- Client side ---------------------------------------------------------------

std::string makeClientKey(const std::array<std::uint8_t, 16> &randomBytes)
{
    return base64Encode(std::string_view(reinterpret_cast<const char *>(randomBytes.data()), randomBytes.size()));
}

std::string hostHeaderValue(std::string_view host, std::uint16_t port, bool secure)
{
    std::string value;
    // An IPv6 literal keeps its colons apart from the port in brackets (RFC 3986 §3.2.2).
    const bool bracket = host.find(':') != std::string_view::npos && host.front() != '[';
    if (bracket)
        value += '[';
    value += host;
    if (bracket)
        value += ']';
    if (port != (secure ? 443 : 80)) {
        value += ':';
        value += std::to_string(port);
    }
    return value;
}

std::string buildClientRequest(const ClientRequest &request)
{
    std::string out = "GET ";
    out += request.target.empty() ? std::string_view("/") : std::string_view(request.target);
    out += " HTTP/1.1\r\n";
    appendField(out, "Host", request.host);
    appendField(out, "Upgrade", "websocket");
    appendField(out, "Connection", "Upgrade");
    appendField(out, "Sec-WebSocket-Key", request.key);
    appendField(out, "Sec-WebSocket-Version", WebSocketVersion);
    if (!request.subprotocols.empty())
        appendField(out, "Sec-WebSocket-Protocol", joined(request.subprotocols));
    if (!request.extensions.empty())
        appendField(out, "Sec-WebSocket-Extensions", request.extensions);
    appendFields(out, request.extra);
    out += "\r\n";
    return out;
}

Error validateServerResponse(const HttpResponseHead &response, const ClientRequest &request,
                             ServerAcceptance &out)
{
    const HttpHeaders &headers = response.headers;
    if (response.status != 101)
        return Error::UnexpectedStatus;
    if (!headers.containsToken("Upgrade", "websocket"))
        return Error::MissingUpgradeResponse;
    if (!headers.containsToken("Connection", "Upgrade"))
        return Error::MissingConnectionResponse;

    const std::optional<std::string_view> accept = headers.value("Sec-WebSocket-Accept");
    if (!accept || fieldCount(headers, "Sec-WebSocket-Accept") != 1 || *accept != computeAcceptKey(request.key))
        return Error::InvalidAccept;

    // At most one subprotocol, and one the client offered (§4.1); names compare
    // exactly.
    const std::vector<std::string> subprotocols = headers.listValues("Sec-WebSocket-Protocol");
    if (subprotocols.size() > 1)
        return Error::UnexpectedSubprotocol;
    if (subprotocols.size() == 1
        && std::find(request.subprotocols.begin(), request.subprotocols.end(), subprotocols.front())
               == request.subprotocols.end()) {
        return Error::UnexpectedSubprotocol;
    }

    // No extension may be in use that the client did not ask for (§4.1).
    if (request.extensions.empty() && !headers.listValues("Sec-WebSocket-Extensions").empty())
        return Error::UnexpectedExtension;

    out.subprotocol = subprotocols.empty() ? std::string() : subprotocols.front();
    out.extensions = headers.combinedValue("Sec-WebSocket-Extensions");
    return Error::None;
}

} // namespace WsKit::Core
