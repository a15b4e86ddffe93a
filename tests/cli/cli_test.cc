// The `wisp` command line as users call it: its documented interface is a
// contract, so these run the real binary and check output and exit status.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/support/json.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using testing::SharedPath;
using testing::TempDir;

struct Result {
  int exit_code;
  std::string out;  // stdout
  std::string err;  // stderr
};

Result RunWisp(const std::string& args) {
  const std::string err_path = TempDir() + "/cli_stderr.txt";
  const std::string command =
      absl::StrCat(WISP_CLI, " ", args, " 2>", err_path);
  FILE* pipe = popen(command.c_str(), "r");
  Result result{-1, "", ""};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.out.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = testing::ReadFileToString(err_path).value_or("");
  return result;
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new std::string(TempDir() + "/cli_stories260K.wisp");
    const std::string dir = SharedPath("models/stories260K/");
    Result r = RunWisp(absl::StrCat("convert --from llama2c ", dir,
                                    "stories260K.bin --tokenizer ", dir,
                                    "tok512.bin -o ", *model_));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete model_; }
  static std::string* model_;
};
std::string* CliTest::model_ = nullptr;

TEST_F(CliTest, GenerateGreedyPrintsLlama2cText) {
  auto greedy = testing::ReadJsonFile(
      SharedPath("models/stories260K/reference/greedy.json"));
  ASSERT_TRUE(greedy.ok());
  Result r = RunWisp(absl::StrCat("generate -m ", *model_,
                                  " -p \"Once upon a time\" -n 100 "
                                  "--temperature 0 --threads 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, (*greedy)["text"].AsString() + "\n");
  EXPECT_NE(r.err.find("prefill"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tokens/s"), std::string::npos) << r.err;
}

TEST_F(CliTest, GenerateWithSeedIsReproducible) {
  const std::string args = absl::StrCat(
      "generate -m ", *model_,
      " -p \"Lily\" -n 40 --temperature 0.9 --top-k 20 --top-p 0.9 --seed 5");
  Result a = RunWisp(args), b = RunWisp(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out.rfind("Lily", 0), 0u) << "the prompt comes first";
}

TEST_F(CliTest, LogitsMatchTheReference) {
  auto reference = testing::ReadJsonFile(
      SharedPath("models/stories260K/reference/reference.json"));
  ASSERT_TRUE(reference.ok());
  const auto& seq = (*reference)["sequences"]["s64"];
  auto ids = seq["input_ids"].AsIntVector();
  ASSERT_TRUE(ids.ok());
  const std::string out = TempDir() + "/cli_logits.bin";
  Result r = RunWisp(absl::StrCat("logits -m ", *model_, " --ids ",
                                  absl::StrJoin(*ids, ","), " -o ", out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = testing::ReadFloats(out);
  auto expected = testing::ReadFloats(
      SharedPath("models/stories260K/reference/logits_s64.bin"));
  ASSERT_TRUE(got.ok() && expected.ok());
  ASSERT_EQ(got->size(), expected->size());
  for (size_t i = 0; i < got->size(); ++i) {
    ASSERT_NEAR((*got)[i], (*expected)[i], 1e-4) << i;
  }
}

TEST_F(CliTest, TokenizePrintsCommaSeparatedIds) {
  Result r =
      RunWisp(absl::StrCat("tokenize -m ", *model_, " \"Once upon a time\""));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1,403,407,261,378\n");
}

TEST_F(CliTest, InspectShowsConfigTokenizerAndTensors) {
  Result r = RunWisp("inspect " + *model_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* expected :
       {"n_kv_heads: 4", "vocab_size: 512", "sentencepiece-bpe, 512 tokens",
        "layers.4.feed_forward.w3.weight", "tensors: 47"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected;
  }
}

TEST_F(CliTest, FailuresExitNonZeroWithOneLine) {
  for (const std::string& args :
       {std::string("generate -m /no/such.wisp -p x -n 1"),
        std::string("generate -p x"),
        absl::StrCat("generate -m ", *model_, " -n -5"),
        absl::StrCat("generate -m ", *model_, " --temperature abc"),
        absl::StrCat("generate -m ", *model_, " --bogus 1"),
        absl::StrCat("logits -m ", *model_, " --ids 1,x -o /tmp/x.bin"),
        absl::StrCat("logits -m ", *model_, " --ids 1,99999 -o /tmp/x.bin"),
        std::string("convert --from gguf a -o b"),
        std::string("convert --from llama2c /no/such.bin --tokenizer x -o "
                    "/tmp/x.wisp"),
        std::string("inspect /no/such.wisp"), std::string("frobnicate")}) {
    Result r = RunWisp(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.err.find("error"), std::string::npos) << args << ": " << r.err;
    if (args != "frobnicate") {
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
          << args << ": " << r.err;
    }
  }
}

}  // namespace
}  // namespace wisp
