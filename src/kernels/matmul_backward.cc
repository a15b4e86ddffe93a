// MatMulBackwardInput and MatMulBackwardWeight (matmul_backward.h): one
// blocked GEMM, y (+)= A B with B stored [K, N] row-major and A stored
// either [M, K] or transposed as [K, M], on gemm_tile-inl.h's micro-kernel.
//   dx = dy w:      A = dy [m, n],           B = w [n, k]
//   dw += dy^T x:   A = dy^T (dy is [m, n]), B = x [m, k]
// Packing reads these layouts directly, so nothing is transposed first.
#include "src/kernels/matmul_backward.h"

#include <stddef.h>
#include <string.h>

#include "src/kernels/prefetch.h"
#include "src/kernels/scratch.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/matmul_backward.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
#include "src/kernels/gemm_tile-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

// Blocking and the threading threshold are the forward GEMM's
// (gemm_tile-inl.h), with two differences. A sum of at most two depth
// blocks is done as one block (B block <= 512 KiB for the weight
// gradients, 768 KiB for the input gradients' wider blocks, below). The
// weight gradients sum over the batch's rows (512 for GPT-2 at 4 x 128),
// and one block means the result is read and written once instead of
// twice, which matters for the classifier's 154 MB gradient.
// Tasks per thread: more than one, claimed as threads become free, so that a
// core slowed by other programs simply takes fewer of them; but few, because
// every task packs its own B blocks, so each further chunk of rows re-reads
// all of B (the classifier's input gradient has 512 rows and a 154 MB B).
// 2 instead of 8 per thread ran the classifier's and the QKV input
// gradients 1.15x faster on 2 threads (medians of 6 alternating runs), the
// other GPT-2 products 1-5 %, and a 124M training step 3 %. For the same
// reason a task has at least kMinTaskRows rows (when there are that many).
constexpr size_t kTasksPerThread = 2;
constexpr size_t kMinTaskRows = 128;
// The input gradients (row-major A) go further: column blocks of 384, so
// that GPT-2's 768-wide ones are two blocks (three at 256: A transposed
// three times), and one task per block when the blocks divide evenly among
// the threads, so that every B block is packed once instead of once per
// chunk of rows. BM_MatMulBackward's input gradients, medians of 5
// alternating runs (Zen 4): 2 threads 1.056-1.089x (classifier 1.072x), 1
// thread 1.003-1.017x; a GPT-2 training step 1.004x (8 pairs, 0.989-1.009).
// One task per thread gives up what several give (a core slowed by other
// programs shedding work): here packing B once was worth more.
constexpr size_t kColumnBlockRowMajorA = 384;

struct Product {
  const float* a;  // [M, K], or [K, M] when a_transposed
  bool a_transposed;
  const float* b;  // [K, N]
  float* y;        // [M, N]
  size_t M, K, N;
  bool accumulate;  // y += A B instead of y = A B
};

inline size_t PanelsPerBlock(const Product& pr, size_t nr) {
  return pr.a_transposed ? ColumnPanelsPerBlock(nr)
                         : ColumnPanelsPerBlock(nr, kColumnBlockRowMajorA);
}

// Row panels of a transposed A packed together, so that it is read in runs
// of kAPanelGroup * kTileRows floats per depth row. One panel at a time read
// 48 bytes per row of dy, each from another line, and with dy's rows a
// multiple of 4 KiB apart (3072 wide) those lines fell into a few sets of L1
// and L2: every panel gathered its 512 lines from L3 again, 9 % of the
// weight gradient's time. 8 panels (192 KiB at a depth of 512) sit in L2
// beside the packed B block. A row-major A is read in whole rows anyway and
// packed a panel at a time, which its products then find in L1.
constexpr size_t kAPanelGroup = 8;
// Rows of a transposed A requested ahead of the packing.
constexpr size_t kAPrefetchRows = 8;

