// Hugging Face naming and storage variants, built here from the shared
// models' weights: LLaMA with rotate-half q/k rows, GPT-2 with Conv1D
// weights in typed fields, external data and Constant nodes, BERT with
// token type embeddings, and classifiers that are not the embedding.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "src/import/onnx_import.h"
#include "src/infer/session.h"
#include "src/model/tensor_names.h"
#include "tests/import/onnx_test_util.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using testing::FloatTensor;
using testing::SharedPath;
using testing::WispFloats;

onnx::ModelProto EmptyModel() {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("wisp-test");
  model.add_opset_import()->set_version(17);
  model.mutable_graph()->set_name("test");
  return model;
}

void AddInitializer(onnx::ModelProto* model, const std::string& name,
                    const std::vector<int64_t>& dims,
                    const std::vector<float>& values) {
  *model->mutable_graph()->add_initializer() = FloatTensor(name, dims, values);
}

std::unique_ptr<WispFile> ConvertModel(const onnx::ModelProto& model,
                                       const std::string& name,
                                       const OnnxImportOptions& options = {}) {
  const std::string dir = testing::TempDir();
  testing::SaveOnnx(model, dir + "/" + name + ".onnx");
  absl::Status status = ConvertOnnx(dir + "/" + name + ".onnx", options,
                                    dir + "/" + name + ".wisp");
  EXPECT_TRUE(status.ok()) << status;
  auto file = WispFile::Open(dir + "/" + name + ".wisp");
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? std::move(*file) : nullptr;
}

// Every tensor of `b` is in `a` with the same shape and bytes.
void ExpectSameTensors(const WispFile& a, const WispFile& b) {
  EXPECT_EQ(a.tensors().size(), b.tensors().size());
  for (const TensorView& t : b.tensors()) {
    const TensorView* other = a.Find(t.name);
    ASSERT_NE(other, nullptr) << t.name;
    EXPECT_EQ(other->shape, t.shape) << t.name;
    EXPECT_EQ(WispFloats(a, t.name), WispFloats(b, t.name)) << t.name;
  }
}

// transformers' convert_llama_weights_to_hf.py permute(): consecutive pairs
// (2i, 2i+1) of each head become halves (i, i + hd/2).
std::vector<float> PairsToRotateHalf(const std::vector<float>& m, size_t heads,
                                     size_t hd, size_t cols) {
  std::vector<float> out(m.size());
  for (size_t h = 0; h < heads; ++h) {
    for (size_t i = 0; i < hd / 2; ++i) {
      for (size_t s = 0; s < 2; ++s) {
        for (size_t c = 0; c < cols; ++c) {
          out[(h * hd + s * hd / 2 + i) * cols + c] =
              m[(h * hd + 2 * i + s) * cols + c];
        }
      }
    }
  }
  return out;
}

