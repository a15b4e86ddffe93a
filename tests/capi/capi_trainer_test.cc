// Fine-tuning and evaluation through the C API.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/cpus.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"
#include "wisp/wisp.h"

namespace {

std::string Error() { return wisp_last_error(); }

const char kStory[] =
    "Once upon a time, there was a little dog named Max. Max liked to run in "
    "the park with his friend Sam. One day, they found a big red ball under a "
    "tree. They played with the ball all day and were very happy.";

class CApiTrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      ASSERT_EQ(wisp_model_load(WISP_DEFAULT_MODEL, nullptr, &model_), WISP_OK);
    });
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(setup_.Check()); }
  inline static ::wisp::testing::SuiteSetup setup_;
  static void TearDownTestSuite() { wisp_model_free(model_); }

  wisp_trainer* NewTrainer(int threads = 1) {
    wisp_trainer_params params = wisp_trainer_default_params();
    params.batch_size = 2;
    params.seq_len = 16;
    params.total_steps = 8;
    params.warmup_steps = 2;
    params.n_threads = threads;
    params.seed = 3;
    wisp_trainer* trainer = nullptr;
    EXPECT_EQ(wisp_trainer_create(model_, &params, &trainer), WISP_OK)
        << Error();
    EXPECT_EQ(wisp_trainer_set_data_text(trainer, kStory, sizeof(kStory) - 1),
              WISP_OK)
        << Error();
    return trainer;
  }

  static wisp_model* model_;
};
wisp_model* CApiTrainerTest::model_ = nullptr;

TEST_F(CApiTrainerTest, StepsLowerTheLossOnTheirData) {
  wisp_trainer* trainer = NewTrainer();
  float before = 0, after = 0;
  ASSERT_EQ(
      wisp_trainer_evaluate_text(trainer, kStory, sizeof(kStory) - 1, &before),
      WISP_OK);
  wisp_step_info info = {};
  info.struct_size = sizeof(info);
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(wisp_trainer_step(trainer, &info), WISP_OK) << Error();
    EXPECT_EQ(info.step, i + 1);
    EXPECT_TRUE(std::isfinite(info.loss));
    EXPECT_GT(info.tokens, 0);
  }
  ASSERT_EQ(
      wisp_trainer_evaluate_text(trainer, kStory, sizeof(kStory) - 1, &after),
      WISP_OK);
  EXPECT_LT(after, before);
  int64_t step = 0;
  ASSERT_EQ(wisp_trainer_get_step(trainer, &step), WISP_OK);
  EXPECT_EQ(step, 8);
  wisp_trainer_free(trainer);
}

