// HTTP/1.1 message heads (RFC 9112 §2-5) and the field syntax of RFC 9110 §5.
#include <WsKit/Core/http.h>

#include <cstring>

namespace WsKit::Core {

namespace {

constexpr bool isTokenChar(unsigned char c) noexcept
{
    // tchar (RFC 9110 §5.6.2)
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

constexpr bool isWhitespace(char c) noexcept
{
    return c == ' ' || c == '\t';
}

constexpr char toLower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// Strips optional whitespace (OWS) from both ends.
std::string_view trimmed(std::string_view text) noexcept
{
    while (!text.empty() && isWhitespace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isWhitespace(text.back()))
        text.remove_suffix(1);
    return text;
}

bool isDigit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3).
bool parseVersion(std::string_view text, int &major, int &minor) noexcept
{
    if (text.size() != 8 || text.substr(0, 5) != "HTTP/" || !isDigit(text[5]) || text[6] != '.'
        || !isDigit(text[7])) {
        return false;
    }
    major = text[5] - '0';
    minor = text[7] - '0';
    return true;
}

// Appends the comma-separated elements of one field value (RFC 9110 §5.6.1).
void splitList(std::string_view value, std::vector<std::string> &out)
{
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i == value.size() || (!quoted && value[i] == ',')) {
            const std::string_view element = trimmed(value.substr(start, i - start));
            if (!element.empty())
                out.emplace_back(element);
            start = i + 1;
        } else if (value[i] == '"') {
            quoted = !quoted;
        } else if (quoted && value[i] == '\\' && i + 1 < value.size()) {
            ++i; // quoted-pair: the next character is literal, even a quote
        }
    }
}

} // namespace

bool isHttpToken(std::string_view text) noexcept
{
    if (text.empty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(static_cast<unsigned char>(c)))
            return false;
    }
    return true;
}

bool isHttpFieldValue(std::string_view text) noexcept
{
    // VCHAR, obs-text, SP and HTAB; every other control character is refused.
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return false;
    }
    return true;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (toLower(a[i]) != toLower(b[i]))
            return false;
    }
    return true;
}

// ---- HttpHeaders ---------------------------------------------------------------

