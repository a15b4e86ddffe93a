// The GPT-2 and BERT configurations of the one transformer: the inference
// forward (KV-cache sessions) and the training graph agree, and the masked
// and prefix objectives train.
#include <cmath>

#include "gtest/gtest.h"
#include "src/infer/session.h"
#include "src/train/trainer.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace wisp {
namespace {

std::unique_ptr<Model> LoadRandom(const ModelConfig& config,
                                  const std::string& name) {
  const std::string path = testing::TempDir() + "/family_" + name + ".wisp";
  testing::WriteRandomModel(path, config, 31);
  auto model = Model::Load(path);
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(*model);
}

// Session logits for `ids` (fed as `blocks` pieces) against the training
// graph's logits for the same sequence. Both are f32 with different
// blocking, so they agree to rounding: 1e-5 on logits of order 1.
void ExpectSessionMatchesGraph(const Model& model, MaskKind graph_mask,
                               std::vector<std::vector<int32_t>> blocks,
                               int32_t prefix) {
  std::vector<int32_t> ids;
  for (const auto& b : blocks) ids.insert(ids.end(), b.begin(), b.end());
  const size_t V = model.config().vocab_size;
  SessionOptions options;
  options.num_threads = 2;
  auto session = Session::Create(model, options);
  ASSERT_TRUE(session.ok());
  std::vector<float> from_session(ids.size() * V);
  size_t done = 0;
  for (const auto& b : blocks) {
    ASSERT_TRUE((*session)->Feed(b, from_session.data() + done * V).ok());
    done += b.size();
  }
  TrainGraph graph(model, graph_mask);
  std::vector<int32_t> targets(ids.size(), 0);
  const int32_t length = static_cast<int32_t>(ids.size());
  graph.Forward(model.weights(),
                {ids.data(), targets.data(), 1, ids.size(), &length, &prefix},
                nullptr);
  for (size_t i = 0; i < from_session.size(); ++i) {
    ASSERT_NEAR(from_session[i], graph.logits()[i], 1e-5) << i;
  }
}

TEST(FamiliesTest, Gpt2SessionMatchesTrainingGraph) {
  auto model = LoadRandom(testing::TinyGpt2Config(), "gpt2");
  ExpectSessionMatchesGraph(*model, MaskKind::kCausal,
                            {{1, 5, 9, 30, 2}, {7}, {8, 3, 3}}, 0);
}

TEST(FamiliesTest, BertSessionMatchesTrainingGraph) {
  auto model = LoadRandom(testing::TinyBertConfig(), "bert");
  ExpectSessionMatchesGraph(*model, MaskKind::kBidirectional,
                            {{1, 5, 9, 30, 2, 7, 8, 3}}, 0);
  // Bidirectional: the whole sequence at once.
  auto session = Session::Create(*model, SessionOptions{});
  ASSERT_TRUE((*session)->Feed({1, 2}, nullptr).ok());
  EXPECT_EQ((*session)->Feed({3}, nullptr).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(FamiliesTest, PrefixSessionMatchesTrainingGraph) {
  ModelConfig config = testing::TinyLlamaConfig();
  config.mask = MaskKind::kPrefix;
  auto model = LoadRandom(config, "prefix");
  // The first feed is the prefix; the rest is causal.
  ExpectSessionMatchesGraph(*model, MaskKind::kPrefix,
                            {{1, 5, 9, 30}, {2}, {7, 8}}, 4);
}

TEST(FamiliesTest, BertPaddingDoesNotChangeRealPositions) {
  auto model = LoadRandom(testing::TinyBertConfig(), "bert_pad");
  const size_t V = model->config().vocab_size;
  TrainGraph graph(*model);
  std::vector<int32_t> ids = {1, 5, 9, 30, 2, 0, 0, 0}, targets(8, 0);
  const int32_t full = 8, real = 5;
  graph.Forward(model->weights(),
                {ids.data(), targets.data(), 1, 5, nullptr, nullptr}, nullptr);
  const std::vector<float> unpadded(graph.logits(), graph.logits() + 5 * V);
  graph.Forward(model->weights(),
                {ids.data(), targets.data(), 1, 8, &real, nullptr}, nullptr);
  for (size_t i = 0; i < unpadded.size(); ++i) {
    ASSERT_NEAR(graph.logits()[i], unpadded[i], 1e-5) << i;
  }
  (void)full;
}

// A repetitive language a tiny model can learn quickly.
std::vector<int32_t> PatternData(size_t n) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back(3 + (i * 7 % 11) + (i % 3));
  return ids;
}

TEST(FamiliesTest, MaskedLmTrainingLowersTheMaskedLoss) {
  auto model = LoadRandom(testing::TinyBertConfig(), "bert_mlm");
  TrainOptions options;
  options.objective = Objective::kMasked;
  options.mask_token = 31;
  options.seq_len = 16;
  options.batch_size = 8;
  options.learning_rate = 3e-3f;
  options.eval_fraction = 0.2f;
  options.seed = 4;
  auto trainer = Trainer::Create(*model, options);
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  ASSERT_TRUE((*trainer)->SetData(PatternData(800)).ok());
  auto before = (*trainer)->EvaluateHeldOut();
  ASSERT_TRUE(before.ok());
  for (int i = 0; i < 250; ++i) ASSERT_TRUE((*trainer)->Step().ok());
  auto after = (*trainer)->EvaluateHeldOut();
  ASSERT_TRUE(after.ok());
  // Held-out masked positions (a masking training never saw) get markedly
  // easier: the model learned to read the context on both sides.
  EXPECT_LT(*after, *before * 0.7f) << *before << " -> " << *after;
  // The same held-out evaluation twice: the masking is fixed.
  EXPECT_EQ(*after, *(*trainer)->EvaluateHeldOut());
}

TEST(FamiliesTest, PrefixLmTrainingLowersTheLossAfterThePrefix) {
  auto model = LoadRandom(testing::TinyGpt2Config(), "gpt2_prefix");
  TrainOptions options;
  options.objective = Objective::kPrefix;
  options.seq_len = 16;
  options.batch_size = 8;
  options.learning_rate = 3e-3f;
  options.eval_fraction = 0.2f;
  auto trainer = Trainer::Create(*model, options);
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  ASSERT_TRUE((*trainer)->SetData(PatternData(800)).ok());
  auto before = (*trainer)->EvaluateHeldOut();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*trainer)->Step().ok());
  auto after = (*trainer)->EvaluateHeldOut();
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_LT(*after, *before * 0.6f) << *before << " -> " << *after;
  // The exported model attends with the prefix mask it was trained with.
  const std::string out = testing::TempDir() + "/prefix_tuned.wisp";
  ASSERT_TRUE((*trainer)->ExportModel(out).ok());
  auto tuned = Model::Load(out);
  ASSERT_TRUE(tuned.ok());
  EXPECT_EQ((*tuned)->config().mask, MaskKind::kPrefix);
}

}  // namespace
}  // namespace wisp
