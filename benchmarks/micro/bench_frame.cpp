#include <WsKit/Core/frame.h>
#include <WsKit/Core/mask.h>

#include <benchmark/benchmark.h>

#include <string>

using namespace WsKit::Core;

namespace {

FrameHeader clientHeader(std::uint64_t length)
{
    FrameHeader header;
    header.opcode = Opcode::Binary;
    header.masked = true;
    header.maskKey = {0x37, 0xfa, 0x21, 0x3d};
    header.payloadLength = length;
    return header;
}

std::string maskedFrame(std::size_t payloadSize)
{
    const FrameHeader header = clientHeader(payloadSize);
    std::string frame(MaxFrameHeaderSize, '\0');
    frame.resize(encodeFrameHeader(header, frame.data()));
    const std::size_t headerSize = frame.size();
    frame.append(payloadSize, 'p');
    applyMask(frame.data() + headerSize, payloadSize, header.maskKey);
    return frame;
}

// What a server does per received frame: parse the header, unmask the payload in place.
void BM_parseAndUnmask(benchmark::State &state)
{
    std::string frame = maskedFrame(std::size_t(state.range(0)));
    FrameHeaderParser parser(Role::Server);
    for (auto _ : state) {
        parser.reset();
        std::size_t consumed = 0;
        if (parser.parse(frame.data(), frame.size(), consumed) != FrameHeaderParser::Status::Complete) {
            state.SkipWithError("frame did not parse");
            break;
        }
        const FrameHeader &header = parser.header();
        applyMask(frame.data() + consumed, std::size_t(header.payloadLength), header.maskKey);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(frame.size()));
}

void BM_parseHeader(benchmark::State &state)
{
    const std::string frame = maskedFrame(std::size_t(state.range(0)));
    FrameHeaderParser parser(Role::Server);
    for (auto _ : state) {
        parser.reset();
        std::size_t consumed = 0;
        benchmark::DoNotOptimize(parser.parse(frame.data(), frame.size(), consumed));
        benchmark::DoNotOptimize(parser.header().payloadLength);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
}

void BM_encodeHeader(benchmark::State &state)
{
    const FrameHeader header = clientHeader(std::uint64_t(state.range(0)));
    char out[MaxFrameHeaderSize];
    for (auto _ : state) {
        benchmark::DoNotOptimize(encodeFrameHeader(header, out));
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
}

} // namespace

BENCHMARK(BM_parseAndUnmask)->ArgNames({"payload"})->Arg(100)->Arg(64 * 1024);
// Payload sizes picking the 7-, 16- and 64-bit length forms.
BENCHMARK(BM_parseHeader)->ArgNames({"payload"})->Arg(100)->Arg(1000)->Arg(100000);
BENCHMARK(BM_encodeHeader)->ArgNames({"payload"})->Arg(100)->Arg(1000)->Arg(100000);
