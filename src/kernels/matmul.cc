// MatMul and MatMulBf16: y = x w^T (+ bias) with f32 or bf16 weights, one
// driver templated on the weight type. m == 1 (decoding) is a matrix-vector
// product bound by reading w, done as several row dot products at once
// (gemv-inl.h). Deep enough products (the large models') run with x packed
// and w broadcast from where it lies (from 13 rows on, prompts and training
// alike: gemm_broadcast_w-inl.h) or in dot-product form (2 to 12 rows,
// gemm_dot-inl.h); the rest (small models, targets without AVX-512) run a
// packed, cache-blocked, register-tiled GEMM (gemm_tile-inl.h). Every
// path takes a few products of the same x at once (MatMulShared), split
// over the pool together.
//
// Determinism: every output element is reduced over k in the same order no
// matter how the work is split, because threads only ever divide rows and
// columns of y, never k. Results are therefore bitwise identical for any
// thread count.
#include <stddef.h>
#include <stdint.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "src/kernels/gemm_bf16_dot.h"
#include "src/kernels/ops.h"
#include "src/kernels/scratch.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/matmul.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
#include "src/kernels/gemm_tile-inl.h"
#include "src/kernels/gemm_dot-inl.h"
#include "src/kernels/gemm_broadcast_w-inl.h"
#include "src/kernels/gemv-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

// Below this many multiply-adds a GEMV runs on the caller's thread (the
// GEMM's threshold, kGemmParallelMinWork, is in gemm_sizes.h and its
// blocking in gemm_tile-inl.h, shared with the backward products).
constexpr size_t kGemvParallelMinWork = size_t{1} << 18;
// A threaded GEMM is split by rows alone only with at least this many row
// panels per thread (96 rows with AVX-512), see Gemm.
constexpr size_t kMinRowPanelsPerThread = 8;

// ---------------------------------------------------------------- GEMV

// y = x w^T for one row x, over groups of 4 rows of w (f32 or bf16), for
// each of the products: their rows of w are split over the pool together.
template <class W>
void Gemv(const float* x, const SharedXProduct<W>* products, size_t count,
          size_t k, ThreadPool* pool) {
  const DF d;
  // The bf16 kernel reads x in its own order, prepared once per call.
  float* x_blocks = nullptr;
  if constexpr (!std::is_same_v<W, float>) {
    x_blocks = ThreadScratch(ScratchSlot::kPackedX, k);
    DeinterleaveBlocks(d, x, k, x_blocks);
  }
  // Rows [begin, end) of a product as four contiguous quarters read side by
  // side: group g takes row g of each quarter (see GemvRows). Each row's
  // result depends only on its own accumulators, so the grouping (and the
  // thread split) does not change any bit.
  const auto rows = [&](const SharedXProduct<W>& p, size_t begin, size_t end) {
    const size_t quarter = DivCeil(end - begin, 4);
    for (size_t j = begin; j < begin + quarter; ++j) {
      const size_t count = DivCeil(end - j, quarter);
      const float* b = p.bias ? p.bias + j : nullptr;
      if constexpr (std::is_same_v<W, float>) {
        GemvRows(d, x, p.w + j * k, k, Min(4, count), quarter, b, p.y + j);
      } else {
        GemvRowsBf16(d, x, x_blocks, p.w + j * k, k, Min(4, count), quarter, b,
                     p.y + j);
      }
    }
  };
  const size_t total = TotalColumns(products, count);
  // Reading w is the work: bf16 rows count half. Threads only from
  // kGemvParallelMinWork on, each with a chunk worth a quarter of that.
  size_t chunks = ComputeThreads(pool);
  if (total * k * sizeof(W) / sizeof(float) < kGemvParallelMinWork) chunks = 1;
  chunks = Min(chunks, DivCeil(total, DivCeil(kGemvParallelMinWork / 4 *
                                                  sizeof(float) / sizeof(W),
                                              k)));
  // Every product is split in the same proportions, as SplitColumnTiles
  // splits them.
  const auto chunk = [&](size_t t) {
    for (size_t i = 0; i < count; ++i) {
      const size_t n = products[i].n;
      const size_t begin = t * n / chunks, end = (t + 1) * n / chunks;
      if (begin < end) rows(products[i], begin, end);
    }
  };
  if (chunks == 1) {
    chunk(0);
    return;
  }
  pool->Run(chunks, [&](size_t t, size_t /*thread*/) { chunk(t); });
}

