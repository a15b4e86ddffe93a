// What every fuzz target shares: libFuzzer's entry point, which each target
// defines, and scratch files for the APIs that take paths.
//
// A target is one LLVMFuzzerTestOneInput. Built with clang and
// -DWISP_FUZZ=ON it links libFuzzer (coverage-guided, runs until stopped);
// otherwise it links standalone_main.cc, which runs a seed corpus and a
// fixed number of deterministic mutations of it, so the ordinary test run
// (under ASan and UBSan in CI) exercises every target too.
#ifndef WISP_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define WISP_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>

// Runs one input. Returns 0; a bug shows as a crash, a sanitizer report or
// wisp::fuzz::Fail.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace wisp::fuzz {

// `name` inside this process's own temporary folder (testing::TempDir), so
// parallel runs never share files.
std::string ScratchPath(const std::string& name);

// Replaces the file at `path` with `size` bytes of `data`. False when the
// file cannot be written (the target then skips the input).
bool WriteScratchFile(const std::string& path, const void* data, size_t size);

// Prints `what` when WISP_FUZZ_VERBOSE is set: how far inputs get (e.g.
// which error stopped them), to check that seeds reach deep code.
void Note(const std::string& what);

// Reports a broken property (a round trip that does not round trip) and
// aborts, which both libFuzzer and the standalone runner report as a crash.
[[noreturn]] void Fail(const std::string& what);

// Reads fixed-size values from the front of a fuzz input, then zeros once
// it runs out: drives the API-sequence targets.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return size_ == 0; }
  size_t remaining() const { return size_; }
  uint8_t U8();
  uint32_t U32();
  float F32();  // any bit pattern, NaN and infinities included

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace wisp::fuzz

#endif  // WISP_TESTS_FUZZ_FUZZ_SUPPORT_H_
