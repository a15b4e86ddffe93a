#include "src/train/dataset.h"

#include <set>

#include "gtest/gtest.h"

namespace wisp {
namespace {

std::vector<int32_t> Range(int n) {
  std::vector<int32_t> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST(DatasetTest, TargetsAreInputsShiftedByOne) {
  auto data = Dataset::Create(Range(10), 4, 0.0f, 1);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->train_windows(), 3u);  // starts 0, 4, 8
  std::vector<int32_t> in(4), tgt(4);
  data->Window(1, in.data(), tgt.data());
  EXPECT_EQ(in, (std::vector<int32_t>{4, 5, 6, 7}));
  EXPECT_EQ(tgt, (std::vector<int32_t>{5, 6, 7, 8}));
  data->Window(2, in.data(), tgt.data());
  EXPECT_EQ(tgt, (std::vector<int32_t>{9, kIgnoreTarget, kIgnoreTarget,
                                       kIgnoreTarget}))
      << "padding carries no loss";
}

TEST(DatasetTest, ShortDataMakesOnePaddedWindow) {
  auto data = Dataset::Create({1, 7, 9}, 64, 0.1f, 1);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->train_windows(), 1u);
  EXPECT_EQ(data->eval_windows(), 0u) << "one window is all training";
}

TEST(DatasetTest, HeldOutIsTheTail) {
  auto data = Dataset::Create(Range(101), 10, 0.1f, 1);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->train_windows(), 9u);
  EXPECT_EQ(data->eval_windows(), 1u);
  std::vector<int32_t> in(10), tgt(10);
  data->Window(9, in.data(), tgt.data());
  EXPECT_EQ(in[0], 90);
}

TEST(DatasetTest, EpochsVisitEveryWindowOnceInSeededOrder) {
  auto a = Dataset::Create(Range(200), 10, 0.0f, 7);
  auto b = Dataset::Create(Range(200), 10, 0.0f, 7);
  ASSERT_TRUE(a.ok() && b.ok());
  std::set<int32_t> firsts;
  std::vector<int32_t> in(10), tgt(10), in_b(10), tgt_b(10);
  for (int i = 0; i < 20; ++i) {
    a->NextBatch(1, in.data(), tgt.data());
    b->NextBatch(1, in_b.data(), tgt_b.data());
    EXPECT_EQ(in, in_b);
    firsts.insert(in[0]);
  }
  EXPECT_EQ(firsts.size(), 20u);
  EXPECT_EQ(a->position().epoch, 0u);
  a->NextBatch(1, in.data(), tgt.data());
  EXPECT_EQ(a->position().epoch, 1u);
}

TEST(DatasetTest, RestoreContinuesExactly) {
  auto a = Dataset::Create(Range(300), 10, 0.0f, 3);
  ASSERT_TRUE(a.ok());
  std::vector<int32_t> in(30), tgt(30);
  for (int i = 0; i < 13; ++i) a->NextBatch(3, in.data(), tgt.data());
  auto b = Dataset::Create(Range(300), 10, 0.0f, 99);
  ASSERT_TRUE(b.ok());
  b->Restore(3, a->position());
  std::vector<int32_t> in_b(30), tgt_b(30);
  for (int i = 0; i < 5; ++i) {
    a->NextBatch(3, in.data(), tgt.data());
    b->NextBatch(3, in_b.data(), tgt_b.data());
    EXPECT_EQ(in, in_b);
  }
}

TEST(DatasetTest, RejectsUnusableInput) {
  EXPECT_FALSE(Dataset::Create({1}, 4, 0.0f, 0).ok());
  EXPECT_FALSE(Dataset::Create(Range(10), 0, 0.0f, 0).ok());
  EXPECT_FALSE(Dataset::Create(Range(10), 4, 0.9f, 0).ok());
  EXPECT_FALSE(Dataset::Create(Range(10), 4, NAN, 0).ok());
}

}  // namespace
}  // namespace wisp