// ---------------------------------------------------------------- GEMM

// Computes y rows of x panels [panel_begin, panel_end) and columns of w panels
// [col_panel_begin, col_panel_end) from the shared packed x.
template <class W>
void GemmBlock(const float* packed_x, const W* w, const float* bias, float* y,
               size_t m, size_t k, size_t n, size_t panel_begin,
               size_t panel_end, size_t col_panel_begin, size_t col_panel_end) {
  const DF d;
  const size_t nr = 2 * hn::Lanes(d);
  const size_t panels_per_block = ColumnPanelsPerBlock(nr);
  float* packed_w =
      ThreadScratch(ScratchSlot::kPackedW, panels_per_block * nr * kDepthBlock);
  for (size_t jb = col_panel_begin; jb < col_panel_end;
       jb += panels_per_block) {
    const size_t jb_end = Min(jb + panels_per_block, col_panel_end);
    for (size_t p0 = 0; p0 < k; p0 += kDepthBlock) {
      const size_t depth = Min(kDepthBlock, k - p0);
      for (size_t jp = jb; jp < jb_end; ++jp) {
        PackWPanel(d, w, k, jp * nr, Min(nr, n - jp * nr), p0, depth, nr,
                   packed_w + (jp - jb) * depth * nr);
      }
      // The block packed after this one: the next depth block of these
      // columns, or the first of the next columns.
      size_t next_jb = jb, next_p0 = p0 + depth;
      if (next_p0 == k) {
        next_jb = jb_end;
        next_p0 = 0;
      }
      BlockPrefetcher<W> prefetch;
      if (next_jb < col_panel_end) {
        const size_t next_end = Min(next_jb + panels_per_block, col_panel_end);
        prefetch = BlockPrefetcher<W>(
            w, k, next_jb * nr, Min(n, next_end * nr) - next_jb * nr, next_p0,
            Min(kDepthBlock, k - next_p0),
            (panel_end - panel_begin) * (jb_end - jb));
      }
      for (size_t ip = panel_begin; ip < panel_end; ++ip) {
        const size_t row0 = ip * kTileRows;
        const size_t rows = Min(kTileRows, m - row0);
        const float* x_panel = packed_x + ip * k * kTileRows + p0 * kTileRows;
        for (size_t jp = jb; jp < jb_end; ++jp) {
          const size_t col0 = jp * nr;
          MicroKernelRows(d, rows, x_panel, packed_w + (jp - jb) * depth * nr,
                          depth, bias ? bias + col0 : nullptr, p0 > 0,
                          Min(nr, n - col0), y + row0 * n + col0, n);
          prefetch.Next();
        }
      }
    }
  }
}

// y = x w^T for m >= kBroadcastMinRows, k >= kDotMinDepth
// (gemm_broadcast_w-inl.h), for each of the products, in blocks of
// kBroadcastRowBlock rows. Every thread takes a share of the products'
// columns and packs each block of x into its own scratch, once for all its
// pieces: x is small next to the product and then sits in that core's L2;
// one copy packed by both threads ran 1.04-1.08x slower on 2.
template <class W>
void GemmBroadcastW(const float* x, const SharedXProduct<W>* products,
                    size_t count, size_t m, size_t k, ThreadPool* pool) {
  // The kernel exists for AVX-512 targets only: on the others MatMulAny
  // never calls this, and the branch keeps the kernel uninstantiated.
  if constexpr (kBroadcastRowBlock > 0) {
    SplitColumnTiles(
        m, k, products, count, kBroadcastCols, pool,
        [&](const ColumnRange* ranges, size_t num) {
          if (num == 0) return;
          const DF d;
          float* packed_x = ThreadScratch(
              ScratchSlot::kPackedX,
              BroadcastPackedXSize(d, Min(m, kBroadcastRowBlock), k));
          for (size_t row0 = 0; row0 < m; row0 += kBroadcastRowBlock) {
            const size_t rows = Min(kBroadcastRowBlock, m - row0);
            PackBroadcastX(d, x + row0 * k, rows, k, packed_x);
            for (size_t r = 0; r < num; ++r) {
              const SharedXProduct<W>& p = products[ranges[r].index];
              GemmBroadcastWColumns(d, packed_x, p.w, p.bias, p.y + row0 * p.n,
                                    rows, k, p.n, ranges[r].col_begin,
                                    ranges[r].col_end);
            }
          }
        });
  }
}

