// Memory for big, long-lived arrays: training parameters, gradients and
// optimizer moments, activations, the KV cache.
//
// Why not plain new/malloc: the first touch of each 4 KiB page of fresh
// memory is a page fault, and under a paravirtualised hypervisor (the
// Firecracker/PVM machines wisp is measured on) a fault costs microseconds.
// Creating a GPT-2 124M trainer touches 2 GB (weights, gradients and two
// Adam moments): 500,000 faults, about 3 s before the first step. Blocks of
// at least kLargeBufferMinBytes get their own 2 MiB-aligned mapping with
// transparent huge pages asked for (MADV_HUGEPAGE, which works when the
// system's THP mode is "madvise" as well as "always"), so the kernel maps them
// 2 MiB at a time; smaller blocks use the ordinary heap.
#ifndef WISP_CORE_LARGE_BUFFER_H_
#define WISP_CORE_LARGE_BUFFER_H_

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace wisp {

// Blocks from this size up get a mapping of their own.
constexpr size_t kLargeBufferMinBytes = size_t{2} << 20;

// Returns `bytes` of uninitialised memory aligned for any type; blocks of
// at least kLargeBufferMinBytes start on a 2 MiB boundary and none of their
// pages is touched. Throws std::bad_alloc when the memory cannot be had.
// Release with FreeLarge and the same `bytes`. Thread-safe.
void* AllocateLarge(size_t bytes);
// AllocateLarge, but every byte reads as zero. A block with a mapping of its
// own is fresh anonymous memory, zero without being written, so its pages
// are first touched (and committed) by whichever threads first use them:
// on a paravirtualised machine a first touch costs far more than the write,
// and one thread zeroing gigabytes up front paid all of it alone. Smaller
// blocks are cleared here. Release with FreeLarge.
void* AllocateLargeZeroed(size_t bytes);
void FreeLarge(void* p, size_t bytes);

// A std::allocator replacement over AllocateLarge/FreeLarge.
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>& /*other*/) {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(AllocateLarge(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) { FreeLarge(p, n * sizeof(T)); }

  template <class U>
  bool operator==(const LargeAllocator<U>& /*other*/) const {
    return true;
  }
  template <class U>
  bool operator!=(const LargeAllocator<U>& /*other*/) const {
    return false;
  }
};

// A std::vector whose big buffers live on huge pages.
template <class T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

// An array of n trivially constructible T that is never initialised: pages
// of a big one are committed only when written, a 2 MiB huge page at a
// time where THP is on. The KV cache is one: a session sized for 1024
// tokens that sees 20 should not cost 1024 tokens of memory. (It costs up
// to 2 MiB per layer's keys and per layer's values: GPT-2's peak RSS after
// a 128-token prompt rose from 508 to 542 MB, the price of faulting the
// cache in 2 MiB at a time.)
template <class T>
class LargeArray {
 public:
  LargeArray() = default;
  explicit LargeArray(size_t n)
      : data_(LargeAllocator<T>().allocate(n)), size_(n) {}
  // n elements whose bytes are all zero (AllocateLargeZeroed): for types
  // where that is the value zero, such as float.
  static LargeArray Zeroed(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    LargeArray array;
    array.data_ = static_cast<T*>(AllocateLargeZeroed(n * sizeof(T)));
    array.size_ = n;
    return array;
  }
  ~LargeArray() {
    if (data_ != nullptr) LargeAllocator<T>().deallocate(data_, size_);
  }
  LargeArray(LargeArray&& other) noexcept
      : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  LargeArray& operator=(LargeArray&& other) noexcept {
    LargeArray moved(static_cast<LargeArray&&>(other));
    std::swap(data_, moved.data_);
    std::swap(size_, moved.size_);
    return *this;
  }
  LargeArray(const LargeArray&) = delete;
  LargeArray& operator=(const LargeArray&) = delete;

  T* get() const { return data_; }
  size_t size() const { return size_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wisp

#endif  // WISP_CORE_LARGE_BUFFER_H_
