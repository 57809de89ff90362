// Forwarded (RFC 7239) and X-Forwarded-For/-Proto/-Host: parsing, and the walk
// from the nearest proxy outwards that decides which hop to believe.
#include <WsKit/Core/forwarded.h>

namespace WsKit::Core {

namespace {

constexpr bool isDigit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

constexpr bool isAlpha(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool isHexDigit(char c) noexcept
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

constexpr bool isWhitespace(char c) noexcept
{
    return c == ' ' || c == '\t';
}

// The groups of one side of "::" (or of a whole address without it); the last
// group may be an embedded IPv4 address, which counts as two.
bool countIpv6Groups(std::string_view text, bool ipv4Allowed, int &groups) noexcept
{
    groups = 0;
    if (text.empty())
        return true;
    while (true) {
        const std::size_t colon = text.find(':');
        const std::string_view group = text.substr(0, colon);
        if (colon == std::string_view::npos && ipv4Allowed && group.find('.') != std::string_view::npos) {
            groups += 2;
            return isIpv4Address(group);
        }
        if (group.empty() || group.size() > 4)
            return false;
        for (const char c : group) {
            if (!isHexDigit(c))
                return false;
        }
        ++groups;
        if (colon == std::string_view::npos)
            return true;
        text.remove_prefix(colon + 1);
    }
}

// obfnode and obfport (RFC 7239 §6.3): "_" 1*( ALPHA / DIGIT / "." / "_" / "-" ).
bool isObfuscated(std::string_view text) noexcept
{
    if (text.size() < 2 || text.front() != '_')
        return false;
    for (const char c : text.substr(1)) {
        if (!isAlpha(c) && !isDigit(c) && c != '.' && c != '_' && c != '-')
            return false;
    }
    return true;
}

// node-port (RFC 7239 §6.1): 1*5DIGIT (a TCP port, so at most 65535) or an obfport.
bool parsePort(std::string_view text, std::uint16_t &port) noexcept
{
    if (isObfuscated(text)) {
        port = 0;
        return true;
    }
    if (text.empty() || text.size() > 5)
        return false;
    unsigned value = 0;
    for (const char c : text) {
        if (!isDigit(c))
            return false;
        value = value * 10 + unsigned(c - '0');
    }
    if (value > 65535)
        return false;
    port = std::uint16_t(value);
    return true;
}

// URI scheme (RFC 3986 §3.1), lower-cased; empty when text is not one.
std::string schemeOf(std::string_view text)
{
    if (text.empty() || !isAlpha(text.front()))
        return {};
    std::string scheme;
    for (const char c : text) {
        if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.')
            return {};
        scheme += c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
    }
    return scheme;
}

// Whether text can be a Host field value (RFC 9110 §7.2): the characters of a
// reg-name or an IP literal, and a port.
bool isHostValue(std::string_view text) noexcept
{
    static constexpr std::string_view allowed = "-._~!$&'()*+,;=:[]%";
    if (text.empty())
        return false;
    for (const char c : text) {
        if (!isAlpha(c) && !isDigit(c) && allowed.find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

// Reads a quoted-string (RFC 9110 §5.6.4) starting at text[pos] == '"' and
// unescapes it into out; pos ends after the closing quote. False when it does not end.
bool readQuotedString(std::string_view text, std::size_t &pos, std::string &out)
{
    for (++pos; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c == '"') {
            ++pos;
            return true;
        }
        if (c == '\\') {
            if (++pos == text.size())
                return false;
        }
        out += text[pos];
    }
    return false;
}

// Past the next comma outside a quoted string (or to the end).
void skipElement(std::string_view text, std::size_t &pos) noexcept
{
    bool quoted = false;
    for (; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (!quoted && c == ',') {
            ++pos;
            return;
        }
        if (c == '"')
            quoted = !quoted;
        else if (quoted && c == '\\')
            ++pos;
    }
}

void skipWhitespace(std::string_view text, std::size_t &pos) noexcept
{
    while (pos < text.size() && isWhitespace(text[pos]))
        ++pos;
}

// One forwarded-pair's parameter into element; false when it was there already.
bool setParameter(ForwardedElement &element, std::string_view name, std::string value)
{
    if (equalsIgnoringCase(name, "for")) {
        if (element.hasFor)
            return false;
        element.hasFor = true;
        element.forNode = parseForwardedNode(value);
        return true;
    }
    std::string *target = equalsIgnoringCase(name, "by") ? &element.by
        : equalsIgnoringCase(name, "proto")               ? &element.proto
        : equalsIgnoringCase(name, "host")                ? &element.host
                                                          : nullptr;
    if (!target)
        return true; // an extension parameter (RFC 7239 §5.5): nothing we use
    if (!target->empty())
        return false;
    *target = std::move(value);
    return !target->empty();
}

// Reads the pairs of one element up to the comma that ends it (consumed) or the
// end. False on bad syntax, with pos somewhere inside the element.
bool readElement(std::string_view text, std::size_t &pos, ForwardedElement &element)
{
    while (true) {
        skipWhitespace(text, pos);
        if (pos == text.size())
            return true;
        if (text[pos] == ',') {
            ++pos;
            return true;
        }
        if (text[pos] == ';') { // an empty pair
            ++pos;
            continue;
        }
        const std::size_t nameStart = pos;
        while (pos < text.size() && text[pos] != '=' && text[pos] != ';' && text[pos] != ','
               && !isWhitespace(text[pos]) && text[pos] != '"')
            ++pos;
        const std::string_view name = text.substr(nameStart, pos - nameStart);
        if (!isHttpToken(name) || pos == text.size() || text[pos] != '=')
            return false;
        ++pos;
        std::string value;
        if (pos < text.size() && text[pos] == '"') {
            if (!readQuotedString(text, pos, value))
                return false;
        } else {
            const std::size_t valueStart = pos;
            while (pos < text.size() && text[pos] != ';' && text[pos] != ',' && !isWhitespace(text[pos]))
                ++pos;
            value = std::string(text.substr(valueStart, pos - valueStart));
            if (!isHttpToken(value))
                return false;
        }
        if (!setParameter(element, name, std::move(value)))
            return false;
        skipWhitespace(text, pos);
        if (pos < text.size() && text[pos] != ';' && text[pos] != ',')
            return false;
        if (pos < text.size() && text[pos] == ';')
            ++pos;
    }
}

// Walks nodes from the nearest (last) outwards while the addresses reached are trusted.
template<typename Nodes, typename NodeOf>
std::optional<ForwardedNode> walk(const Nodes &nodes, const std::function<bool(std::string_view)> &isTrusted,
                                  NodeOf nodeOf, std::size_t &reached)
{
    std::optional<ForwardedNode> client;
    reached = nodes.size();
    for (std::size_t i = nodes.size(); i-- > 0;) {
        const ForwardedNode *node = nodeOf(nodes[i]);
        if (!node)
            break;
        reached = i;
        if (node->kind != ForwardedNode::Kind::Address)
            break;
        client = *node;
        if (!isTrusted(client->address))
            break;
    }
    return client;
}

} // namespace

bool isIpv4Address(std::string_view text) noexcept
{
    // dec-octet "." dec-octet "." dec-octet "." dec-octet (RFC 3986 §3.2.2)
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (text.empty() || text.front() != '.')
                return false;
            text.remove_prefix(1);
        }
        std::size_t digits = 0;
        unsigned value = 0;
        while (digits < text.size() && digits < 4 && isDigit(text[digits]))
            value = value * 10 + unsigned(text[digits++] - '0');
        if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text.front() == '0'))
            return false;
        text.remove_prefix(digits);
    }
    return text.empty();
}

