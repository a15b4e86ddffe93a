// A check the FlatBuffers verifier leaves out (internal to src/format and
// the fuzz targets). FlatBuffers 2.0's verifier aligns a vector's start to
// 4 bytes whatever its element type, so a crafted file can pass it with the
// 8-byte elements of a [uint64] array (tensor shapes, the trainer's random
// state) 4 bytes off their alignment, and reading them is undefined
// behaviour (UBSan flags it; some CPUs fault). wisp's writer never makes
// such a file.
#ifndef WISP_FORMAT_METADATA_ALIGNMENT_H_
#define WISP_FORMAT_METADATA_ALIGNMENT_H_

#include "src/format/wisp_generated.h"

namespace wisp::format_internal {

// Whether every [uint64] array in verified metadata is 8-byte aligned in
// memory (the metadata itself starts 8-byte aligned).
bool WideArraysAligned(const fb::File& file);

}  // namespace wisp::format_internal

#endif  // WISP_FORMAT_METADATA_ALIGNMENT_H_
