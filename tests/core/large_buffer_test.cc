// AllocateLarge, LargeVector and LargeArray: alignment, the huge-page
// advice on big blocks (read back from the kernel), ordinary heap blocks for
// small ones, copies and moves, zeroed arrays, and std::bad_alloc (never a
// crash) for sizes that cannot exist.
#include "src/core/large_buffer.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "gtest/gtest.h"

namespace wisp {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

bool AlignedTo(const void* p, size_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

#if defined(__linux__)
// The VmFlags line of the mapping that holds `p` in /proc/self/smaps ("hg"
// is MADV_HUGEPAGE), or "" when no mapping holds it.
std::string VmFlagsOf(const void* p) {
  const uintptr_t address = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= address && address < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}
#endif

TEST(LargeBufferTest, BigBlocksAreHugePageAlignedAndAdvised) {
  for (size_t bytes : {kLargeBufferMinBytes, 5 * kMiB + 3, 64 * kMiB}) {
    void* p = AllocateLarge(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(AlignedTo(p, 2 * kMiB)) << bytes;
    // Every byte is usable, the last included.
    std::memset(p, 0x5a, bytes);
    EXPECT_EQ(static_cast<unsigned char*>(p)[bytes - 1], 0x5a);
#if defined(__linux__)
    const std::string flags = VmFlagsOf(p);
    ASSERT_FALSE(flags.empty()) << "no mapping holds the block";
    // A kernel built without THP refuses the advice; any other records it
    // (whatever the system-wide mode), as "hg".
    if (std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) {
      EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
    }
#endif
    FreeLarge(p, bytes);
  }
}

TEST(LargeBufferTest, SmallBlocksComeFromTheHeap) {
  void* p = AllocateLarge(1000);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(AlignedTo(p, alignof(std::max_align_t)));
  std::memset(p, 1, 1000);
  FreeLarge(p, 1000);
  FreeLarge(nullptr, 1000);  // like free(NULL)
  FreeLarge(nullptr, 64 * kMiB);
}

TEST(LargeBufferTest, ImpossibleSizesThrowBadAlloc) {
  EXPECT_THROW(AllocateLarge(~size_t{0}), std::bad_alloc);
  EXPECT_THROW(AllocateLarge(~size_t{0} - 3 * kMiB), std::bad_alloc);
  LargeAllocator<double> doubles;
  EXPECT_THROW(doubles.allocate(~size_t{0} / 4), std::bad_alloc);
  LargeVector<float> v;  // 4 EiB: no machine maps that
  EXPECT_THROW(v.resize(size_t{1} << 60), std::bad_alloc);
}

TEST(LargeBufferTest, VectorCopiesMovesAndValueInitialises) {
  LargeVector<float> a(3 * kMiB, 1.5f);  // 12 MiB: a mapping of its own
  EXPECT_TRUE(AlignedTo(a.data(), 2 * kMiB));
  a.back() = 7.0f;
  LargeVector<float> b = a;
  EXPECT_NE(b.data(), a.data());
  EXPECT_EQ(b[0], 1.5f);
  EXPECT_EQ(b.back(), 7.0f);
  const float* buffer = b.data();
  LargeVector<float> c = std::move(b);
  EXPECT_EQ(c.data(), buffer);  // a move keeps the buffer
  c.assign(16, 0.0f);           // shrinks into the same buffer
  c.resize(4 * kMiB);           // grows: new elements are zero
  for (size_t i = 0; i < c.size(); i += 4099) ASSERT_EQ(c[i], 0.0f) << i;
}

TEST(LargeBufferTest, ArrayOwnsAndMoves) {
  LargeArray<float> empty;
  EXPECT_EQ(empty.get(), nullptr);
  EXPECT_EQ(empty.size(), 0u);
  LargeArray<float> a(kMiB);  // 4 MiB
  ASSERT_NE(a.get(), nullptr);
  EXPECT_EQ(a.size(), kMiB);
  a.get()[kMiB - 1] = 2.0f;
  float* buffer = a.get();
  LargeArray<float> b(std::move(a));
  EXPECT_EQ(a.get(), nullptr);  // NOLINT: checking the moved-from state
  EXPECT_EQ(b.get(), buffer);
  LargeArray<float> small(10);
  small = std::move(b);  // frees the small block, takes the big one
  EXPECT_EQ(small.get(), buffer);
  EXPECT_EQ(small.get()[kMiB - 1], 2.0f);
}

// Zeroed blocks read as zero, small ones (from a heap that held other
// values) included; a big one is zero without having been written: none of
// its pages is resident until used (mincore), so the threads that first use
// it commit it.
TEST(LargeBufferTest, ZeroedArraysReadZeroAndBigOnesStayUntouched) {
  for (int round = 0; round < 2; ++round) {
    {  // leave non-zero bytes in the heap for the next small block
      LargeArray<float> dirty(1000);
      for (size_t i = 0; i < dirty.size(); ++i) dirty.get()[i] = 7.0f;
    }
    LargeArray<float> small = LargeArray<float>::Zeroed(1000);
    for (size_t i = 0; i < small.size(); ++i) ASSERT_EQ(small.get()[i], 0.0f);
  }
  const size_t n = 4 * kMiB;  // 16 MiB
  LargeArray<float> big = LargeArray<float>::Zeroed(n);
#if defined(__linux__)
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident(n * sizeof(float) / page);
  ASSERT_EQ(mincore(big.get(), n * sizeof(float), resident.data()), 0);
  size_t touched = 0;
  for (unsigned char r : resident) touched += r & 1;
  EXPECT_EQ(touched, 0u);
#endif
  for (size_t i = 0; i < n; i += 1021) ASSERT_EQ(big.get()[i], 0.0f) << i;
  big.get()[n - 1] = 1.0f;
  EXPECT_EQ(big.get()[n - 1], 1.0f);
  EXPECT_THROW(LargeArray<float>::Zeroed(static_cast<size_t>(-1) / 2),
               std::bad_alloc);
}

}  // namespace
}  // namespace wisp
