// permessage-deflate codec: throughput and ratio on English-like text and JSON per
// compression level and memLevel, and heap bytes per connection per window/memLevel.
//
// Messages are 4 KiB pieces of a 1 MiB corpus, sent one after another on one
// connection, as a chat or a feed would. Counters: "ratio" is compressed / original
// size; "MB/s" is uncompressed bytes per second.

#include <WsKit/Core/deflate.h>

#include <benchmark/benchmark.h>

#include <malloc.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace WsKit::Core;

namespace {

constexpr std::size_t CorpusSize = 1024 * 1024;
constexpr std::size_t MessageSize = 4096;

class Random
{
public:
    explicit Random(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 7;
        m_state ^= m_state << 17;
        return m_state;
    }
    std::size_t below(std::size_t bound) { return std::size_t(next() % bound); }

private:
    std::uint64_t m_state;
};

// Sentences over a vocabulary of common English words followed by 2000 made-up
// words of one to four syllables, drawn with Zipf-like frequencies (rank r about as
// often as 1/r), which is how word frequencies in English prose fall off.
std::string englishText()
{
    static const char *const common[] = {
        "the",  "of",   "and",  "to",    "a",     "in",    "is",    "it",    "that",  "was",   "for",  "on",
        "with", "as",   "his",  "they",  "at",    "be",    "this",  "from",  "have",  "or",    "by",   "one",
        "had",  "not",  "but",  "what",  "all",   "were",  "when",  "we",    "there", "can",   "an",   "your",
        "which", "their", "said", "if",  "will",  "each",  "about", "how",   "up",    "out",   "many", "then",
        "them", "these", "so",  "some",  "would", "make",  "like",  "into",  "time",  "has",   "look", "more"};
    static const char *const syllables[] = {"ar", "be", "con", "de", "en", "for", "gar", "in",  "ker", "la",
                                            "men", "no", "or",  "pre", "qui", "ro", "sta", "ter", "un",  "ven",
                                            "wa", "tion", "ly", "ing", "ed",  "er", "ment", "al", "ous", "ble"};
    constexpr std::size_t syllableCount = sizeof(syllables) / sizeof(syllables[0]);
    Random random(42);
    std::vector<std::string> vocabulary(std::begin(common), std::end(common));
    while (vocabulary.size() < 2000) {
        std::string word;
        for (std::size_t i = 0, n = 1 + random.below(4); i < n; ++i)
            word += syllables[random.below(syllableCount)];
        vocabulary.push_back(word);
    }
    const double logSize = std::log(double(vocabulary.size()));
    std::string text;
    while (text.size() < CorpusSize) {
        const std::size_t length = 6 + random.below(14);
        for (std::size_t i = 0; i < length; ++i) {
            const double uniform = double(random.next() >> 11) / double(std::uint64_t(1) << 53);
            std::string word = vocabulary[std::size_t(std::exp(uniform * logSize)) - 1];
            if (i == 0)
                word[0] = char(word[0] - 'a' + 'A');
            text += word;
            text += i + 1 == length ? (random.below(5) == 0 ? "?\n" : ". ") : (random.below(9) == 0 ? ", " : " ");
        }
    }
    text.resize(CorpusSize);
    return text;
}

// An API feed: objects with repeated keys, ids, names, numbers and booleans.
std::string jsonText()
{
    static const char *const names[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
    static const char *const tags[] = {"urgent", "info", "billing", "support", "sales", "ops"};
    Random random(7);
    std::string json = "[";
    for (std::uint64_t id = 1000; json.size() < CorpusSize; ++id) {
        const char *name = names[random.below(8)];
        json += "{\"id\":" + std::to_string(id) + ",\"user\":\"" + name + "\",\"email\":\"" + name
            + "@example.com\",\"score\":" + std::to_string(random.below(100000) / 100.0)
            + ",\"active\":" + (random.below(2) ? "true" : "false") + ",\"tags\":[\"" + tags[random.below(6)]
            + "\",\"" + tags[random.below(6)] + "\"],\"updated\":\"2024-0" + std::to_string(1 + random.below(9))
            + "-1" + std::to_string(random.below(10)) + "T12:" + std::to_string(10 + random.below(50)) + ":00Z\"},";
    }
    json.resize(CorpusSize);
    return json;
}

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
