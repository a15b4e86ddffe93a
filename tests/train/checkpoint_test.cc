// Checkpoints: resuming is exact, and a crash during a save never destroys
// the previous checkpoint.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "src/train/trainer.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace wisp {
namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = testing::TempDir() + "/ckpt_base.wisp";
    testing::WriteRandomLlama(path, testing::TinyLlamaConfig(), 5);
    model_ = std::move(*Model::Load(path));
    for (int i = 0; i < 400; ++i) data_.push_back((i * 7 + i / 13) % 32);
  }

  std::unique_ptr<Trainer> NewTrainer(size_t threads) {
    TrainOptions options;
    options.batch_size = 3;
    options.seq_len = 16;
    options.grad_accum = 2;
    options.warmup_steps = 2;
    options.total_steps = 10;
    options.seed = 11;
    options.num_threads = threads;
    auto trainer = Trainer::Create(*model_, options);
    EXPECT_TRUE(trainer.ok());
    EXPECT_TRUE((*trainer)->SetData(data_).ok());
    return std::move(*trainer);
  }

  std::unique_ptr<Model> model_;
  std::vector<int32_t> data_;
};

TEST_F(CheckpointTest, ResumeGivesBitwiseIdenticalLosses) {
  for (size_t threads : {1, 2}) {
    const std::string ckpt = testing::TempDir() + "/resume.ckpt";
    auto straight = NewTrainer(threads);
    std::vector<float> losses;
    for (int step = 0; step < 10; ++step) {
      if (step == 5) {
        ASSERT_TRUE(straight->SaveCheckpoint(ckpt).ok());
      }
      losses.push_back(straight->Step()->loss);
    }
    auto resumed = NewTrainer(threads);
    ASSERT_TRUE(resumed->LoadCheckpoint(ckpt).ok());
    EXPECT_EQ(resumed->step(), 5u);
    for (int step = 5; step < 10; ++step) {
      auto result = resumed->Step();
      ASSERT_TRUE(result.ok());
      EXPECT_EQ(result->step, size_t(step) + 1);
      EXPECT_EQ(result->loss, losses[step]) << "step " << step + 1;
    }
    // And the weights end up identical.
    EXPECT_TRUE(std::equal(
        straight->parameters().data(),
        straight->parameters().data() + straight->parameters().size(),
        resumed->parameters().data()));
  }
}

TEST_F(CheckpointTest, ACheckpointIsAlsoALoadableModel) {
  const std::string ckpt = testing::TempDir() + "/as_model.ckpt";
  auto trainer = NewTrainer(1);
  ASSERT_TRUE(trainer->Step().ok());
  ASSERT_TRUE(trainer->SaveCheckpoint(ckpt).ok());
  auto file = WispFile::Open(ckpt);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->kind(), FileKind::kCheckpoint);
  ASSERT_NE((*file)->training(), nullptr);
  EXPECT_EQ((*file)->training()->step, 1u);
  EXPECT_TRUE(Model::Load(ckpt).ok());
}

TEST_F(CheckpointTest, ResumeRejectsWrongFiles) {
  auto trainer = NewTrainer(1);
  const std::string model_path = testing::TempDir() + "/ckpt_base.wisp";
  EXPECT_EQ(trainer->LoadCheckpoint(model_path).code(),
            absl::StatusCode::kInvalidArgument)
      << "a model file is not a checkpoint";
  // A checkpoint of a differently shaped model.
  ModelConfig other = testing::TinyLlamaConfig();
  other.hidden_dim = 24;
  const std::string other_path = testing::TempDir() + "/other_base.wisp";
  testing::WriteRandomLlama(other_path, other, 1);
  auto other_model = Model::Load(other_path);
  ASSERT_TRUE(other_model.ok());
  TrainOptions options;
  options.seq_len = 16;
  auto other_trainer = Trainer::Create(**other_model, options);
  ASSERT_TRUE((*other_trainer)->SetData(data_).ok());
  const std::string other_ckpt = testing::TempDir() + "/other.ckpt";
  ASSERT_TRUE((*other_trainer)->SaveCheckpoint(other_ckpt).ok());
  const float before = trainer->parameters().data()[0];
  EXPECT_FALSE(trainer->LoadCheckpoint(other_ckpt).ok());
  EXPECT_EQ(trainer->parameters().data()[0], before) << "left untouched";
  EXPECT_EQ(trainer->LoadCheckpoint("/no/such.ckpt").code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CheckpointTest, KillingTheProcessDuringASaveKeepsALoadableCheckpoint) {
  const std::string ckpt = testing::TempDir() + "/killed.ckpt";
  auto trainer = NewTrainer(1);
  ASSERT_TRUE(trainer->SaveCheckpoint(ckpt).ok());
  for (int attempt = 0; attempt < 8; ++attempt) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      // Save over and over until killed.
      for (;;) (void)trainer->SaveCheckpoint(ckpt);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300 + 700 * attempt));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    auto file = WispFile::Open(ckpt);
    ASSERT_TRUE(file.ok()) << "attempt " << attempt << ": " << file.status();
    EXPECT_EQ((*file)->kind(), FileKind::kCheckpoint);
  }
}

}  // namespace
}  // namespace wisp
