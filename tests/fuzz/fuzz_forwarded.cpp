// Feeds arbitrary field values to the Forwarded / X-Forwarded-For parsers and the
// walk over them. Beyond "no crash", it checks their contract: every address is a
// valid IPv4 or IPv6 text, the client found is one of the addresses sent, and when
// no hop is trusted nothing past the nearest one is believed.
//
// Input: byte 0 picks the field names (bit 0: X-Forwarded-* instead of Forwarded)
// and which addresses are trusted (the rest: a divisor of their length); the rest
// is field values, one per line.
#include <WsKit/Core/forwarded.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace WsKit::Core;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

void checkNode(const ForwardedNode &node)
{
    if (node.kind == ForwardedNode::Kind::Address)
        check(isIpv4Address(node.address) || isIpv6Address(node.address));
    else
        check(node.address.empty() && node.port == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const bool xForwarded = data[0] & 1;
    const unsigned divisor = 1 + (data[0] >> 1);
    std::string_view rest(reinterpret_cast<const char *>(data + 1), size - 1);

    HttpHeaders headers;
    std::vector<ForwardedNode> nodes; // every node sent, nearest last
    while (!rest.empty()) {
        const std::size_t end = rest.find('\n');
        const std::string line(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
        if (xForwarded) {
            // Every third line is an X-Forwarded-Proto.
            const bool isFor = headers.fields().size() % 3 != 2;
            for (const ForwardedNode &node : parseXForwardedFor(line)) {
                checkNode(node);
                if (isFor)
                    nodes.push_back(node);
            }
            headers.add(isFor ? "X-Forwarded-For" : "X-Forwarded-Proto", line);
        } else {
            for (const ForwardedElement &element : parseForwarded(line)) {
                checkNode(element.forNode);
                check(element.valid || (!element.hasFor && element.proto.empty() && element.host.empty()));
                if (element.valid && element.hasFor)
                    nodes.push_back(element.forNode);
            }
            headers.add("Forwarded", line);
        }
    }

    const ForwardedClient client = resolveForwarded(
        headers, [divisor](std::string_view address) { return address.size() % divisor == 0; });
    for (const char c : client.scheme)
        check(!(c >= 'A' && c <= 'Z'));
    if (client.node) {
        check(client.node->kind == ForwardedNode::Kind::Address);
        bool sent = false;
        for (const ForwardedNode &node : nodes)
            sent = sent || (node.address == client.node->address && node.port == client.node->port);
        check(sent);
    }

    // Trusting nobody: only the nearest hop can be the client.
    const ForwardedClient nearest = resolveForwarded(headers, [](std::string_view) { return false; });
    if (nearest.node)
        check(!nodes.empty() && nodes.back().address == nearest.node->address);
    return 0;
}
