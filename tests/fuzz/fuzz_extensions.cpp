// Fuzzes the Sec-WebSocket-Extensions grammar and permessage-deflate negotiation:
// any header through the server and the client, checking what each may answer.

#include <WsKit/Core/deflatenegotiation.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace WsKit::Core;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

bool inRange(const DeflateParameters &parameters)
{
    return parameters.serverMaxWindowBits >= 8 && parameters.serverMaxWindowBits <= 15
        && parameters.clientMaxWindowBits >= 8 && parameters.clientMaxWindowBits <= 15;
}

bool sameParameters(const DeflateParameters &a, const DeflateParameters &b)
{
    return a.serverNoContextTakeover == b.serverNoContextTakeover
        && a.clientNoContextTakeover == b.clientNoContextTakeover && a.serverMaxWindowBits == b.serverMaxWindowBits
        && a.clientMaxWindowBits == b.clientMaxWindowBits;
}

DeflateConfig consumeConfig(FuzzedDataProvider &input)
{
    DeflateConfig config;
    config.enabled = input.ConsumeIntegralInRange(0, 7) != 0;
    config.serverNoContextTakeover = input.ConsumeBool();
    config.clientNoContextTakeover = input.ConsumeBool();
    config.serverMaxWindowBits = input.ConsumeIntegral<std::uint8_t>();
    config.clientMaxWindowBits = input.ConsumeIntegral<std::uint8_t>();
    return config;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FuzzedDataProvider input(data, size);
    const DeflateConfig serverConfig = consumeConfig(input);
    const DeflateConfig clientConfig = consumeConfig(input);
    const std::string header = input.ConsumeRemainingBytesAsString();

    const bool parses = parseExtensions(header).has_value();

    // Server: a parse failure is a bad request; otherwise any accepted offer has a
    // well-formed answer that a client asking for nothing in particular accepts as is.
    std::optional<DeflateParameters> serverAgreed;
    std::string response;
    const Error serverError = negotiateDeflate(header, serverConfig, serverAgreed, response);
    check(serverError == (parses ? Error::None : Error::InvalidExtensionOffer));
    check(serverAgreed.has_value() == !response.empty());
    if (serverAgreed) {
        check(inRange(*serverAgreed));
        std::optional<DeflateParameters> clientView;
        check(acceptDeflateResponse(response, DeflateConfig{}, clientView) == Error::None);
        check(clientView && sameParameters(*clientView, *serverAgreed));
    }

    // Client: the header as the server's answer.
    std::optional<DeflateParameters> clientAgreed;
    const Error clientError = acceptDeflateResponse(header, clientConfig, clientAgreed);
    check(clientError == Error::None || clientError == Error::UnexpectedExtension);
    check(!clientAgreed || (clientError == Error::None && inRange(*clientAgreed)));
    if (!parses)
        check(clientError == Error::UnexpectedExtension);

    // Our own offer under any configuration is accepted by a server with defaults,
    // and the answer is accepted by the client that made the offer.
    std::optional<DeflateParameters> offerAgreed;
    std::string offerResponse;
    check(negotiateDeflate(deflateOffer(clientConfig), DeflateConfig{}, offerAgreed, offerResponse) == Error::None);
    check(offerAgreed.has_value() == clientConfig.enabled);
    std::optional<DeflateParameters> offerAccepted;
    check(acceptDeflateResponse(offerResponse, clientConfig, offerAccepted) == Error::None);
    check(offerAccepted.has_value() == offerAgreed.has_value());
    if (offerAgreed)
        check(sameParameters(*offerAccepted, *offerAgreed));
    return 0;
}
