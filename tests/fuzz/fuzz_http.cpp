// Feeds arbitrary bytes, in arbitrary chunks, to the request and response head
// parsers and whatever they complete to the handshake checks. Beyond "no crash",
// it checks the parser's contract: chunking never changes the outcome, nothing is
// consumed past what was given or after the end, the limit holds, and a request
// the server accepts yields an answer the client accepts.
//
// Input: byte 0 seeds the chunk sizes, byte 1 picks the head size limit (0: the
// default, else 8 times its value), the rest is the stream.
#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace WsKit::Core;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

struct Outcome {
    HttpHeadParser::Status status;
    Error error;
    std::size_t consumed;
};

// Feeds data in chunks of 1..16 bytes drawn from seed (or whole when seed is 0).
Outcome feed(HttpHeadParser &parser, std::string_view data, std::uint32_t seed)
{
    std::size_t offset = 0;
    std::size_t consumed = 0;
    while (offset < data.size()) {
        std::size_t chunk = data.size() - offset;
        if (seed != 0) {
            seed = seed * 1103515245u + 12345u;
            chunk = std::min<std::size_t>(chunk, 1 + (seed >> 16) % 16);
        }
        const HttpHeadParser::Status before = parser.status();
        std::size_t used = 0;
        const HttpHeadParser::Status status = parser.parse(data.data() + offset, chunk, used);
        check(status == parser.status());
        check(used <= chunk);
        if (before != HttpHeadParser::Status::NeedMore)
            check(used == 0 && status == before);
        // A parser that still needs more must have taken everything it was given.
        if (status == HttpHeadParser::Status::NeedMore)
            check(used == chunk);
        consumed += used;
        offset += chunk;
    }
    check(consumed <= data.size());
    return {parser.status(), parser.error(), consumed};
}

void checkOutcome(const Outcome &outcome, std::string_view data, std::size_t limit, Error tooLarge, Error malformed)
{
    switch (outcome.status) {
    case HttpHeadParser::Status::NeedMore:
        check(outcome.error == Error::None && outcome.consumed == data.size() && outcome.consumed <= limit);
        break;
    case HttpHeadParser::Status::Complete:
        check(outcome.error == Error::None && outcome.consumed <= limit);
        check(outcome.consumed >= 4 && data.substr(outcome.consumed - 4, 4) == "\r\n\r\n");
        break;
    case HttpHeadParser::Status::Failed:
        check(outcome.error == tooLarge || outcome.error == malformed);
        if (outcome.error == tooLarge)
            check(outcome.consumed == limit + 1);
        else
            check(outcome.consumed <= limit && data[outcome.consumed - 1] == '\n');
        break;
    }
}

void fuzzRequest(std::string_view data, std::size_t limit, std::uint32_t seed)
{
    HttpHeadParser whole(HttpHeadParser::Kind::Request, limit);
    HttpHeadParser chunked(HttpHeadParser::Kind::Request, limit);
    const Outcome a = feed(whole, data, 0);
    const Outcome b = feed(chunked, data, seed);
    check(a.status == b.status && a.error == b.error && a.consumed == b.consumed);
    checkOutcome(a, data, limit, Error::RequestHeadTooLarge, Error::MalformedRequest);
    if (a.status != HttpHeadParser::Status::Complete)
        return;
    check(whole.request().headers.fields() == chunked.request().headers.fields());

    const HttpRequestHead &request = whole.request();
    isWebSocketUpgrade(request);
    UpgradeRequest upgrade;
    if (validateUpgradeRequest(request, upgrade) != Error::None) {
        const std::string answer = buildErrorResponse(400, request.target);
        HttpHeadParser parser(HttpHeadParser::Kind::Response, answer.size());
        std::size_t used = 0;
        check(parser.parse(answer.data(), answer.size(), used) == HttpHeadParser::Status::Complete);
        check(answer.substr(used) == request.target);
        return;
    }
    check(isWebSocketUpgrade(request));
    originMatchesHost(upgrade.origin, upgrade.host);

    // The server's answer to an accepted request passes the client's checks.
    const std::string subprotocol = upgrade.subprotocols.empty() ? std::string() : upgrade.subprotocols.front();
    const std::string answer = buildAcceptResponse(upgrade.key, subprotocol, upgrade.extensions);
    HttpHeadParser parser(HttpHeadParser::Kind::Response, answer.size());
    std::size_t used = 0;
    check(parser.parse(answer.data(), answer.size(), used) == HttpHeadParser::Status::Complete);
    check(used == answer.size());
    ClientRequest offer;
    offer.key = upgrade.key;
    offer.subprotocols = upgrade.subprotocols;
    offer.extensions = upgrade.extensions;
    ServerAcceptance acceptance;
    check(validateServerResponse(parser.response(), offer, acceptance) == Error::None);
    check(acceptance.subprotocol == subprotocol);
}

void fuzzResponse(std::string_view data, std::size_t limit, std::uint32_t seed)
{
    HttpHeadParser whole(HttpHeadParser::Kind::Response, limit);
    HttpHeadParser chunked(HttpHeadParser::Kind::Response, limit);
    const Outcome a = feed(whole, data, 0);
    const Outcome b = feed(chunked, data, seed);
    check(a.status == b.status && a.error == b.error && a.consumed == b.consumed);
    checkOutcome(a, data, limit, Error::ResponseHeadTooLarge, Error::MalformedResponse);
    if (a.status != HttpHeadParser::Status::Complete)
        return;
    check(whole.response().headers.fields() == chunked.response().headers.fields());

    ClientRequest offer;
    offer.host = "example.com";
    offer.key = "dGhlIHNhbXBsZSBub25jZQ==";
    offer.subprotocols = {"chat", "superchat"};
    offer.extensions = (seed & 1) ? "permessage-deflate" : "";
    ServerAcceptance acceptance;
    if (validateServerResponse(whole.response(), offer, acceptance) == Error::None) {
        check(whole.response().status == 101);
        check(acceptance.subprotocol.empty() || acceptance.subprotocol == "chat"
              || acceptance.subprotocol == "superchat");
        if (offer.extensions.empty())
            check(whole.response().headers.listValues("Sec-WebSocket-Extensions").empty());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::uint32_t seed = data[0];
    const std::size_t limit = data[1] == 0 ? DefaultMaxHeadSize : std::size_t(data[1]) * 8;
    const std::string_view stream(reinterpret_cast<const char *>(data + 2), size - 2);
    fuzzRequest(stream, limit, seed);
    fuzzResponse(stream, limit, seed);
    return 0;
}
