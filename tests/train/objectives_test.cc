#include "src/train/objectives.h"

#include <vector>

#include "gtest/gtest.h"
#include "src/train/train_graph.h"

namespace wisp {
namespace {

TEST(ObjectivesTest, MaskedLmFollowsBertsRecipe) {
  ObjectiveOptions o;
  o.objective = Objective::kMasked;
  o.mask_token = 99;
  o.vocab_size = 100;
  Rng rng(5);
  const size_t B = 200, T = 50;
  std::vector<int32_t> inputs(B * T), targets(B * T), lengths(B, T),
      prefixes(B, 0);
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = i % 90;
  const std::vector<int32_t> original = inputs;
  lengths[0] = 10;  // padding after 10 tokens is never chosen
  ApplyObjective(o, &rng, B, T, inputs.data(), targets.data(), lengths.data(),
                 prefixes.data());
  size_t chosen = 0, masked = 0, kept = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (targets[i] == kIgnoreTarget) {
      EXPECT_EQ(inputs[i], original[i]) << "unchosen positions are untouched";
      continue;
    }
    EXPECT_LT(i % T, size_t(lengths[i / T]));
    EXPECT_EQ(targets[i], original[i]) << "the target is the original token";
    ++chosen;
    masked += inputs[i] == 99;
    kept += inputs[i] == original[i];
  }
  // 9,960 real positions: ~15% chosen; of those ~80% masked, ~10% kept
  // (plus random replacements that hit the original, ~0.1%).
  const double n = chosen;
  EXPECT_NEAR(n / (B * T - 40), 0.15, 0.015);
  EXPECT_NEAR(masked / n, 0.8, 0.03);
  EXPECT_NEAR(kept / n, 0.1, 0.03);
}

TEST(ObjectivesTest, MaskedLmChoosesAtLeastOnePosition) {
  ObjectiveOptions o;
  o.objective = Objective::kMasked;
  o.mask_probability = 1e-6f;
  o.mask_token = 7;
  o.vocab_size = 10;
  Rng rng(1);
  std::vector<int32_t> inputs = {1, 2, 3, 4}, targets(4), lengths = {4},
                       prefixes = {0};
  ApplyObjective(o, &rng, 1, 4, inputs.data(), targets.data(), lengths.data(),
                 prefixes.data());
  int counted = 0;
  for (int32_t t : targets) counted += t != kIgnoreTarget;
  EXPECT_EQ(counted, 1);
}

TEST(ObjectivesTest, PrefixLmCountsOnlyTokensAfterThePrefix) {
  ObjectiveOptions o;
  o.objective = Objective::kPrefix;
  Rng rng(2);
  std::vector<int32_t> inputs = {1, 2, 3, 4, 5, 6},
                       targets = {2, 3, 4, 5, 6, 7}, lengths = {6},
                       prefixes = {3};
  ApplyObjective(o, &rng, 1, 6, inputs.data(), targets.data(), lengths.data(),
                 prefixes.data());
  // Prefix tokens 1 2 3: predicting 4 (position 2) is the first counted.
  EXPECT_EQ(targets,
            (std::vector<int32_t>{kIgnoreTarget, kIgnoreTarget, 4, 5, 6, 7}));
  // Without a given prefix one is drawn in [1, length - 1].
  std::vector<int32_t> drawn = {0};
  ApplyObjective(o, &rng, 1, 6, inputs.data(), targets.data(), lengths.data(),
                 drawn.data());
  EXPECT_GE(drawn[0], 1);
  EXPECT_LE(drawn[0], 5);
}

TEST(ObjectivesTest, ObjectivesChooseTheirMasks) {
  EXPECT_EQ(MaskFor(Objective::kMasked, MaskKind::kCausal),
            MaskKind::kBidirectional);
  EXPECT_EQ(MaskFor(Objective::kPrefix, MaskKind::kCausal), MaskKind::kPrefix);
  EXPECT_EQ(MaskFor(Objective::kCausal, MaskKind::kCausal), MaskKind::kCausal);
}

TEST(ObjectivesTest, MaskedLmNeedsAMaskToken) {
  ObjectiveOptions o;
  o.objective = Objective::kMasked;
  o.vocab_size = 10;
  EXPECT_FALSE(ValidateObjective(o).ok());
  o.mask_token = 10;
  EXPECT_FALSE(ValidateObjective(o).ok());
  o.mask_token = 3;
  EXPECT_TRUE(ValidateObjective(o).ok());
}

}  // namespace
}  // namespace wisp