TEST(OnnxFamiliesTest, HuggingFaceLlamaGivesLlama2cLogits) {
  const std::string dir = SharedPath("models/stories260K/");
  auto w =
      testing::InitializerFloats(testing::LoadOnnx(dir + "stories260K.onnx"));
  onnx::ModelProto model = EmptyModel();
  AddInitializer(&model, "model.embed_tokens.weight", {512, 64},
                 w["tok_embeddings.weight"]);
  struct Rename {
    const char* from;
    const char* to;
    std::vector<int64_t> dims;
  };
  const Rename renames[] = {{"attention_norm", "input_layernorm", {64}},
                            {"attention.wv", "self_attn.v_proj", {32, 64}},
                            {"attention.wo", "self_attn.o_proj", {64, 64}},
                            {"ffn_norm", "post_attention_layernorm", {64}},
                            {"feed_forward.w1", "mlp.gate_proj", {172, 64}},
                            {"feed_forward.w2", "mlp.down_proj", {64, 172}},
                            {"feed_forward.w3", "mlp.up_proj", {172, 64}}};
  for (int l = 0; l < 5; ++l) {
    const std::string from = "layers." + std::to_string(l) + ".";
    const std::string to = "model." + from;
    AddInitializer(
        &model, to + "self_attn.q_proj.weight", {64, 64},
        PairsToRotateHalf(w[from + "attention.wq.weight"], 8, 8, 64));
    AddInitializer(
        &model, to + "self_attn.k_proj.weight", {32, 64},
        PairsToRotateHalf(w[from + "attention.wk.weight"], 4, 8, 64));
    for (const Rename& r : renames) {
      AddInitializer(&model, to + r.to + ".weight", r.dims,
                     w[from + r.from + ".weight"]);
    }
  }
  AddInitializer(&model, "model.norm.weight", {64}, w["norm.weight"]);
  // The tied head, deduplicated by the exporter into an Identity.
  onnx::NodeProto* identity = model.mutable_graph()->add_node();
  identity->set_op_type("Identity");
  identity->add_input("model.embed_tokens.weight");
  identity->add_output("lm_head.weight");
  testing::AddAttentionScale(model.mutable_graph(), std::sqrt(8.0f));
  testing::AddNormEps(model.mutable_graph(), 1e-5f);
  std::vector<float> sin_table(512 * 4);
  for (int p = 0; p < 512; ++p) {
    for (int i = 0; i < 4; ++i) {
      sin_table[p * 4 + i] =
          static_cast<float>(std::sin(p * std::pow(10000.0, -2.0 * i / 8)));
    }
  }
  AddInitializer(&model, "/rope_sin", {512, 4}, sin_table);

  OnnxImportOptions options;
  options.llama2c_tokenizer = dir + "tok512.bin";
  std::unique_ptr<WispFile> file = ConvertModel(model, "hf_llama", options);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->config().max_seq_len, 512u);
  EXPECT_EQ(file->config().n_heads, 8u);
  EXPECT_EQ(file->config().n_kv_heads, 4u);
  EXPECT_FLOAT_EQ(file->config().rope_theta, 10000.0f);
  EXPECT_TRUE(file->config().tied_embeddings);
  EXPECT_EQ(WispFloats(*file, TensorNames::Wq(3)),
            w["layers.3.attention.wq.weight"]);
  EXPECT_EQ(WispFloats(*file, TensorNames::Wk(3)),
            w["layers.3.attention.wk.weight"]);

  auto loaded = Model::Load(file->path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto session = Session::Create(**loaded, {});
  ASSERT_TRUE(session.ok());
  const std::vector<int32_t> ids = {1, 403, 407, 261, 378};
  std::vector<float> logits(ids.size() * 512);
  ASSERT_TRUE((*session)->Feed(ids, logits.data()).ok());
  auto reference = testing::ReadFloats(dir + "reference/logits_once.bin");
  ASSERT_TRUE(reference.ok());
  for (size_t i = 0; i < logits.size(); ++i) {
    ASSERT_NEAR(logits[i], (*reference)[i], 1e-4f) << i;
  }
}

class Gpt2VariantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    original_ =
        testing::LoadOnnx(SharedPath("models/tiny-gpt2/tiny-gpt2.onnx"));
    reference_ = ConvertModel(original_, "gpt2_reference");
    ASSERT_NE(reference_, nullptr);
  }
  onnx::ModelProto original_;
  std::unique_ptr<WispFile> reference_;
};

