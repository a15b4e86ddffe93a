// wisp_model_params.exact_bf16_products on a bf16 model whose prompts reach
// the bf16 dot-product GEMM (every product at least 256 deep; written by
// tests/support/write_bf16_test_models.cc with its twin of widened f32
// weights). Exact products must compute the twin's logits bit for bit: the
// exact bf16 kernels widen each weight and then run the f32 kernels' order.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "wisp/wisp.h"

namespace {

// wisp_model_params as API version 0.2 declared it.
struct ModelParams02 {
  size_t struct_size;
  int verify_checksums;
};

// A prompt of several tokens, so that it runs matrix-matrix.
const std::vector<int32_t> kPrompt = {1, 7, 3, 30, 12, 5, 19, 2, 27, 8};

// The logits of every prompt token, from the model at `path` loaded with
// `params` (NULL: defaults); empty on failure.
std::vector<float> PromptLogits(const char* path,
                                const wisp_model_params* params) {
  std::vector<float> logits;
  wisp_model* model = nullptr;
  EXPECT_EQ(wisp_model_load(path, params, &model), WISP_OK)
      << wisp_last_error();
  if (model == nullptr) return logits;
  wisp_model_config config = {};
  config.struct_size = sizeof(config);
  wisp_session* session = nullptr;
  if (wisp_model_get_config(model, &config) == WISP_OK &&
      wisp_session_create(model, nullptr, &session) == WISP_OK) {
    logits.resize(kPrompt.size() * config.vocab_size);
    EXPECT_EQ(wisp_session_feed(session, kPrompt.data(), kPrompt.size(),
                                logits.data(), logits.size()),
              WISP_OK)
        << wisp_last_error();
  }
  wisp_session_free(session);
  wisp_model_free(model);
  return logits;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return !a.empty() && a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Whether a bf16 model loaded with the defaults runs its prompts on the
// bf16 dot-product instructions here.
bool DefaultUsesBf16DotProducts() {
  const char* env = std::getenv("WISP_BF16_DOT");
  return __builtin_cpu_supports("avx512bf16") &&
         (env == nullptr || std::strcmp(env, "0") != 0);
}

wisp_model_params ExactParams() {
  wisp_model_params params = wisp_model_default_params();
  params.exact_bf16_products = 1;
  return params;
}

TEST(CApiExactBf16Test, DefaultIsOff) {
  EXPECT_EQ(wisp_model_default_params().exact_bf16_products, 0);
  EXPECT_EQ(wisp_model_default_params().struct_size, sizeof(wisp_model_params));
  EXPECT_GT(sizeof(wisp_model_params), sizeof(ModelParams02));
}

TEST(CApiExactBf16Test, ExactProductsComputeTheWidenedModelsLogits) {
  const wisp_model_params exact = ExactParams();
  const std::vector<float> widened =
      PromptLogits(WISP_BF16_WIDENED_TEST_MODEL, nullptr);
  EXPECT_TRUE(SameBits(PromptLogits(WISP_BF16_TEST_MODEL, &exact), widened));
  // Any non-zero value means on, as for verify_checksums.
  wisp_model_params two = ExactParams();
  two.exact_bf16_products = 2;
  EXPECT_TRUE(SameBits(PromptLogits(WISP_BF16_TEST_MODEL, &two), widened));
  // The flag changes nothing for an f32 model.
  EXPECT_TRUE(
      SameBits(PromptLogits(WISP_BF16_WIDENED_TEST_MODEL, &exact), widened));
}

// The checks above can fail: by default this model's prompts do round the
// activations where the CPU has the instructions.
TEST(CApiExactBf16Test, DefaultRoundsActivationsWhereTheCpuCan) {
  if (!DefaultUsesBf16DotProducts()) {
    GTEST_SKIP() << "no AVX512_BF16 here (or WISP_BF16_DOT=0)";
  }
  const std::vector<float> fast = PromptLogits(WISP_BF16_TEST_MODEL, nullptr);
  ASSERT_FALSE(fast.empty());
  EXPECT_FALSE(
      SameBits(fast, PromptLogits(WISP_BF16_WIDENED_TEST_MODEL, nullptr)));
  wisp_model_params off = ExactParams();
  off.exact_bf16_products = 0;
  EXPECT_TRUE(SameBits(PromptLogits(WISP_BF16_TEST_MODEL, &off), fast));
}

// A caller built against API 0.2 passes its own, shorter struct_size: the
// library must not read exact_bf16_products (nor `reserved`, which was that
// struct's padding) from beyond it, whatever lies there.
TEST(CApiExactBf16Test, OlderCallersGetTheDefault) {
  if (!DefaultUsesBf16DotProducts()) {
    GTEST_SKIP() << "the default is exact here: nothing to tell apart";
  }
  wisp_model_params old = ExactParams();
  old.struct_size = sizeof(ModelParams02);
  old.reserved = 0x5a5a5a5a;
  EXPECT_TRUE(SameBits(PromptLogits(WISP_BF16_TEST_MODEL, &old),
                       PromptLogits(WISP_BF16_TEST_MODEL, nullptr)));
}

}  // namespace