void HttpHeaders::add(std::string name, std::string value)
{
    m_fields.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> HttpHeaders::value(std::string_view name) const
{
    for (const auto &field : m_fields) {
        if (equalsIgnoringCase(field.first, name))
            return std::string_view(field.second);
    }
    return std::nullopt;
}

std::string HttpHeaders::combinedValue(std::string_view name) const
{
    std::string combined;
    bool first = true;
    for (const auto &field : m_fields) {
        if (!equalsIgnoringCase(field.first, name))
            continue;
        if (!first)
            combined += ", ";
        combined += field.second;
        first = false;
    }
    return combined;
}

std::vector<std::string> HttpHeaders::listValues(std::string_view name) const
{
    std::vector<std::string> elements;
    for (const auto &field : m_fields) {
        if (equalsIgnoringCase(field.first, name))
            splitList(field.second, elements);
    }
    return elements;
}

bool HttpHeaders::containsToken(std::string_view name, std::string_view token) const
{
    for (const auto &element : listValues(name)) {
        if (equalsIgnoringCase(element, token))
            return true;
    }
    return false;
}

bool HttpHeaders::contains(std::string_view name) const
{
    return value(name).has_value();
}

// ---- HttpHeadParser ------------------------------------------------------------

HttpHeadParser::HttpHeadParser(Kind kind, std::size_t maxHeadSize)
    : m_kind(kind)
    , m_maxHeadSize(maxHeadSize)
{
}

HttpHeadParser::Status HttpHeadParser::parse(const char *data, std::size_t size, std::size_t &consumed)
{
    if (m_status != Status::NeedMore)
        return m_status;

    std::size_t pos = 0;
    while (pos < size) {
        const char *begin = data + pos;
        const std::size_t available = size - pos;
        const auto *lineFeed = static_cast<const char *>(std::memchr(begin, '\n', available));
        const std::size_t length = lineFeed ? std::size_t(lineFeed - begin) + 1 : available;

        const std::size_t room = m_maxHeadSize - m_headSize;
        if (length > room) {
            consumed += room + 1; // up to the first byte past the limit
            return fail(m_kind == Kind::Request ? Error::RequestHeadTooLarge : Error::ResponseHeadTooLarge);
        }
        m_line.append(begin, lineFeed ? length - 1 : length);
        m_headSize += length;
        pos += length;
        consumed += length;

        if (!lineFeed)
            break;
        if (!parseLine())
            return fail(m_kind == Kind::Request ? Error::MalformedRequest : Error::MalformedResponse);
        if (m_status == Status::Complete)
            return m_status;
    }
    return m_status;
}

// Handles the line in m_line, whose LF was just received.
bool HttpHeadParser::parseLine()
{
    std::string_view line = m_line;
    if (line.empty() || line.back() != '\r')
        return false; // a bare LF: lines end with CRLF (RFC 9112 §2.2)
    line.remove_suffix(1);

    bool ok = true;
    if (!m_startLineDone) {
        ok = m_kind == Kind::Request ? parseRequestLine(line) : parseStatusLine(line);
        m_startLineDone = true;
    } else if (line.empty()) {
        m_status = Status::Complete;
        std::string().swap(m_line); // the buffer is not needed any more
        return true;
    } else {
        ok = parseFieldLine(line);
    }
    m_line.clear();
    return ok;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
bool HttpHeadParser::parseRequestLine(std::string_view line)
{
    const std::size_t methodEnd = line.find(' ');
    if (methodEnd == std::string_view::npos)
        return false;
    const std::string_view method = line.substr(0, methodEnd);
    line.remove_prefix(methodEnd + 1);

    const std::size_t targetEnd = line.find(' ');
    if (targetEnd == std::string_view::npos)
        return false;
    const std::string_view target = line.substr(0, targetEnd);
    line.remove_prefix(targetEnd + 1);

    if (!isHttpToken(method) || target.empty())
        return false;
    for (const char c : target) {
        // A URI is visible ASCII (RFC 3986); whitespace would be ambiguous here.
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return false;
    }
    if (!parseVersion(line, m_request.versionMajor, m_request.versionMinor))
        return false;
    m_request.method = method;
    m_request.target = target;
    return true;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
// A line ending right after the status code is accepted too: some servers omit
// the space before an empty reason.
bool HttpHeadParser::parseStatusLine(std::string_view line)
{
    if (line.size() < 12 || !parseVersion(line.substr(0, 8), m_response.versionMajor, m_response.versionMinor)
        || line[8] != ' ' || !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11])) {
        return false;
    }
    std::string_view reason;
    if (line.size() > 12) {
        if (line[12] != ' ')
            return false;
        reason = line.substr(13);
        if (!isHttpFieldValue(reason))
            return false;
    }
    m_response.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    m_response.reason = reason;
    return true;
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
bool HttpHeadParser::parseFieldLine(std::string_view line)
{
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
        return false;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimmed(line.substr(colon + 1));
    // The name must be a token (RFC 9110 §5.1). That also refuses whitespace before
    // the colon (RFC 9112 §5.1) and obs-fold continuation lines, which start with
    // whitespace and which RFC 9112 §5.2 lets a recipient reject.
    if (!isHttpToken(name) || !isHttpFieldValue(value))
        return false;
    HttpHeaders &headers = m_kind == Kind::Request ? m_request.headers : m_response.headers;
    headers.add(std::string(name), std::string(value));
    return true;
}

HttpHeadParser::Status HttpHeadParser::fail(Error error)
{
    m_status = Status::Failed;
    m_error = error;
    std::string().swap(m_line);
    return m_status;
}

} // namespace WsKit::Core
