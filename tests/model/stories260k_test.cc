// stories260K, the real pre-trained model, against llama2.c's own outputs
// (../shared/models/stories260K/reference). Tolerance: 1e-4 absolute on
// logits of magnitude up to ~22, as the reference README suggests (PyTorch
// and run.c themselves differ by 2.1e-5).
#include <cmath>

#include "gtest/gtest.h"
#include "src/import/llama2c_checkpoint.h"
#include "src/infer/session.h"
#include "tests/support/json.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using testing::SharedPath;

constexpr float kLogitTolerance = 1e-4f;

class Stories260kTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      const std::string dir = SharedPath("models/stories260K/");
      const std::string path = testing::TempDir() + "/stories260K.wisp";
      absl::Status converted =
          ConvertLlama2c(dir + "stories260K.bin", dir + "tok512.bin", path);
      ASSERT_TRUE(converted.ok()) << converted;
      auto model = Model::Load(path);
      ASSERT_TRUE(model.ok()) << model.status();
      model_ = model->release();
      auto reference = testing::ReadJsonFile(dir + "reference/reference.json");
      ASSERT_TRUE(reference.ok()) << reference.status();
      reference_ = new testing::JsonValue(std::move(*reference));
    });
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(setup_.Check()); }
  inline static ::wisp::testing::SuiteSetup setup_;
  static void TearDownTestSuite() {
    delete model_;
    delete reference_;
  }

  static std::vector<int32_t> Ids(const testing::JsonValue& array) {
    std::vector<int32_t> ids;
    for (size_t i = 0; i < array.size(); ++i) {
      ids.push_back(static_cast<int32_t>(array[i].AsInt()));
    }
    return ids;
  }

  static Model* model_;
  static testing::JsonValue* reference_;
};

Model* Stories260kTest::model_ = nullptr;
testing::JsonValue* Stories260kTest::reference_ = nullptr;

struct LogitsCase {
  const char* sequence;
  size_t threads;
  size_t block;  // max_block_tokens: 1 is token-by-token decoding
};

void PrintTo(const LogitsCase& c, std::ostream* os) {
  *os << c.sequence << "/" << c.threads << "t/" << c.block;
}

class Stories260kLogitsTest : public Stories260kTest,
                              public ::testing::WithParamInterface<LogitsCase> {
};

TEST_P(Stories260kLogitsTest, MatchesLlama2cLogits) {
  const LogitsCase& c = GetParam();
  const testing::JsonValue& seq = (*reference_)["sequences"][c.sequence];
  const std::vector<int32_t> ids = Ids(seq["input_ids"]);
  auto expected = testing::ReadFloats(
      SharedPath("models/stories260K/reference/" + seq["file"].AsString()));
  ASSERT_TRUE(expected.ok());
  ASSERT_EQ(expected->size(), ids.size() * 512);

  SessionOptions options;
  options.num_threads = c.threads;
  options.max_block_tokens = c.block;
  auto session = Session::Create(*model_, options);
  ASSERT_TRUE(session.ok());
  std::vector<float> logits(ids.size() * 512);
  ASSERT_TRUE((*session)->Feed(ids, logits.data()).ok());
  float max_diff = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(logits[i] - (*expected)[i]));
  }
  EXPECT_LE(max_diff, kLogitTolerance);
  // The session keeps the last row for sampling.
  auto last = (*session)->last_logits();
  EXPECT_TRUE(std::equal(last.begin(), last.end(), logits.end() - 512));
}

INSTANTIATE_TEST_SUITE_P(
    Sequences, Stories260kLogitsTest,
    ::testing::Values(LogitsCase{"once", 1, 256}, LogitsCase{"s64", 1, 256},
                      LogitsCase{"s200", 1, 256}, LogitsCase{"s200", 2, 256},
                      LogitsCase{"s200", 1, 1}, LogitsCase{"s200", 2, 7},
                      LogitsCase{"s64", 2, 64}),
    [](const ::testing::TestParamInfo<LogitsCase>& info) {
      return std::string(info.param.sequence) + "_threads" +
             std::to_string(info.param.threads) + "_block" +
             std::to_string(info.param.block);
    });

TEST_F(Stories260kTest, GreedyGenerationMatchesLlama2cRun) {
  auto greedy = testing::ReadJsonFile(
      SharedPath("models/stories260K/reference/greedy.json"));
  ASSERT_TRUE(greedy.ok());
  const std::vector<int32_t> prompt = Ids((*greedy)["prompt_ids"]);
  const std::vector<int32_t> expected = Ids((*greedy)["generated_ids"]);

  std::vector<int32_t> prompt_from_text;
  ASSERT_TRUE(model_->tokenizer()
                  ->Encode("Once upon a time", true, false, &prompt_from_text)
                  .ok());
  EXPECT_EQ(prompt_from_text, prompt);

  for (size_t threads : {1, 2}) {
    SessionOptions options;
    options.num_threads = threads;
    auto session = Session::Create(*model_, options);
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE((*session)->Feed(prompt, nullptr).ok());
    SamplerParams params;
    params.temperature = 0;
    Sampler sampler(params);
    std::vector<int32_t> generated;
    std::string text = "Once upon a time";
    auto reason =
        (*session)->Generate(&sampler, expected.size(), [&](int32_t t) {
          text += model_->tokenizer()->DecodeToken(
              generated.empty() ? prompt.back() : generated.back(), t);
          generated.push_back(t);
          return true;
        });
    ASSERT_TRUE(reason.ok());
    EXPECT_EQ(*reason, StopReason::kMaxTokens);
    EXPECT_EQ(generated, expected) << "threads " << threads;
    EXPECT_EQ(text, (*greedy)["text"].AsString());
  }
}

}  // namespace
}  // namespace wisp
