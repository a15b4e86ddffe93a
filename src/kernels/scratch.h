// Per-thread scratch memory for kernels that pack operands (the GEMM). Each
// thread keeps its buffers between calls, so steady-state inference and
// training allocate nothing per kernel call.
#ifndef WISP_KERNELS_SCRATCH_H_
#define WISP_KERNELS_SCRATCH_H_

#include <cstddef>

namespace wisp::kernels {

// Independent buffers of one thread: a kernel may hold several at once.
enum class ScratchSlot { kPackedX = 0, kPackedW = 1, kCount = 2 };

// Returns at least `num_floats` floats, 64-byte aligned, owned by the calling
// thread and valid until its next call with the same slot. Contents are
// unspecified.
float* ThreadScratch(ScratchSlot slot, size_t num_floats);

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_SCRATCH_H_
