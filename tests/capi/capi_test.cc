// The C API as applications see it: statuses, messages, NULL handling,
// versioned params and ask-then-copy outputs.
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"
#include "wisp/wisp.h"

namespace {

std::string Error() { return wisp_last_error(); }

class CApiModelTest : public ::testing::Test {
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
  static wisp_model* model_;
};
wisp_model* CApiModelTest::model_ = nullptr;

TEST(CApiTest, VersionIsConsistent) {
  EXPECT_EQ(wisp_api_version(), WISP_API_VERSION);
  EXPECT_STRNE(wisp_version(), "");
  EXPECT_STREQ(wisp_status_name(WISP_ERR_CORRUPT), "WISP_ERR_CORRUPT");
}

TEST(CApiTest, LoadErrorsCarryAStatusAndAMessage) {
  wisp_model* model = nullptr;
  EXPECT_EQ(wisp_model_load(nullptr, nullptr, &model),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_model_load(WISP_DEFAULT_MODEL, nullptr, nullptr),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_model_load("/no/such/file.wisp", nullptr, &model),
            WISP_ERR_NOT_FOUND);
  EXPECT_NE(Error().find("/no/such/file.wisp"), std::string::npos) << Error();
  EXPECT_EQ(model, nullptr) << "out-parameters are untouched on failure";

  const std::string junk = wisp::testing::TempDir() + "/junk.wisp";
  std::ofstream(junk) << "definitely not a model";
  EXPECT_EQ(wisp_model_load(junk.c_str(), nullptr, &model), WISP_ERR_CORRUPT);
  EXPECT_NE(Error().find("magic"), std::string::npos) << Error();

  // A message quoting a 100 KB path keeps its first 4 KiB, cut between
  // characters (the path is made of 3-byte ones), and says what it left.
  std::string path = "/no/such/";
  while (path.size() < 100000) path += "\xe2\x82\xac";  // U+20AC
  EXPECT_EQ(wisp_model_load(path.c_str(), nullptr, &model), WISP_ERR_NOT_FOUND);
  const std::string message = Error();
  EXPECT_LE(message.size(), 4096u + 32) << message.substr(0, 100);
  EXPECT_EQ(message.rfind("more bytes)"), message.size() - 11);
  const size_t cut = message.rfind(" ... (");
  ASSERT_NE(cut, std::string::npos);
  EXPECT_EQ((cut - message.find("/no/such/") - 9) % 3, 0u)
      << "cut inside a character";
}

TEST(CApiTest, ParamsWithoutStructSizeAreRejected) {
  wisp_model_params params = {};  // struct_size 0: not initialised properly
  wisp_model* model = nullptr;
  EXPECT_EQ(wisp_model_load(WISP_DEFAULT_MODEL, &params, &model),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(Error().find("struct_size"), std::string::npos);
}

TEST(CApiTest, FreeFunctionsAcceptNull) {
  wisp_model_free(nullptr);
  wisp_session_free(nullptr);
}

TEST(CApiTest, LastErrorIsPerThread) {
  wisp_model* model = nullptr;
  EXPECT_EQ(wisp_model_load("/no/such", nullptr, &model), WISP_ERR_NOT_FOUND);
  std::string other;
  std::thread([&] { other = wisp_last_error(); }).join();
  EXPECT_EQ(other, "");
  EXPECT_NE(Error(), "");
}

TEST_F(CApiModelTest, ConfigDescribesStories260k) {
  wisp_model_config config = {};
  config.struct_size = sizeof(config);
  ASSERT_EQ(wisp_model_get_config(model_, &config), WISP_OK);
  EXPECT_EQ(config.dim, 64);
  EXPECT_EQ(config.n_layers, 5);
  EXPECT_EQ(config.n_heads, 8);
  EXPECT_EQ(config.n_kv_heads, 4);
  EXPECT_EQ(config.vocab_size, 512);
  EXPECT_EQ(config.bos_id, 1);
  EXPECT_EQ(config.eos_id, 2);
  EXPECT_EQ(config.positions, WISP_POSITIONS_ROTARY);
}

TEST_F(CApiModelTest, OlderCallersGetAPrefixOfTheConfig) {
  // A caller compiled when the struct ended after vocab_size.
  struct OldConfig {
    size_t struct_size;
    int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size;
  } old = {};
  old.struct_size = sizeof(old);
  char guard[64];
  memset(guard, 0x5a, sizeof(guard));
  ASSERT_EQ(
      wisp_model_get_config(model_, reinterpret_cast<wisp_model_config*>(&old)),
      WISP_OK);
  EXPECT_EQ(old.vocab_size, 512);
  for (char c : guard) EXPECT_EQ(c, 0x5a);
}

TEST_F(CApiModelTest, TokenizeAsksThenCopies) {
  const std::string text = "Once upon a time";
  size_t n = 0;
  EXPECT_EQ(wisp_tokenize(model_, text.data(), text.size(), 1, nullptr, 0, &n),
            WISP_ERR_BUFFER_TOO_SMALL);
  ASSERT_EQ(n, 5u);
  std::vector<int32_t> ids(n);
  ASSERT_EQ(wisp_tokenize(model_, text.data(), text.size(), 1, ids.data(),
                          ids.size(), &n),
            WISP_OK);
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 403, 407, 261, 378}));

  size_t len = 0;
  wisp_detokenize(model_, ids.data(), ids.size(), nullptr, 0, &len);
  std::string back(len, '\0');
  ASSERT_EQ(wisp_detokenize(model_, ids.data(), ids.size(), back.data(),
                            back.size(), &len),
            WISP_OK);
  EXPECT_EQ(back, text);
}

TEST_F(CApiModelTest, TokenizeHandlesInvalidUtf8AndNulls) {
  const char bad[] = "\xff\xfe\xc3(\xe2\x82 \x80";
  size_t n = 0;
  std::vector<int32_t> ids(64);
  ASSERT_EQ(wisp_tokenize(model_, bad, sizeof(bad) - 1, 1, ids.data(),
                          ids.size(), &n),
            WISP_OK)
      << Error();
  for (size_t i = 0; i < n; ++i) {
    EXPECT_GE(ids[i], 0);
    EXPECT_LT(ids[i], 512);
  }
  EXPECT_EQ(wisp_tokenize(model_, nullptr, 5, 1, ids.data(), ids.size(), &n),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_tokenize(nullptr, "a", 1, 1, ids.data(), ids.size(), &n),
            WISP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wisp_tokenize(model_, "a", 1, 1, ids.data(), ids.size(), nullptr),
            WISP_ERR_INVALID_ARGUMENT);
  const int32_t out_of_range[] = {1, 512};
  size_t len = 0;
  EXPECT_EQ(wisp_detokenize(model_, out_of_range, 2, nullptr, 0, &len),
            WISP_ERR_INVALID_ARGUMENT);
}

TEST_F(CApiModelTest, TokenToTextFollowsLlama2cSpacing) {
  char text[16];
  size_t len = 0;
  // " Once" (403) right after BOS loses its leading space; elsewhere not.
  ASSERT_EQ(wisp_token_to_text(model_, 1, 403, text, sizeof(text), &len),
            WISP_OK);
  EXPECT_EQ(std::string(text, len), "Once");
  ASSERT_EQ(wisp_token_to_text(model_, -1, 403, text, sizeof(text), &len),
            WISP_OK);
  EXPECT_EQ(std::string(text, len), " Once");
}

}  // namespace
