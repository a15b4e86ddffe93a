// Sessions on a tiny random model: context bookkeeping, errors, and the
// equivalence of prefill and token-by-token decoding.
#include "src/infer/session.h"

#include <cmath>

#include "gtest/gtest.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace wisp {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      const std::string path = testing::TempDir() + "/session_tiny.wisp";
      testing::WriteRandomLlama(path, testing::TinyLlamaConfig(), 42);
      model_ = Model::Load(path)->release();
    });
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(setup_.Check()); }
  inline static ::wisp::testing::SuiteSetup setup_;
  static void TearDownTestSuite() { delete model_; }

  std::unique_ptr<Session> NewSession(size_t threads = 1, size_t context = 0) {
    SessionOptions options;
    options.num_threads = threads;
    options.context_length = context;
    auto session = Session::Create(*model_, options);
    EXPECT_TRUE(session.ok()) << session.status();
    return std::move(*session);
  }

  static Model* model_;
};
Model* SessionTest::model_ = nullptr;

TEST_F(SessionTest, PrefillEqualsDecodingTokenByToken) {
  const std::vector<int32_t> ids = {1, 5, 9, 30, 2, 2, 17, 0, 31, 8};
  auto prefill = NewSession();
  std::vector<float> all(ids.size() * 32);
  ASSERT_TRUE(prefill->Feed(ids, all.data()).ok());
  auto decode = NewSession(2);
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(decode->Feed({ids[i]}, nullptr).ok());
    auto last = decode->last_logits();
    for (size_t v = 0; v < 32; ++v) {
      // Same math, different blocking of the GEMM: f32 rounding only.
      EXPECT_NEAR(last[v], all[i * 32 + v], 1e-5f) << i << "," << v;
    }
  }
  EXPECT_EQ(decode->position(), ids.size());
}

// A prompt fed without all logits runs the rest of its last layer for the
// last token alone: its logits, and the cache it leaves for the next token,
// must match a prompt that computed every row.
TEST_F(SessionTest, LastTokenOnlyPromptMatchesFullPrompt) {
  const std::vector<int32_t> ids = {4, 8, 15, 16, 23, 1, 7, 30, 2};
  const std::vector<int32_t> next = {11};
  for (size_t threads : {1, 2}) {
    auto full = NewSession(threads);
    std::vector<float> all(ids.size() * 32);
    ASSERT_TRUE(full->Feed(ids, all.data()).ok());
    auto pruned = NewSession(threads);
    ASSERT_TRUE(pruned->Feed(ids, nullptr).ok());
    auto last = pruned->last_logits();
    for (size_t v = 0; v < 32; ++v) {
      // The last row runs as a matrix-vector product here: f32 rounding.
      EXPECT_NEAR(last[v], all[(ids.size() - 1) * 32 + v], 1e-5f) << v;
    }
    ASSERT_TRUE(full->Feed(next, nullptr).ok());
    ASSERT_TRUE(pruned->Feed(next, nullptr).ok());
    for (size_t v = 0; v < 32; ++v) {
      EXPECT_NEAR(pruned->last_logits()[v], full->last_logits()[v], 1e-5f) << v;
    }
  }
}

TEST_F(SessionTest, ThreadCountDoesNotChangeResults) {
  const std::vector<int32_t> ids = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5};
  std::vector<float> one(ids.size() * 32), two(ids.size() * 32);
  ASSERT_TRUE(NewSession(1)->Feed(ids, one.data()).ok());
  ASSERT_TRUE(NewSession(2)->Feed(ids, two.data()).ok());
  EXPECT_EQ(one, two) << "bitwise identical for any thread count";
}

TEST_F(SessionTest, RejectsTokensOutsideTheVocabulary) {
  auto session = NewSession();
  for (int32_t bad : {-1, 32, 1 << 30}) {
    absl::Status s = session->Feed({1, bad}, nullptr);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(session->position(), 0u) << "nothing was fed";
}

TEST_F(SessionTest, ContextOverflowIsOutOfRangeAndFeedsNothing) {
  auto session = NewSession(1, 8);
  ASSERT_TRUE(session->Feed({1, 2, 3, 4, 5, 6}, nullptr).ok());
  EXPECT_EQ(session->Feed({1, 2, 3}, nullptr).code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(session->position(), 6u);
  EXPECT_TRUE(session->Feed({7, 8}, nullptr).ok());
}

TEST_F(SessionTest, GenerateStopsWhenTheContextIsFull) {
  auto session = NewSession(1, 8);
  ASSERT_TRUE(session->Feed({1, 2, 3}, nullptr).ok());
  SamplerParams params;
  params.temperature = 0;
  Sampler sampler(params);
  size_t count = 0;
  auto reason = session->Generate(&sampler, 100, [&](int32_t) {
    ++count;
    return true;
  });
  ASSERT_TRUE(reason.ok());
  EXPECT_EQ(*reason, StopReason::kContextFull);
  EXPECT_EQ(count, 5u);
}

TEST_F(SessionTest, GenerateStopsWhenTheCallbackSaysSo) {
  auto session = NewSession();
  ASSERT_TRUE(session->Feed({1, 2, 3}, nullptr).ok());
  Sampler sampler(SamplerParams{});
  size_t count = 0;
  auto reason =
      session->Generate(&sampler, 100, [&](int32_t) { return ++count < 4; });
  ASSERT_TRUE(reason.ok());
  EXPECT_EQ(*reason, StopReason::kCallback);
  EXPECT_EQ(count, 4u);
  EXPECT_EQ(session->position(), 7u);
}

TEST_F(SessionTest, SamplingBeforeFeedingIsAnError) {
  auto session = NewSession();
  Sampler sampler(SamplerParams{});
  EXPECT_EQ(session->SampleNext(&sampler).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionTest, ResetStartsAfresh) {
  auto session = NewSession();
  std::vector<float> first(3 * 32), again(3 * 32);
  ASSERT_TRUE(session->Feed({4, 5, 6}, first.data()).ok());
  session->Reset();
  EXPECT_EQ(session->position(), 0u);
  EXPECT_TRUE(session->last_logits().empty());
  ASSERT_TRUE(session->Feed({4, 5, 6}, again.data()).ok());
  EXPECT_EQ(first, again);
}

TEST_F(SessionTest, SeededSamplingIsReproducible) {
  auto run = [&](uint64_t seed) {
    auto session = NewSession();
    EXPECT_TRUE(session->Feed({1}, nullptr).ok());
    SamplerParams params;
    params.temperature = 1.5f;
    params.top_k = 0;
    params.top_p = 1.0f;
    params.seed = seed;
    Sampler sampler(params);
    std::vector<int32_t> out;
    EXPECT_TRUE(session
                    ->Generate(&sampler, 40,
                               [&](int32_t t) {
                                 out.push_back(t);
                                 return true;
                               })
                    .ok());
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST_F(SessionTest, CreateRejectsBadOptions) {
  SessionOptions options;
  options.context_length = 65;  // the model's maximum is 64
  EXPECT_EQ(Session::Create(*model_, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.context_length = 0;
  options.num_threads = 0;
  EXPECT_EQ(Session::Create(*model_, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wisp
