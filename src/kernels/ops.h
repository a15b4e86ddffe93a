// The numeric kernels of wisp: plain functions over float arrays, dispatched
// at run time to the best Highway target of the CPU. Kernels know nothing of
// models: shapes come in as sizes, memory is owned by the caller.
//
// Layout conventions: row-major; weight matrices are [out, in] (y = W x), as
// in PyTorch's Linear and in llama2.c checkpoints.
#ifndef WISP_KERNELS_OPS_H_
#define WISP_KERNELS_OPS_H_

#include <cstddef>
#include <cstdint>

#include "src/core/thread_pool.h"

namespace wisp::kernels {

// y[m, n] = sum_k x[m, k] * w[n, k] + (bias ? bias[n] : 0).
// x is [m, k], w is [n, k] (row stride k), y is [m, n]. m == 1 is the decode
// GEMV; larger m is the prefill GEMM. Work is spread over `pool` (may be null:
// run on the caller's thread); products too small to gain from threads stay
// on the caller's thread. Threads split only rows and columns of y, never k,
// so results are bitwise identical for any pool size. y must not alias x or
// w.
void MatMul(const float* x, const float* w, const float* bias, float* y,
            size_t m, size_t k, size_t n, ThreadPool* pool);

// MatMul with bf16 weights: w holds the raw bits of bfloat16 values (the
// upper halves of floats, see bf16.h), [n, k] as above. x, bias, y and all
// sums are f32. Same threading and determinism guarantees as MatMul.
//
// Where the CPU has bf16 dot-product instructions (AVX512_BF16), they are
// enabled (SetBf16DotProducts) and the caller allows them (`products`),
// products of m > 1 rows with k >= 256 round x to bf16 and multiply bf16 by
// bf16 on them (gemm_bf16_dot.h): twice the multiply-adds per instruction,
// at the precision of the weights. Otherwise, and always for m == 1
// (decoding, bound by reading w), each weight is widened exactly and
// multiplied by the f32 x, so the result equals MatMul on an f32 copy of w
// up to summation order.
enum class Bf16Products {
  kDotProductsAllowed,  // the instructions where the above allows them
  kExact,               // never round x, whatever the process setting
};
void MatMulBf16(const float* x, const uint16_t* w, const float* bias, float* y,
                size_t m, size_t k, size_t n, ThreadPool* pool,
                Bf16Products products = Bf16Products::kDotProductsAllowed);

// One product of MatMulShared: y = x w^T (+ bias) with n columns, w [n, k]
// f32, or (when w is null) w_bf16 [n, k] bf16 bits.
struct SharedProduct {
  const float* w = nullptr;
  const uint16_t* w_bf16 = nullptr;
  const float* bias = nullptr;
  float* y = nullptr;
  size_t n = 0;
};

// Several products of the same x [m, k], such as a layer's query, key and
// value projections, in one call: each y equals what MatMul (f32 w) or
// MatMulBf16 (bf16 w, with `bf16_products`) would write, bit for bit, but
// the products' columns are split over `pool` together, in one fork-join,
// and where x is packed (prompts on AVX-512) each thread packs it once for
// all of them. No y may alias x, a w or another y.
void MatMulShared(
    const float* x, size_t m, size_t k, const SharedProduct* products,
    size_t count, ThreadPool* pool,
    Bf16Products bf16_products = Bf16Products::kDotProductsAllowed);

// Whether MatMulBf16 may use the bf16 dot-product instructions. Off, x is
// never rounded: results equal MatMul on an f32 copy of w up to summation
// order, whatever the CPU and whatever a caller passes as `products` (off
// wins over kDotProductsAllowed; kExact wins over on, for one call). The
// default is on, unless the environment has WISP_BF16_DOT=0 when the
// setting is first used: an application (or its user) can ask for exact
// bf16 products without code, as oneDNN's ONEDNN_DEFAULT_FPMATH_MODE
// governs its implicit bf16. Process-wide; safe to call from any thread,
// but a MatMulBf16 running at the same time may see either setting.
void SetBf16DotProducts(bool enabled);

// True when MatMulBf16 would use the bf16 dot-product instructions for a
// caller that allows them: they are enabled and the CPU has them.
bool Bf16DotProductsActive();

// The default SetBf16DotProducts starts from, given the value of
// WISP_BF16_DOT (null when unset): off only for "0".
bool Bf16DotProductsAllowedBy(const char* environment_value);

// y = x / sqrt(mean(x^2) + eps) * weight, for each of `rows` rows of length
// n. y may alias x.
void RmsNorm(const float* x, const float* weight, float eps, float* y,
             size_t rows, size_t n);

// In-place numerically stable softmax of x[0, n) (max subtracted first).
void Softmax(float* x, size_t n);

// y[i] = exp(x[i]) for x[i] <= 0: the exp of attention, sigmoids and the
// cross-entropy (relative error under 1.5e-7; exactly 1 at 0; subnormal
// under FLT_MIN; 0 from -104 down and for -inf and NaN; vector_ops-inl.h).
// Accurate up to x = 88 (small x > 0 from rounding is fine); unspecified
// above ~177. y may alias x.
void ExpOfNonPositive(const float* x, float* y, size_t n);

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)). out may alias
// gate or up.
void SwiGLU(const float* gate, const float* up, float* out, size_t n);

// y[i] += x[i].
void AddInPlace(float* y, const float* x, size_t n);

// Dot product of a and b over n elements.
float Dot(const float* a, const float* b, size_t n);

// Rotary position embedding on consecutive pairs: for every head h in
// [0, num_heads) and pair i in [0, head_dim / 2),
//   (x0, x1) = x[h * head_dim + 2i], x[h * head_dim + 2i + 1]
//   x0' = x0 * cos[i] - x1 * sin[i];  x1' = x0 * sin[i] + x1 * cos[i]
// cos/sin hold head_dim / 2 values for this token's position. head_dim even.
void RopePairs(float* x, size_t num_heads, size_t head_dim, const float* cos,
               const float* sin);

// Name of the Highway target chosen at run time (e.g. "AVX3"), for logs and
// benchmarks.
const char* ActiveTargetName();

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_OPS_H_
