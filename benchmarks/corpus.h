#pragma once
// Test corpora shared by the compression benchmarks: 1 MiB of English-like text
// and 1 MiB of JSON, generated the same way on every run.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

namespace BenchmarkCorpus {

constexpr std::size_t CorpusSize = 1024 * 1024;

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
inline std::string englishText()
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
inline std::string jsonText()
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

} // namespace BenchmarkCorpus
