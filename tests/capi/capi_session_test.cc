// Sessions through the C API: feeding, logits, sampling, streaming,
// cancellation, errors, and one model shared by sessions on many threads.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/cpus.h"
#include "tests/support/suite_setup.h"
#include "wisp/wisp.h"

namespace {

std::string Error() { return wisp_last_error(); }

class CApiSessionTest : public ::testing::Test {
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

  wisp_session* NewSession(int threads = 1, int context = 0) {
    wisp_session_params params = wisp_session_default_params();
    params.n_threads = threads;
    params.context_length = context;
    wisp_session* session = nullptr;
    EXPECT_EQ(wisp_session_create(model_, &params, &session), WISP_OK)
        << Error();
    return session;
  }

  // Greedy continuation of "Once upon a time" as text.
  static std::string Greedy(wisp_session* session, size_t n) {
    const int32_t prompt[] = {1, 403, 407, 261, 378};
    EXPECT_EQ(wisp_session_feed(session, prompt, 5, nullptr, 0), WISP_OK);
    wisp_sampler_params sampler = wisp_sampler_default_params();
    sampler.temperature = 0;
    std::string text;
    EXPECT_EQ(wisp_session_generate(
                  session, &sampler, n,
                  [](int32_t, const char* piece, size_t len, void* user) {
                    static_cast<std::string*>(user)->append(piece, len);
                    return 0;
                  },
                  &text, nullptr, nullptr),
              WISP_OK);
    return text;
  }

