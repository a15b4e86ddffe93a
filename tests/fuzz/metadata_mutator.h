// A structure-aware mutator for .wisp metadata: edits the FlatBuffer's
// fields (config numbers, enums and flags, tokenizer vectors and special
// ids, tensor names, dtypes, shapes, offsets and lengths, the file kind,
// training state) and rebuilds a valid FlatBuffer, instead of flipping bytes
// that mostly break the FlatBuffer and stop at its verifier.
#ifndef WISP_TESTS_FUZZ_METADATA_MUTATOR_H_
#define WISP_TESTS_FUZZ_METADATA_MUTATOR_H_

#include <cstddef>
#include <cstdint>

namespace wisp::fuzz {

// Mutates the metadata in data[0, size) into data[0, return value), at most
// max_size bytes, choosing edits from `seed`. Returns 0, leaving data as it
// was, when the input is not a valid FlatBuffer or the result would not fit.
size_t MutateMetadata(uint8_t* data, size_t size, size_t max_size,
                      uint32_t seed);

// What the targets whose input is .wisp metadata (model_file_fuzz,
// checkpoint_fuzz) return from libFuzzer's custom-mutator hook,
// LLVMFuzzerCustomMutator: field edits three times in four, byte edits
// (LLVMFuzzerMutate) otherwise. (The hook is defined in each target's own
// source: a static library's definition would never be linked, since
// libFuzzer refers to it only weakly.)
size_t MutateMetadataInput(uint8_t* data, size_t size, size_t max_size,
                           unsigned int seed);

}  // namespace wisp::fuzz

// libFuzzer's own byte mutator (standalone_main.cc provides one too).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

#endif  // WISP_TESTS_FUZZ_METADATA_MUTATOR_H_
