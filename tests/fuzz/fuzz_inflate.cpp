// Fuzzes the permessage-deflate codec: arbitrary bytes inflated in arbitrary pieces
// under a size limit (never a crash, never past the limit), and arbitrary messages
// compressed in pieces and inflated back (always the same bytes).

#include <WsKit/Core/deflate.h>

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

DeflateParameters consumeParameters(FuzzedDataProvider &input)
{
    DeflateParameters parameters;
    parameters.serverNoContextTakeover = input.ConsumeBool();
    parameters.clientNoContextTakeover = input.ConsumeBool();
    parameters.serverMaxWindowBits = input.ConsumeIntegralInRange<std::uint8_t>(8, 15);
    parameters.clientMaxWindowBits = input.ConsumeIntegralInRange<std::uint8_t>(8, 15);
    return parameters;
}

void inflateArbitraryBytes(FuzzedDataProvider &input, Role role, const DeflateParameters &parameters)
{
    const std::size_t limit = input.ConsumeIntegralInRange<std::size_t>(0, 1 << 20);
    DeflateCodec codec(role, parameters);
    std::string out;
    while (input.remaining_bytes() > 0) {
        const bool last = input.ConsumeBool();
        const std::string piece = input.ConsumeRandomLengthString(512);
        const Error error = codec.decompress(piece, last, limit, out);
        check(error == Error::None || error == Error::MessageTooBig || error == Error::InvalidCompressedData);
        if (limit != 0)
            check(out.size() <= (error == Error::MessageTooBig ? limit + 1 : limit));
        if (error != Error::None)
            return; // the connection is failed
        if (last)
            out.clear();
    }
}

void roundTrip(FuzzedDataProvider &input, Role role, const DeflateParameters &parameters)
{
    DeflateTuning tuning;
    tuning.level = input.ConsumeIntegralInRange(0, 9);
    tuning.memLevel = input.ConsumeIntegralInRange(1, 9);
    DeflateCodec sender(role, parameters, tuning);
    DeflateCodec receiver(role == Role::Server ? Role::Client : Role::Server, parameters);
    while (input.remaining_bytes() > 0) {
        const int pieces = input.ConsumeIntegralInRange(1, 4);
        std::string message;
        std::string inflated;
        for (int i = 0; i < pieces; ++i) {
            const std::string piece = input.ConsumeRandomLengthString(4096);
            message += piece;
            std::string frame;
            check(sender.compress(piece, i + 1 == pieces, frame) == Error::None);
            check(receiver.decompress(frame, i + 1 == pieces, 0, inflated) == Error::None);
        }
        check(inflated == message);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FuzzedDataProvider input(data, size);
    const Role role = input.ConsumeBool() ? Role::Server : Role::Client;
    const DeflateParameters parameters = consumeParameters(input);
    if (input.ConsumeBool())
        roundTrip(input, role, parameters);
    else
        inflateArbitraryBytes(input, role, parameters);
    return 0;
}
