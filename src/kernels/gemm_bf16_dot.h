// The bf16 GEMM on the CPU's bf16 dot-product instruction (AVX512_BF16's
// vdpbf16ps: 32 bf16 products per instruction, summed in pairs into 16 f32
// lanes, twice the multiply-adds of an f32 FMA). MatMulBf16 (ops.h) runs
// products of more than one row here when the CPU has the instruction.
//
// The instruction multiplies bf16 by bf16, so x is rounded to bf16 (to
// nearest, ties to even) before the product; the products are exact and
// every sum is f32. Highway 1.0.3 has no target with the instruction, so
// this file uses intrinsics behind a run-time CPU check and compiles to
// "not available" for other CPUs and compilers.
#ifndef WISP_KERNELS_GEMM_BF16_DOT_H_
#define WISP_KERNELS_GEMM_BF16_DOT_H_

#include <cstddef>
#include <cstdint>

#include "src/core/thread_pool.h"
#include "src/kernels/gemm_sizes.h"

namespace wisp::kernels {

// True when this build has the kernel and the CPU running it has the
// instruction (checked once).
bool CpuHasBf16DotProduct();

// y[m, n] = bf16(x)[m, k] w[n, k]^T + (bias ? bias[n] : 0): x f32, rounded to
// bf16 here (rows split over `pool`); w bf16 bits, row stride k; y f32.
// Columns of y are split over `pool` (may be null); every element is summed
// in an order fixed by k alone, so results are bitwise identical for any
// pool size. Denormal inputs, products and sums count as zero (the
// instructions' rule; inputs and products checked on Zen 5). Requires
// CpuHasBf16DotProduct(); y must not alias x or w.
void GemmBf16Dot(const float* x, const uint16_t* w, const float* bias, float* y,
                 size_t m, size_t k, size_t n, ThreadPool* pool);
// The same for each of `count` (<= kMaxSharedProducts) products of one x,
// whose columns are split over `pool` together; x is rounded (and, from
// kBf16BroadcastMinRows rows, packed) once per thread for all of them.
void GemmBf16Dot(const float* x, const SharedXProduct<uint16_t>* products,
                 size_t count, size_t m, size_t k, ThreadPool* pool);

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_GEMM_BF16_DOT_H_
