// Target-independent sizes and threading shared by every matrix product:
// the Highway GEMMs (gemm_tile-inl.h and its includers) and the bf16 GEMMs
// on vdpbf16ps (gemm_bf16_*.cc), which are not compiled per target.
#ifndef WISP_KERNELS_GEMM_SIZES_H_
#define WISP_KERNELS_GEMM_SIZES_H_

#include <stddef.h>

#include "src/core/thread_pool.h"

namespace wisp::kernels {

// Below this many multiply-adds a product runs on the caller's thread. A
// fork-join of the pool costs ~3 us on an idle machine (the GEMM does two:
// packing, then the product) and far more when the cores are shared with
// other work, so splitting only pays for products of tens of microseconds.
// The default small model's matrices (64 x 172 and smaller) stay serial.
constexpr size_t kGemmParallelMinWork = size_t{1} << 21;

inline size_t DivCeil(size_t a, size_t b) { return (a + b - 1) / b; }
inline size_t Min(size_t a, size_t b) { return a < b ? a : b; }

// Runs columns(col_begin, col_end) over [0, n), split evenly in whole tiles
// of tile_cols over the threads of `pool` (may be null), or on the caller's
// thread alone for products under kGemmParallelMinWork: the threading of
// the GEMMs that split only columns.
template <class Columns>
void SplitColumnTiles(size_t m, size_t k, size_t n, size_t tile_cols,
                      ThreadPool* pool, const Columns& columns) {
  const size_t tiles = DivCeil(n, tile_cols);
  size_t threads = pool == nullptr ? 1 : pool->num_threads();
  if (m * n * k < kGemmParallelMinWork) threads = 1;
  if (threads > tiles) threads = tiles;
  if (threads == 1) {
    columns(0, n);
    return;
  }
  pool->Run(threads, [&](size_t t, size_t /*thread*/) {
    columns(Min(n, t * tiles / threads * tile_cols),
            Min(n, (t + 1) * tiles / threads * tile_cols));
  });
}

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_GEMM_SIZES_H_
