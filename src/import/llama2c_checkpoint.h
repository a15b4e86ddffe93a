// Import of llama2.c checkpoints ("legacy" version 0 format of run.c): a
// header of 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size, seq_len; a negative vocab_size means the classifier is not
// shared with the embedding), then the float32 weights in a fixed order.
#ifndef WISP_IMPORT_LLAMA2C_CHECKPOINT_H_
#define WISP_IMPORT_LLAMA2C_CHECKPOINT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/format/wisp_file.h"

namespace wisp {

// Converts `checkpoint_path` (+ its llama2.c tokenizer file) into a .wisp
// model file at `out_path`, written atomically. Errors: NotFound for missing
// inputs, DataLoss for truncated or inconsistent files, InvalidArgument for
// configs wisp cannot run.
absl::Status ConvertLlama2c(const std::string& checkpoint_path,
                            const std::string& tokenizer_path,
                            const std::string& out_path,
                            const WriteProgress& progress = nullptr);

}  // namespace wisp

#endif  // WISP_IMPORT_LLAMA2C_CHECKPOINT_H_
