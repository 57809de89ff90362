// permessage-deflate codec: throughput and ratio on English-like text and JSON per
// compression level and memLevel, and heap bytes per connection per window/memLevel.
//
// Messages are 4 KiB pieces of a 1 MiB corpus, sent one after another on one
// connection, as a chat or a feed would. Counters: "ratio" is compressed / original
// size; "MB/s" is uncompressed bytes per second.

#include "corpus.h"

#include <WsKit/Core/deflate.h>

#include <benchmark/benchmark.h>

#include <malloc.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace WsKit::Core;
using namespace BenchmarkCorpus;

namespace {

constexpr std::size_t MessageSize = 4096;

const std::string &corpus(int which)
{
    static const std::string text = englishText();
    static const std::string json = jsonText();
    return which == 0 ? text : json;
}

std::vector<std::string_view> messages(const std::string &data)
{
    std::vector<std::string_view> result;
    for (std::size_t offset = 0; offset < data.size(); offset += MessageSize)
        result.push_back(std::string_view(data).substr(offset, MessageSize));
    return result;
}

DeflateParameters parametersFor(bool noContextTakeover)
{
    DeflateParameters parameters;
    parameters.serverNoContextTakeover = noContextTakeover;
    parameters.clientNoContextTakeover = noContextTakeover;
    return parameters;
}

// Args: corpus (0 English-like text, 1 JSON), level, memLevel, no context takeover.
void BM_Compress(benchmark::State &state)
{
    const std::string &data = corpus(int(state.range(0)));
    const auto pieces = messages(data);
    DeflateTuning tuning;
    tuning.level = int(state.range(1));
    tuning.memLevel = int(state.range(2));
    DeflateCodec codec(Role::Server, parametersFor(state.range(3) != 0), tuning);
    std::string out;
    std::size_t compressed = 0;
    for (auto _ : state) {
        compressed = 0;
        for (std::string_view piece : pieces) {
            out.clear();
            codec.compress(piece, true, out);
            compressed += out.size();
        }
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(std::int64_t(state.iterations() * data.size()));
    state.counters["ratio"] = double(compressed) / double(data.size());
}

// Same arguments; inflates what BM_Compress produced.
void BM_Decompress(benchmark::State &state)
{
    const std::string &data = corpus(int(state.range(0)));
    DeflateTuning tuning;
    tuning.level = int(state.range(1));
    tuning.memLevel = int(state.range(2));
    const DeflateParameters parameters = parametersFor(state.range(3) != 0);
    DeflateCodec sender(Role::Server, parameters, tuning);
    std::vector<std::string> frames;
    for (std::string_view piece : messages(data)) {
        frames.emplace_back();
        sender.compress(piece, true, frames.back());
    }
    std::string out;
    for (auto _ : state) {
        // A fresh receiver per pass: the frames continue the sender's one stream.
        DeflateCodec receiver(Role::Client, parameters);
        for (const std::string &frame : frames) {
            out.clear();
            receiver.decompress(frame, true, 0, out);
        }
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(std::int64_t(state.iterations() * data.size()));
}

void throughputArguments(benchmark::internal::Benchmark *benchmark)
{
    benchmark->ArgNames({"corpus", "level", "memLevel", "noTakeover"});
    for (int which : {0, 1}) {
        for (int level : {1, 6, 9})
            benchmark->Args({which, level, 8, 0});
        for (int memLevel : {1, 4, 9})
            benchmark->Args({which, 6, memLevel, 0});
        benchmark->Args({which, 6, 8, 1});
    }
}

BENCHMARK(BM_Compress)->Apply(throughputArguments)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decompress)->Apply(throughputArguments)->Unit(benchmark::kMillisecond);

// A hostile message: 1 MB of empty final blocks (03 00), each ending a DEFLATE
// stream, after a message that filled the window. It inflates to nothing; "MB/s" is
// input bytes per second, to compare with BM_Decompress's.
void BM_EmptyFinalBlocks(benchmark::State &state)
{
    std::string filler;
    DeflateCodec(Role::Client, {}).compress(std::string_view(corpus(0)).substr(0, 32 * 1024), true, filler);
    std::string blocks;
    for (int i = 0; i < 500000; ++i)
        blocks += std::string_view("\x03\x00", 2);
    blocks += '\0';
    DeflateCodec receiver(Role::Server, {});
    std::string out;
    receiver.decompress(filler, true, 0, out);
    for (auto _ : state) {
        out.clear();
        receiver.decompress(blocks, true, 0, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(std::int64_t(state.iterations() * blocks.size()));
}

BENCHMARK(BM_EmptyFinalBlocks)->Unit(benchmark::kMillisecond);

std::size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

// Heap bytes per connection, measured over many codecs after one message each way
// with context takeover (so both zlib streams stay allocated): "idle" for a codec
// that never compressed, "deflate" and "inflate" for each stream.
// Args: window bits (both directions), memLevel.
void BM_MemoryPerConnection(benchmark::State &state)
{
    constexpr std::size_t connections = 64;
    DeflateParameters parameters;
    parameters.serverMaxWindowBits = std::uint8_t(state.range(0));
    parameters.clientMaxWindowBits = std::uint8_t(state.range(0));
    DeflateTuning tuning;
    tuning.memLevel = int(state.range(1));
    const std::string_view message = std::string_view(corpus(0)).substr(0, MessageSize);
    std::string compressed;
    DeflateCodec(Role::Client, parameters, tuning).compress(message, true, compressed);

    double idle = 0, deflater = 0, inflater = 0;
    for (auto _ : state) {
        std::vector<std::unique_ptr<DeflateCodec>> codecs;
        codecs.reserve(connections);
        const std::size_t start = heapInUse();
        for (std::size_t i = 0; i < connections; ++i)
            codecs.push_back(std::make_unique<DeflateCodec>(Role::Server, parameters, tuning));
        const std::size_t constructed = heapInUse();
        std::string out;
        for (auto &codec : codecs) {
            out.clear();
            codec->compress(message, true, out);
        }
        const std::size_t compressing = heapInUse();
        for (auto &codec : codecs) {
            out.clear();
            codec->decompress(compressed, true, 0, out);
        }
        const std::size_t both = heapInUse();
        idle = double(constructed - start) / connections;
        deflater = double(compressing - constructed) / connections;
        inflater = double(both - compressing) / connections;
    }
    state.counters["idle"] = idle;
    state.counters["deflate"] = deflater;
    state.counters["inflate"] = inflater;
    state.counters["total"] = idle + deflater + inflater;
}

BENCHMARK(BM_MemoryPerConnection)
    ->ArgNames({"windowBits", "memLevel"})
    ->ArgsProduct({{8, 9, 10, 12, 15}, {1, 4, 8, 9}})
    ->Iterations(1);

} // namespace
