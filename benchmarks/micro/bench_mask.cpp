#include <WsKit/Core/mask.h>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

using namespace WsKit::Core;

namespace {

constexpr MaskKey key{0x37, 0xfa, 0x21, 0x3d};

// A buffer whose data starts `offset` bytes past a 64-byte boundary.
struct Buffer {
    explicit Buffer(std::size_t size, std::size_t offset)
        : storage(new char[size + 128]())
    {
        const auto base = reinterpret_cast<std::uintptr_t>(storage.get());
        data = storage.get() + ((64 - base % 64) % 64) + offset;
    }
    std::unique_ptr<char[]> storage;
    char *data;
};

void BM_applyMask(benchmark::State &state)
{
    const auto size = std::size_t(state.range(0));
    Buffer buffer(size, std::size_t(state.range(1)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(applyMask(buffer.data, size, key, 1));
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(std::int64_t(state.iterations()) * state.range(0));
}

// Byte at a time, as RFC 6455 §5.3 states it: the baseline the word loop is measured against.
void BM_maskBytewise(benchmark::State &state)
{
    const auto size = std::size_t(state.range(0));
    Buffer buffer(size, 0);
    for (auto _ : state) {
        volatile char *data = buffer.data; // keeps the compiler from vectorising the baseline
        for (std::size_t i = 0; i < size; ++i)
            data[i] = char(data[i] ^ key[i % 4]);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(std::int64_t(state.iterations()) * state.range(0));
}

} // namespace

// Second argument: byte offset from a 64-byte boundary (0 aligned, 1/3 unaligned).
BENCHMARK(BM_applyMask)
    ->ArgNames({"bytes", "offset"})
    ->ArgsProduct({{16, 1024, 64 * 1024, 1024 * 1024}, {0, 1, 3}});
BENCHMARK(BM_maskBytewise)->ArgNames({"bytes"})->Arg(64 * 1024);
