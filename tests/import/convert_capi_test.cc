// The converter's C API, used like an application does: through
// libwisp_convert.so and the public headers only, next to libwisp.
#include <string>

#include "gtest/gtest.h"
#include "tests/support/test_paths.h"
#include "wisp/convert.h"
#include "wisp/wisp.h"

namespace {

using wisp::testing::SharedPath;
using wisp::testing::TempDir;

const std::string kStories = SharedPath("models/stories260K/");

TEST(ConvertCapiTest, OnnxToALoadableModel) {
  wisp_convert_params params = wisp_convert_default_params();
  EXPECT_EQ(params.struct_size, sizeof(params));
  const std::string tokenizer = kStories + "tok512.bin";
  params.tokenizer_path = tokenizer.c_str();
  int calls = 0;
  params.progress = [](uint64_t done, uint64_t total, void* user) {
    ++*static_cast<int*>(user);
    return done > total ? 1 : 0;
  };
  params.progress_user_data = &calls;
  const std::string out = TempDir() + "/capi_stories.wisp";
  ASSERT_EQ(wisp_convert_onnx((kStories + "stories260K.onnx").c_str(), &params,
                              out.c_str()),
            WISP_OK)
      << wisp_convert_last_error();
  EXPECT_GT(calls, 0);
  EXPECT_STREQ(wisp_convert_last_error(), "");

  wisp_model* model = nullptr;
  ASSERT_EQ(wisp_model_load(out.c_str(), nullptr, &model), WISP_OK)
      << wisp_last_error();
  wisp_model_config config = {};
  config.struct_size = sizeof(config);
  ASSERT_EQ(wisp_model_get_config(model, &config), WISP_OK);
  EXPECT_EQ(config.n_heads, 8);
  EXPECT_EQ(config.n_kv_heads, 4);
  wisp_model_free(model);
}

TEST(ConvertCapiTest, Llama2c) {
  wisp_convert_params params = wisp_convert_default_params();
  const std::string out = TempDir() + "/capi_llama2c.wisp";
  const std::string checkpoint = kStories + "stories260K.bin";
  EXPECT_EQ(wisp_convert_llama2c(checkpoint.c_str(), &params, out.c_str()),
            WISP_ERR_INVALID_ARGUMENT);  // the tokenizer is required
  EXPECT_NE(std::string(wisp_convert_last_error()).find("tokenizer_path"),
            std::string::npos);
  const std::string tokenizer = kStories + "tok512.bin";
  params.tokenizer_path = tokenizer.c_str();
  EXPECT_EQ(wisp_convert_llama2c(checkpoint.c_str(), &params, out.c_str()),
            WISP_OK)
      << wisp_convert_last_error();
}

TEST(ConvertCapiTest, ErrorsAreStatusesWithMessages) {
  const std::string out = TempDir() + "/capi_error.wisp";
  EXPECT_EQ(wisp_convert_onnx(nullptr, nullptr, out.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_convert_onnx("/nonexistent.onnx", nullptr, out.c_str()),
            WISP_ERR_NOT_FOUND);
  EXPECT_NE(std::string(wisp_convert_last_error()).find("/nonexistent.onnx"),
            std::string::npos);
  EXPECT_EQ(wisp_convert_onnx((kStories + "tok512.bin").c_str(), nullptr,
                              out.c_str()),
            WISP_ERR_CORRUPT);

  wisp_convert_params params = wisp_convert_default_params();
  params.struct_size = 3;
  EXPECT_EQ(wisp_convert_onnx((kStories + "stories260K.onnx").c_str(), &params,
                              out.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  params = wisp_convert_default_params();
  params.arch = static_cast<wisp_convert_arch>(42);
  EXPECT_EQ(wisp_convert_onnx((kStories + "stories260K.onnx").c_str(), &params,
                              out.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  params = wisp_convert_default_params();
  params.arch = WISP_CONVERT_ARCH_BERT;
  EXPECT_EQ(wisp_convert_onnx((kStories + "stories260K.onnx").c_str(), &params,
                              out.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wisp_convert_last_error()).find("tok_embeddings"),
            std::string::npos);

  // Cancelling leaves nothing behind.
  params = wisp_convert_default_params();
  params.progress = [](uint64_t, uint64_t, void*) { return 1; };
  const std::string cancelled = TempDir() + "/capi_cancelled.wisp";
  EXPECT_EQ(wisp_convert_onnx((kStories + "stories260K.onnx").c_str(), &params,
                              cancelled.c_str()),
            WISP_ERR_CANCELLED);
  EXPECT_FALSE(wisp::testing::ReadFileToString(cancelled).ok());
}

TEST(ConvertCapiTest, OlderCallersWithShorterParams) {
  // A caller built when the struct ended after gpt2_merges_path.
  wisp_convert_params params = wisp_convert_default_params();
  params.struct_size = offsetof(wisp_convert_params, n_heads);
  params.n_heads = -1;  // beyond struct_size: never read
  const std::string out = TempDir() + "/capi_old.wisp";
  EXPECT_EQ(wisp_convert_onnx((kStories + "stories260K.onnx").c_str(), &params,
                              out.c_str()),
            WISP_OK)
      << wisp_convert_last_error();
}

}  // namespace