bool isIpv6Address(std::string_view text) noexcept
{
    const std::size_t gap = text.find("::");
    if (gap == std::string_view::npos) {
        int groups = 0;
        return countIpv6Groups(text, true, groups) && groups == 8;
    }
    if (text.find("::", gap + 1) != std::string_view::npos)
        return false;
    int before = 0;
    int after = 0;
    // "::" stands for at least one group of zeros.
    return countIpv6Groups(text.substr(0, gap), false, before) && countIpv6Groups(text.substr(gap + 2), true, after)
        && before + after <= 7;
}

ForwardedNode parseForwardedNode(std::string_view text)
{
    ForwardedNode node;
    std::string_view name = text;
    std::string_view port;
    bool hasPort = false;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos)
            return node;
        name = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return node;
            hasPort = true;
            port = rest.substr(1);
        }
        if (!isIpv6Address(name))
            return node;
        node.kind = ForwardedNode::Kind::Address;
    } else {
        const std::size_t colon = text.find(':');
        if (colon != std::string_view::npos) {
            name = text.substr(0, colon);
            port = text.substr(colon + 1);
            hasPort = true;
        }
        if (isIpv4Address(name))
            node.kind = ForwardedNode::Kind::Address;
        else if (equalsIgnoringCase(name, "unknown"))
            node.kind = ForwardedNode::Kind::Unknown;
        else if (isObfuscated(name))
            node.kind = ForwardedNode::Kind::Obfuscated;
        else
            return node;
    }
    if (hasPort && !parsePort(port, node.port)) {
        node = {};
        return node;
    }
    if (node.kind == ForwardedNode::Kind::Address)
        node.address = std::string(name);
    else
        node.port = 0;
    return node;
}

