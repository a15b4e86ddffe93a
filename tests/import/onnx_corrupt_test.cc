// Bad ONNX input must give a clear error, never a crash (these also run
// under AddressSanitizer): truncated and corrupted protobuf, unknown
// architectures, missing tensors, wrong shapes and types, and external data
// that is missing, out of range or outside the model's folder.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/import/onnx_import.h"
#include "tests/import/onnx_test_util.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using ::testing::HasSubstr;
using testing::SharedPath;

class OnnxCorruptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      gpt2_ = new onnx::ModelProto(
          testing::LoadOnnx(SharedPath("models/tiny-gpt2/tiny-gpt2.onnx")));
    });
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(setup_.Check()); }
  inline static ::wisp::testing::SuiteSetup setup_;
  static void TearDownTestSuite() { delete gpt2_; }

  // Writes `model` and converts it; returns the status.
  absl::Status Convert(const onnx::ModelProto& model,
                       const OnnxImportOptions& options = {}) {
    testing::SaveOnnx(model, Path("model.onnx"));
    return ConvertOnnx(Path("model.onnx"), options, Path("model.wisp"));
  }
  absl::Status ConvertBytes(const std::string& bytes) {
    std::ofstream(Path("bytes.onnx"), std::ios::binary) << bytes;
    return ConvertOnnx(Path("bytes.onnx"), {}, Path("bytes.wisp"));
  }
  static std::string Path(const std::string& name) {
    return testing::TempDir() + "/corrupt_" + name;
  }

  static onnx::ModelProto* gpt2_;
};

onnx::ModelProto* OnnxCorruptTest::gpt2_ = nullptr;

TEST_F(OnnxCorruptTest, MissingFile) {
  absl::Status status = ConvertOnnx(Path("nonexistent.onnx"), {}, Path("x"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
}

TEST_F(OnnxCorruptTest, TruncatedAndFlippedProtobuf) {
  auto bytes = testing::ReadFileToString(
      SharedPath("models/stories260K/stories260K.onnx"));
  ASSERT_TRUE(bytes.ok());
  // Cuts across the header fields, the first nodes and deep into the
  // initializers; every one must fail cleanly.
  // (The last bytes, after the graph, hold only the opset list.)
  for (size_t length = 0; length + 64 < bytes->size();
       length += 1 + length / 8) {
    absl::Status status = ConvertBytes(bytes->substr(0, length));
    EXPECT_FALSE(status.ok()) << "truncated to " << length;
    EXPECT_FALSE(status.message().empty());
  }
  // Flipped bytes may still parse; they must not crash.
  for (size_t i = 0; i < 2000; i += 13) {
    std::string flipped = *bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    (void)ConvertBytes(flipped);
  }
  EXPECT_EQ(ConvertBytes("not a protobuf at all").code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(OnnxCorruptTest, UnknownArchitectureListsNames) {
  onnx::ModelProto model;
  model.mutable_graph()->set_name("g");
  *model.mutable_graph()->add_initializer() = testing::FloatTensor(
      "encoder.blocks.0.conv.weight", {2, 2}, {1, 2, 3, 4});
  absl::Status status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("unknown architecture"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("encoder.blocks.0.conv.weight [2, 2]"));
  // A GPT-2 file is not a LLaMA one.
  OnnxImportOptions llama;
  llama.architecture = OnnxArchitecture::kLlama;
  status = Convert(*gpt2_, llama);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--arch"));
}

TEST_F(OnnxCorruptTest, MissingTensorIsNamed) {
  onnx::ModelProto model = *gpt2_;
  auto* inits = model.mutable_graph()->mutable_initializer();
  for (int i = 0; i < inits->size(); ++i) {
    if ((*inits)[i].name() == "transformer.h.1.ln_2.bias") {
      inits->DeleteSubrange(i, 1);
    }
  }
  absl::Status status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("missing tensor 'transformer.h.1.ln_2.bias'"));
}

TEST_F(OnnxCorruptTest, WrongShapeIsNamed) {
  onnx::ModelProto model = *gpt2_;
  onnx::TensorProto* t =
      testing::FindInitializer(&model, "transformer.h.1.mlp.c_proj.weight");
  ASSERT_NE(t, nullptr);
  t->set_dims(0, 128);  // [128, 128]: the same bytes, another shape
  t->set_dims(1, 128);
  absl::Status status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("'transformer.h.1.mlp.c_proj.weight' has shape "
                        "[128, 128], expected [64, 256]"));
}

TEST_F(OnnxCorruptTest, DataShorterThanShape) {
  onnx::ModelProto model = *gpt2_;
  onnx::TensorProto* t =
      testing::FindInitializer(&model, "transformer.h.0.ln_1.weight");
  t->mutable_raw_data()->resize(10);
  absl::Status status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("'transformer.h.0.ln_1.weight' has 10 bytes"));
  t->set_dims(0, -5);
  EXPECT_EQ(Convert(model).code(), absl::StatusCode::kDataLoss);
}

TEST_F(OnnxCorruptTest, HalfPrecisionIsUnimplemented) {
  onnx::ModelProto model = *gpt2_;
  onnx::TensorProto* t =
      testing::FindInitializer(&model, "transformer.h.0.attn.c_attn.weight");
  t->set_data_type(onnx::TensorProto::FLOAT16);
  t->mutable_raw_data()->resize(t->raw_data().size() / 2);
  absl::Status status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(status.message()), HasSubstr("FLOAT16"));
  t->set_data_type(onnx::TensorProto::BFLOAT16);
  EXPECT_EQ(Convert(model).code(), absl::StatusCode::kUnimplemented);
}

