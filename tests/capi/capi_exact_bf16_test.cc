// wisp_model_set_exact_bf16_products on a bf16 model whose prompts reach
// the bf16 dot-product GEMM (every product at least 256 deep; written by
// tests/support/write_bf16_test_models.cc with its twin of widened f32
// weights). Exact products must compute the twin's logits bit for bit: the
// exact bf16 kernels widen each weight and then run the f32 kernels' order.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "wisp/wisp.h"

namespace {

using ModelPtr = std::unique_ptr<wisp_model, decltype(&wisp_model_free)>;
using SessionPtr = std::unique_ptr<wisp_session, decltype(&wisp_session_free)>;

// A prompt of several tokens, so that it runs matrix-matrix.
const std::vector<int32_t> kPrompt = {1, 7, 3, 30, 12, 5, 19, 2, 27, 8};

ModelPtr Load(const char* path) {
  wisp_model* model = nullptr;
  EXPECT_EQ(wisp_model_load(path, nullptr, &model), WISP_OK)
      << wisp_last_error();
  return ModelPtr(model, wisp_model_free);
}

SessionPtr CreateSession(const wisp_model* model) {
  wisp_session* session = nullptr;
  EXPECT_EQ(wisp_session_create(model, nullptr, &session), WISP_OK)
      << wisp_last_error();
  return SessionPtr(session, wisp_session_free);
}

// The logits of every prompt token fed to `session` (from position 0 after
// a reset); empty on failure.
std::vector<float> FeedPrompt(const wisp_model* model, wisp_session* session) {
  wisp_model_config config = {};
  config.struct_size = sizeof(config);
  std::vector<float> logits;
  if (model == nullptr || session == nullptr ||
      wisp_model_get_config(model, &config) != WISP_OK ||
      wisp_session_reset(session) != WISP_OK) {
    ADD_FAILURE() << "no model or session: " << wisp_last_error();
    return logits;
  }
  logits.resize(kPrompt.size() * config.vocab_size);
  if (wisp_session_feed(session, kPrompt.data(), kPrompt.size(), logits.data(),
                        logits.size()) != WISP_OK) {
    ADD_FAILURE() << wisp_last_error();
    logits.clear();
  }
  return logits;
}

// The same in a new session on `model`.
std::vector<float> PromptLogits(const wisp_model* model) {
  if (model == nullptr) return {};
  return FeedPrompt(model, CreateSession(model).get());
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return !a.empty() && a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Whether a bf16 model left at the default runs its prompts on the bf16
// dot-product instructions here. The library's own answer
// (kernels::Bf16DotProductsActive) is internal and this test links only the
// public libwisp, as an application does, so it asks the compiler's CPU
// probe; elsewhere than GCC or Clang on x86 it assumes no such instructions
// (the tests that need them skip).
bool DefaultUsesBf16DotProducts() {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  const char* env = std::getenv("WISP_BF16_DOT");
  return __builtin_cpu_supports("avx512bf16") &&
         (env == nullptr || std::strcmp(env, "0") != 0);
#else
  return false;
#endif
}

// The bf16 test model, its widened twin and the twin's prompt logits.
class CApiExactBf16Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(bf16_, nullptr);
    ASSERT_NE(widened_, nullptr);
    widened_logits_ = PromptLogits(widened_.get());
    ASSERT_FALSE(widened_logits_.empty());
  }

  const ModelPtr bf16_ = Load(WISP_BF16_TEST_MODEL);
  const ModelPtr widened_ = Load(WISP_BF16_WIDENED_TEST_MODEL);
  std::vector<float> widened_logits_;
};

TEST_F(CApiExactBf16Test, OffAfterLoad) {
  EXPECT_EQ(wisp_model_exact_bf16_products(bf16_.get()), 0);
}

TEST_F(CApiExactBf16Test, ExactProductsComputeTheWidenedModelsLogits) {
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), 1), WISP_OK);
  EXPECT_EQ(wisp_model_exact_bf16_products(bf16_.get()), 1);
  EXPECT_TRUE(SameBits(PromptLogits(bf16_.get()), widened_logits_));
  // Any non-zero value means exact.
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), 0), WISP_OK);
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), -2), WISP_OK);
  EXPECT_EQ(wisp_model_exact_bf16_products(bf16_.get()), 1);
  EXPECT_TRUE(SameBits(PromptLogits(bf16_.get()), widened_logits_));
  // An f32 model accepts the setting and computes what it did.
  ASSERT_EQ(wisp_model_set_exact_bf16_products(widened_.get(), 1), WISP_OK);
  EXPECT_EQ(wisp_model_exact_bf16_products(widened_.get()), 1);
  EXPECT_TRUE(SameBits(PromptLogits(widened_.get()), widened_logits_));
}

// The check above can fail: left at the default, or set back to it, this
// model's prompts do round the activations where the CPU has the
// instructions.
TEST_F(CApiExactBf16Test, DefaultRoundsActivationsWhereTheCpuCan) {
  if (!DefaultUsesBf16DotProducts()) {
    GTEST_SKIP() << "no AVX512_BF16 here (or WISP_BF16_DOT=0)";
  }
  const std::vector<float> fast = PromptLogits(bf16_.get());
  ASSERT_FALSE(fast.empty());
  EXPECT_FALSE(SameBits(fast, widened_logits_));
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), 1), WISP_OK);
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), 0), WISP_OK);
  EXPECT_EQ(wisp_model_exact_bf16_products(bf16_.get()), 0);
  EXPECT_TRUE(SameBits(PromptLogits(bf16_.get()), fast));
}

// A session created before the call computes its next feed in the new mode:
// the setting is read by each forward pass, not copied at creation. (Only
// CPUs with AVX512_BF16 can tell the modes apart, as above.)
TEST_F(CApiExactBf16Test, ExistingSessionsSeeTheSettingOnTheirNextFeed) {
  const SessionPtr session = CreateSession(bf16_.get());
  ASSERT_NE(session, nullptr);
  const std::vector<float> before = FeedPrompt(bf16_.get(), session.get());
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), 1), WISP_OK);
  EXPECT_TRUE(
      SameBits(FeedPrompt(bf16_.get(), session.get()), widened_logits_));
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), 0), WISP_OK);
  EXPECT_TRUE(SameBits(FeedPrompt(bf16_.get(), session.get()), before));
}

TEST_F(CApiExactBf16Test, NullModelIsAnInvalidArgument) {
  EXPECT_EQ(wisp_model_set_exact_bf16_products(nullptr, 1),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wisp_last_error()).find("model"), std::string::npos)
      << wisp_last_error();
  EXPECT_EQ(wisp_model_exact_bf16_products(nullptr), 0);
  // A success clears the message, as every call does.
  ASSERT_EQ(wisp_model_set_exact_bf16_products(bf16_.get(), 0), WISP_OK);
  EXPECT_STREQ(wisp_last_error(), "");
}

}  // namespace
