// What this machine can do at best, measured in the same run as the kernels
// so that kernel figures can be read as fractions of it on a noisy, shared
// machine: the f32 multiply-add peak and the memory bandwidth of a triad.
#ifndef WISP_TESTS_BENCH_MACHINE_BASELINES_H_
#define WISP_TESTS_BENCH_MACHINE_BASELINES_H_

#include <cstddef>

#include "src/core/thread_pool.h"

namespace wisp::bench {

// GFLOP/s of independent fused multiply-adds on the widest vectors the CPU
// has (AVX-512 or AVX2 + FMA; 0 when it has neither), on every thread of
// `pool`. `seconds` bounds the run; the best of several repeats is kept.
double MeasureFmaPeakGflops(ThreadPool& pool, double seconds);

// GB/s of the STREAM triad a[i] = b[i] + s * c[i] over arrays far larger
// than the caches, the range split over `pool`; 12 bytes per element (the
// write-allocate read of a is not counted, as in STREAM). Best of repeats.
double MeasureTriadGbps(ThreadPool& pool, double seconds);

// The figures above for 1 and 2 threads, measured once on first use and
// printed to stderr, for benchmarks that report fractions of them.
struct Baselines {
  double fma_peak_gflops[3] = {};  // index: threads (1 or 2)
  double triad_gbps[3] = {};
};
const Baselines& MachineBaselines();

}  // namespace wisp::bench

#endif  // WISP_TESTS_BENCH_MACHINE_BASELINES_H_
