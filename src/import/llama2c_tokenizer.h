// Reads llama2.c's tokenizer file (tokenizer.bin, tok512.bin): int32
// max_token_length, then per token float32 score, int32 byte length, the
// bytes; all little-endian. The file does not store the vocabulary size: it
// comes from the checkpoint header.
#ifndef WISP_IMPORT_LLAMA2C_TOKENIZER_H_
#define WISP_IMPORT_LLAMA2C_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "src/tokenizer/tokenizer_data.h"

namespace wisp {

// Returns SentencePiece BPE data with llama2.c's fixed ids: unk 0, BOS 1,
// EOS 2. Errors: NotFound / PermissionDenied when the file cannot be opened,
// InvalidArgument for a vocab_size < 1, DataLoss (naming the file, token and
// byte offset) when the file is truncated or a length is negative, larger
// than max_token_length or larger than what is left. Bytes after the last
// token are ignored, as llama2.c does.
absl::StatusOr<TokenizerData> ReadLlama2cTokenizer(const std::string& path,
                                                   int32_t vocab_size);

// The same from bytes in memory; `name` only labels error messages.
absl::StatusOr<TokenizerData> ParseLlama2cTokenizer(std::string_view bytes,
                                                    int32_t vocab_size,
                                                    std::string_view name);

}  // namespace wisp

#endif  // WISP_IMPORT_LLAMA2C_TOKENIZER_H_
