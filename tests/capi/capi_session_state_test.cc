// Session state through the C API: the session's own sampler spread over
// per-frame budgets, and save/restore of a whole context (a game save).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"
#include "wisp/wisp.h"

namespace {

std::string Error() { return wisp_last_error(); }

const int32_t kPrompt[] = {1, 403, 407, 261, 378};  // "Once upon a time"

class CApiSessionStateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.Run([] {
      ASSERT_EQ(wisp_model_load(WISP_DEFAULT_MODEL, nullptr, &model_), WISP_OK)
          << Error();
    });
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(setup_.Check()); }
  inline static ::wisp::testing::SuiteSetup setup_;
  static void TearDownTestSuite() { wisp_model_free(model_); }

  static wisp_session* NewSession(const wisp_model* model, int threads = 1,
                                  int context = 0) {
    wisp_session_params params = wisp_session_default_params();
    params.n_threads = threads;
    params.context_length = context;
    wisp_session* session = nullptr;
    EXPECT_EQ(wisp_session_create(model, &params, &session), WISP_OK)
        << Error();
    return session;
  }

  // A session that has read the prompt, with a sampling (not greedy)
  // sampler of its own, so that the random stream's position matters.
  static wisp_session* Prompted(int threads = 1) {
    wisp_session* session = NewSession(model_, threads);
    wisp_sampler_params sampler = wisp_sampler_default_params();
    sampler.temperature = 1.0f;
    sampler.top_k = 0;
    sampler.top_p = 1.0f;
    sampler.seed = 1234;
    EXPECT_EQ(wisp_session_set_sampler(session, &sampler), WISP_OK);
    EXPECT_EQ(wisp_session_feed(session, kPrompt, 5, nullptr, 0), WISP_OK);
    return session;
  }

  // Continues with the session's sampler, appending the token ids.
  static wisp_stop_reason Continue(wisp_session* session, size_t n,
                                   std::vector<int32_t>* tokens) {
    wisp_stop_reason reason = WISP_STOP_MAX_TOKENS;
    EXPECT_EQ(wisp_session_continue(
                  session, n,
                  [](int32_t token, const char*, size_t, void* user) {
                    static_cast<std::vector<int32_t>*>(user)->push_back(token);
                    return 0;
                  },
                  tokens, nullptr, &reason),
              WISP_OK)
        << Error();
    return reason;
  }

  static std::vector<uint8_t> Save(const wisp_session* session) {
    size_t size = 0;
    EXPECT_EQ(wisp_session_save_state(session, nullptr, 0, &size),
              WISP_ERR_BUFFER_TOO_SMALL);
    std::vector<uint8_t> bytes(size);
    EXPECT_EQ(
        wisp_session_save_state(session, bytes.data(), bytes.size(), &size),
        WISP_OK)
        << Error();
    EXPECT_EQ(size, bytes.size());
    return bytes;
  }

  static size_t Position(const wisp_session* session) {
    size_t position = 0;
    EXPECT_EQ(wisp_session_position(session, &position), WISP_OK);
    return position;
  }

  static wisp_model* model_;
};
wisp_model* CApiSessionStateTest::model_ = nullptr;

TEST_F(CApiSessionStateTest, BudgetsProduceTheSameTokensAsOneCall) {
  wisp_session* whole = Prompted();
  std::vector<int32_t> expected;
  Continue(whole, 60, &expected);
  ASSERT_GT(expected.size(), 10u);

  wisp_session* frames = Prompted();
  std::vector<int32_t> got;
  size_t budget = 1;
  while (got.size() < expected.size()) {
    const size_t before = got.size();
    const size_t n = std::min(budget, expected.size() - got.size());
    if (Continue(frames, n, &got) != WISP_STOP_MAX_TOKENS) break;
    ASSERT_EQ(got.size(), before + n);
    budget = budget % 4 + 1;  // uneven frames: 1, 2, 3, 4, 1, ...
  }
  EXPECT_EQ(got, expected);
  wisp_session_free(whole);
  wisp_session_free(frames);
}

TEST_F(CApiSessionStateTest, RestoredSessionContinuesExactly) {
  wisp_session* original = Prompted();
  std::vector<int32_t> before;
  Continue(original, 12, &before);
  const std::vector<uint8_t> state = Save(original);
  std::vector<float> logits(512), restored_logits(512);
  size_t n = 0;
  ASSERT_EQ(wisp_session_logits(original, logits.data(), 512, &n), WISP_OK);
  std::vector<int32_t> expected;
  Continue(original, 40, &expected);

  // A fresh session, with another thread count, on the same model.
  wisp_session* restored = NewSession(model_, 2);
  ASSERT_EQ(wisp_session_load_state(restored, state.data(), state.size()),
            WISP_OK)
      << Error();
  EXPECT_EQ(Position(restored), 5 + before.size());
  ASSERT_EQ(wisp_session_logits(restored, restored_logits.data(), 512, &n),
            WISP_OK);
  EXPECT_EQ(restored_logits, logits);
  EXPECT_EQ(Save(restored), state);  // a save of a restore is the same save
  std::vector<int32_t> got;
  Continue(restored, 40, &got);
  EXPECT_EQ(got, expected);
  wisp_session_free(original);
  wisp_session_free(restored);
}