std::vector<ForwardedElement> parseForwarded(std::string_view value)
{
    std::vector<ForwardedElement> elements;
    std::size_t pos = 0;
    while (pos < value.size()) {
        skipWhitespace(value, pos);
        if (pos == value.size())
            break;
        if (value[pos] == ',') { // an empty list element
            ++pos;
            continue;
        }
        const std::size_t start = pos;
        ForwardedElement element;
        element.valid = readElement(value, pos, element);
        if (!element.valid) {
            // Quotes count from where the element began.
            element = {};
            pos = start;
            skipElement(value, pos);
        }
        elements.push_back(std::move(element));
    }
    return elements;
}

std::vector<ForwardedNode> parseXForwardedFor(std::string_view value)
{
    // No quoted strings here: every comma splits, so a quote a client sent cannot
    // swallow the entries proxies appended after it.
    std::vector<ForwardedNode> nodes;
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        std::string_view element = value.substr(0, comma);
        value.remove_prefix(comma == std::string_view::npos ? value.size() : comma + 1);
        const std::size_t first = element.find_first_not_of(" \t");
        if (first == std::string_view::npos)
            continue; // an empty element
        element = element.substr(first, element.find_last_not_of(" \t") - first + 1);
        if (isIpv6Address(element)) {
            ForwardedNode node;
            node.kind = ForwardedNode::Kind::Address;
            node.address = std::string(element);
            nodes.push_back(std::move(node));
        } else {
            nodes.push_back(parseForwardedNode(element));
        }
    }
    return nodes;
}

ForwardedClient resolveForwarded(const HttpHeaders &headers, const std::function<bool(std::string_view)> &isTrusted)
{
    ForwardedClient client;
    std::size_t reached = 0;
    if (headers.contains("X-Forwarded-For") || headers.contains("X-Forwarded-Proto")
        || headers.contains("X-Forwarded-Host")) {
        std::vector<ForwardedNode> nodes;
        for (const auto &[name, value] : headers.fields()) {
            if (equalsIgnoringCase(name, "X-Forwarded-For")) {
                std::vector<ForwardedNode> line = parseXForwardedFor(value);
                nodes.insert(nodes.end(), line.begin(), line.end());
            }
        }
        client.node = walk(nodes, isTrusted, [](const ForwardedNode &node) { return &node; }, reached);
        // Set by the nearest proxy, which overwrites what a client sent.
        const std::vector<std::string> protos = headers.listValues("X-Forwarded-Proto");
        const std::vector<std::string> hosts = headers.listValues("X-Forwarded-Host");
        if (!protos.empty())
            client.scheme = schemeOf(protos.back());
        if (!hosts.empty() && isHostValue(hosts.back()))
            client.host = hosts.back();
        return client;
    }

    std::vector<ForwardedElement> elements;
    for (const auto &[name, value] : headers.fields()) {
        if (equalsIgnoringCase(name, "Forwarded")) {
            std::vector<ForwardedElement> line = parseForwarded(value);
            elements.insert(elements.end(), std::make_move_iterator(line.begin()), std::make_move_iterator(line.end()));
        }
    }
    client.node = walk(elements, isTrusted,
                       [](const ForwardedElement &element) -> const ForwardedNode * {
                           if (!element.valid)
                               return nullptr;
                           static const ForwardedNode unknown{ForwardedNode::Kind::Unknown, {}, 0};
                           return element.hasFor ? &element.forNode : &unknown;
                       },
                       reached);
    if (reached < elements.size()) {
        // The proxy farthest out that we reached saw the client's request.
        const ForwardedElement &farthest = elements[reached];
        client.scheme = schemeOf(farthest.proto);
        if (isHostValue(farthest.host))
            client.host = farthest.host;
    }
    return client;
}

} // namespace WsKit::Core
