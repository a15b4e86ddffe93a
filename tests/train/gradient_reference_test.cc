// stories260K's loss, gradients and AdamW steps against PyTorch
// (../shared/models/stories260K/reference, key "training"). Tolerances are
// the reference README's: loss 1e-5 relative, gradient norms 1e-4 relative,
// AdamW losses 1e-3 relative; full gradients 1e-4 of their largest entry.
#include <cmath>

#include "gtest/gtest.h"
#include "src/import/llama2c_checkpoint.h"
#include "src/train/trainer.h"
#include "tests/support/json.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using testing::SharedPath;

class GradientReferenceTest : public ::testing::TestWithParam<size_t> {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      const std::string dir = SharedPath("models/stories260K/");
      const std::string path = testing::TempDir() + "/train_stories260K.wisp";
      ASSERT_TRUE(
          ConvertLlama2c(dir + "stories260K.bin", dir + "tok512.bin", path)
              .ok());
      model_ = Model::Load(path)->release();
      auto reference = testing::ReadJsonFile(dir + "reference/reference.json");
      ASSERT_TRUE(reference.ok());
      training_ = new testing::JsonValue((*reference)["training"]);
    });
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(setup_.Check()); }
  inline static ::wisp::testing::SuiteSetup setup_;
  static void TearDownTestSuite() {
    delete model_;
    delete training_;
  }

  // The reference batch, 2 x 32.
  void ReadBatch() {
    for (const char* key : {"batch_inputs", "batch_targets"}) {
      std::vector<int32_t>& out = key[6] == 'i' ? inputs_ : targets_;
      const testing::JsonValue& rows = (*training_)[key];
      for (size_t r = 0; r < rows.size(); ++r) {
        for (size_t i = 0; i < rows[r].size(); ++i) {
          out.push_back(static_cast<int32_t>(rows[r][i].AsInt()));
        }
      }
    }
    ASSERT_EQ(inputs_.size(), 64u);
    ASSERT_EQ(targets_.size(), 64u);
  }

  std::unique_ptr<Trainer> NewTrainer(size_t threads) {
    TrainOptions options;
    options.learning_rate = 1e-3f;
    options.schedule = LrSchedule::kConstant;
    options.weight_decay = 0.1f;
    options.beta1 = 0.9f;
    options.beta2 = 0.95f;
    options.eps = 1e-8f;
    options.grad_clip = 0.0f;
    options.num_threads = threads;
    auto trainer = Trainer::Create(*model_, options);
    EXPECT_TRUE(trainer.ok()) << trainer.status();
    return std::move(*trainer);
  }

  static Model* model_;
  static testing::JsonValue* training_;
  std::vector<int32_t> inputs_, targets_;
};
Model* GradientReferenceTest::model_ = nullptr;
testing::JsonValue* GradientReferenceTest::training_ = nullptr;

TEST_P(GradientReferenceTest, LossAndGradientsMatchPyTorch) {
  ReadBatch();
  auto trainer = NewTrainer(GetParam());
  auto loss =
      trainer->ComputeGradients({inputs_.data(), targets_.data(), 2, 32});
  ASSERT_TRUE(loss.ok()) << loss.status();
  const double expected_loss = (*training_)["loss"].AsDouble();
  EXPECT_NEAR(*loss, expected_loss, 1e-5 * expected_loss);

  const Parameters& grads = trainer->gradients();
  const auto& norms = (*training_)["grad_l2_norms"];
  ASSERT_EQ(norms.size(), grads.tensors().size());
  for (const auto& [name, value] : norms.members()) {
    const TensorView* g = grads.Find(name);
    ASSERT_NE(g, nullptr) << name;
    double sum = 0;
    for (size_t i = 0; i < g->num_elements(); ++i) {
      sum += double(g->f32()[i]) * g->f32()[i];
    }
    EXPECT_NEAR(std::sqrt(sum), value.AsDouble(), 1e-4 * value.AsDouble())
        << name;
  }

  for (const auto& [name, entry] : (*training_)["full_gradients"].members()) {
    auto expected = testing::ReadFloats(
        SharedPath("models/stories260K/reference/" + entry["file"].AsString()));
    ASSERT_TRUE(expected.ok());
    const TensorView* g = grads.Find(name);
    ASSERT_NE(g, nullptr);
    ASSERT_EQ(g->num_elements(), expected->size());
    float largest = 0, worst = 0;
    for (size_t i = 0; i < expected->size(); ++i) {
      largest = std::max(largest, std::abs((*expected)[i]));
      worst = std::max(worst, std::abs(g->f32()[i] - (*expected)[i]));
    }
    EXPECT_LE(worst, 1e-4f * largest) << name;
  }
}

TEST_P(GradientReferenceTest, ThreeAdamWStepsMatchPyTorch) {
  ReadBatch();
  auto trainer = NewTrainer(GetParam());
  const TrainBatch batch{inputs_.data(), targets_.data(), 2, 32};
  const auto& adamw = (*training_)["adamw"];
  auto expected = adamw["loss_after_each_step"].AsDoubleVector();
  ASSERT_TRUE(expected.ok());
  for (size_t step = 0; step < 3; ++step) {
    ASSERT_TRUE(trainer->StepOnBatch(batch).ok());
    // The loss after the step is the next forward's loss.
    auto loss = trainer->ComputeGradients(batch);
    ASSERT_TRUE(loss.ok());
    EXPECT_NEAR(*loss, (*expected)[step], 1e-3 * (*expected)[step])
        << "after step " << step + 1;
  }
  auto final_norm = adamw["final_norm_weight_after_3_steps"].AsDoubleVector();
  ASSERT_TRUE(final_norm.ok());
  const TensorView* norm = trainer->parameters().Find("norm.weight");
  ASSERT_NE(norm, nullptr);
  ASSERT_EQ(norm->num_elements(), final_norm->size());
  for (size_t i = 0; i < final_norm->size(); ++i) {
    EXPECT_NEAR(norm->f32()[i], (*final_norm)[i],
                1e-4 * std::abs((*final_norm)[i]))
        << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, GradientReferenceTest,
                         ::testing::Values(1, 2));

}  // namespace
}  // namespace wisp
