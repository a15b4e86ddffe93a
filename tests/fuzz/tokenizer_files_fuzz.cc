// Fuzzes the readers of tokenizer files that converters take from users:
// llama2.c's tokenizer.bin and GPT-2's encoder.json + vocab.bpe. The first
// input byte picks the reader. llama2.c: two bytes of vocabulary size, then
// the file. GPT-2: encoder.json, a NUL byte, then vocab.bpe. Data a reader
// accepts must also build a tokenizer or be refused with a message, and a
// tokenizer that builds must encode and decode.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/import/gpt2_tokenizer.h"
#include "src/import/llama2c_tokenizer.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp;
  if (size < 1) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  absl::StatusOr<TokenizerData> parsed = absl::UnknownError("");
  if ((data[0] & 1) == 0) {
    if (rest.size() < 2) return 0;
    const int32_t vocab =
        static_cast<uint8_t>(rest[0]) | (static_cast<uint8_t>(rest[1]) << 8);
    parsed = ParseLlama2cTokenizer(rest.substr(2), vocab, "tokenizer.bin");
  } else {
    const size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) return 0;
    parsed = ParseGpt2Tokenizer(rest.substr(0, nul), rest.substr(nul + 1),
                                "encoder.json", "vocab.bpe");
  }
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) fuzz::Fail("error without message");
    fuzz::Note("parse: " + std::string(parsed.status().message()));
    return 0;
  }
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::Create(*parsed);
  if (!tokenizer.ok()) {
    if (tokenizer.status().message().empty()) {
      fuzz::Fail("error without message");
    }
    fuzz::Note("create: " + std::string(tokenizer.status().message()));
    return 0;
  }
  fuzz::Note("tokenizer built");
  std::vector<int32_t> ids;
  for (std::string_view text :
       {std::string_view("Once upon a time, the cat"),
        std::string_view("\xff\xfe\x00 caf\xc3\xa9", 9)}) {
    if ((*tokenizer)->Encode(text, true, true, &ids).ok()) {
      for (int32_t id : ids) {
        if (id < 0 || id >= (*tokenizer)->vocab_size()) {
          fuzz::Fail("id outside the vocabulary");
        }
      }
      (*tokenizer)->Decode(ids);
    }
  }
  return 0;
}
