#include "src/format/metadata_alignment.h"

#include <cstdint>

namespace wisp::format_internal {
namespace {

bool Aligned(const flatbuffers::Vector<uint64_t>* array) {
  return array == nullptr ||
         reinterpret_cast<uintptr_t>(array->Data()) % alignof(uint64_t) == 0;
}

}  // namespace

bool WideArraysAligned(const fb::File& file) {
  if (const auto* tensors = file.tensors()) {
    for (const fb::Tensor* t : *tensors) {
      if (!Aligned(t->shape())) return false;
    }
  }
  return file.training() == nullptr || Aligned(file.training()->rng_state());
}

}  // namespace wisp::format_internal
