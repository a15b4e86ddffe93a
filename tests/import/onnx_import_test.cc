// The shared ONNX exports: stories260K must become exactly the file the
// llama2.c importer makes (and give llama2.c's logits); tiny-gpt2 and
// tiny-bert must get their configs and every tensor, split and renamed, with
// values checked against the initializers read here with protobuf directly.
#include "src/import/onnx_import.h"

#include <cmath>
#include <cstring>

#include "gtest/gtest.h"
#include "src/import/llama2c_checkpoint.h"
#include "src/infer/session.h"
#include "src/model/tensor_names.h"
#include "tests/import/onnx_test_util.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using testing::SharedPath;
using testing::WispFloats;

// A config's sizes and switches, to compare them at once.
auto Sizes(const ModelConfig& c) {
  return std::make_tuple(c.dim, c.hidden_dim, c.n_layers, c.n_heads,
                         c.n_kv_heads, c.vocab_size, c.max_seq_len, c.norm_eps);
}
auto Switches(const ModelConfig& c) {
  return std::make_tuple(c.norm, c.positions, c.mlp, c.mask, c.norm_position,
                         c.tied_embeddings, c.linear_bias, c.embedding_norm,
                         c.final_norm, c.mlm_head);
}

std::unique_ptr<WispFile> Convert(const std::string& model,
                                  const OnnxImportOptions& options) {
  const std::string out = testing::TempDir() + "/" + model + ".wisp";
  absl::Status status = ConvertOnnx(
      SharedPath("models/" + model + "/" + model + ".onnx"), options, out);
  EXPECT_TRUE(status.ok()) << status;
  auto file = WispFile::Open(out);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? std::move(*file) : nullptr;
}

TEST(OnnxImportTest, Stories260kEqualsTheLlama2cImport) {
  const std::string dir = SharedPath("models/stories260K/");
  OnnxImportOptions options;
  options.llama2c_tokenizer = dir + "tok512.bin";
  std::unique_ptr<WispFile> onnx = Convert("stories260K", options);
  ASSERT_NE(onnx, nullptr);
  const std::string llama2c_path = testing::TempDir() + "/llama2c.wisp";
  ASSERT_TRUE(
      ConvertLlama2c(dir + "stories260K.bin", dir + "tok512.bin", llama2c_path)
          .ok());
  auto llama2c = WispFile::Open(llama2c_path);
  ASSERT_TRUE(llama2c.ok()) << llama2c.status();

  const ModelConfig& a = onnx->config();
  const ModelConfig& b = (*llama2c)->config();
  EXPECT_EQ(a.architecture, "llama");
  EXPECT_EQ(a.dim, 64u);
  EXPECT_EQ(a.n_heads, 8u);        // from the score scale sqrt(8)
  EXPECT_EQ(a.n_kv_heads, 4u);     // wk has 32 rows
  EXPECT_EQ(a.max_seq_len, 512u);  // the rows of the rotary tables
  EXPECT_FLOAT_EQ(a.rope_theta, 10000.0f);
  EXPECT_FLOAT_EQ(a.norm_eps, 1e-5f);
  EXPECT_EQ(Sizes(a), Sizes(b));
  EXPECT_EQ(Switches(a), Switches(b));
  EXPECT_EQ(a.rope_theta, b.rope_theta);
  EXPECT_EQ(onnx->tokenizer().pieces, (*llama2c)->tokenizer().pieces);
  ASSERT_EQ(onnx->tensors().size(), (*llama2c)->tensors().size());
  for (const TensorView& expected : (*llama2c)->tensors()) {
    const TensorView* t = onnx->Find(expected.name);
    ASSERT_NE(t, nullptr) << expected.name;
    EXPECT_EQ(t->shape, expected.shape) << expected.name;
    ASSERT_EQ(t->byte_length, expected.byte_length) << expected.name;
    EXPECT_EQ(std::memcmp(t->data, expected.data, t->byte_length), 0)
        << expected.name << " differs";
  }
}