TEST_F(Gpt2VariantsTest, Conv1dTypedFieldsExternalDataAndConstants) {
  onnx::ModelProto model = original_;
  const std::string folder = testing::TempDir() + "/gpt2_variants";
  std::filesystem::create_directories(folder);
  std::ofstream external(folder + "/weights.bin", std::ios::binary);
  uint64_t offset = 0;
  auto* inits = model.mutable_graph()->mutable_initializer();
  for (int i = 0; i < inits->size(); ++i) {
    onnx::TensorProto& t = (*inits)[i];
    std::vector<float> v = testing::Floats(t);
    if (t.dims_size() == 2 && t.name().find(".h.") != std::string::npos) {
      // Hugging Face Conv1D: [in, out].
      const int64_t rows = t.dims(0), cols = t.dims(1);
      v = testing::Transpose(v, rows, cols);
      t.set_dims(0, cols);
      t.set_dims(1, rows);
    }
    t.clear_raw_data();
    if (t.name().find("ln_") != std::string::npos) {
      for (float f : v) t.add_float_data(f);  // the typed field
    } else if (t.name().find("c_proj") != std::string::npos) {
      t.set_data_location(onnx::TensorProto::EXTERNAL);
      auto add = [&t](const std::string& key, const std::string& value) {
        auto* entry = t.add_external_data();
        entry->set_key(key);
        entry->set_value(value);
      };
      add("location", "weights.bin");
      add("offset", std::to_string(offset));
      add("length", std::to_string(v.size() * sizeof(float)));
      external.write(reinterpret_cast<const char*>(v.data()),
                     v.size() * sizeof(float));
      offset += v.size() * sizeof(float);
    } else {
      t.set_raw_data(v.data(), v.size() * sizeof(float));
    }
  }
  external.close();
  // The position table as a Constant node named like the parameter.
  for (int i = 0; i < inits->size(); ++i) {
    if ((*inits)[i].name() != "transformer.wpe.weight") continue;
    onnx::NodeProto* node = model.mutable_graph()->add_node();
    node->set_op_type("Constant");
    node->add_output("transformer.wpe.weight");
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = (*inits)[i];
    inits->DeleteSubrange(i, 1);
    break;
  }
  const std::string path = folder + "/model.onnx";
  testing::SaveOnnx(model, path);
  const std::string out = folder + "/model.wisp";
  absl::Status status = ConvertOnnx(path, {}, out);
  ASSERT_TRUE(status.ok()) << status;
  auto file = WispFile::Open(out);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->config().hidden_dim, 256u);
  ExpectSameTensors(**file, *reference_);
}

TEST_F(Gpt2VariantsTest, UntiedClassifierNamedOrFoundInTheGraph) {
  std::vector<float> head(50257 * 64);
  for (size_t i = 0; i < head.size(); ++i) head[i] = 0.001f * (i % 997);
  onnx::ModelProto named = original_;
  AddInitializer(&named, "lm_head.weight", {50257, 64}, head);
  std::unique_ptr<WispFile> a = ConvertModel(named, "gpt2_named_head");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->config().tied_embeddings);
  EXPECT_EQ(WispFloats(*a, TensorNames::Output()), head);

  // torch's constant folding leaves MatMul(x, W^T) with an anonymous W^T.
  onnx::ModelProto folded = original_;
  AddInitializer(&folded, "onnx::MatMul_999", {64, 50257},
                 testing::Transpose(head, 50257, 64));
  for (onnx::NodeProto& node : *folded.mutable_graph()->mutable_node()) {
    if (node.output(0) == "logits") node.set_input(1, "onnx::MatMul_999");
  }
  std::unique_ptr<WispFile> b = ConvertModel(folded, "gpt2_folded_head");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->config().tied_embeddings);
  EXPECT_EQ(WispFloats(*b, TensorNames::Output()), head);
}

