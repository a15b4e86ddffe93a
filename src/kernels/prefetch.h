// PrefetchToL2: a software prefetch into the second-level cache, for the
// kernels that stream weights from memory ahead of their loads.
#ifndef WISP_KERNELS_PREFETCH_H_
#define WISP_KERNELS_PREFETCH_H_

#include "hwy/cache_control.h"

namespace wisp::kernels {

// Requests the cache line holding p into L2 but not L1 (prefetcht1 on x86;
// other architectures get hwy::Prefetch's ordinary prefetch), where
// hwy::Prefetch asks for L1 on x86. The requests then wait in L2's miss queue
// rather than in L1's fill buffers, which the kernels' own loads need. On Zen 4
// the f32 GEMV (1 x 768 x 50257) streamed 1.18-1.20x faster on one thread this
// way than with the L1 prefetch (26-28 -> 31-34 GB/s, faster than a plain read
// loop), and GPT-2 124M decoded 1.13x faster on 2 threads, 1.16x on 1. Written
// like hwy::Prefetch (the SSE intrinsic under the SSE2 target attribute): a
// plain inline function around __builtin_prefetch compiled to nothing at all in
// matmul.cc's per-target kernels (GCC 12; objdump found neither a prefetch nor
// a call).
HWY_INLINE HWY_ATTR_CACHE void PrefetchToL2(const void* p) {
#if HWY_ARCH_X86 && !defined(HWY_DISABLE_CACHE_CONTROL) && !HWY_COMPILER_MSVC
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1);
#else
  hwy::Prefetch(static_cast<const char*>(p));
#endif
}

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_PREFETCH_H_
