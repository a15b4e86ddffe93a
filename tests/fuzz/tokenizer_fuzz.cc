// Fuzzes the two tokenizer kinds on their real vocabularies with any bytes
// as text: the default model's SentencePiece BPE (stories260K, byte
// fallback) and GPT-2's byte-level BPE. Checks that every id is in the
// vocabulary and that decoding the ids gives back exactly the input bytes,
// invalid UTF-8 included.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/format/wisp_file.h"
#include "src/import/gpt2_tokenizer.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/test_paths.h"

namespace wisp::fuzz {
namespace {

std::unique_ptr<Tokenizer> CreateOrDie(
    const absl::StatusOr<TokenizerData>& data) {
  if (!data.ok()) Fail(std::string(data.status().message()));
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::Create(*data);
  if (!t.ok()) Fail(std::string(t.status().message()));
  return *std::move(t);
}

const Tokenizer& Stories() {
  static const std::unique_ptr<Tokenizer> tokenizer = [] {
    absl::StatusOr<std::unique_ptr<WispFile>> file =
        WispFile::Open(WISP_DEFAULT_MODEL);
    if (!file.ok()) Fail(std::string(file.status().message()));
    return CreateOrDie((*file)->tokenizer());
  }();
  return *tokenizer;
}

const Tokenizer& Gpt2() {
  static const std::unique_ptr<Tokenizer> tokenizer =
      CreateOrDie(ReadGpt2Tokenizer(
          testing::SharedPath("models/gpt2-tokenizer/encoder.json"),
          testing::SharedPath("models/gpt2-tokenizer/vocab.bpe")));
  return *tokenizer;
}

void RoundTrip(const Tokenizer& tokenizer, std::string_view text, bool bos,
               const char* name) {
  std::vector<int32_t> ids;
  const absl::Status status = tokenizer.Encode(text, bos, false, &ids);
  if (!status.ok()) {
    if (bos && tokenizer.bos_id() < 0) return;  // documented: no BOS token
    Fail(std::string(name) +
         ": Encode failed: " + std::string(status.message()));
  }
  for (int32_t id : ids) {
    if (id < 0 || id >= tokenizer.vocab_size()) {
      Fail(std::string(name) + ": id outside the vocabulary");
    }
  }
  if (tokenizer.Decode(ids) != text) {
    Fail(std::string(name) + ": Decode(Encode(text)) != text");
  }
  // Streaming texts of neighbours, as a generation callback sees them.
  int32_t prev = -1;
  for (int32_t id : ids) {
    tokenizer.DecodeToken(prev, id);
    prev = id;
  }
}

}  // namespace
}  // namespace wisp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool bos : {false, true}) {
    RoundTrip(Stories(), text, bos, "stories260K");
    RoundTrip(Gpt2(), text, bos, "GPT-2");
  }
  return 0;
}
