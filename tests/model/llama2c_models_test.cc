// Other llama2.c-format models, not just stories260K: multi-head and
// multi-query attention, an unshared classifier, odd sizes. Each is written
// with random weights, converted, and compared against the independent double
// precision reference in reference_llama.cc. Tolerance 1e-4 absolute: logits
// here are O(1), and f32 accumulation over dims <= 96 errs by ~1e-6.
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/import/llama2c_checkpoint.h"
#include "src/infer/session.h"
#include "tests/model/reference_llama.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using testing::TempDir;

struct Llama2cConfig {
  const char* name;
  int dim, hidden, layers, heads, kv_heads, vocab, seq_len;
};

void PrintTo(const Llama2cConfig& c, std::ostream* os) { *os << c.name; }

class Llama2cModelsTest : public ::testing::TestWithParam<Llama2cConfig> {};

TEST_P(Llama2cModelsTest, ConvertedModelMatchesReferenceForward) {
  const Llama2cConfig& c = GetParam();
  const std::string base = absl::StrCat(TempDir(), "/", c.name);
  testing::WriteRandomLlama2cCheckpoint(base + ".bin", c.dim, c.hidden,
                                        c.layers, c.heads, c.kv_heads, c.vocab,
                                        c.seq_len, 11);
  testing::WriteLlama2cTokenizer(base + ".tok", std::abs(c.vocab));
  absl::Status converted =
      ConvertLlama2c(base + ".bin", base + ".tok", base + ".wisp");
  ASSERT_TRUE(converted.ok()) << converted;
  auto model = Model::Load(base + ".wisp");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->config().tied_embeddings, c.vocab > 0);

  std::mt19937 rng(5);
  std::vector<int32_t> ids = {1};
  while (static_cast<int>(ids.size()) < c.seq_len - 3) {
    ids.push_back(static_cast<int32_t>(rng() % std::abs(c.vocab)));
  }
  const std::vector<float> expected = testing::ReferenceLogits(
      testing::ReadLlama2cCheckpoint(base + ".bin"), ids);

  for (size_t block : {size_t{1}, size_t{16}, size_t{256}}) {
    SessionOptions options;
    options.num_threads = 2;
    options.max_block_tokens = block;
    auto session = Session::Create(**model, options);
    ASSERT_TRUE(session.ok());
    std::vector<float> logits(ids.size() * std::abs(c.vocab));
    ASSERT_TRUE((*session)->Feed(ids, logits.data()).ok());
    float max_diff = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(logits[i] - expected[i]));
    }
    EXPECT_LE(max_diff, 1e-4f) << "block " << block;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, Llama2cModelsTest,
    ::testing::Values(
        // multi-head (no grouping), shared classifier
        Llama2cConfig{"mha", 48, 100, 3, 6, 6, 300, 48},
        // multi-query (one KV head), unshared classifier (negative vocab)
        Llama2cConfig{"mqa_unshared", 32, 88, 2, 4, 1, -270, 40},
        // grouped-query with odd hidden size and wide heads
        Llama2cConfig{"gqa_odd", 96, 173, 2, 3, 1, 261, 33}),
    [](const ::testing::TestParamInfo<Llama2cConfig>& info) {
      return std::string(info.param.name);
    });

class Llama2cImportErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = TempDir() + "/import_errors";
    testing::WriteRandomLlama2cCheckpoint(base_ + ".bin", 16, 40, 1, 4, 2, 260,
                                          16, 3);
    testing::WriteLlama2cTokenizer(base_ + ".tok", 260);
    bytes_ = *testing::ReadFileToString(base_ + ".bin");
  }
  absl::Status ConvertBytes(const std::string& bytes) {
    std::ofstream(base_ + ".bad", std::ios::binary | std::ios::trunc) << bytes;
    return ConvertLlama2c(base_ + ".bad", base_ + ".tok", base_ + ".wisp");
  }
  std::string base_, bytes_;
};

TEST_F(Llama2cImportErrorsTest, TheGoodFileConverts) {
  EXPECT_TRUE(ConvertBytes(bytes_).ok());
}

TEST_F(Llama2cImportErrorsTest, TruncatedCheckpointIsDataLoss) {
  for (size_t length : {size_t{0}, size_t{5}, size_t{28}, size_t{29},
                        bytes_.size() / 2, bytes_.size() - 1}) {
    absl::Status s = ConvertBytes(bytes_.substr(0, length));
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << length << ": " << s;
  }
}

TEST_F(Llama2cImportErrorsTest, TrailingBytesAreRejected) {
  absl::Status s = ConvertBytes(bytes_ + "1234");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("unexpected bytes"), std::string::npos);
}

TEST_F(Llama2cImportErrorsTest, AbsurdHeadersAreRejected) {
  auto with_field = [&](int field, int32_t value) {
    std::string bytes = bytes_;
    std::memcpy(bytes.data() + 4 * field, &value, 4);
    return ConvertBytes(bytes);
  };
  EXPECT_FALSE(with_field(0, -16).ok());
  EXPECT_FALSE(with_field(3, 0).ok());
  EXPECT_FALSE(with_field(3, 5).ok()) << "dim 16 is not divisible by 5 heads";
  EXPECT_FALSE(with_field(4, 3).ok()) << "4 heads in 3 KV groups";
  EXPECT_FALSE(with_field(2, 1 << 30).ok()) << "a billion layers";
  EXPECT_FALSE(with_field(5, 0).ok());
}

TEST_F(Llama2cImportErrorsTest, MissingTokenizerIsNotFound) {
  EXPECT_EQ(ConvertLlama2c(base_ + ".bin", base_ + ".missing", base_ + ".wisp")
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(Llama2cImportErrorsTest, TokenizerOfAnotherVocabularyIsAnError) {
  testing::WriteLlama2cTokenizer(base_ + ".small.tok", 200);
  EXPECT_FALSE(
      ConvertLlama2c(base_ + ".bin", base_ + ".small.tok", base_ + ".wisp")
          .ok());
}

}  // namespace
}  // namespace wisp
