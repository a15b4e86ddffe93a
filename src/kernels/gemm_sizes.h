// Target-independent sizes shared by every matrix product: the Highway
// GEMMs (gemm_tile-inl.h and its includers) and the bf16 GEMM on
// vdpbf16ps (gemm_bf16_dot.cc), which is not compiled per target.
#ifndef WISP_KERNELS_GEMM_SIZES_H_
#define WISP_KERNELS_GEMM_SIZES_H_

#include <stddef.h>

namespace wisp::kernels {

// Below this many multiply-adds a product runs on the caller's thread. A
// fork-join of the pool costs ~3 us on an idle machine (the GEMM does two:
// packing, then the product) and far more when the cores are shared with
// other work, so splitting only pays for products of tens of microseconds.
// The default small model's matrices (64 x 172 and smaller) stay serial.
constexpr size_t kGemmParallelMinWork = size_t{1} << 21;

inline size_t DivCeil(size_t a, size_t b) { return (a + b - 1) / b; }
inline size_t Min(size_t a, size_t b) { return a < b ? a : b; }

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_GEMM_SIZES_H_
