// Throughput of Crc32c, the checksum verified over every tensor when a .wisp
// file loads. Buffers of 4 KiB (cache-resident, a small tensor) and 256 MiB
// (larger than any cache, like the 500 MB of GPT-2 weights), and the
// two-thread verification of 256 MiB; the 256 MiB case also runs a plain memory
// sum over the same bytes as the bandwidth baseline of the same run, so the CRC
// can be read as a fraction of it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "benchmark/benchmark.h"
#include "src/format/crc32c.h"
#include "src/format/crc32c_parallel.h"

namespace wisp {
namespace {

std::vector<uint8_t> PatternBytes(size_t n) {
  std::vector<uint8_t> bytes(n);
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 131 + 7);
  return bytes;
}

void BM_Crc32c(benchmark::State& state) {
  const std::vector<uint8_t> bytes =
      PatternBytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(Crc32c(bytes.data(), bytes.size()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(4 << 10)->Arg(256 << 20)->UseRealTime();

// The load-time verification: one 256 MiB range cut into pieces over 1 or
// 2 threads (compare with BM_Crc32c/268435456 of the same run).
void BM_Crc32cOfRanges(benchmark::State& state) {
  const std::vector<uint8_t> bytes = PatternBytes(size_t{256} << 20);
  const std::vector<ByteRange> ranges = {{bytes.data(), bytes.size()}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Crc32cOfRanges(ranges, static_cast<int>(state.range(0))));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_Crc32cOfRanges)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();

// Reads the bytes as 64-bit words and adds them: the memory-bandwidth
// ceiling a checksum over the same buffer cannot beat.
void BM_SumBaseline(benchmark::State& state) {
  const std::vector<uint8_t> bytes =
      PatternBytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    uint64_t sum = 0;
    for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      sum += word;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          state.range(0));
}
BENCHMARK(BM_SumBaseline)->Arg(256 << 20)->UseRealTime();

}  // namespace
}  // namespace wisp

BENCHMARK_MAIN();