TEST(OnnxImportTest, Stories260kGivesLlama2cLogits) {
  const std::string dir = SharedPath("models/stories260K/");
  OnnxImportOptions options;
  options.llama2c_tokenizer = dir + "tok512.bin";
  const std::string out = testing::TempDir() + "/stories_logits.wisp";
  ASSERT_TRUE(ConvertOnnx(dir + "stories260K.onnx", options, out).ok());
  auto model = Model::Load(out);
  ASSERT_TRUE(model.ok()) << model.status();
  auto session = Session::Create(**model, {});
  ASSERT_TRUE(session.ok()) << session.status();
  const std::vector<int32_t> ids = {1, 403, 407, 261, 378};
  std::vector<float> logits(ids.size() * 512);
  ASSERT_TRUE((*session)->Feed(ids, logits.data()).ok());
  auto reference = testing::ReadFloats(dir + "reference/logits_once.bin");
  ASSERT_TRUE(reference.ok()) << reference.status();
  ASSERT_EQ(reference->size(), logits.size());
  float worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    worst = std::max(worst, std::fabs(logits[i] - (*reference)[i]));
  }
  EXPECT_LT(worst, 1e-4f);
}

// The fused [q | k | v] projection, split into wisp's three.
void ExpectSplitAttention(const WispFile& file,
                          std::map<std::string, std::vector<float>>& onnx,
                          const std::string& module, uint32_t l, size_t dim) {
  const std::vector<float>& w = onnx[module + ".weight"];
  const std::vector<float>& b = onnx[module + ".bias"];
  const std::string names[3] = {TensorNames::Wq(l), TensorNames::Wk(l),
                                TensorNames::Wv(l)};
  for (size_t part = 0; part < 3; ++part) {
    const TensorView* weight = file.Find(names[part]);
    const TensorView* bias = file.Find(TensorNames::Bias(names[part]));
    ASSERT_TRUE(weight != nullptr && bias != nullptr) << names[part];
    EXPECT_EQ(weight->shape, (std::vector<uint64_t>{dim, dim}));
    EXPECT_EQ(bias->shape, (std::vector<uint64_t>{dim}));
    EXPECT_EQ(WispFloats(file, names[part]),
              testing::Rows(w, dim, part * dim, dim))
        << names[part];
    EXPECT_EQ(WispFloats(file, TensorNames::Bias(names[part])),
              testing::Rows(b, 1, part * dim, dim))
        << names[part];
  }
}

// `wisp` (weight and, for `bias`, its bias) equals ONNX module `module`.
void ExpectSame(const WispFile& file,
                std::map<std::string, std::vector<float>>& onnx,
                const std::string& wisp, const std::string& module) {
  EXPECT_EQ(WispFloats(file, wisp), onnx[module + ".weight"]) << wisp;
  EXPECT_EQ(WispFloats(file, TensorNames::Bias(wisp)), onnx[module + ".bias"])
      << wisp;
}

// The blocks of tiny-gpt2 and tiny-bert, whose layers share their names
// under `prefix` ("transformer.h." or "h.").
void ExpectLayers(const WispFile& file,
                  std::map<std::string, std::vector<float>>& onnx,
                  const std::string& prefix, size_t dim) {
  for (uint32_t l = 0; l < 2; ++l) {
    const std::string h = prefix + std::to_string(l) + ".";
    ExpectSame(file, onnx, TensorNames::AttentionNorm(l), h + "ln_1");
    ExpectSplitAttention(file, onnx, h + "attn.c_attn", l, dim);
    ExpectSame(file, onnx, TensorNames::Wo(l), h + "attn.c_proj");
    ExpectSame(file, onnx, TensorNames::FfnNorm(l), h + "ln_2");
    ExpectSame(file, onnx, TensorNames::W1(l), h + "mlp.c_fc");
    ExpectSame(file, onnx, TensorNames::W2(l), h + "mlp.c_proj");
  }
}

