// wisp inspect: what a .wisp file holds, read through the verifying reader.
#include <cstdio>
#include <string>

#include "absl/strings/str_join.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/format/wisp_file.h"

namespace wisp::cli {

int RunInspect(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {}, /*max_positional=*/1);
  if (!args.ok()) return ReportError(args.status());
  if (args->positional().size() != 1) {
    return ReportError("inspect takes exactly one FILE.wisp argument");
  }
  auto file = WispFile::Open(args->positional()[0]);
  if (!file.ok()) return ReportError(file.status());
  const WispFile& f = **file;
  const FileHeader& h = f.header();
  std::printf("file: %s\n", f.path().c_str());
  std::printf("format version: %u, kind: %s, size: %llu bytes\n",
              h.format_version, FileKindName(f.kind()),
              static_cast<unsigned long long>(f.file_size()));
  std::printf("metadata: %llu bytes at %llu; tensor data: %llu bytes at %llu\n",
              static_cast<unsigned long long>(h.metadata_length),
              static_cast<unsigned long long>(h.metadata_offset),
              static_cast<unsigned long long>(h.data_length),
              static_cast<unsigned long long>(h.data_offset));
  if (!f.source().empty()) std::printf("source: %s\n", f.source().c_str());
  if (f.has_config()) {
    const ModelConfig& c = f.config();
    std::printf(
        "config:\n  architecture: %s\n  dim: %u\n  hidden_dim: %u\n"
        "  n_layers: %u\n  n_heads: %u\n  n_kv_heads: %u\n  head_dim: %u\n"
        "  vocab_size: %u\n  max_seq_len: %u\n  norm: %s (eps %g)\n"
        "  positions: %s (theta %g)\n  mlp: %s\n  mask: %s\n"
        "  tied_embeddings: %s\n",
        c.architecture.c_str(), c.dim, c.hidden_dim, c.n_layers, c.n_heads,
        c.n_kv_heads, c.head_dim(), c.vocab_size, c.max_seq_len,
        NormKindName(c.norm), c.norm_eps, PositionKindName(c.positions),
        c.rope_theta, MlpKindName(c.mlp), MaskKindName(c.mask),
        c.tied_embeddings ? "yes" : "no");
  }
  const TokenizerData& t = f.tokenizer();
  if (t.kind != TokenizerKind::kNone) {
    std::printf(
        "tokenizer: %s, %zu tokens, bos %d, eos %d, unk %d, max piece %u "
        "bytes\n",
        t.kind == TokenizerKind::kSentencePieceBpe ? "sentencepiece-bpe"
                                                   : "byte-level-bpe",
        t.pieces.size(), t.bos_id, t.eos_id, t.unk_id, t.max_piece_length);
  } else {
    std::printf("tokenizer: none\n");
  }
  uint64_t parameters = 0;
  for (const TensorView& tensor : f.tensors())
    parameters += tensor.num_elements();
  std::printf("tensors: %zu, %llu parameters\n", f.tensors().size(),
              static_cast<unsigned long long>(parameters));
  std::printf("  %-40s %-5s %-16s %12s %12s %10s\n", "name", "dtype", "shape",
              "offset", "bytes", "crc32c");
  for (const TensorView& tensor : f.tensors()) {
    std::printf("  %-40s %-5s %-16s %12llu %12llu   %08x\n",
                tensor.name.c_str(), DTypeName(tensor.dtype),
                ("[" + absl::StrJoin(tensor.shape, ", ") + "]").c_str(),
                static_cast<unsigned long long>(tensor.offset),
                static_cast<unsigned long long>(tensor.byte_length),
                tensor.crc32c);
  }
  return 0;
}

}  // namespace wisp::cli