TEST_F(CApiTrainerTest, ThreadsAreThoseAskedForUpToTheCpus) {
  const int cpus = ::wisp::testing::AffinityCpus();
  ASSERT_GE(cpus, 1);
  for (int asked : {1, 3, 1024}) {
    wisp_trainer* trainer = NewTrainer(asked);
    ASSERT_NE(trainer, nullptr);
    int32_t threads = -1;
    ASSERT_EQ(wisp_trainer_threads(trainer, &threads), WISP_OK) << Error();
    EXPECT_EQ(threads, std::min(asked, cpus)) << "asked for " << asked;
    EXPECT_EQ(wisp_trainer_threads(trainer, nullptr),
              WISP_ERR_INVALID_ARGUMENT);
    wisp_trainer_free(trainer);
  }
  int32_t threads = -1;
  EXPECT_EQ(wisp_trainer_threads(nullptr, &threads), WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(threads, -1);
}

TEST_F(CApiTrainerTest, EvaluateMatchesTheModelsOwnEvaluation) {
  wisp_trainer* trainer = NewTrainer();
  float from_trainer = 0, from_model = 0;
  ASSERT_EQ(wisp_trainer_evaluate_text(trainer, kStory, sizeof(kStory) - 1,
                                       &from_trainer),
            WISP_OK);
  wisp_eval_params params = wisp_eval_default_params();
  params.seq_len = 16;
  params.batch_size = 2;
  ASSERT_EQ(wisp_model_evaluate(model_, kStory, sizeof(kStory) - 1, &params,
                                &from_model),
            WISP_OK)
      << Error();
  EXPECT_FLOAT_EQ(from_trainer, from_model);
  wisp_trainer_free(trainer);
}

TEST_F(CApiTrainerTest, CallbackCancelsTraining) {
  wisp_trainer* trainer = NewTrainer();
  int calls = 0;
  EXPECT_EQ(wisp_trainer_train(
                trainer, 10,
                [](const wisp_step_info* info, void* user) {
                  ++*static_cast<int*>(user);
                  return info->step == 3 ? 1 : 0;
                },
                &calls),
            WISP_ERR_CANCELLED);
  EXPECT_EQ(calls, 3);
  int64_t step = 0;
  wisp_trainer_get_step(trainer, &step);
  EXPECT_EQ(step, 3);
  wisp_trainer_free(trainer);
}

TEST_F(CApiTrainerTest, ResumeContinuesExactlyAndExportLoads) {
  const std::string ckpt = wisp::testing::TempDir() + "/capi.ckpt";
  const std::string exported = wisp::testing::TempDir() + "/capi_tuned.wisp";
  wisp_trainer* straight = NewTrainer(2);
  std::vector<float> losses;
  wisp_step_info info = {};
  info.struct_size = sizeof(info);
  for (int i = 0; i < 6; ++i) {
    if (i == 3) {
      ASSERT_EQ(wisp_trainer_save_checkpoint(straight, ckpt.c_str()), WISP_OK);
    }
    ASSERT_EQ(wisp_trainer_step(straight, &info), WISP_OK);
    losses.push_back(info.loss);
  }
  ASSERT_EQ(wisp_trainer_export_model(straight, exported.c_str()), WISP_OK);
  wisp_trainer_free(straight);

  wisp_trainer* resumed = NewTrainer(2);
  ASSERT_EQ(wisp_trainer_resume(resumed, ckpt.c_str()), WISP_OK) << Error();
  for (int i = 3; i < 6; ++i) {
    ASSERT_EQ(wisp_trainer_step(resumed, &info), WISP_OK);
    EXPECT_EQ(info.step, i + 1);
    EXPECT_EQ(info.loss, losses[i]) << "bitwise, step " << i + 1;
  }
  wisp_trainer_free(resumed);

  wisp_model* tuned = nullptr;
  ASSERT_EQ(wisp_model_load(exported.c_str(), nullptr, &tuned), WISP_OK);
  wisp_model_free(tuned);
}

TEST_F(CApiTrainerTest, ErrorsAreStatuses) {
  wisp_trainer* trainer = nullptr;
  wisp_trainer_params params = wisp_trainer_default_params();
  params.seq_len = 100000;
  EXPECT_EQ(wisp_trainer_create(model_, &params, &trainer),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(Error().find("sequence length"), std::string::npos) << Error();
  params = wisp_trainer_default_params();
  params.learning_rate = NAN;
  EXPECT_EQ(wisp_trainer_create(model_, &params, &trainer),
            WISP_ERR_INVALID_ARGUMENT);
  params = wisp_trainer_default_params();
  params.batch_size = -1;
  EXPECT_EQ(wisp_trainer_create(model_, &params, &trainer),
            WISP_ERR_INVALID_ARGUMENT);
  params = wisp_trainer_default_params();
  params.mask_token = -5;  // -1 is the default; lower means nothing
  EXPECT_EQ(wisp_trainer_create(model_, &params, &trainer),
            WISP_ERR_INVALID_ARGUMENT);
  // Refused at creation, not first when data is set.
  for (float fraction : {-1.0f, 0.9f, float(NAN)}) {
    params = wisp_trainer_default_params();
    params.eval_fraction = fraction;
    EXPECT_EQ(wisp_trainer_create(model_, &params, &trainer),
              WISP_ERR_INVALID_ARGUMENT)
        << fraction;
  }
  EXPECT_EQ(wisp_trainer_create(nullptr, nullptr, &trainer),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(trainer, nullptr);

  ASSERT_EQ(wisp_trainer_create(model_, nullptr, &trainer), WISP_OK);
  EXPECT_EQ(wisp_trainer_step(trainer, nullptr), WISP_ERR_INVALID_ARGUMENT)
      << "no data yet";
  const int32_t bad_ids[] = {1, 5, 600};
  EXPECT_EQ(wisp_trainer_set_data_ids(trainer, bad_ids, 3),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_trainer_set_data_ids(trainer, bad_ids, 1),
            WISP_ERR_INVALID_ARGUMENT)
      << "one token is no example";
  EXPECT_EQ(wisp_trainer_resume(trainer, "/no/such.ckpt"),
            WISP_ERR_INVALID_ARGUMENT)
      << "resume needs data first";
  ASSERT_EQ(wisp_trainer_set_data_ids(trainer, bad_ids, 2), WISP_OK);
  EXPECT_EQ(wisp_trainer_resume(trainer, "/no/such.ckpt"), WISP_ERR_NOT_FOUND);
  EXPECT_EQ(wisp_trainer_resume(trainer, WISP_DEFAULT_MODEL),
            WISP_ERR_INVALID_ARGUMENT)
      << "a model is not a checkpoint";
  EXPECT_EQ(wisp_trainer_save_checkpoint(trainer, "/no/such/dir/x.ckpt"),
            WISP_ERR_IO);
  EXPECT_EQ(wisp_trainer_step(nullptr, nullptr), WISP_ERR_INVALID_ARGUMENT);
  wisp_trainer_free(trainer);
  wisp_trainer_free(nullptr);

  float loss = 0;
  EXPECT_EQ(wisp_model_evaluate(model_, "a", 0, nullptr, &loss),
            WISP_ERR_INVALID_ARGUMENT)
      << "empty text has only BOS";
}

}  // namespace
