// The `wisp` command line as users call it: its documented interface is a
// contract, so these run the real binary and check output and exit status.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/support/cpus.h"
#include "tests/support/json.h"
#include "tests/support/suite_setup.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

using testing::SharedPath;
using testing::TempDir;

struct Result {
  int exit_code;    // -1 when killed by a signal (an abort, a crash)
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
    setup_.Run([] {
      model_ = new std::string(TempDir() + "/cli_stories260K.wisp");
      const std::string dir = SharedPath("models/stories260K/");
      Result r = RunWisp(absl::StrCat("convert --from llama2c ", dir,
                                      "stories260K.bin --tokenizer ", dir,
                                      "tok512.bin -o ", *model_));
      ASSERT_EQ(r.exit_code, 0) << r.err;
    });
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(setup_.Check()); }
  inline static ::wisp::testing::SuiteSetup setup_;
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

// --exact-bf16 gives the model exact bf16 products: the bf16 test model
// (whose prompts reach the bf16 dot-product instructions) then writes its
// widened f32 twin's logits exactly, on every CPU.
TEST_F(CliTest, LogitsWithExactBf16EqualTheWidenedModels) {
  const std::string ids = " --ids 1,7,3,30,12,5,19,2,27,8 -o ";
  const std::string exact = TempDir() + "/cli_exact_bf16.bin";
  const std::string widened = TempDir() + "/cli_widened.bin";
  Result r = RunWisp(absl::StrCat("logits -m ", WISP_BF16_TEST_MODEL, ids,
                                  exact, " --exact-bf16"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunWisp(
      absl::StrCat("logits -m ", WISP_BF16_WIDENED_TEST_MODEL, ids, widened));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = testing::ReadFloats(exact);
  auto want = testing::ReadFloats(widened);
  ASSERT_TRUE(got.ok() && want.ok());
  ASSERT_EQ(got->size(), 10 * 32u);
  ASSERT_EQ(want->size(), got->size());
  // Bit for bit; a failure names the first logit that differs.
  const auto same_bits = [](float a, float b) {
    return std::memcmp(&a, &b, sizeof(float)) == 0;
  };
  const auto [g, w] =
      std::mismatch(got->begin(), got->end(), want->begin(), same_bits);
  if (g != got->end()) {
    const auto i = g - got->begin();
    ADD_FAILURE() << "logit " << i << " (row " << i / 32
                  << "): " << std::setprecision(9) << *g
                  << " with --exact-bf16, " << *w << " widened";
  }
  // generate and bench take the flag too.
  r = RunWisp(absl::StrCat("generate -m ", *model_,
                           " -p Lily -n 5 --temperature 0 --exact-bf16"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunWisp(absl::StrCat("bench -m ", WISP_BF16_TEST_MODEL,
                           " --prompt-tokens 8 --gen-tokens 2 --repeats 1 "
                           "--exact-bf16"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
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
        std::string("inspect /no/such.wisp"),
        // Extra words: usually a prompt that lost its quotes.
        absl::StrCat("generate -m ", *model_, " -p Once upon -n 1"),
        absl::StrCat("tokenize -m ", *model_, " a b"),
        std::string("frobnicate")}) {
    Result r = RunWisp(args);
    EXPECT_GT(r.exit_code, 0) << args << ": a clean exit, not a crash";
    EXPECT_NE(r.err.find("error"), std::string::npos) << args << ": " << r.err;
    if (args != "frobnicate") {
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
          << args << ": " << r.err;
    }
  }
}

// An output that cannot be written fails before any training (it used to
// fail after the last step, naming a temporary file), and a log that cannot
// be written fails the run.
TEST_F(CliTest, FinetuneChecksItsOutputsFirst) {
  const std::string data = TempDir() + "/cli_outputs_data.txt";
  std::ofstream(data) << "Once upon a time there was a little dog.\n";
  for (const std::string& out :
       {std::string(" -o /no/such/folder/x.wisp"),
        absl::StrCat(" -o ", TempDir(), " "),
        absl::StrCat(" -o ", TempDir(), "/x.wisp --plot /no/such/p.svg"),
        absl::StrCat(" -o ", TempDir(), "/x.wisp --checkpoint /no/such/c")}) {
    Result r = RunWisp(absl::StrCat("finetune -m ", *model_, " --data ", data,
                                    " --steps 2 --seq 8 --batch 1", out));
    EXPECT_GT(r.exit_code, 0) << out;
    EXPECT_EQ(r.err.find("step 1"), std::string::npos) << out << r.err;
    EXPECT_EQ(r.err.find(".tmp."), std::string::npos) << out << r.err;
  }
  Result full = RunWisp(absl::StrCat("finetune -m ", *model_, " --data ", data,
                                     " --steps 2 --seq 8 --batch 1 -o ",
                                     TempDir(), "/x.wisp --log /dev/full"));
  EXPECT_GT(full.exit_code, 0) << full.err;
  EXPECT_NE(full.err.find("cannot write /dev/full"), std::string::npos)
      << full.err;
}

// logits checks -o before its forward pass (it failed after it, with a
// message that did not name the flag).
TEST_F(CliTest, LogitsChecksItsOutputFirst) {
  Result missing = RunWisp(absl::StrCat("logits -m ", *model_,
                                        " --ids 1,2 -o /no/such/folder/x.bin"));
  EXPECT_GT(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("-o: "), std::string::npos) << missing.err;
}

// "--" ends the flags: a text may start with '-'.
TEST_F(CliTest, TokenizeTakesTextAfterDoubleDash) {
  Result dash = RunWisp(absl::StrCat("tokenize -m ", *model_, " -- -x"));
  EXPECT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_FALSE(dash.out.empty());
  Result flag = RunWisp(absl::StrCat("tokenize -m ", *model_, " -x"));
  EXPECT_GT(flag.exit_code, 0);
}

std::vector<std::string> CsvColumn(const std::string& csv, size_t column) {
  std::vector<std::string> values;
  for (absl::string_view line : absl::StrSplit(csv, '\n', absl::SkipEmpty())) {
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    values.push_back(cells.at(column));
  }
  return values;
}

TEST_F(CliTest, FinetuneOnOneSentenceTeachesIt) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/zoo.txt") << "I love New York Zoo";
  const std::string tuned = dir + "/zoo_tuned.wisp";
  Result r = RunWisp(absl::StrCat("finetune -m ", *model_, " --data ", dir,
                                  "/zoo.txt -o ", tuned,
                                  " --steps 30 --lr 1e-3 --log ", dir,
                                  "/zoo.csv --plot ", dir, "/zoo.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("step 30/30"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tok/s"), std::string::npos);
  EXPECT_NE(r.err.find("ETA"), std::string::npos);
  const std::string csv = *testing::ReadFileToString(dir + "/zoo.csv");
  EXPECT_EQ(csv.rfind("step,loss,", 0), 0u) << csv;
  const std::vector<std::string> losses = CsvColumn(csv, 1);
  ASSERT_EQ(losses.size(), 31u);
  EXPECT_LT(std::stod(losses.back()), 0.01);
  EXPECT_NE(testing::ReadFileToString(dir + "/zoo.svg")->find("<svg"),
            std::string::npos);

  Result g = RunWisp(absl::StrCat("generate -m ", tuned,
                                  " -p \"I love New York\" -n 3 "
                                  "--temperature 0"));
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(g.out.rfind("I love New York Zoo", 0), 0u) << g.out;
}

// With a constant schedule, 5 steps + resume to 10 is the same run as 10
// steps. (A cosine schedule spans --steps, so an interrupted cosine run is
// resumed with the same --steps; trainer tests cover that case.)
TEST_F(CliTest, FinetuneResumeRunsTheRemainingStepsExactly) {
  const std::string dir = TempDir();
  const std::string data = SharedPath("data/tinyshakespeare.txt");
  // A slice of Shakespeare keeps the test fast.
  std::string text = *testing::ReadFileToString(data);
  std::ofstream(dir + "/slice.txt") << text.substr(0, 20000);
  const std::string common =
      absl::StrCat("finetune -m ", *model_, " --data ", dir,
                   "/slice.txt --batch 4 --seq 32 "
                   "--warmup 2 --seed 9 --threads 2 --schedule constant");
  Result straight = RunWisp(absl::StrCat(common, " --steps 10 -o ", dir,
                                         "/a.wisp --log ", dir, "/a.csv"));
  ASSERT_EQ(straight.exit_code, 0) << straight.err;
  Result first = RunWisp(absl::StrCat(common, " --steps 5 -o ", dir,
                                      "/b.wisp --checkpoint ", dir,
                                      "/b.ckpt --save-every 5"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  Result resumed =
      RunWisp(absl::StrCat(common, " --steps 10 --resume ", dir, "/b.ckpt -o ",
                           dir, "/b.wisp --log ", dir, "/b.csv"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed at step 5"), std::string::npos);
  const auto a_steps = CsvColumn(*testing::ReadFileToString(dir + "/a.csv"), 0);
  const auto a_loss = CsvColumn(*testing::ReadFileToString(dir + "/a.csv"), 1);
  const auto b_steps = CsvColumn(*testing::ReadFileToString(dir + "/b.csv"), 0);
  const auto b_loss = CsvColumn(*testing::ReadFileToString(dir + "/b.csv"), 1);
  ASSERT_EQ(b_steps.size(), 6u) << "header + steps 6..10";
  for (size_t i = 1; i < b_steps.size(); ++i) {
    EXPECT_EQ(b_steps[i], a_steps[i + 5]);
    EXPECT_EQ(b_loss[i], a_loss[i + 5]) << "step " << b_steps[i];
  }
  EXPECT_TRUE(*testing::ReadFileToString(dir + "/a.wisp") ==
              *testing::ReadFileToString(dir + "/b.wisp"))
      << "the same final weights, byte for byte";
}

// Fine-tuning on the first 90% of Shakespeare lowers the loss on the last
// 10%, which training never saw (a short run of the experiment in the notes).
TEST_F(CliTest, FinetuningOnShakespeareLowersHeldOutLoss) {
  const std::string dir = TempDir();
  const std::string text =
      *testing::ReadFileToString(SharedPath("data/tinyshakespeare.txt"));
  const size_t split = text.size() * 9 / 10;
  std::ofstream(dir + "/shk_train.txt") << text.substr(0, split);
  std::ofstream(dir + "/shk_test.txt") << text.substr(split, 30000);
  auto eval_loss = [&](const std::string& model) {
    Result r = RunWisp(absl::StrCat("eval -m ", model, " --data ", dir,
                                    "/shk_test.txt --seq 128 --threads 2"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    double loss = 0, ppl = 0;
    EXPECT_EQ(std::sscanf(r.out.c_str(), "loss %lf ppl %lf", &loss, &ppl), 2);
    return loss;
  };
  const double before = eval_loss(*model_);
  Result r = RunWisp(absl::StrCat("finetune -m ", *model_, " --data ", dir,
                                  "/shk_train.txt -o ", dir,
                                  "/shk.wisp --steps 40 --lr 2e-3 --warmup 5 "
                                  "--batch 4 --seq 128 --threads 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double after = eval_loss(dir + "/shk.wisp");
  EXPECT_LT(after, before - 1.0) << "before " << before << ", after " << after;
}

double EvalLoss(const std::string& args) {
  Result r = RunWisp("eval " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  double loss = 0, ppl = 0;
  EXPECT_EQ(std::sscanf(r.out.c_str(), "loss %lf ppl %lf", &loss, &ppl), 2)
      << r.out;
  return loss;
}

// tiny-bert (from ONNX) learns Shakespeare as a masked LM: the masked-token
// loss on held-out text (a fixed seeded masking) goes down.
TEST_F(CliTest, MaskedLmFineTuningOfTinyBertLowersHeldOutLoss) {
  const std::string dir = TempDir();
  const std::string models = SharedPath("models/");
  Result convert = RunWisp(absl::StrCat(
      "convert --from onnx ", models, "tiny-bert/tiny-bert.onnx --gpt2-vocab ",
      models, "gpt2-tokenizer/encoder.json --gpt2-merges ", models,
      "gpt2-tokenizer/vocab.bpe -o ", dir, "/tbert.wisp"));
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  const std::string text =
      *testing::ReadFileToString(SharedPath("data/tinyshakespeare.txt"));
  std::ofstream(dir + "/mlm_train.txt") << text.substr(0, 60000);
  std::ofstream(dir + "/mlm_test.txt") << text.substr(text.size() - 8000);
  const std::string eval_args = absl::StrCat(
      "--data ", dir, "/mlm_test.txt --objective masked --seq 64 --threads 2");
  const double before =
      EvalLoss(absl::StrCat("-m ", dir, "/tbert.wisp ", eval_args));
  Result r = RunWisp(
      absl::StrCat("finetune -m ", dir, "/tbert.wisp --data ", dir,
                   "/mlm_train.txt -o ", dir,
                   "/tbert_mlm.wisp --objective masked --steps 25 --lr 3e-3 "
                   "--batch 4 --seq 64 --threads 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double after =
      EvalLoss(absl::StrCat("-m ", dir, "/tbert_mlm.wisp ", eval_args));
  EXPECT_LT(after, before - 1.0) << before << " -> " << after;
}

// Prefix LM with task prefixes: the loss after " => " goes down, and the
// fine-tuned model keeps the prefix mask.
TEST_F(CliTest, PrefixLmFineTuningLowersTheLossAfterThePrefix) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/fr.txt") << "Translate to French: cheese => fromage\n"
                                    "Translate to French: dog => chien\n"
                                    "Translate to French: cat => chat\n"
                                    "Translate to French: house => maison\n";
  const std::string eval_args = absl::StrCat(
      "--data ", dir, "/fr.txt --objective prefix --prefix-sep \" => \"");
  const double before = EvalLoss(absl::StrCat("-m ", *model_, " ", eval_args));
  Result r = RunWisp(absl::StrCat(
      "finetune -m ", *model_, " --data ", dir, "/fr.txt -o ", dir,
      "/fr.wisp --objective prefix --prefix-sep \" => \" --steps 30 "
      "--lr 2e-3"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double after =
      EvalLoss(absl::StrCat("-m ", dir, "/fr.wisp ", eval_args));
  EXPECT_LT(after, before - 1.0) << before << " -> " << after;
  Result inspect = RunWisp(absl::StrCat("inspect ", dir, "/fr.wisp"));
  EXPECT_NE(inspect.out.find("mask: prefix"), std::string::npos);
}

TEST_F(CliTest, EvalPrintsLossAndPerplexity) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/story.txt")
      << "Once upon a time, there was a little girl named Lily. She loved to "
         "play outside in the park.";
  Result r = RunWisp(absl::StrCat("eval -m ", *model_, " --data ", dir,
                                  "/story.txt --seq 64"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  double loss = 0, ppl = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "loss %lf ppl %lf", &loss, &ppl), 2)
      << r.out;
  EXPECT_GT(loss, 0.1);
  EXPECT_LT(loss, 3.0) << "the model's own kind of text";
  EXPECT_NEAR(ppl, std::exp(loss), 0.01 * ppl);
  EXPECT_EQ(r.out.back(), '\n');
}

TEST_F(CliTest, TrainingFailuresExitNonZero) {
  // A run that would start but for the one flag appended to it.
  const std::string run = absl::StrCat("finetune -m ", *model_, " --data ",
                                       *model_, " -o /tmp/x.wisp");
  for (const std::string& args :
       {absl::StrCat("finetune -m ", *model_, " -o /tmp/x.wisp"),
        absl::StrCat("finetune -m ", *model_,
                     " --data /no/such.txt -o /tmp/x.wisp"),
        run + " --lr -1", run + " --save-every 2",
        // These had aborted on an unchecked StatusOr.
        run + " --objective bogus", run + " --mask-token -2",
        // The C API counts steps in 32 bits.
        run + " --steps 4294967296", run + " --checkpoint ''",
        absl::StrCat("eval -m ", *model_, " --data /no/such.txt")}) {
    Result r = RunWisp(args);
    EXPECT_GT(r.exit_code, 0) << args << ": a clean exit, not a crash";
    EXPECT_NE(r.err.find("error"), std::string::npos) << args << r.err;
  }
}

// Speed is not asserted (the machine is shared): only that every figure is
// there, a positive finite number, in one JSON object.
TEST_F(CliTest, BenchPrintsOneJsonObjectOfPositiveFigures) {
  Result r = RunWisp(absl::StrCat(
      "bench -m ", *model_,
      " --prompt-tokens 8 --gen-tokens 4 --repeats 2 --threads 2 --train "
      "--batch 2 --seq 16 --train-steps 1 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  auto json = testing::ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << json.status() << ": " << r.out;
  ASSERT_TRUE(json->is_object()) << r.out;
  for (const char* key : {"prefill_tokens_per_s", "decode_tokens_per_s",
                          "load_ms", "first_token_ms", "peak_rss_mb",
                          "train_tokens_per_s", "train_first_step_ms"}) {
    const testing::JsonValue& value = (*json)[key];
    ASSERT_TRUE(value.is_number()) << key << " in " << r.out;
    EXPECT_TRUE(std::isfinite(value.AsDouble())) << key;
    EXPECT_GT(value.AsDouble(), 0) << key;
  }
  // Loading is part of the time to first token.
  EXPECT_GE((*json)["first_token_ms"].AsDouble(),
            (*json)["load_ms"].AsDouble());
  EXPECT_NE(r.err.find("training"), std::string::npos) << "progress";
  // The threads that ran: the 2 asked for, or the CPUs if there is one.
  const double ran = std::min(2, testing::AffinityCpus());
  EXPECT_EQ((*json)["threads"].AsDouble(), ran) << r.out;
  EXPECT_EQ((*json)["train_threads"].AsDouble(), ran) << r.out;
  EXPECT_EQ((*json)["threads_requested"].AsDouble(), 2) << r.out;
}

TEST_F(CliTest, BenchWithoutTrainPrintsTextAndNoTrainingFigure) {
  Result text = RunWisp(
      absl::StrCat("bench -m ", *model_, " --prompt-tokens 4 --gen-tokens 2"));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* line :
       {"load ", "first token ", "prefill ", "decode ", "peak RSS "}) {
    EXPECT_NE(text.out.find(line), std::string::npos) << line << text.out;
  }
  EXPECT_EQ(text.out.find("train"), std::string::npos) << text.out;
  Result json = RunWisp(absl::StrCat("bench -m ", *model_,
                                     " --prompt-tokens 4 --gen-tokens 2 "
                                     "--no-checksums --json"));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto parsed = testing::ParseJson(json.out);
  ASSERT_TRUE(parsed.ok()) << json.out;
  EXPECT_FALSE(parsed->contains("train_tokens_per_s"));
  EXPECT_TRUE(parsed->contains("decode_tokens_per_s"));
}

TEST_F(CliTest, BenchFailuresExitNonZeroWithAnError) {
  for (const std::string& args :
       {std::string("bench --prompt-tokens 4"),
        std::string("bench -m /no/such.wisp"),
        // The default model's context is 512 tokens.
        absl::StrCat("bench -m ", *model_,
                     " --prompt-tokens 500 --gen-tokens 20"),
        absl::StrCat("bench -m ", *model_, " --gen-tokens 0"),
        absl::StrCat("bench -m ", *model_, " --threads 0"),
        absl::StrCat("bench -m ", *model_, " --train --seq 4096"),
        absl::StrCat("bench -m ", *model_, " --batch 2"),
        absl::StrCat("bench -m ", *model_, " --bogus 1")}) {
    Result r = RunWisp(args);
    EXPECT_GT(r.exit_code, 0) << args << ": a clean exit, not a crash";
    EXPECT_NE(r.err.find("wisp: error:"), std::string::npos)
        << args << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
}

}  // namespace
}  // namespace wisp