TEST(OnnxFamiliesTest, HuggingFaceBertWithTokenTypes) {
  const std::string path = SharedPath("models/tiny-bert/tiny-bert.onnx");
  onnx::ModelProto original = testing::LoadOnnx(path);
  std::unique_ptr<WispFile> reference = ConvertModel(original, "bert_ref");
  ASSERT_NE(reference, nullptr);
  auto w = testing::InitializerFloats(original);

  onnx::ModelProto model = EmptyModel();
  const size_t d = 32;
  std::vector<float> types(2 * d);
  for (size_t i = 0; i < types.size(); ++i) types[i] = 0.01f * i - 0.2f;
  std::vector<float> pos = w["wpe.weight"];
  for (size_t i = 0; i < pos.size(); ++i) pos[i] -= types[i % d];
  const std::string e = "bert.embeddings.";
  AddInitializer(&model, e + "word_embeddings.weight", {50257, 32},
                 w["wte.weight"]);
  AddInitializer(&model, e + "position_embeddings.weight", {128, 32}, pos);
  AddInitializer(&model, e + "token_type_embeddings.weight", {2, 32}, types);
  AddInitializer(&model, e + "LayerNorm.weight", {32}, w["ln_emb.weight"]);
  AddInitializer(&model, e + "LayerNorm.bias", {32}, w["ln_emb.bias"]);
  // A module's weight and bias: a Linear layer or, without `cols`, a norm.
  auto add_linear = [&](const std::string& name, const std::string& from,
                        int64_t rows, int64_t cols) {
    std::vector<int64_t> dims = {rows};
    if (cols > 0) dims.push_back(cols);
    AddInitializer(&model, name + ".weight", dims, w[from + ".weight"]);
    AddInitializer(&model, name + ".bias", {rows}, w[from + ".bias"]);
  };
  for (int l = 0; l < 2; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    const std::string b = "bert.encoder.layer." + std::to_string(l) + ".";
    const std::vector<float>& qkv = w[h + "attn.c_attn.weight"];
    const std::vector<float>& qkv_bias = w[h + "attn.c_attn.bias"];
    const char* parts[3] = {"query", "key", "value"};
    for (size_t p = 0; p < 3; ++p) {
      const std::string name = b + "attention.self." + parts[p];
      AddInitializer(&model, name + ".weight", {32, 32},
                     testing::Rows(qkv, d, p * d, d));
      AddInitializer(&model, name + ".bias", {32},
                     testing::Rows(qkv_bias, 1, p * d, d));
    }
    add_linear(b + "attention.output.dense", h + "attn.c_proj", 32, 32);
    add_linear(b + "attention.output.LayerNorm", h + "ln_1", 32, 0);
    add_linear(b + "intermediate.dense", h + "mlp.c_fc", 128, 32);
    add_linear(b + "output.dense", h + "mlp.c_proj", 32, 128);
    add_linear(b + "output.LayerNorm", h + "ln_2", 32, 0);
  }
  add_linear("cls.predictions.transform.dense", "mlm_dense", 32, 32);
  add_linear("cls.predictions.transform.LayerNorm", "mlm_ln", 32, 0);
  AddInitializer(&model, "cls.predictions.bias", {50257}, w["mlm_bias"]);
  testing::AddAttentionScale(model.mutable_graph(), std::sqrt(8.0f));
  testing::AddNormEps(model.mutable_graph(), 1e-12f);

  std::unique_ptr<WispFile> file = ConvertModel(model, "hf_bert");
  ASSERT_NE(file, nullptr);
  const ModelConfig& a = file->config();
  const ModelConfig& r = reference->config();
  EXPECT_EQ(std::make_tuple(a.architecture, a.dim, a.n_heads, a.hidden_dim,
                            a.max_seq_len, a.norm_eps, a.mlp, a.norm_position,
                            a.embedding_norm, a.final_norm, a.mlm_head),
            std::make_tuple(r.architecture, r.dim, r.n_heads, r.hidden_dim,
                            r.max_seq_len, r.norm_eps, r.mlp, r.norm_position,
                            r.embedding_norm, r.final_norm, r.mlm_head));
  EXPECT_EQ(file->tensors().size(), reference->tensors().size());
  for (const TensorView& t : reference->tensors()) {
    ASSERT_NE(file->Find(t.name), nullptr) << t.name;
    EXPECT_EQ(file->Find(t.name)->shape, t.shape) << t.name;
    const std::vector<float> got = WispFloats(*file, t.name);
    const std::vector<float> want = WispFloats(*reference, t.name);
    ASSERT_EQ(got.size(), want.size()) << t.name;
    for (size_t i = 0; i < got.size(); ++i) {
      // Folding the token type row in rounds once: pos - t + t.
      ASSERT_NEAR(got[i], want[i], 1e-7f) << t.name << " " << i;
    }
  }
}

}  // namespace
}  // namespace wisp