TEST_F(OnnxCorruptTest, BadExternalData) {
  onnx::ModelProto model = *gpt2_;
  onnx::TensorProto* t =
      testing::FindInitializer(&model, "transformer.h.0.ln_1.bias");
  t->clear_raw_data();
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = t->add_external_data();
  location->set_key("location");
  location->set_value("corrupt_missing.bin");
  absl::Status status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("corrupt_missing.bin"));

  std::ofstream(Path("short.bin"), std::ios::binary) << "0123456789";
  location->set_value("corrupt_short.bin");
  status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("outside"));

  auto* offset = t->add_external_data();
  offset->set_key("offset");
  offset->set_value("18446744073709551615");
  EXPECT_EQ(Convert(model).code(), absl::StatusCode::kDataLoss);
  offset->set_value("12abc");
  EXPECT_EQ(Convert(model).code(), absl::StatusCode::kDataLoss);

  offset->set_value("0");
  for (const char* escape : {"../secret.bin", "/etc/passwd", ""}) {
    location->set_value(escape);
    status = Convert(model);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << escape;
  }
}

TEST_F(OnnxCorruptTest, IdentityCycleEnds) {
  onnx::ModelProto model = *gpt2_;
  onnx::NodeProto* a = model.mutable_graph()->add_node();
  a->set_op_type("Identity");
  a->add_input("lm_head.weight");
  a->add_output("cycle");
  onnx::NodeProto* b = model.mutable_graph()->add_node();
  b->set_op_type("Identity");
  b->add_input("cycle");
  b->add_output("lm_head.weight");
  absl::Status status = Convert(model);
  EXPECT_TRUE(status.ok()) << status;  // not found: tied, as the graph says
}

TEST_F(OnnxCorruptTest, HeadCountNotInTheGraph) {
  onnx::ModelProto model = *gpt2_;
  model.mutable_graph()->clear_node();
  absl::Status status = Convert(model);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--n-heads"));
  OnnxImportOptions options;
  options.n_heads = 4;
  EXPECT_TRUE(Convert(model, options).ok());
  options.n_heads = 5;  // does not divide 64
  EXPECT_EQ(Convert(model, options).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(OnnxCorruptTest, TokenizerOptionsAreChecked) {
  OnnxImportOptions options;
  options.gpt2_vocab = SharedPath("models/gpt2-tokenizer/encoder.json");
  EXPECT_EQ(Convert(*gpt2_, options).code(),
            absl::StatusCode::kInvalidArgument);
  options.llama2c_tokenizer = SharedPath("models/stories260K/tok512.bin");
  options.gpt2_merges = SharedPath("models/gpt2-tokenizer/vocab.bpe");
  EXPECT_EQ(Convert(*gpt2_, options).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wisp
