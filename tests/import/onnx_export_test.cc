// ONNX export: every configuration of ExportCases() and stories260K is
// exported (which runs libonnx's checker), and the graphs whose names follow
// a family are imported back with the ONNX importer: the same config and
// bit-identical tensors show that the initializers, their names, layouts and
// the constants the importer reads from the graph (head size, epsilon, RoPE
// tables, GELU flavour, classifier) are consistent. That the graphs compute
// wisp's logits is checked in ONNX Runtime by tests/onnxrt/check_export.sh.
#include "src/import/onnx_export.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "gtest/gtest.h"
#include "src/import/llama2c_checkpoint.h"
#include "src/import/onnx_import.h"
#include "src/model/tensor_names.h"
#include "tests/import/onnx_export_fixtures.h"
#include "tests/import/onnx_test_util.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace wisp {
namespace {

using testing::ExportCase;

void ExpectSameConfig(const ModelConfig& a, const ModelConfig& b) {
  EXPECT_EQ(a.architecture, b.architecture);
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.hidden_dim, b.hidden_dim);
  EXPECT_EQ(a.n_layers, b.n_layers);
  EXPECT_EQ(a.n_heads, b.n_heads);
  EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.max_seq_len, b.max_seq_len);
  EXPECT_EQ(a.norm_eps, b.norm_eps);
  EXPECT_EQ(a.norm, b.norm);
  EXPECT_EQ(a.positions, b.positions);
  if (a.positions == PositionKind::kRotary) {
    EXPECT_EQ(a.rope_theta, b.rope_theta);
  }
  EXPECT_EQ(a.mlp, b.mlp);
  EXPECT_EQ(a.mask, b.mask);
  EXPECT_EQ(a.tied_embeddings, b.tied_embeddings);
  EXPECT_EQ(a.norm_position, b.norm_position);
  EXPECT_EQ(a.linear_bias, b.linear_bias);
  EXPECT_EQ(a.embedding_norm, b.embedding_norm);
  EXPECT_EQ(a.final_norm, b.final_norm);
  EXPECT_EQ(a.mlm_head, b.mlm_head);
}

// Same tensor names, shapes and bytes.
void ExpectSameTensors(const WispFile& a, const WispFile& b) {
  std::set<std::string> names_a, names_b;
  for (const TensorView& t : a.tensors()) names_a.insert(t.name);
  for (const TensorView& t : b.tensors()) names_b.insert(t.name);
  EXPECT_EQ(names_a, names_b);
  for (const TensorView& t : a.tensors()) {
    const TensorView* other = b.Find(t.name);
    if (other == nullptr) continue;
    EXPECT_EQ(t.shape, other->shape) << t.name;
    ASSERT_EQ(t.byte_length, other->byte_length) << t.name;
    EXPECT_EQ(0, std::memcmp(t.data, other->data, t.byte_length)) << t.name;
  }
}

// Exports `wisp_path`, imports the result and checks that nothing changed.
void ExpectRoundTrip(const std::string& wisp_path, const std::string& naming,
                     const OnnxExportOptions& options = {}) {
  const std::string onnx_path = wisp_path + ".onnx";
  const std::string back = wisp_path + ".back.wisp";
  OnnxExportSummary summary;
  absl::Status s = ExportOnnx(wisp_path, onnx_path, options, &summary);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(summary.naming, naming);
  s = ConvertOnnx(onnx_path, {}, back);
  ASSERT_TRUE(s.ok()) << s;
  auto original = WispFile::Open(wisp_path);
  auto imported = WispFile::Open(back);
  ASSERT_TRUE(original.ok() && imported.ok());
  ExpectSameConfig((*original)->config(), (*imported)->config());
  ExpectSameTensors(**original, **imported);
}

class OnnxExportCaseTest : public ::testing::TestWithParam<ExportCase> {};

TEST_P(OnnxExportCaseTest, ExportsAndFamiliesImportBack) {
  const ExportCase& c = GetParam();
  const std::string path = testing::TempDir() + "/" + c.name + ".wisp";
  testing::WriteRandomModel(path, c.config, 7);
  if (c.naming != "wisp") {
    ExpectRoundTrip(path, c.naming);
    return;
  }
  OnnxExportSummary summary;
  absl::Status s = ExportOnnx(path, path + ".onnx", {}, &summary);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(summary.naming, "wisp");
}

