// Reads GPT-2's tokenizer files: encoder.json (token string -> id) and
// vocab.bpe (merge rules, lowest rank first). Both write tokens in GPT-2's
// byte alphabet, where each byte is one printable character (a space is
// "Ġ"); the result holds the raw bytes instead.
#ifndef WISP_IMPORT_GPT2_TOKENIZER_H_
#define WISP_IMPORT_GPT2_TOKENIZER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "src/tokenizer/tokenizer_data.h"

namespace wisp {

// Byte-level BPE data: pieces by id, merges as id pairs in file order, EOS =
// the id of "<|endoftext|>" (-1 if absent), no BOS, unk, mask or pad.
// Errors name the file and line: NotFound / PermissionDenied when a file
// cannot be opened; DataLoss when a file is malformed (not a JSON object of
// non-negative integers; no "#version" first line; a merge line that is not
// "left right"); InvalidArgument when well-formed files disagree with the
// format (ids not exactly 0..n-1, a duplicate token, a character outside the
// byte alphabet, a merge naming a token, or making one, that encoder.json
// lacks). CRLF line ends in vocab.bpe are accepted.
absl::StatusOr<TokenizerData> ReadGpt2Tokenizer(
    const std::string& encoder_json_path, const std::string& vocab_bpe_path);

// The same from the files' bytes; the names only label error messages.
absl::StatusOr<TokenizerData> ParseGpt2Tokenizer(std::string_view encoder_json,
                                                 std::string_view vocab_bpe,
                                                 std::string_view encoder_name,
                                                 std::string_view vocab_name);

}  // namespace wisp

#endif  // WISP_IMPORT_GPT2_TOKENIZER_H_
