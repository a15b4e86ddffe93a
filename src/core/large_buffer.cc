#include "src/core/large_buffer.h"

#include <cstdint>
#include <cstring>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace wisp {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

#if defined(__linux__)

namespace {

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

}  // namespace

void* AllocateLarge(size_t bytes) {
  if (bytes < kLargeBufferMinBytes) return ::operator new(bytes);
  const size_t length = RoundUp(bytes, PageSize());
  if (length < bytes || length + kHugePage < length) throw std::bad_alloc();
  // Map a huge page more than needed and trim both ends, so that the block
  // starts on a 2 MiB boundary: only whole, aligned 2 MiB ranges can be
  // huge pages.
  void* raw = mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t begin = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = RoundUp(begin, kHugePage);
  if (aligned > begin) munmap(raw, aligned - begin);
  const uintptr_t end = begin + length + kHugePage;
  if (end > aligned + length) {
    munmap(reinterpret_cast<void*>(aligned + length), end - aligned - length);
  }
  void* block = reinterpret_cast<void*>(aligned);
  // Only advice: without THP support the block is ordinary pages.
  madvise(block, length, MADV_HUGEPAGE);
  return block;
}

void FreeLarge(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kLargeBufferMinBytes) {
    ::operator delete(p);
    return;
  }
  munmap(p, RoundUp(bytes, PageSize()));
}

#else  // Elsewhere the heap, aligned the same way.

void* AllocateLarge(size_t bytes) {
  if (bytes < kLargeBufferMinBytes) return ::operator new(bytes);
  return ::operator new (bytes, std::align_val_t{kHugePage});
}

void FreeLarge(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kLargeBufferMinBytes) {
    ::operator delete(p);
  } else {
    ::operator delete (p, std::align_val_t{kHugePage});
  }
}

#endif

void* AllocateLargeZeroed(size_t bytes) {
  void* block = AllocateLarge(bytes);
#if defined(__linux__)
  if (bytes >= kLargeBufferMinBytes) return block;  // a fresh mapping
#endif
  std::memset(block, 0, bytes);
  return block;
}

}  // namespace wisp
