#include <WsKit/Core/deflatenegotiation.h>

#include <algorithm>
#include <iterator>

namespace WsKit::Core {

namespace {

// tchar (RFC 9110 §5.6.2).
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) {
               return lower(x) == lower(y);
           });
}

// Reads the grammar of parseExtensions() left to right.
class ExtensionReader
{
public:
    explicit ExtensionReader(std::string_view text) : m_text(text) {}

    std::optional<std::vector<Extension>> readList()
    {
        std::vector<Extension> extensions;
        for (;;) {
            skipWhitespace();
            if (atEnd())
                return extensions;
            if (!take(',')) {
                std::optional<Extension> extension = readExtension();
                if (!extension)
                    return std::nullopt;
                extensions.push_back(std::move(*extension));
                skipWhitespace();
                if (!atEnd() && !take(','))
                    return std::nullopt;
            }
        }
    }

private:
    std::optional<Extension> readExtension()
    {
        Extension extension;
        extension.name = readToken();
        if (extension.name.empty())
            return std::nullopt;
        for (;;) {
            skipWhitespace();
            if (!take(';'))
                return extension;
            skipWhitespace();
            ExtensionParameter parameter;
            parameter.name = readToken();
            if (parameter.name.empty())
                return std::nullopt;
            skipWhitespace();
            if (take('=')) {
                skipWhitespace();
                parameter.value = peek('"') ? readQuotedString() : readToken();
                // RFC 6455 §9.1: an unquoted value is a token, a quoted one must be too.
                if (!isToken(*parameter.value))
                    return std::nullopt;
            }
            extension.parameters.push_back(std::move(parameter));
        }
    }

    std::string readToken()
    {
        const std::size_t start = m_pos;
        while (!atEnd() && isTokenChar(m_text[m_pos]))
            ++m_pos;
        return std::string(m_text.substr(start, m_pos - start));
    }

    // The unescaped content of a quoted-string (RFC 9110 §5.6.4); empty when it is
    // not terminated, which the caller rejects as not being a token.
    std::string readQuotedString()
    {
        std::string value;
        ++m_pos; // the opening quote
        while (!atEnd()) {
            char c = m_text[m_pos++];
            if (c == '"')
                return value;
            if (c == '\\') {
                if (atEnd())
                    break;
                c = m_text[m_pos++];
            }
            value.push_back(c);
        }
        return {};
    }

