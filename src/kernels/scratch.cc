#include "src/kernels/scratch.h"

#include "hwy/aligned_allocator.h"

namespace wisp::kernels {
namespace {

struct ScratchBuffer {
  hwy::AlignedFreeUniquePtr<float[]> data;
  size_t capacity = 0;
};

}  // namespace

float* ThreadScratch(ScratchSlot slot, size_t num_floats) {
  thread_local ScratchBuffer buffers[static_cast<size_t>(ScratchSlot::kCount)];
  ScratchBuffer& buffer = buffers[static_cast<size_t>(slot)];
  if (buffer.capacity < num_floats) {
    // Grow geometrically so that a slowly growing sequence (a prompt being
    // extended) does not reallocate on every call.
    size_t capacity = buffer.capacity + buffer.capacity / 2;
    if (capacity < num_floats) capacity = num_floats;
    buffer.data = hwy::AllocateAligned<float>(capacity);
    buffer.capacity = capacity;
  }
  return buffer.data.get();
}

}  // namespace wisp::kernels
