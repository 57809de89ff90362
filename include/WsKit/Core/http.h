#pragma once
/// @file
/// Incremental HTTP/1.1 message-head parsing (RFC 9112) for the opening handshake:
/// request heads on the server, response heads on the client, with a size limit.

#include <WsKit/Core/error.h>
#include <WsKit/Core/wskitcore_export.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace WsKit::Core {

/// The largest message head HttpHeadParser takes by default: 8 KiB.
inline constexpr std::size_t DefaultMaxHeadSize = 8 * 1024;

/// Whether text is a non-empty token (RFC 9110 §5.6.2): a valid field name, method
/// or list element such as "websocket".
WSKITCORE_EXPORT bool isHttpToken(std::string_view text) noexcept;

/// Whether text may be sent as a field value (RFC 9110 §5.5): visible characters,
/// spaces and tabs, without the CR or LF that would end the field early.
WSKITCORE_EXPORT bool isHttpFieldValue(std::string_view text) noexcept;

/// ASCII case-insensitive equality, the comparison HTTP uses for names and tokens.
WSKITCORE_EXPORT bool equalsIgnoringCase(std::string_view a, std::string_view b) noexcept;

/// Header fields in arrival order; names compare case-insensitively.
class WSKITCORE_EXPORT HttpHeaders
{
public:
    /// Appends a field; an existing one of the same name stays.
    void add(std::string name, std::string value);
    /// The first field with this name, if any.
    std::optional<std::string_view> value(std::string_view name) const;
    /// Every field with this name joined with ", " (RFC 9110 §5.3); empty if none.
    std::string combinedValue(std::string_view name) const;
    /// The comma-separated elements of every field with this name, trimmed, in order;
    /// empty elements are dropped (RFC 9110 §5.6.1) and commas inside quoted strings
    /// do not split.
    std::vector<std::string> listValues(std::string_view name) const;
    /// Whether an element of that list equals token, case-insensitively.
    bool containsToken(std::string_view name, std::string_view token) const;
    /// Whether a field with this name is present.
    bool contains(std::string_view name) const;
    /// Every field as (name, value), in arrival order.
    const std::vector<std::pair<std::string, std::string>> &fields() const noexcept { return m_fields; }
    /// Whether there is no field at all.
    bool isEmpty() const noexcept { return m_fields.empty(); }

private:
    std::vector<std::pair<std::string, std::string>> m_fields;
};

/// A request head: the request line and the header fields.
struct HttpRequestHead {
    std::string method;   ///< "GET", "POST" …, case-sensitive
    std::string target;   ///< origin-form: path and query
    int versionMajor = 1; ///< the 1 of HTTP/1.1
    int versionMinor = 1; ///< the second 1 of HTTP/1.1
    HttpHeaders headers;  ///< the header fields
};

/// A response head: the status line and the header fields.
struct HttpResponseHead {
    int versionMajor = 1; ///< the 1 of HTTP/1.1
    int versionMinor = 1; ///< the second 1 of HTTP/1.1
    int status = 0;       ///< the status code, e.g. 101
    std::string reason;   ///< the reason phrase, e.g. "Switching Protocols"
    HttpHeaders headers;  ///< the header fields
};

/// Parses one message head, fed in any chunking, up to and including the empty
/// line. Bytes after it are not consumed: they belong to the WebSocket stream.
class WSKITCORE_EXPORT HttpHeadParser
{
public:
    /// Which head to expect.
    enum class Kind : unsigned char {
        Request,  ///< a request head (the server's side)
        Response, ///< a response head (the client's side)
    };
    /// Where parsing stands.
    enum class Status : unsigned char {
        NeedMore, ///< the head is not complete yet
        Complete, ///< the head is complete: request() or response() holds it
        Failed,   ///< the head is malformed or too large; error() says which
    };

    /// A parser for one head of kind, of at most maxHeadSize bytes.
    explicit HttpHeadParser(Kind kind, std::size_t maxHeadSize = DefaultMaxHeadSize);

    /// Parses the next bytes of the head and adds the bytes used to `consumed`.
    ///
    /// Bytes after the head's end are not used. Lines end with CRLF (a bare LF is malformed).
    /// Fails with RequestHeadTooLarge / ResponseHeadTooLarge on the first byte past
    /// maxHeadSize, MalformedRequest / MalformedResponse on bad syntax as soon as the
    /// offending line ends. Once Complete or Failed, further calls consume nothing.
    Status parse(const char *data, std::size_t size, std::size_t &consumed);

    /// Where parsing stands.
    Status status() const noexcept { return m_status; }
    /// Why parsing failed.
    Error error() const noexcept { return m_error; }
    /// The request head, once complete (Kind::Request).
    const HttpRequestHead &request() const noexcept { return m_request; }
    /// The response head, once complete (Kind::Response).
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
