#include "src/import/onnx_import.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/import/gpt2_tokenizer.h"
#include "src/import/llama2c_tokenizer.h"
#include "src/import/onnx_architectures.h"
#include "src/import/onnx_graph.h"

namespace wisp {
namespace {

absl::Status Prefixed(const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

absl::StatusOr<TokenizerData> ReadTokenizer(const OnnxImportOptions& options,
                                            uint32_t vocab_size) {
  const bool llama2c = !options.llama2c_tokenizer.empty();
  const bool gpt2 = !options.gpt2_vocab.empty() || !options.gpt2_merges.empty();
  if (llama2c && gpt2) {
    return absl::InvalidArgumentError(
        "give either a llama2.c tokenizer or GPT-2's encoder.json and "
        "vocab.bpe, not both");
  }
  if (llama2c) {
    return ReadLlama2cTokenizer(options.llama2c_tokenizer,
                                static_cast<int32_t>(vocab_size));
  }
  if (!gpt2) return TokenizerData{};
  if (options.gpt2_vocab.empty() || options.gpt2_merges.empty()) {
    return absl::InvalidArgumentError(
        "a GPT-2 tokenizer needs both encoder.json and vocab.bpe");
  }
  absl::StatusOr<TokenizerData> tokenizer =
      ReadGpt2Tokenizer(options.gpt2_vocab, options.gpt2_merges);
  if (tokenizer.ok() && tokenizer->pieces.size() > vocab_size) {
    // A model may pad its vocabulary beyond the tokenizer's, never less.
    return absl::InvalidArgumentError(
        absl::StrCat(options.gpt2_vocab, " has ", tokenizer->pieces.size(),
                     " tokens but the model's vocabulary only ", vocab_size));
  }
  return tokenizer;
}

}  // namespace

absl::StatusOr<OnnxArchitecture> ParseOnnxArchitecture(const std::string& s) {
  if (s == "auto") return OnnxArchitecture::kAuto;
  if (s == "llama") return OnnxArchitecture::kLlama;
  if (s == "gpt2") return OnnxArchitecture::kGpt2;
  if (s == "bert") return OnnxArchitecture::kBert;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown architecture '", s, "' (supported: auto, llama, gpt2, bert)"));
}

absl::Status ConvertOnnx(const std::string& onnx_path,
                         const OnnxImportOptions& options,
                         const std::string& out_path,
                         const WriteProgress& progress) {
  absl::StatusOr<std::unique_ptr<OnnxGraph>> graph = OnnxGraph::Load(onnx_path);
  if (!graph.ok()) return graph.status();
  ImportedModel model;
  absl::Status mapped = MapOnnxModel(**graph, options, &model);
  if (!mapped.ok()) return Prefixed(onnx_path, mapped);

  FileContents contents;
  contents.kind = FileKind::kModel;
  contents.config = model.config;
  contents.tensors = std::move(model.tensors);
  absl::StatusOr<TokenizerData> tokenizer =
      ReadTokenizer(options, model.config.vocab_size);
  if (!tokenizer.ok()) return tokenizer.status();
  contents.tokenizer = std::move(*tokenizer);
  contents.source =
      absl::StrCat("ONNX ", onnx_path, " (", (*graph)->description(), "; ",
                   absl::StrJoin(model.notes, "; "), ")");
  return WriteWispFile(out_path, contents, progress);
}

}  // namespace wisp
