// Rewriting a .wisp model with bf16 weight matrices (`wisp convert --dtype
// bf16`): half the bytes to load and, for memory-bound decoding, about half
// the time per token.
#ifndef WISP_IMPORT_WISP_BF16_H_
#define WISP_IMPORT_WISP_BF16_H_

#include <string>

#include "absl/status/status.h"
#include "src/format/wisp_file.h"

namespace wisp {

// Reads the model file `in_path` (verified) and writes `out_path` atomically
// with every weight matrix (rank-2 tensors: linear layers, token embedding,
// classifier; not the position embedding, which is added, not multiplied)
// rounded to bf16, nearest-even. Norms, biases and position embeddings stay
// f32; tensors already bf16 are copied. `out_path` may equal `in_path`.
// Errors: those of WispFile::Open; InvalidArgument for a file that is not a
// model (a checkpoint or adapter); those of WriteWispFile.
absl::Status ConvertWispToBf16(const std::string& in_path,
                               const std::string& out_path,
                               const WriteProgress& progress = nullptr);

}  // namespace wisp

#endif  // WISP_IMPORT_WISP_BF16_H_
