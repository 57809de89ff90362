#pragma once
// Incremental HTTP/1.1 message-head parsing (RFC 9112) for the opening handshake:
// request heads on the server, response heads on the client, with a size limit.

#include <WsKit/Core/error.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace WsKit::Core {

inline constexpr std::size_t DefaultMaxHeadSize = 8 * 1024;

// Whether text is a non-empty token (RFC 9110 §5.6.2): a valid field name, method
// or list element such as "websocket".
WSKITCORE_EXPORT bool isHttpToken(std::string_view text) noexcept;

// Whether text may be sent as a field value (RFC 9110 §5.5): visible characters,
// spaces and tabs, without the CR or LF that would end the field early.
WSKITCORE_EXPORT bool isHttpFieldValue(std::string_view text) noexcept;

// ASCII case-insensitive equality, the comparison HTTP uses for names and tokens.
WSKITCORE_EXPORT bool equalsIgnoringCase(std::string_view a, std::string_view b) noexcept;

// Header fields in arrival order; names compare case-insensitively.
class WSKITCORE_EXPORT HttpHeaders
{
public:
    void add(std::string name, std::string value);
    // The first field with this name, if any.
    std::optional<std::string_view> value(std::string_view name) const;
    // Every field with this name joined with ", " (RFC 9110 §5.3); empty if none.
    std::string combinedValue(std::string_view name) const;
    // The comma-separated elements of every field with this name, trimmed, in order;
    // empty elements are dropped (RFC 9110 §5.6.1) and commas inside quoted strings
    // do not split.
    std::vector<std::string> listValues(std::string_view name) const;
    // Whether an element of that list equals token, case-insensitively.
    bool containsToken(std::string_view name, std::string_view token) const;
    bool contains(std::string_view name) const;
    const std::vector<std::pair<std::string, std::string>> &fields() const noexcept { return m_fields; }
    bool isEmpty() const noexcept { return m_fields.empty(); }

private:
    std::vector<std::pair<std::string, std::string>> m_fields;
};

struct HttpRequestHead {
    std::string method;
    std::string target; // origin-form: path and query
    int versionMajor = 1;
    int versionMinor = 1;
    HttpHeaders headers;
};

struct HttpResponseHead {
    int versionMajor = 1;
    int versionMinor = 1;
    int status = 0;
    std::string reason;
    HttpHeaders headers;
};

// Parses one message head, fed in any chunking, up to and including the empty
// line. Bytes after it are not consumed: they belong to the WebSocket stream.
class WSKITCORE_EXPORT HttpHeadParser
{
public:
    enum class Kind : unsigned char { Request, Response };
    enum class Status : unsigned char { NeedMore, Complete, Failed };

    explicit HttpHeadParser(Kind kind, std::size_t maxHeadSize = DefaultMaxHeadSize);

    // Adds the bytes used to `consumed`. Lines end with CRLF (a bare LF is malformed).
    // Fails with RequestHeadTooLarge / ResponseHeadTooLarge on the first byte past
    // maxHeadSize, MalformedRequest / MalformedResponse on bad syntax as soon as the
    // offending line ends. Once Complete or Failed, further calls consume nothing.
    Status parse(const char *data, std::size_t size, std::size_t &consumed);

    Status status() const noexcept { return m_status; }
    Error error() const noexcept { return m_error; }
    const HttpRequestHead &request() const noexcept { return m_request; }
    const HttpResponseHead &response() const noexcept { return m_response; }

private:
    bool parseLine();
    bool parseRequestLine(std::string_view line);
    bool parseStatusLine(std::string_view line);
    bool parseFieldLine(std::string_view line);
    Status fail(Error error);

    Kind m_kind;
    std::size_t m_maxHeadSize;
    std::size_t m_headSize = 0; // bytes of the head consumed so far
    std::string m_line;         // the line being received, without its end
    bool m_startLineDone = false;
    Status m_status = Status::NeedMore;
    Error m_error = Error::None;
    HttpRequestHead m_request;
    HttpResponseHead m_response;
};

} // namespace WsKit::Core
