// The fuzz targets' driver when libFuzzer is not linked (any compiler):
//
//   <target> [--mutations N] [--rng SEED] SEED_FILE_OR_FOLDER...
//
// Runs every seed through LLVMFuzzerTestOneInput, then N mutations of each
// (bit flips, interesting integers, truncations, insertions, deletions,
// copies of a range: the kinds of damage libFuzzer's own mutator starts
// with; or the target's LLVMFuzzerCustomMutator if it has one), all from a
// fixed random stream so that a failure reproduces. Not
// coverage-guided, so it finds far less than libFuzzer does; its job is to
// run every target under the sanitizers on each test run, cheaply.
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"

namespace {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed * 2 + 1) {}
  uint64_t Next() {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint64_t state_;
};

// Values that sit on the edges of size and sign checks.
constexpr uint64_t kInteresting[] = {0,
                                     1,
                                     2,
                                     0x7f,
                                     0x80,
                                     0xff,
                                     0x7fff,
                                     0xffff,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x100000000ULL,
                                     0x7fffffffffffffffULL,
                                     0xffffffffffffffffULL};

void Mutate(Random& rng, std::vector<uint8_t>& bytes) {
  const size_t ops = 1 + rng.Below(4);
  for (size_t op = 0; op < ops; ++op) {
    const size_t size = bytes.size();
    const size_t at = rng.Below(size);
    switch (rng.Below(7)) {
      case 0:  // flip a bit
        if (size > 0) bytes[at] ^= uint8_t(1u << rng.Below(8));
        break;
      case 1: {  // an interesting little-endian integer of 1, 2, 4 or 8 bytes
        const size_t width = size_t{1} << rng.Below(4);
        const uint64_t v = kInteresting[rng.Below(std::size(kInteresting))];
        for (size_t i = 0; i < width && at + i < size; ++i) {
          bytes[at + i] = uint8_t(v >> (8 * i));
        }
        break;
      }
      case 2:  // truncate
        bytes.resize(at);
        break;
      case 3: {  // insert random bytes
        const size_t n = 1 + rng.Below(16);
        std::vector<uint8_t> extra(n);
        for (uint8_t& b : extra) b = uint8_t(rng.Next());
        bytes.insert(bytes.begin() + at, extra.begin(), extra.end());
        break;
      }
      case 4: {  // delete a range
        const size_t n = std::min(size - at, 1 + rng.Below(64));
        bytes.erase(bytes.begin() + at, bytes.begin() + at + n);
        break;
      }
      case 5: {  // copy a range over another place
        if (size == 0) break;
        const size_t from = rng.Below(size);
        const size_t n =
            std::min({size - from, size - at, size_t{1} + rng.Below(64)});
        std::memmove(bytes.data() + at, bytes.data() + from, n);
        break;
      }
      default:  // a random byte
        if (size > 0) bytes[at] = uint8_t(rng.Next());
        break;
    }
  }
}

Random g_rng(1);

}  // namespace

// The targets with structure-aware mutations define this (libFuzzer's hook);
// the others leave it null.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed)
    __attribute__((weak));

// libFuzzer's byte mutator, which custom mutators fall back on.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size,
                                   size_t max_size) {
  std::vector<uint8_t> bytes(data, data + size);
  Mutate(g_rng, bytes);
  if (bytes.size() > max_size) bytes.resize(max_size);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

namespace {

bool ReadSeed(const std::filesystem::path& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in),
              std::istreambuf_iterator<char>());
  return true;
}

void Run(const std::vector<uint8_t>& bytes) {
  // An exact-size copy, so that ASan sees any read past the end.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() + 1]);
  std::memcpy(copy.get(), bytes.data(), bytes.size());
  LLVMFuzzerTestOneInput(copy.get(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t mutations = 100;
  uint64_t rng_seed = 1;
  std::vector<std::filesystem::path> seeds;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--mutations" || arg == "--rng") && i + 1 < argc) {
      const uint64_t v = strtoull(argv[++i], nullptr, 10);
      (arg == "--mutations" ? mutations : rng_seed) = v;
    } else if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file()) seeds.push_back(entry.path());
      }
    } else {
      seeds.push_back(arg);
    }
  }
  std::sort(seeds.begin(), seeds.end());  // a reproducible order
  if (seeds.empty()) {
    fprintf(stderr,
            "usage: %s [--mutations N] [--rng SEED] SEED...\n"
            "no seed inputs found\n",
            argv[0]);
    return 2;
  }
  g_rng = Random(rng_seed);
  size_t runs = 0;
  for (const auto& path : seeds) {
    std::vector<uint8_t> seed;
    if (!ReadSeed(path, &seed)) {
      fprintf(stderr, "cannot read seed %s\n", path.c_str());
      return 2;
    }
    Run(seed);
    ++runs;
    for (size_t m = 0; m < mutations; ++m) {
      std::vector<uint8_t> bytes = seed;
      if (LLVMFuzzerCustomMutator != nullptr) {
        bytes.resize(std::max<size_t>(4096, 2 * seed.size()));
        bytes.resize(
            LLVMFuzzerCustomMutator(bytes.data(), seed.size(), bytes.size(),
                                    static_cast<unsigned>(g_rng.Next())));
      } else {
        Mutate(g_rng, bytes);
      }
      Run(bytes);
      ++runs;
    }
  }
  printf("%zu seeds, %zu inputs run, none crashed\n", seeds.size(), runs);
  return 0;
}