TEST(OnnxImportTest, TinyGpt2) {
  const std::string path = SharedPath("models/tiny-gpt2/tiny-gpt2.onnx");
  std::unique_ptr<WispFile> file = Convert("tiny-gpt2", {});
  ASSERT_NE(file, nullptr);
  const ModelConfig& c = file->config();
  EXPECT_EQ(c.architecture, "gpt2");
  EXPECT_EQ(Sizes(c),
            std::make_tuple(64u, 256u, 2u, 4u, 4u, 50257u, 128u, 1e-5f));
  EXPECT_EQ(Switches(c),
            std::make_tuple(NormKind::kLayerNorm, PositionKind::kLearned,
                            MlpKind::kGeluTanh, MaskKind::kCausal,
                            NormPosition::kPre, /*tied=*/true, /*bias=*/true,
                            /*embedding_norm=*/false, /*final_norm=*/true,
                            /*mlm_head=*/false));

  auto onnx = testing::InitializerFloats(testing::LoadOnnx(path));
  EXPECT_EQ(WispFloats(*file, TensorNames::TokenEmbedding()),
            onnx["transformer.wte.weight"]);
  EXPECT_EQ(WispFloats(*file, TensorNames::PositionEmbedding()),
            onnx["transformer.wpe.weight"]);
  ExpectLayers(*file, onnx, "transformer.h.", 64);
  ExpectSame(*file, onnx, TensorNames::FinalNorm(), "transformer.ln_f");
  EXPECT_EQ(file->Find(TensorNames::Output()), nullptr);
  // 2 embeddings, 16 per layer, the final norm and its bias.
  EXPECT_EQ(file->tensors().size(), 2u + 2 * 16 + 2);
}

TEST(OnnxImportTest, TinyGpt2WithItsTokenizer) {
  const std::string dir = SharedPath("models/gpt2-tokenizer/");
  OnnxImportOptions options;
  options.gpt2_vocab = dir + "encoder.json";
  options.gpt2_merges = dir + "vocab.bpe";
  std::unique_ptr<WispFile> file = Convert("tiny-gpt2", options);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->tokenizer().kind, TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(file->tokenizer().pieces.size(), 50257u);
}

TEST(OnnxImportTest, TinyBert) {
  const std::string path = SharedPath("models/tiny-bert/tiny-bert.onnx");
  std::unique_ptr<WispFile> file = Convert("tiny-bert", {});
  ASSERT_NE(file, nullptr);
  const ModelConfig& c = file->config();
  EXPECT_EQ(c.architecture, "bert");
  EXPECT_EQ(Sizes(c),
            std::make_tuple(32u, 128u, 2u, 4u, 4u, 50257u, 128u, 1e-12f));
  EXPECT_EQ(Switches(c),
            std::make_tuple(NormKind::kLayerNorm, PositionKind::kLearned,
                            MlpKind::kGeluErf, MaskKind::kBidirectional,
                            NormPosition::kPost, /*tied=*/true, /*bias=*/true,
                            /*embedding_norm=*/true, /*final_norm=*/false,
                            /*mlm_head=*/true));

  auto onnx = testing::InitializerFloats(testing::LoadOnnx(path));
  EXPECT_EQ(WispFloats(*file, TensorNames::TokenEmbedding()),
            onnx["wte.weight"]);
  EXPECT_EQ(WispFloats(*file, TensorNames::PositionEmbedding()),
            onnx["wpe.weight"]);
  ExpectSame(*file, onnx, TensorNames::EmbeddingNorm(), "ln_emb");
  ExpectLayers(*file, onnx, "h.", 32);
  ExpectSame(*file, onnx, TensorNames::MlmDense(), "mlm_dense");
  ExpectSame(*file, onnx, TensorNames::MlmNorm(), "mlm_ln");
  EXPECT_EQ(WispFloats(*file, "output.bias"), onnx["mlm_bias"]);
  EXPECT_EQ(file->Find(TensorNames::FinalNorm()), nullptr);
  EXPECT_EQ(file->Find(TensorNames::Output()), nullptr);
  // 2 embeddings + emb norm (2), 16 per layer, MLM head (4), decoder bias.
  EXPECT_EQ(file->tensors().size(), 4u + 2 * 16 + 4 + 1);
}

}  // namespace
}  // namespace wisp