// y = x w^T for 2 <= m <= kDotMaxRows, k >= kDotMinDepth (gemm_dot-inl.h),
// for each of the products.
template <class W>
void GemmDot(const float* x, const SharedXProduct<W>* products, size_t count,
             size_t m, size_t k, ThreadPool* pool) {
  SplitColumnTiles(m, k, products, count, kDotCols, pool,
                   [&](const ColumnRange* ranges, size_t num) {
                     for (size_t r = 0; r < num; ++r) {
                       const SharedXProduct<W>& p = products[ranges[r].index];
                       GemmDotColumns(DF(), x, p.w, p.bias, p.y, m, k, p.n,
                                      ranges[r].col_begin, ranges[r].col_end);
                     }
                   });
}

template <class W>
void Gemm(const float* x, const W* w, const float* bias, float* y, size_t m,
          size_t k, size_t n, ThreadPool* pool) {
  const DF d;
  const size_t nr = 2 * hn::Lanes(d);
  const size_t row_panels = DivCeil(m, kTileRows);
  const size_t col_panels = DivCeil(n, nr);
  float* packed_x =
      ThreadScratch(ScratchSlot::kPackedX, row_panels * k * kTileRows);
  const auto pack_x = [&](size_t begin, size_t end, size_t /*thread*/) {
    for (size_t ip = begin; ip < end; ++ip) {
      PackXPanel(x, k, ip * kTileRows, Min(kTileRows, m - ip * kTileRows),
                 packed_x + ip * k * kTileRows);
    }
  };

  size_t threads = ComputeThreads(pool);
  if (m * n * k < kGemmParallelMinWork) threads = 1;
  if (threads == 1) {
    pack_x(0, row_panels, 0);
    GemmBlock(packed_x, w, bias, y, m, k, n, 0, row_panels, 0, col_panels);
    return;
  }
  pool->ParallelFor(row_panels, 1, pack_x);
  // Split columns first (each thread then packs only its own w), and rows
  // too when there are fewer column panels than threads. But when each
  // thread's columns would come to less than two column blocks and there
  // are rows enough, split only rows: each thread then packs all of w but
  // runs whole column blocks. On 2 threads (Zen 5) that ran 512 x 768 x 768
  // and 512 x 3072 x 768 1.13x faster; 128-row products and wide ones
  // (n = 2304, 3072) were as fast or faster split by columns.
  const size_t panels_per_block = ColumnPanelsPerBlock(nr);
  const bool by_rows = row_panels >= kMinRowPanelsPerThread * threads &&
                       col_panels < 2 * panels_per_block * threads;
  const size_t col_chunks = by_rows ? 1 : Min(threads, col_panels);
  size_t row_chunks = Min(row_panels, threads / col_chunks);
  if (row_chunks == 0) row_chunks = 1;
  pool->Run(col_chunks * row_chunks, [&](size_t task, size_t /*thread*/) {
    const size_t rc = task / col_chunks, cc = task % col_chunks;
    GemmBlock(packed_x, w, bias, y, m, k, n, rc * row_panels / row_chunks,
              (rc + 1) * row_panels / row_chunks, cc * col_panels / col_chunks,
              (cc + 1) * col_panels / col_chunks);
  });
}

// The products (at most kMaxSharedProducts) of one x. Every path depends
// on m and k alone, so each product takes the path it would take alone and
// its bits are those of a call of its own.
template <class W>
void MatMulAny(const float* x, const SharedXProduct<W>* products, size_t count,
               size_t m, size_t k, ThreadPool* pool) {
  if (m == 0 || TotalColumns(products, count) == 0) return;
  if (k == 0) {
    WriteEmptySums(products, count, m);
    return;
  }
  if (m == 1) {
    Gemv(x, products, count, k, pool);
  } else if (kBroadcastRowBlock > 0 && m >= kBroadcastMinRows &&
             k >= kDotMinDepth) {
    GemmBroadcastW(x, products, count, m, k, pool);
  } else if (m <= kDotMaxRows && k >= kDotMinDepth) {
    GemmDot(x, products, count, m, k, pool);
  } else {
    // The small models' products: x is packed per product.
    for (size_t p = 0; p < count; ++p) {
      const SharedXProduct<W>& o = products[p];
      if (o.n > 0) Gemm(x, o.w, o.bias, o.y, m, k, o.n, pool);
    }
  }
}

