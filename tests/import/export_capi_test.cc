// The export's C API through libwisp_convert.so only, like an application:
// a .wisp model out, libwisp loads nothing of ONNX, errors are statuses.
#include <cstddef>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/test_paths.h"
#include "wisp/convert.h"
#include "wisp/wisp.h"

namespace {

using wisp::testing::TempDir;

std::string StoriesModel() {
  const std::string path = TempDir() + "/export_capi_stories.wisp";
  wisp_convert_params params = wisp_convert_default_params();
  const std::string tokenizer =
      wisp::testing::SharedPath("models/stories260K/tok512.bin");
  params.tokenizer_path = tokenizer.c_str();
  EXPECT_EQ(wisp_convert_llama2c(
                wisp::testing::SharedPath("models/stories260K/stories260K.bin")
                    .c_str(),
                &params, path.c_str()),
            WISP_OK)
      << wisp_convert_last_error();
  return path;
}

TEST(ExportCapiTest, ExportsAndImportsBack) {
  const std::string model = StoriesModel();
  const std::string onnx = TempDir() + "/export_capi.onnx";
  ASSERT_EQ(wisp_convert_export_onnx(model.c_str(), nullptr, onnx.c_str()),
            WISP_OK)
      << wisp_convert_last_error();
  const std::string back = TempDir() + "/export_capi_back.wisp";
  ASSERT_EQ(wisp_convert_onnx(onnx.c_str(), nullptr, back.c_str()), WISP_OK)
      << wisp_convert_last_error();
  wisp_model* loaded = nullptr;
  ASSERT_EQ(wisp_model_load(back.c_str(), nullptr, &loaded), WISP_OK)
      << wisp_last_error();
  wisp_model_free(loaded);
}

TEST(ExportCapiTest, ParamsSelectNamesAndExternalData) {
  const std::string model = StoriesModel();
  wisp_convert_export_params params = wisp_convert_export_default_params();
  EXPECT_EQ(params.struct_size, sizeof(params));
  params.names = WISP_CONVERT_EXPORT_NAMES_WISP;
  params.external_data = WISP_CONVERT_EXTERNAL_DATA_ALWAYS;
  const std::string onnx = TempDir() + "/export_capi_external.onnx";
  ASSERT_EQ(wisp_convert_export_onnx(model.c_str(), &params, onnx.c_str()),
            WISP_OK)
      << wisp_convert_last_error();
  EXPECT_TRUE(std::filesystem::exists(onnx + ".data"));

  // A caller built when the struct ended after `names`.
  params = wisp_convert_export_default_params();
  params.struct_size = offsetof(wisp_convert_export_params, external_data);
  params.external_data = static_cast<wisp_convert_external_data>(99);
  EXPECT_EQ(wisp_convert_export_onnx(model.c_str(), &params, onnx.c_str()),
            WISP_OK)
      << wisp_convert_last_error();
}

TEST(ExportCapiTest, ErrorsAreStatusesWithMessages) {
  const std::string model = StoriesModel();
  const std::string onnx = TempDir() + "/export_capi_errors.onnx";
  EXPECT_EQ(wisp_convert_export_onnx(nullptr, nullptr, onnx.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_convert_export_onnx(model.c_str(), nullptr, nullptr),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wisp_convert_last_error()), "");
  EXPECT_EQ(wisp_convert_export_onnx((TempDir() + "/none.wisp").c_str(),
                                     nullptr, onnx.c_str()),
            WISP_ERR_NOT_FOUND);
  EXPECT_NE(std::string(wisp_convert_last_error()).find("none.wisp"),
            std::string::npos);

  wisp_convert_export_params params = wisp_convert_export_default_params();
  params.names = static_cast<wisp_convert_export_names>(7);
  EXPECT_EQ(wisp_convert_export_onnx(model.c_str(), &params, onnx.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  params = wisp_convert_export_default_params();
  params.external_data = static_cast<wisp_convert_external_data>(-1);
  EXPECT_EQ(wisp_convert_export_onnx(model.c_str(), &params, onnx.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  params = wisp_convert_export_default_params();
  params.struct_size = 0;
  EXPECT_EQ(wisp_convert_export_onnx(model.c_str(), &params, onnx.c_str()),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_FALSE(std::filesystem::exists(onnx));
}

}  // namespace
