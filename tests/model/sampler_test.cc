#include "src/infer/sampler.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace wisp {
namespace {

SamplerParams Params(float temperature, int top_k, float top_p,
                     uint64_t seed = 1) {
  SamplerParams p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.seed = seed;
  return p;
}

TEST(SamplerTest, GreedyPicksTheFirstMaximum) {
  Sampler sampler(Params(0, 0, 1));
  std::vector<float> logits = {1, 5, 2, 5, -1};
  EXPECT_EQ(sampler.Sample(absl::MakeSpan(logits), {}), 1);
}

TEST(SamplerTest, TopKOfOneIsGreedy) {
  Sampler sampler(Params(1.0f, 1, 1.0f));
  for (int i = 0; i < 20; ++i) {
    std::vector<float> logits = {0.1f, 0.3f, 0.2f};
    EXPECT_EQ(sampler.Sample(absl::MakeSpan(logits), {}), 1);
  }
}

TEST(SamplerTest, FrequenciesFollowTheSoftmax) {
  // logits log(0.5), log(0.3), log(0.2): 20000 draws, each frequency within
  // 0.015 of its probability (over 4 standard deviations).
  Sampler sampler(Params(1.0f, 0, 1.0f, 3));
  const std::vector<float> base = {std::log(0.5f), std::log(0.3f),
                                   std::log(0.2f)};
  std::vector<int> counts(3);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    std::vector<float> logits = base;
    ++counts[sampler.Sample(absl::MakeSpan(logits), {})];
  }
  EXPECT_NEAR(counts[0] / double(draws), 0.5, 0.015);
  EXPECT_NEAR(counts[1] / double(draws), 0.3, 0.015);
  EXPECT_NEAR(counts[2] / double(draws), 0.2, 0.015);
}

TEST(SamplerTest, TopPKeepsTheSmallestNucleus) {
  // Probabilities 0.5, 0.3, 0.2: top_p 0.7 keeps the first two only.
  Sampler sampler(Params(1.0f, 0, 0.7f, 9));
  for (int i = 0; i < 2000; ++i) {
    std::vector<float> logits = {std::log(0.5f), std::log(0.3f),
                                 std::log(0.2f)};
    EXPECT_NE(sampler.Sample(absl::MakeSpan(logits), {}), 2);
  }
}

TEST(SamplerTest, RepetitionPenaltyDemotesSeenTokens) {
  SamplerParams p = Params(0, 0, 1);
  p.repetition_penalty = 2.0f;
  Sampler sampler(p);
  std::vector<float> logits = {3.0f, 2.0f, -1.0f};
  const std::vector<int32_t> history = {0, 2};
  EXPECT_EQ(sampler.Sample(absl::MakeSpan(logits), history), 1);
  EXPECT_FLOAT_EQ(logits[0], 1.5f);
  EXPECT_FLOAT_EQ(logits[2], -2.0f);
}

TEST(SamplerTest, ValidationRejectsNonsense) {
  EXPECT_FALSE(ValidateSamplerParams(Params(-1, 0, 1)).ok());
  EXPECT_FALSE(ValidateSamplerParams(Params(NAN, 0, 1)).ok());
  EXPECT_FALSE(ValidateSamplerParams(Params(1, 0, 0)).ok());
  SamplerParams p;
  p.repetition_penalty = 0;
  EXPECT_FALSE(ValidateSamplerParams(p).ok());
  EXPECT_TRUE(ValidateSamplerParams(SamplerParams{}).ok());
}

TEST(RngTest, SameSeedSameStreamAndUniformInRange) {
  Rng a(123), b(123), c(124);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const float u = a.Uniform();
    EXPECT_EQ(u, b.Uniform());
    differs |= u != c.Uniform();
    EXPECT_GE(u, 0.0f);
    EXPECT_LT(u, 1.0f);
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace wisp