void MatMulImpl(const float* x, const SharedXProduct<float>* products,
                size_t count, size_t m, size_t k, ThreadPool* pool) {
  MatMulAny(x, products, count, m, k, pool);
}

void MatMulBf16Impl(const float* x, const SharedXProduct<uint16_t>* products,
                    size_t count, size_t m, size_t k, ThreadPool* pool) {
  MatMulAny(x, products, count, m, k, pool);
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(MatMulImpl);

void MatMul(const float* x, const float* w, const float* bias, float* y,
            size_t m, size_t k, size_t n, ThreadPool* pool) {
  const SharedXProduct<float> product{w, bias, y, n};
  HWY_DYNAMIC_DISPATCH(MatMulImpl)(x, &product, 1, m, k, pool);
}

HWY_EXPORT(MatMulBf16Impl);

namespace {

std::atomic<bool>& Bf16DotProductsFlag() {
  static std::atomic<bool> flag{
      Bf16DotProductsAllowedBy(std::getenv("WISP_BF16_DOT"))};
  return flag;
}
// Shallower products spend too few steps between the lane sums (as the f32
// dot-product GEMM's kDotMinDepth); the small models' weights are in cache.
constexpr size_t kBf16DotMinDepth = 256;

}  // namespace

bool Bf16DotProductsAllowedBy(const char* environment_value) {
  return environment_value == nullptr ||
         std::strcmp(environment_value, "0") != 0;
}

void SetBf16DotProducts(bool enabled) {
  Bf16DotProductsFlag().store(enabled, std::memory_order_relaxed);
}

bool Bf16DotProductsActive() {
  return Bf16DotProductsFlag().load(std::memory_order_relaxed) &&
         CpuHasBf16DotProduct();
}

namespace {

// The bf16 products of one x (at most kMaxSharedProducts).
void MatMulBf16Products(const float* x,
                        const SharedXProduct<uint16_t>* products, size_t count,
                        size_t m, size_t k, ThreadPool* pool,
                        Bf16Products rule) {
  if (rule == Bf16Products::kDotProductsAllowed && m > 1 &&
      k >= kBf16DotMinDepth && Bf16DotProductsActive()) {
    GemmBf16Dot(x, products, count, m, k, pool);
    return;
  }
  HWY_DYNAMIC_DISPATCH(MatMulBf16Impl)(x, products, count, m, k, pool);
}

}  // namespace

void MatMulBf16(const float* x, const uint16_t* w, const float* bias, float* y,
                size_t m, size_t k, size_t n, ThreadPool* pool,
                Bf16Products products) {
  const SharedXProduct<uint16_t> product{w, bias, y, n};
  MatMulBf16Products(x, &product, 1, m, k, pool, products);
}

void MatMulShared(const float* x, size_t m, size_t k,
                  const SharedProduct* products, size_t count, ThreadPool* pool,
                  Bf16Products bf16_products) {
  // f32 and bf16 products run as two batches (each in the paths they
  // would take alone), of at most kMaxSharedProducts each.
  SharedXProduct<float> f32[kMaxSharedProducts];
  SharedXProduct<uint16_t> bf16[kMaxSharedProducts];
  size_t num_f32 = 0, num_bf16 = 0;
  const auto flush = [&] {
    if (num_f32 > 0) {
      HWY_DYNAMIC_DISPATCH(MatMulImpl)(x, f32, num_f32, m, k, pool);
    }
    if (num_bf16 > 0) {
      MatMulBf16Products(x, bf16, num_bf16, m, k, pool, bf16_products);
    }
    num_f32 = num_bf16 = 0;
  };
  for (size_t i = 0; i < count; ++i) {
    const SharedProduct& p = products[i];
    if (p.w != nullptr) {
      f32[num_f32++] = {p.w, p.bias, p.y, p.n};
    } else {
      bf16[num_bf16++] = {p.w_bf16, p.bias, p.y, p.n};
    }
    if (num_f32 == kMaxSharedProducts || num_bf16 == kMaxSharedProducts) {
      flush();
    }
  }
  flush();
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