// Packs A[row0 + r, p0 + p] for r < rows, p < depth into panels of kTileRows
// rows (MatMul's x panel layout), panel i at packed + i * kTileRows * depth.
// Rows of the last panel past `rows` are left unset: the micro-kernel for a
// short panel never reads them.
inline void PackAPanels(const Product& pr, size_t row0, size_t rows, size_t p0,
                        size_t depth, float* HWY_RESTRICT packed) {
  const size_t panel_size = kTileRows * depth;
  if (!pr.a_transposed) {
    for (size_t r = 0; r < rows; r += kTileRows) {
      TransposeInto(pr.a + (row0 + r) * pr.K + p0, pr.K,
                    Min(kTileRows, rows - r), depth,
                    packed + r / kTileRows * panel_size, kTileRows);
    }
    return;
  }
  const size_t full_panels = rows / kTileRows;
  const size_t tail = rows % kTileRows;
  const size_t run_bytes = rows * sizeof(float);
  for (size_t p = 0; p < depth; ++p) {
    const float* HWY_RESTRICT src = pr.a + (p0 + p) * pr.M + row0;
    float* HWY_RESTRICT dst = packed + p * kTileRows;
    if (p + kAPrefetchRows < depth) {
      const char* ahead =
          reinterpret_cast<const char*>(src + kAPrefetchRows * pr.M);
      for (size_t b = 0; b < run_bytes; b += 64) PrefetchToL2(ahead + b);
    }
    for (size_t i = 0; i < full_panels; ++i) {
      // A fixed-size copy the compiler inlines.
      memcpy(dst + i * panel_size, src + i * kTileRows,
             kTileRows * sizeof(float));
    }
    if (tail != 0) {
      memcpy(dst + full_panels * panel_size, src + full_panels * kTileRows,
             tail * sizeof(float));
    }
  }
}

// Packs B[p0 + p, col0 + c] for c < cols (<= nr), p < depth into a panel of
// width nr (MatMul's w panel layout), zero past cols so that no stale value
// (possibly a denormal) enters the multiply-adds.
template <size_t kNr>
inline void PackBPanel(const float* HWY_RESTRICT b, size_t ldb, size_t col0,
                       size_t cols, size_t p0, size_t depth,
                       float* HWY_RESTRICT panel) {
  const float* src = b + p0 * ldb + col0;
  if (cols == kNr) {
    for (size_t p = 0; p < depth; ++p) {
      memcpy(panel + p * kNr, src + p * ldb, kNr * sizeof(float));
    }
    return;
  }
  for (size_t p = 0; p < depth; ++p) {
    memcpy(panel + p * kNr, src + p * ldb, cols * sizeof(float));
    memset(panel + p * kNr + cols, 0, (kNr - cols) * sizeof(float));
  }
}

// Rows of A panels [panel_begin, panel_end) times columns of B panels
// [col_panel_begin, col_panel_end).
void ProductBlock(const Product& pr, size_t panel_begin, size_t panel_end,
                  size_t col_panel_begin, size_t col_panel_end) {
  const DF d;
  constexpr size_t kNr = 2 * hn::MaxLanes(DF());
  HWY_DASSERT(kNr == 2 * hn::Lanes(d));
  const size_t panels_per_block = PanelsPerBlock(pr, kNr);
  const size_t depth_block = pr.K <= 2 * kDepthBlock ? pr.K : kDepthBlock;
  float* packed_b = ThreadScratch(ScratchSlot::kPackedW,
                                  panels_per_block * kNr * depth_block);
  // A transposed A is packed kAPanelGroup panels at a time, a row-major one
  // a panel at a time.
  const size_t group = pr.a_transposed ? kAPanelGroup : 1;
  float* packed_a =
      ThreadScratch(ScratchSlot::kPackedX, group * kTileRows * depth_block);
  for (size_t jb = col_panel_begin; jb < col_panel_end;
       jb += panels_per_block) {
    const size_t jb_end = Min(jb + panels_per_block, col_panel_end);
    for (size_t p0 = 0; p0 < pr.K; p0 += depth_block) {
      const size_t depth = Min(depth_block, pr.K - p0);
      for (size_t jp = jb; jp < jb_end; ++jp) {
        PackBPanel<kNr>(pr.b, pr.N, jp * kNr, Min(kNr, pr.N - jp * kNr), p0,
                        depth, packed_b + (jp - jb) * depth * kNr);
      }
      const bool accumulate = pr.accumulate || p0 > 0;
      for (size_t ig = panel_begin; ig < panel_end; ig += group) {
        const size_t ig_end = Min(ig + group, panel_end);
        const size_t group_row0 = ig * kTileRows;
        PackAPanels(pr, group_row0, Min(ig_end * kTileRows, pr.M) - group_row0,
                    p0, depth, packed_a);
        for (size_t ip = ig; ip < ig_end; ++ip) {
          const size_t row0 = ip * kTileRows;
          const size_t rows = Min(kTileRows, pr.M - row0);
          const float* a_panel = packed_a + (ip - ig) * kTileRows * depth;
          for (size_t jp = jb; jp < jb_end; ++jp) {
            const size_t col0 = jp * kNr;
            MicroKernelRows(d, rows, a_panel,
                            packed_b + (jp - jb) * depth * kNr, depth, nullptr,
                            accumulate, Min(kNr, pr.N - col0),
                            pr.y + row0 * pr.N + col0, pr.N);
          }
        }
      }
    }
  }
}