  static wisp_model* model_;
};
wisp_model* CApiSessionTest::model_ = nullptr;

TEST_F(CApiSessionTest, GreedyStreamMatchesLlama2c) {
  wisp_session* session = NewSession();
  // llama2.c's run prints exactly this after "Once upon a time" (the first 30
  // tokens of reference/greedy.json).
  EXPECT_EQ(Greedy(session, 30),
            ", there was a little girl named Lily. She loved to play outside "
            "in the park. One day,");
  size_t position = 0;
  ASSERT_EQ(wisp_session_position(session, &position), WISP_OK);
  EXPECT_EQ(position, 35u);
  wisp_session_free(session);
}

TEST_F(CApiSessionTest, CallbackCancelsGeneration) {
  wisp_session* session = NewSession();
  const int32_t prompt[] = {1, 403};
  ASSERT_EQ(wisp_session_feed(session, prompt, 2, nullptr, 0), WISP_OK);
  int calls = 0;
  size_t generated = 0;
  wisp_stop_reason reason = WISP_STOP_MAX_TOKENS;
  ASSERT_EQ(wisp_session_generate(
                session, nullptr, 50,
                [](int32_t, const char*, size_t, void* user) {
                  return ++*static_cast<int*>(user) == 3 ? 1 : 0;
                },
                &calls, &generated, &reason),
            WISP_OK);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(generated, 3u);
  EXPECT_EQ(reason, WISP_STOP_CALLBACK);
  wisp_session_free(session);
}

TEST_F(CApiSessionTest, FeedReturnsLogitsForEveryPosition) {
  wisp_session* session = NewSession(2);
  const int32_t ids[] = {1, 403, 407};
  std::vector<float> logits(3 * 512);
  EXPECT_EQ(wisp_session_feed(session, ids, 3, logits.data(), 100),
            WISP_ERR_INVALID_ARGUMENT)
      << "capacity too small";
  ASSERT_EQ(wisp_session_feed(session, ids, 3, logits.data(), logits.size()),
            WISP_OK);
  std::vector<float> last(512);
  size_t n = 0;
  ASSERT_EQ(wisp_session_logits(session, last.data(), last.size(), &n),
            WISP_OK);
  EXPECT_EQ(n, 512u);
  EXPECT_TRUE(std::equal(last.begin(), last.end(), logits.end() - 512));
  wisp_session_free(session);
}

TEST_F(CApiSessionTest, ErrorsAreStatusesNotCrashes) {
  wisp_session* session = NewSession(1, 8);
  int32_t token = 0;
  EXPECT_EQ(wisp_session_sample(session, nullptr, &token),
            WISP_ERR_OUT_OF_RANGE)
      << "nothing fed yet";
  EXPECT_EQ(wisp_session_generate(session, nullptr, 5, nullptr, nullptr,
                                  nullptr, nullptr),
            WISP_ERR_OUT_OF_RANGE);
  const int32_t bad[] = {1, 9999};
  EXPECT_EQ(wisp_session_feed(session, bad, 2, nullptr, 0),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(Error().find("9999"), std::string::npos) << Error();
  const int32_t many[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(wisp_session_feed(session, many, 9, nullptr, 0),
            WISP_ERR_OUT_OF_RANGE);
  EXPECT_EQ(wisp_session_feed(nullptr, many, 1, nullptr, 0),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_session_feed(session, nullptr, 1, nullptr, 0),
            WISP_ERR_INVALID_ARGUMENT);

  ASSERT_EQ(wisp_session_feed(session, many, 2, nullptr, 0), WISP_OK);
  wisp_sampler_params sampler = wisp_sampler_default_params();
  sampler.top_p = 0;
  EXPECT_EQ(wisp_session_sample(session, &sampler, &token),
            WISP_ERR_INVALID_ARGUMENT);
  sampler = wisp_sampler_default_params();
  sampler.temperature = -2;
  EXPECT_EQ(wisp_session_generate(session, &sampler, 3, nullptr, nullptr,
                                  nullptr, nullptr),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_session_reset(nullptr), WISP_ERR_INVALID_ARGUMENT);
  wisp_session_free(session);

  wisp_session_params params = wisp_session_default_params();
  wisp_session* out = nullptr;
  params.n_threads = 0;
  EXPECT_EQ(wisp_session_create(model_, &params, &out),
            WISP_ERR_INVALID_ARGUMENT);
  params = wisp_session_default_params();
  params.context_length = 100000;
  EXPECT_EQ(wisp_session_create(model_, &params, &out),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_session_create(nullptr, nullptr, &out),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
}

TEST_F(CApiSessionTest, ThreadsAreThoseAskedForUpToTheCpus) {
  const int cpus = ::wisp::testing::AffinityCpus();
  ASSERT_GE(cpus, 1);
  for (int asked : {1, 2, 1024}) {
    wisp_session* session = NewSession(asked);
    ASSERT_NE(session, nullptr);
    int32_t threads = -1;
    ASSERT_EQ(wisp_session_threads(session, &threads), WISP_OK) << Error();
    EXPECT_EQ(threads, std::min(asked, cpus)) << "asked for " << asked;
    wisp_session_free(session);
  }
  int32_t threads = -1;
  EXPECT_EQ(wisp_session_threads(nullptr, &threads), WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(threads, -1);
  wisp_session* session = NewSession();
  EXPECT_EQ(wisp_session_threads(session, nullptr), WISP_ERR_INVALID_ARGUMENT);
  wisp_session_free(session);
}

TEST_F(CApiSessionTest, ResetReplaysIdentically) {
  wisp_session* session = NewSession();
  const std::string first = Greedy(session, 15);
  ASSERT_EQ(wisp_session_reset(session), WISP_OK);
  EXPECT_EQ(Greedy(session, 15), first);
  wisp_session_free(session);
}

TEST_F(CApiSessionTest, SeededSamplingIsReproducible) {
  auto sample_text = [&](uint64_t seed) {
    wisp_session* session = NewSession();
    const int32_t prompt[] = {1, 403};
    EXPECT_EQ(wisp_session_feed(session, prompt, 2, nullptr, 0), WISP_OK);
    wisp_sampler_params sampler = wisp_sampler_default_params();
    sampler.temperature = 1.0f;
    sampler.seed = seed;
    std::vector<int32_t> tokens;
    EXPECT_EQ(wisp_session_generate(
                  session, &sampler, 30,
                  [](int32_t t, const char*, size_t, void* user) {
                    static_cast<std::vector<int32_t>*>(user)->push_back(t);
                    return 0;
                  },
                  &tokens, nullptr, nullptr),
              WISP_OK);
    wisp_session_free(session);
    return tokens;
  };
  EXPECT_EQ(sample_text(42), sample_text(42));
  EXPECT_NE(sample_text(42), sample_text(43));
}

TEST_F(CApiSessionTest, OneModelServesSessionsOnManyThreads) {
  wisp_session* reference = NewSession();
  const std::string expected = Greedy(reference, 30);
  wisp_session_free(reference);
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      wisp_session* session = NewSession(t % 2 + 1);
      results[t] = Greedy(session, 30);
      wisp_session_free(session);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& r : results) EXPECT_EQ(r, expected);
}

}  // namespace
