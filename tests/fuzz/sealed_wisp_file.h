// Builds a .wisp file around fuzzed metadata, so that mutations of the
// metadata get past the checksums that would otherwise stop nearly all of
// them (the checksums are tested on their own in tests/format).
#ifndef WISP_TESTS_FUZZ_SEALED_WISP_FILE_H_
#define WISP_TESTS_FUZZ_SEALED_WISP_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace wisp::fuzz {

// A file of: a valid header, `metadata` with its checksum, and a tensor
// section as long as the furthest tensor the metadata names (up to 8 MiB;
// none if the metadata is not a valid FlatBuffer): small floats of both
// signs inside the tensors, zeros between them. With `tensor_checksums`, every
// tensor entry's checksum is set to that of its bytes, so the file passes a
// verifying load too.
std::string SealWispFile(const uint8_t* metadata, size_t size,
                         bool tensor_checksums);

}  // namespace wisp::fuzz

#endif  // WISP_TESTS_FUZZ_SEALED_WISP_FILE_H_