void RunProduct(const Product& pr, ThreadPool* pool) {
  if (pr.M == 0 || pr.N == 0) return;
  if (pr.K == 0) {  // an empty sum: the blocks would never write y
    if (!pr.accumulate) memset(pr.y, 0, pr.M * pr.N * sizeof(float));
    return;
  }
  constexpr size_t kNr = 2 * hn::MaxLanes(DF());
  const size_t row_panels = DivCeil(pr.M, kTileRows);
  const size_t col_panels = DivCeil(pr.N, kNr);
  const size_t panels_per_block = PanelsPerBlock(pr, kNr);
  size_t threads = ComputeThreads(pool);
  if (pr.M * pr.K * pr.N < kGemmParallelMinWork) threads = 1;
  if (threads == 1) {
    ProductBlock(pr, 0, row_panels, 0, col_panels);
    return;
  }
  // Tasks are (rows, columns): every task owns its outputs and sums them
  // over all of K in one order, so the split changes no bit. Columns go in
  // whole blocks.
  size_t col_chunks = DivCeil(col_panels, panels_per_block);
  const size_t tasks_per_thread =
      !pr.a_transposed && col_chunks % threads == 0 ? 1 : kTasksPerThread;
  size_t row_chunks =
      Min(DivCeil(tasks_per_thread * threads, col_chunks), pr.M / kMinTaskRows);
  if (row_chunks == 0) row_chunks = 1;
  bool even_columns = false;
  if (row_chunks * col_chunks < threads) {
    // Too few rows and column blocks for a task per thread: the small
    // models' weight gradients (32-512 outputs by 64-172 inputs, summed over
    // thousands of rows) were one task, the other threads idle (stories260K
    // training spent 12 % of its time waiting). Their A and B are small, so
    // the operand every task then packs whole costs little: split the
    // columns evenly into as many chunks as make a task per thread (each
    // task packs only its part of B) or, short of column panels, the rows.
    // One task per thread, without kTasksPerThread's slack for a busy core.
    const size_t wanted = DivCeil(threads, row_chunks);
    if (col_panels >= wanted) {
      col_chunks = wanted;
      even_columns = true;
    } else {
      row_chunks = Min(DivCeil(threads, col_chunks), row_panels);
    }
  }
  // Column chunk cc is panels [column_bound(cc), column_bound(cc + 1)).
  const auto column_bound = [&](size_t cc) {
    return even_columns ? cc * col_panels / col_chunks
                        : Min(cc * panels_per_block, col_panels);
  };
  pool->Run(row_chunks * col_chunks, [&](size_t task, size_t /*thread*/) {
    const size_t rc = task / col_chunks, cc = task % col_chunks;
    ProductBlock(pr, rc * row_panels / row_chunks,
                 (rc + 1) * row_panels / row_chunks, column_bound(cc),
                 column_bound(cc + 1));
  });
}

void MatMulBackwardInputImpl(const float* dy, const float* w, float* dx,
                             size_t m, size_t n, size_t k, bool accumulate,
                             ThreadPool* pool) {
  RunProduct(Product{dy, false, w, dx, m, n, k, accumulate}, pool);
}

void MatMulBackwardWeightImpl(const float* dy, const float* x, float* dw,
                              size_t m, size_t n, size_t k, ThreadPool* pool) {
  RunProduct(Product{dy, true, x, dw, n, m, k, true}, pool);
}

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(MatMulBackwardInputImpl);
HWY_EXPORT(MatMulBackwardWeightImpl);

void MatMulBackwardInput(const float* dy, const float* w, float* dx, size_t m,
                         size_t n, size_t k, bool accumulate,
                         ThreadPool* pool) {
  HWY_DYNAMIC_DISPATCH(MatMulBackwardInputImpl)
  (dy, w, dx, m, n, k, accumulate, pool);
}

void MatMulBackwardWeight(const float* dy, const float* x, float* dw, size_t m,
                          size_t n, size_t k, ThreadPool* pool) {
  HWY_DYNAMIC_DISPATCH(MatMulBackwardWeightImpl)(dy, x, dw, m, n, k, pool);
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