    void skipWhitespace()
    {
        while (!atEnd() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t'))
            ++m_pos;
    }

    bool atEnd() const { return m_pos == m_text.size(); }
    bool peek(char c) const { return !atEnd() && m_text[m_pos] == c; }
    bool take(char c)
    {
        if (!peek(c))
            return false;
        ++m_pos;
        return true;
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

constexpr std::string_view ServerNoContextTakeover = "server_no_context_takeover";
constexpr std::string_view ClientNoContextTakeover = "client_no_context_takeover";
constexpr std::string_view ServerMaxWindowBits = "server_max_window_bits";
constexpr std::string_view ClientMaxWindowBits = "client_max_window_bits";
constexpr std::uint8_t DefaultWindowBits = 15;

std::uint8_t clampWindowBits(std::uint8_t bits) { return std::clamp<std::uint8_t>(bits, 8, 15); }

// A window-bits value: a decimal integer from 8 to 15 without leading zeroes
// (RFC 7692 §7.1.2.1, §7.1.2.2).
std::optional<std::uint8_t> parseWindowBits(std::string_view value)
{
    if (value.size() == 1 && (value[0] == '8' || value[0] == '9'))
        return std::uint8_t(value[0] - '0');
    if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5')
        return std::uint8_t(10 + value[1] - '0');
    return std::nullopt;
}

// The parameters of one permessage-deflate offer or response (RFC 7692 §7.1).
struct DeflateElement {
    bool serverNoContextTakeover = false;
    bool clientNoContextTakeover = false;
    std::optional<std::uint8_t> serverMaxWindowBits;
    bool hasClientMaxWindowBits = false;
    std::optional<std::uint8_t> clientMaxWindowBits; // the value, when one was given
};

enum class Direction : std::uint8_t { Offer, Response };

// Reads the parameters of a permessage-deflate element. Nothing when one is unknown,
// repeated or has an invalid value: §7.1 makes a server decline such an offer and a
// client fail on such a response. client_max_window_bits may lack its value only in
// an offer (§7.1.2.2).
std::optional<DeflateElement> readDeflateElement(const Extension &extension, Direction direction)
{
    enum Parameter { ServerNoContext, ClientNoContext, ServerBits, ClientBits, Count };
    constexpr std::string_view names[Count] = {ServerNoContextTakeover, ClientNoContextTakeover,
                                               ServerMaxWindowBits, ClientMaxWindowBits};
    DeflateElement element;
    bool seen[Count] = {};
    for (const ExtensionParameter &parameter : extension.parameters) {
        const auto known = std::find_if(std::begin(names), std::end(names),
                                        [&](std::string_view name) { return equalsIgnoringCase(parameter.name, name); });
        if (known == std::end(names))
            return std::nullopt;
        const auto which = Parameter(known - std::begin(names));
        if (seen[which])
            return std::nullopt;
        seen[which] = true;

        std::optional<std::uint8_t> bits;
        if (parameter.value) {
            bits = parseWindowBits(*parameter.value);
            if (!bits)
                return std::nullopt;
        }
        if (which == ServerNoContext || which == ClientNoContext) {
            if (parameter.value)
                return std::nullopt;
            (which == ServerNoContext ? element.serverNoContextTakeover : element.clientNoContextTakeover) = true;
        } else if (which == ServerBits) {
            if (!bits)
                return std::nullopt;
            element.serverMaxWindowBits = bits;
        } else {
            if (!bits && direction == Direction::Response)
                return std::nullopt;
            element.hasClientMaxWindowBits = true;
            element.clientMaxWindowBits = bits;
        }
    }
    return element;
}

void appendParameter(std::string &out, std::string_view name)
{
    out += "; ";
    out += name;
}

void appendParameter(std::string &out, std::string_view name, std::uint8_t value)
{
    appendParameter(out, name);
    out += '=';
    out += std::to_string(value);
}

// The server's answer to one valid offer, or nothing when config cannot accept it.
std::optional<DeflateParameters> acceptOffer(const DeflateElement &offer, const DeflateConfig &config)
{
    DeflateParameters agreed;
    // §7.1.1.1, §7.1.1.2: either side may ask for no context takeover; the server
    // supports both, and answering client_no_context_takeover binds the client's hint.
    agreed.serverNoContextTakeover = offer.serverNoContextTakeover || config.serverNoContextTakeover;
    agreed.clientNoContextTakeover = offer.clientNoContextTakeover || config.clientNoContextTakeover;
    // §7.1.2.1: the client's server_max_window_bits limits the server; the server may
    // always go lower.
    agreed.serverMaxWindowBits =
        std::min(offer.serverMaxWindowBits.value_or(DefaultWindowBits), clampWindowBits(config.serverMaxWindowBits));
    // §7.1.2.2: the server may limit the client only when the offer carries
    // client_max_window_bits; its value is a limit the client already keeps.
    const std::uint8_t clientLimit = clampWindowBits(config.clientMaxWindowBits);
    if (!offer.hasClientMaxWindowBits && clientLimit < DefaultWindowBits)
        return std::nullopt;
    agreed.clientMaxWindowBits = std::min(offer.clientMaxWindowBits.value_or(DefaultWindowBits), clientLimit);
    return agreed;
}

std::string formatResponse(const DeflateParameters &agreed, const DeflateElement &offer)
{
    std::string response(PerMessageDeflateName);
    if (agreed.serverNoContextTakeover)
        appendParameter(response, ServerNoContextTakeover);
    if (agreed.clientNoContextTakeover)
        appendParameter(response, ClientNoContextTakeover);
    // §7.1.2.1: accepting an offer with server_max_window_bits means answering it.
    if (offer.serverMaxWindowBits || agreed.serverMaxWindowBits < DefaultWindowBits)
        appendParameter(response, ServerMaxWindowBits, agreed.serverMaxWindowBits);
    if (agreed.clientMaxWindowBits < DefaultWindowBits)
        appendParameter(response, ClientMaxWindowBits, agreed.clientMaxWindowBits);
    return response;
}

} // namespace

std::optional<std::vector<Extension>> parseExtensions(std::string_view header)
{
    return ExtensionReader(header).readList();
}

Error negotiateDeflate(std::string_view extensionsHeader, const DeflateConfig &config,
                       std::optional<DeflateParameters> &agreed, std::string &responseHeader)
{
    agreed.reset();
    responseHeader.clear();
    const std::optional<std::vector<Extension>> extensions = parseExtensions(extensionsHeader);
    if (!extensions)
        return Error::InvalidExtensionOffer;
    if (!config.enabled)
        return Error::None;
    for (const Extension &extension : *extensions) {
        if (!equalsIgnoringCase(extension.name, PerMessageDeflateName))
            continue;
        const std::optional<DeflateElement> offer = readDeflateElement(extension, Direction::Offer);
        if (!offer)
            continue; // §7.1: declined; the client may have sent a fallback offer
        if (const std::optional<DeflateParameters> accepted = acceptOffer(*offer, config)) {
            agreed = accepted;
            responseHeader = formatResponse(*accepted, *offer);
            return Error::None;
        }
    }
    return Error::None;
}

std::string deflateOffer(const DeflateConfig &config)
{
    if (!config.enabled)
        return {};
    std::string offer(PerMessageDeflateName);
    if (config.serverNoContextTakeover)
        appendParameter(offer, ServerNoContextTakeover);
    if (config.clientNoContextTakeover)
        appendParameter(offer, ClientNoContextTakeover);
    const std::uint8_t serverBits = clampWindowBits(config.serverMaxWindowBits);
    if (serverBits < DefaultWindowBits)
        appendParameter(offer, ServerMaxWindowBits, serverBits);
    // Always offered: it lets the server shrink the window it inflates with (every
    // value is supported, 8 included; see DeflateCodec).
    const std::uint8_t clientBits = clampWindowBits(config.clientMaxWindowBits);
    if (clientBits < DefaultWindowBits)
        appendParameter(offer, ClientMaxWindowBits, clientBits);
    else
        appendParameter(offer, ClientMaxWindowBits);
    return offer;
}

Error acceptDeflateResponse(std::string_view responseExtensions, const DeflateConfig &offered,
                            std::optional<DeflateParameters> &agreed)
{
    agreed.reset();
    const std::optional<std::vector<Extension>> extensions = parseExtensions(responseExtensions);
    if (!extensions)
        return Error::UnexpectedExtension;
    if (extensions->empty())
        return Error::None; // declined: the connection proceeds uncompressed
    // RFC 6455 §9.1: only offered extensions may appear, each once.
    if (!offered.enabled || extensions->size() != 1
        || !equalsIgnoringCase(extensions->front().name, PerMessageDeflateName))
        return Error::UnexpectedExtension;
    const std::optional<DeflateElement> response = readDeflateElement(extensions->front(), Direction::Response);
    if (!response)
        return Error::UnexpectedExtension;

    DeflateParameters parameters;
    // §7.1.1.1: a server accepting server_no_context_takeover must say so; it may
    // also impose it unasked, as it may impose client_no_context_takeover (§7.1.1.2),
    // which our own offer may already have promised.
    if (offered.serverNoContextTakeover && !response->serverNoContextTakeover)
        return Error::UnexpectedExtension;
    parameters.serverNoContextTakeover = response->serverNoContextTakeover;
    parameters.clientNoContextTakeover = response->clientNoContextTakeover || offered.clientNoContextTakeover;

    // §7.1.2.1: an offered server_max_window_bits must be answered with the same or
    // a smaller value; unasked, the server may announce any window.
    const std::uint8_t serverLimit = clampWindowBits(offered.serverMaxWindowBits);
    if (serverLimit < DefaultWindowBits
        && (!response->serverMaxWindowBits || *response->serverMaxWindowBits > serverLimit))
        return Error::UnexpectedExtension;
    parameters.serverMaxWindowBits = response->serverMaxWindowBits.value_or(DefaultWindowBits);

    // §7.1.2.2: client_max_window_bits is always offered (deflateOffer()), so the
    // server may lower our window, but not above the value we offered.
    const std::uint8_t clientLimit = clampWindowBits(offered.clientMaxWindowBits);
    if (response->clientMaxWindowBits && *response->clientMaxWindowBits > clientLimit)
        return Error::UnexpectedExtension;
    parameters.clientMaxWindowBits = response->clientMaxWindowBits.value_or(clientLimit);

    agreed = parameters;
    return Error::None;
}

} // namespace WsKit::Core
