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

// One of the products of the same x that a call computes together (the
// query, key and value projections): y = x w^T (+ bias), n columns, w of
// row stride k.
template <class W>
struct SharedXProduct {
  const W* w;
  const float* bias;
  float* y;
  size_t n;
};

// Columns of all the products together.
template <class W>
size_t TotalColumns(const SharedXProduct<W>* products, size_t count) {
  size_t columns = 0;
  for (size_t i = 0; i < count; ++i) columns += products[i].n;
  return columns;
}

// y = bias (or 0) for m rows of each product: the products of k = 0, an
// empty sum, which the blocked kernels would never write.
template <class W>
void WriteEmptySums(const SharedXProduct<W>* products, size_t count, size_t m) {
  for (size_t p = 0; p < count; ++p) {
    const SharedXProduct<W>& o = products[p];
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < o.n; ++j) {
        o.y[i * o.n + j] = o.bias ? o.bias[j] : 0.0f;
      }
    }
  }
}

// At most this many products share x in one call: more run in batches.
constexpr size_t kMaxSharedProducts = 4;

// A thread's piece of a column split: columns [col_begin, col_end) of
// product `index`.
struct ColumnRange {
  size_t index, col_begin, col_end;
};

// The threading of the GEMMs that split only columns: the columns of each
// of `count` (<= kMaxSharedProducts) products of the same m x k x are split
// evenly, in whole tiles of tile_cols, over the threads of `pool` (may be
// null), or all run on the caller's thread for products under
// kGemmParallelMinWork multiply-adds in all. Each product is split on its
// own, as a call of its own would split it, so that a thread writes the
// same columns of q, k and v: the same heads, which attention then reads
// on that thread (AttentionForwardHeads). Calls ranges(r, num) once per
// thread, with that thread's pieces in product order (num may be 0), so
// that a thread can pack x once for all of its pieces.
template <class W, class Ranges>
void SplitColumnTiles(size_t m, size_t k, const SharedXProduct<W>* products,
                      size_t count, size_t tile_cols, ThreadPool* pool,
                      const Ranges& ranges) {
  size_t max_tiles = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t tiles = DivCeil(products[i].n, tile_cols);
    if (tiles > max_tiles) max_tiles = tiles;
  }
  size_t threads = ComputeThreads(pool);
  if (m * TotalColumns(products, count) * k < kGemmParallelMinWork) {
    threads = 1;
  }
  if (threads > max_tiles) threads = max_tiles;
  const auto run = [&](size_t t, size_t num_threads) {
    ColumnRange r[kMaxSharedProducts];
    size_t num = 0;
    for (size_t i = 0; i < count; ++i) {
      const size_t tiles = DivCeil(products[i].n, tile_cols);
      const size_t begin = t * tiles / num_threads * tile_cols;
      const size_t end =
          Min(products[i].n, (t + 1) * tiles / num_threads * tile_cols);
      if (begin < end) r[num++] = {i, begin, end};
    }
    ranges(static_cast<const ColumnRange*>(r), num);
  };
  if (threads <= 1) {
    run(0, 1);
    return;
  }
  pool->Run(threads, [&](size_t t, size_t /*thread*/) { run(t, threads); });
}

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_GEMM_SIZES_H_
