#include "tests/fuzz/fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>

#include <cstring>

#include "tests/support/test_paths.h"

namespace wisp::fuzz {

std::string ScratchPath(const std::string& name) {
  return testing::TempDir() + "/" + name;
}

bool WriteScratchFile(const std::string& path, const void* data, size_t size) {
  FILE* f = fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool written = size == 0 || fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && written;
}

void Note(const std::string& what) {
  static const bool verbose = getenv("WISP_FUZZ_VERBOSE") != nullptr;
  if (verbose) fprintf(stderr, "%s\n", what.c_str());
}

void Fail(const std::string& what) {
  fprintf(stderr, "fuzz target: %s\n", what.c_str());
  abort();
}

uint8_t ByteReader::U8() {
  if (size_ == 0) return 0;
  --size_;
  return *data_++;
}

uint32_t ByteReader::U32() {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{U8()} << (8 * i);
  return v;
}

float ByteReader::F32() {
  const uint32_t bits = U32();
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

}  // namespace wisp::fuzz
