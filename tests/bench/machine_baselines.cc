#include "tests/bench/machine_baselines.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace wisp::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Twelve independent accumulators cover the FMA latency (4 cycles) times the
// two FMA pipes with room to spare; the result is returned so the loop is not
// optimised away. 2 * 16 * 12 flops per iteration. The inner loop must be
// unrolled for the accumulators to live in registers (at -O2 GCC would
// otherwise keep them in memory and measure a quarter of the peak).
constexpr int kChains = 12;

__attribute__((target("avx512f"))) float FmaLoopAvx512(long iterations) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.001f * c);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  }
  for (int c = 1; c < kChains; ++c) acc[0] = _mm512_add_ps(acc[0], acc[c]);
  float lanes[16];
  _mm512_storeu_ps(lanes, acc[0]);
  return lanes[0];
}

__attribute__((target("avx2,fma"))) float FmaLoopAvx2(long iterations) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(0.001f * c);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  }
  for (int c = 1; c < kChains; ++c) acc[0] = _mm256_add_ps(acc[0], acc[c]);
  float lanes[8];
  _mm256_storeu_ps(lanes, acc[0]);
  return lanes[0];
}

// The best rate of repeated runs of fn(thread) on every thread of the pool
// for `seconds`: total work work_per_thread * threads over wall time.
template <class Fn>
double BestRate(ThreadPool& pool, double work_per_thread, double seconds,
                const Fn& fn) {
  double best = 0;
  const Clock::time_point begin = Clock::now();
  do {
    const Clock::time_point start = Clock::now();
    pool.Run(pool.num_threads(), [&](size_t task, size_t) { fn(task); });
    best =
        std::max(best, work_per_thread * pool.num_threads() / Seconds(start));
  } while (Seconds(begin) < seconds);
  return best;
}

}  // namespace

double MeasureFmaPeakGflops(ThreadPool& pool, double seconds) {
  constexpr long kIterations = 2'000'000;
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 &&
      !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
    return 0;
  }
  const double lanes = avx512 ? 16 : 8;
  volatile float sink = 0;
  return BestRate(
      pool, 2.0 * lanes * kChains * kIterations * 1e-9, seconds, [&](size_t) {
        sink = avx512 ? FmaLoopAvx512(kIterations) : FmaLoopAvx2(kIterations);
      });
}

double MeasureTriadGbps(ThreadPool& pool, double seconds) {
  constexpr size_t kElements = size_t{16} << 20;  // 64 MiB per array
  std::vector<float> a(kElements), b(kElements, 1.0f), c(kElements, 2.0f);
  const size_t per_thread = kElements / pool.num_threads();
  const float s = 3.0f;
  return BestRate(pool, 12.0 * per_thread * 1e-9, seconds, [&](size_t t) {
    float* __restrict pa = a.data() + t * per_thread;
    const float* pb = b.data() + t * per_thread;
    const float* pc = c.data() + t * per_thread;
    for (size_t i = 0; i < per_thread; ++i) pa[i] = pb[i] + s * pc[i];
  });
}

const Baselines& MachineBaselines() {
  static const Baselines baselines = [] {
    Baselines b;
    for (size_t threads : {1, 2}) {
      ThreadPool pool(threads);
      b.fma_peak_gflops[threads] = MeasureFmaPeakGflops(pool, 0.5);
      b.triad_gbps[threads] = MeasureTriadGbps(pool, 1.0);
      std::fprintf(stderr,
                   "baseline, %zu thread(s): FMA peak %.1f GFLOP/s, triad "
                   "%.1f GB/s\n",
                   threads, b.fma_peak_gflops[threads], b.triad_gbps[threads]);
    }
    return b;
  }();
  return baselines;
}

}  // namespace wisp::bench
