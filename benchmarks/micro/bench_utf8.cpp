#include <WsKit/Core/utf8.h>

#include <benchmark/benchmark.h>

#include <string>

using namespace WsKit::Core;

namespace {

std::string repeatTo(std::string_view unit, std::size_t size)
{
    std::string text;
    while (text.size() + unit.size() <= size)
        text.append(unit);
    text.append(size - text.size(), 'x');
    return text;
}

// English: all ASCII.
const std::string_view ascii = "The quick brown fox jumps over the lazy dog, 0123456789. ";
// Greek, Chinese and emoji with ASCII spaces: 2-, 3- and 4-byte characters.
const std::string_view mixed = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 "
                               "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
                               "\xf0\x9f\x99\x82\xf0\x9f\x8e\x89 ";
// Chinese only: 3-byte characters, no ASCII to skip.
const std::string_view cjk = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe4\xb8\xad\xe6\x96\x87";

void validate(benchmark::State &state, std::string_view unit)
{
    const std::string text = repeatTo(unit, std::size_t(state.range(0)));
    for (auto _ : state) {
        Utf8Validator validator;
        benchmark::DoNotOptimize(validator.feed(text));
        benchmark::DoNotOptimize(validator.isComplete());
    }
    state.SetBytesProcessed(std::int64_t(state.iterations()) * state.range(0));
}

void BM_utf8Ascii(benchmark::State &state) { validate(state, ascii); }
void BM_utf8Mixed(benchmark::State &state) { validate(state, mixed); }
void BM_utf8Cjk(benchmark::State &state) { validate(state, cjk); }

} // namespace

BENCHMARK(BM_utf8Ascii)->ArgNames({"bytes"})->Arg(1024)->Arg(1024 * 1024);
BENCHMARK(BM_utf8Mixed)->ArgNames({"bytes"})->Arg(1024)->Arg(1024 * 1024);
BENCHMARK(BM_utf8Cjk)->ArgNames({"bytes"})->Arg(1024)->Arg(1024 * 1024);