// wisp's names: every tensor is an initializer of that name with the same
// bytes, and the inputs are those of the config's mask.
TEST_P(OnnxExportCaseTest, WispNamesKeepEveryTensor) {
  const ExportCase& c = GetParam();
  const std::string path = testing::TempDir() + "/" + c.name + "_w.wisp";
  testing::WriteRandomModel(path, c.config, 8);
  OnnxExportOptions options;
  options.naming = OnnxNaming::kWisp;
  absl::Status s = ExportOnnx(path, path + ".onnx", options);
  ASSERT_TRUE(s.ok()) << s;
  onnx::ModelProto proto = testing::LoadOnnx(path + ".onnx");
  EXPECT_EQ(proto.ir_version(), 8);
  ASSERT_EQ(proto.opset_import_size(), 1);
  EXPECT_EQ(proto.opset_import(0).version(), 17);
  std::vector<std::string> inputs;
  for (const auto& input : proto.graph().input())
    inputs.push_back(input.name());
  std::vector<std::string> expected = {"input_ids"};
  if (c.config.mask == MaskKind::kBidirectional) {
    expected.push_back("attention_mask");
  }
  if (c.config.mask == MaskKind::kPrefix) expected.push_back("prefix_length");
  EXPECT_EQ(inputs, expected);
  ASSERT_EQ(proto.graph().output_size(), 1);
  EXPECT_EQ(proto.graph().output(0).name(), "logits");

  auto file = WispFile::Open(path);
  ASSERT_TRUE(file.ok());
  for (const TensorView& t : (*file)->tensors()) {
    onnx::TensorProto* init = testing::FindInitializer(&proto, t.name);
    ASSERT_NE(init, nullptr) << t.name;
    EXPECT_EQ(init->raw_data(),
              std::string(reinterpret_cast<const char*>(t.data), t.byte_length))
        << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, OnnxExportCaseTest,
                         ::testing::ValuesIn(testing::ExportCases()),
                         [](const ::testing::TestParamInfo<ExportCase>& info) {
                           return info.param.name;
                         });

TEST(OnnxExportTest, Stories260KImportsBack) {
  const std::string dir = testing::TempDir();
  const std::string path = dir + "/stories260K.wisp";
  absl::Status s = ConvertLlama2c(
      testing::SharedPath("models/stories260K/stories260K.bin"),
      testing::SharedPath("models/stories260K/tok512.bin"), path);
  ASSERT_TRUE(s.ok()) << s;
  ExpectRoundTrip(path, "llama2.c");
}

TEST(OnnxExportTest, ExternalDataImportsBack) {
  const std::string path = testing::TempDir() + "/external.wisp";
  testing::WriteRandomModel(path, testing::TinyGpt2Config(), 9);
  OnnxExportOptions options;
  options.external_data = OnnxExternalData::kAlways;
  ExpectRoundTrip(path, "gpt2", options);
  // The weights are in the side file; the model refers to it by its name.
  const std::string data = path + ".onnx.data";
  ASSERT_TRUE(std::filesystem::exists(data));
  EXPECT_GT(std::filesystem::file_size(data),
            std::filesystem::file_size(path + ".onnx"));
  onnx::ModelProto proto = testing::LoadOnnx(path + ".onnx");
  const onnx::TensorProto* wte =
      testing::FindInitializer(&proto, "transformer.wte.weight");
  ASSERT_NE(wte, nullptr);
  EXPECT_EQ(wte->data_location(), onnx::TensorProto::EXTERNAL);
  ASSERT_GE(wte->external_data_size(), 1);
  EXPECT_EQ(wte->external_data(0).value(), "external.wisp.onnx.data");
}

TEST(OnnxExportTest, FailuresLeaveNoFiles) {
  const std::string dir = testing::TempDir() + "/failures";
  std::filesystem::create_directories(dir);
  absl::Status s = ExportOnnx(dir + "/missing.wisp", dir + "/out.onnx", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;

  // Not a model: the previous output stays as it was.
  const std::string out = dir + "/kept.onnx";
  { std::ofstream(out) << "previous"; }
  { std::ofstream(dir + "/bad.wisp") << "not a wisp file"; }
  s = ExportOnnx(dir + "/bad.wisp", out, {});
  EXPECT_FALSE(s.ok());
  auto kept = testing::ReadFileToString(out);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, "previous");

  const std::string model = dir + "/model.wisp";
  testing::WriteRandomModel(model, testing::TinyLlamaConfig(), 10);
  s = ExportOnnx(model, dir + "/no/such/folder/out.onnx", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 3u);  // kept.onnx, bad.wisp, model.wisp
}

}  // namespace
}  // namespace wisp
