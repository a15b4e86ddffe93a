// What the two bf16 GEMMs on vdpbf16ps (gemm_bf16_dot.cc for few rows,
// gemm_bf16_broadcast.cc for more) share: whether this compiler can build
// them, the attribute that enables the instructions in their functions
// only, and the entry point of the second for the first.
#ifndef WISP_KERNELS_BF16_DOT_TARGET_H_
#define WISP_KERNELS_BF16_DOT_TARGET_H_

#include <cstddef>
#include <cstdint>

#include "src/core/thread_pool.h"
#include "src/kernels/gemm_sizes.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define WISP_HAVE_BF16_DOT 1
#include <immintrin.h>
// Only functions with this attribute use the instructions; the rest of the
// library is built for baseline x86-64 and calls them after the CPU check.
#define WISP_BF16_TARGET \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#else
#define WISP_HAVE_BF16_DOT 0
#endif

// GCC 12's unpack intrinsics pass _mm512_undefined_ps() as the unused merge
// source, which -W(maybe-)uninitialized reports wherever they are inlined;
// the code using them sits between these two.
#if defined(__GNUC__) && !defined(__clang__)
#define WISP_BF16_WARNINGS_OFF                              \
  _Pragma("GCC diagnostic push")                            \
      _Pragma("GCC diagnostic ignored \"-Wuninitialized\"") \
          _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define WISP_BF16_WARNINGS_ON _Pragma("GCC diagnostic pop")
#else
#define WISP_BF16_WARNINGS_OFF
#define WISP_BF16_WARNINGS_ON
#endif

namespace wisp::kernels {

#if WISP_HAVE_BF16_DOT
// The 32 values src[0, 32) rounded to bf16 (to nearest, ties to even, as
// PyTorch), value i in 16-bit lane i; values from `left` on (when fewer
// than 32 remain) are not read and give zero.
WISP_BF16_TARGET inline __m512i RoundToBf16x32(const float* src, size_t left) {
  const __mmask16 lo_mask =
      left >= 16 ? 0xffff : static_cast<__mmask16>((1u << left) - 1);
  const __mmask16 hi_mask =
      left >= 32
          ? 0xffff
          : static_cast<__mmask16>(left > 16 ? (1u << (left - 16)) - 1 : 0);
  const __m512 lo = _mm512_maskz_loadu_ps(lo_mask, src);
  const __m512 hi = _mm512_maskz_loadu_ps(hi_mask, src + 16);
  return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo));
}
#endif

// From this many rows GemmBf16Dot hands over to GemmBf16Broadcast: below,
// most lanes of its x vectors would be padding. Zen 4, a 768 x 50257 bf16
// matrix from memory, 1 and 2 threads: 13 and 15 rows ran 1.15-1.27x
// faster there than in dot-product form, 10 and 12 rows up to 1.1x slower
// (the f32 GEMMs' boundary, kDotMaxRows, sits at the same place).
inline constexpr size_t kBf16BroadcastMinRows = 13;

// GemmBf16Dot's contract (gemm_bf16_dot.h) for m >= kBf16BroadcastMinRows,
// k >= 1: x is rounded to bf16 pairs and packed, w is read in place and
// broadcast a pair at a time (see gemm_bf16_broadcast.cc).
void GemmBf16Broadcast(const float* x, const SharedXProduct<uint16_t>* products,
                       size_t count, size_t m, size_t k, ThreadPool* pool);

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_BF16_DOT_TARGET_H_