TEST_F(CApiSessionStateTest, EmptySessionRoundTrips) {
  wisp_session* empty = NewSession(model_);
  const std::vector<uint8_t> state = Save(empty);
  wisp_session* other = Prompted();
  ASSERT_EQ(wisp_session_load_state(other, state.data(), state.size()), WISP_OK)
      << Error();
  EXPECT_EQ(Position(other), 0u);
  size_t n = 0;
  EXPECT_EQ(wisp_session_logits(other, nullptr, 0, &n), WISP_ERR_OUT_OF_RANGE);
  wisp_session_free(empty);
  wisp_session_free(other);
}

TEST_F(CApiSessionStateTest, DamagedStatesAreRefusedAndLeaveTheSession) {
  wisp_session* source = Prompted();
  std::vector<int32_t> tokens;
  Continue(source, 4, &tokens);
  const std::vector<uint8_t> state = Save(source);
  wisp_session* target = Prompted();
  const size_t position = Position(target);

  for (size_t len = 0; len < state.size(); len += 1 + len / 3) {
    EXPECT_EQ(wisp_session_load_state(target, state.data(), len),
              WISP_ERR_CORRUPT)
        << "truncated to " << len;
  }
  std::vector<uint8_t> longer = state;
  longer.push_back(0);
  EXPECT_EQ(wisp_session_load_state(target, longer.data(), longer.size()),
            WISP_ERR_CORRUPT);
  for (size_t i = 0; i < state.size(); i += 7) {
    std::vector<uint8_t> flipped = state;
    flipped[i] ^= 0x10;
    ASSERT_EQ(wisp_session_load_state(target, flipped.data(), flipped.size()),
              WISP_ERR_CORRUPT)
        << "byte " << i << ": " << Error();
  }
  EXPECT_FALSE(Error().empty());
  EXPECT_EQ(Position(target), position);  // untouched by every failure
  EXPECT_EQ(wisp_session_load_state(nullptr, state.data(), state.size()),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_session_load_state(target, nullptr, 10),
            WISP_ERR_INVALID_ARGUMENT);
  size_t size = 0;
  EXPECT_EQ(wisp_session_save_state(nullptr, nullptr, 0, &size),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_session_save_state(source, nullptr, 0, nullptr),
            WISP_ERR_INVALID_ARGUMENT);

  // More tokens than the context holds.
  wisp_session* small = NewSession(model_, 1, 6);
  EXPECT_EQ(wisp_session_load_state(small, state.data(), state.size()),
            WISP_ERR_OUT_OF_RANGE);
  EXPECT_NE(Error().find("context length"), std::string::npos) << Error();
  wisp_session_free(small);
  wisp_session_free(source);
  wisp_session_free(target);
}

TEST_F(CApiSessionStateTest, StateFromAnotherModelIsAMismatch) {
  // The same architecture after one fine-tuning step: other weights.
  wisp_trainer_params params = wisp_trainer_default_params();
  params.batch_size = 2;
  params.seq_len = 16;
  wisp_trainer* trainer = nullptr;
  ASSERT_EQ(wisp_trainer_create(model_, &params, &trainer), WISP_OK) << Error();
  const std::string text = "Once upon a time there was a cat who sat.";
  ASSERT_EQ(wisp_trainer_set_data_text(trainer, text.data(), text.size()),
            WISP_OK)
      << Error();
  wisp_step_info info = {};
  info.struct_size = sizeof(info);
  ASSERT_EQ(wisp_trainer_step(trainer, &info), WISP_OK) << Error();
  const std::string path = wisp::testing::TempDir() + "/state_other.wisp";
  ASSERT_EQ(wisp_trainer_export_model(trainer, path.c_str()), WISP_OK)
      << Error();
  wisp_trainer_free(trainer);
  wisp_model* other = nullptr;
  ASSERT_EQ(wisp_model_load(path.c_str(), nullptr, &other), WISP_OK) << Error();

  wisp_session* theirs = NewSession(other);
  ASSERT_EQ(wisp_session_feed(theirs, kPrompt, 5, nullptr, 0), WISP_OK);
  const std::vector<uint8_t> state = Save(theirs);
  wisp_session* ours = Prompted();
  EXPECT_EQ(wisp_session_load_state(ours, state.data(), state.size()),
            WISP_ERR_MISMATCH);
  EXPECT_NE(Error().find("different model"), std::string::npos) << Error();
  EXPECT_STREQ(wisp_status_name(WISP_ERR_MISMATCH), "WISP_ERR_MISMATCH");

  // The same file loaded twice is the same model.
  wisp_model* again = nullptr;
  ASSERT_EQ(wisp_model_load(path.c_str(), nullptr, &again), WISP_OK);
  wisp_session* same = NewSession(again);
  EXPECT_EQ(wisp_session_load_state(same, state.data(), state.size()), WISP_OK)
      << Error();
  wisp_session_free(same);
  wisp_session_free(theirs);
  wisp_session_free(ours);
  wisp_model_free(again);
  wisp_model_free(other);
}

TEST_F(CApiSessionStateTest, ContinueNeedsAPromptAndValidParams) {
  wisp_session* session = NewSession(model_);
  EXPECT_EQ(
      wisp_session_continue(session, 4, nullptr, nullptr, nullptr, nullptr),
      WISP_ERR_OUT_OF_RANGE);
  wisp_sampler_params bad = wisp_sampler_default_params();
  bad.top_p = 0;
  EXPECT_EQ(wisp_session_set_sampler(session, &bad), WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_session_set_sampler(nullptr, nullptr),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_session_set_sampler(session, nullptr), WISP_OK);
  EXPECT_EQ(
      wisp_session_continue(nullptr, 4, nullptr, nullptr, nullptr, nullptr),
      WISP_ERR_INVALID_ARGUMENT);
  wisp_session_free(session);
}

}  // namespace
