// Writes the seed corpus of every fuzz target into OUT_DIR/<target>/, made
// from the current code (tiny models, the default model, the shared
// tokenizers), so that seeds never go stale when a format changes:
//
//   make_fuzz_seeds OUT_DIR DEFAULT_MODEL.wisp LLAMA2C_TOKENIZER.bin
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "src/format/wisp_file.h"
#include "src/model/model.h"
#include "src/train/trainer.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"
#include "wisp/convert.h"

namespace wisp::fuzz {
namespace {

std::string g_out;

void Write(const std::string& target, const std::string& name,
           const std::string& bytes) {
  const std::string folder = g_out + "/" + target;
  std::filesystem::create_directories(folder);
  if (!WriteScratchFile(folder + "/" + name, bytes.data(), bytes.size())) {
    Fail("cannot write seed " + folder + "/" + name);
  }
}

std::string ReadOrDie(const std::string& path) {
  absl::StatusOr<std::string> bytes = testing::ReadFileToString(path);
  if (!bytes.ok()) Fail(std::string(bytes.status().message()));
  return *bytes;
}

// The metadata FlatBuffer of a .wisp file: model_file_fuzz's input.
std::string Metadata(const std::string& path) {
  absl::StatusOr<std::unique_ptr<WispFile>> file = WispFile::Open(path);
  if (!file.ok()) Fail(std::string(file.status().message()));
  const FileHeader& h = (*file)->header();
  return ReadOrDie(path).substr(h.metadata_offset, h.metadata_length);
}

void ModelSeeds(const std::string& default_model) {
  Write("model_file", "stories260K", Metadata(default_model));
  const struct {
    const char* name;
    ModelConfig config;
  } tiny[] = {{"tiny_llama", testing::TinyLlamaConfig()},
              {"tiny_gpt2", testing::TinyGpt2Config()},
              {"tiny_bert", testing::TinyBertConfig()}};
  for (const auto& t : tiny) {
    const std::string wisp = ScratchPath(std::string(t.name) + ".wisp");
    testing::WriteRandomModel(wisp, t.config, 1);
    Write("model_file", t.name, Metadata(wisp));
    // The same model as ONNX, for the importer.
    const std::string onnx = ScratchPath(std::string(t.name) + ".onnx");
    if (wisp_convert_export_onnx(wisp.c_str(), nullptr, onnx.c_str()) !=
        WISP_OK) {
      Fail(std::string("export: ") + wisp_convert_last_error());
    }
    Write("onnx_import", t.name, ReadOrDie(onnx));
  }
}

// A checkpoint of the default model after one step, as checkpoint_fuzz's
// trainer (batch 2 x 16) writes it.
void CheckpointSeeds(const std::string& default_model) {
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(default_model);
  if (!model.ok()) Fail(std::string(model.status().message()));
  TrainOptions options;
  options.batch_size = 2;
  options.seq_len = 16;
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(**model, options);
  if (!trainer.ok()) Fail(std::string(trainer.status().message()));
  const std::string path = ScratchPath("checkpoint.wisp");
  absl::Status status = (*trainer)->SetDataText(
      "Once upon a time, there was a little girl named Lily. She liked to "
      "play outside in the sun.");
  if (status.ok()) status = (*trainer)->Step().status();
  if (status.ok()) status = (*trainer)->SaveCheckpoint(path);
  if (!status.ok()) Fail(std::string(status.message()));
  Write("checkpoint", "stories260K_step1", Metadata(path));
}

// API call sequences: random bytes, and one that feeds, samples, generates,
// saves and restores in a 32-token context.
void SessionSeeds() {
  std::mt19937 rng(7);
  for (int i = 0; i < 4; ++i) {
    std::string bytes(64 + 64 * i, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    Write("session_api", "random" + std::to_string(i), bytes);
  }
  const unsigned char scripted[] = {
      31,   0,  // context 32, 1 thread
      0,    0, 5, 0x11, 0,    0,   0,   0x21, 0,    0, 0,  // feed 5 tokens ...
      0x31, 0, 0, 0,    0x41, 0,   0,   0,    0x51, 0, 0,
      0,    1,        // ... with logits
      0,    1, 0,     // sample, defaults
      0,    2, 0, 3,  // generate 3
      0,    5, 1,     // save, restore into the other
      1,    4, 2,     // continue 2 on the other
      1,    8, 1,     // logits
      0,    9, 5, 'H',  'e',  'l', 'l', 'o',  1,  // tokenise
      0,    7};                                   // reset
  Write("session_api", "scripted",
        std::string(reinterpret_cast<const char*>(scripted), sizeof(scripted)));
}

// Trainer parameters, then calls (trainer_api_fuzz): for each objective,
// data, a step, a checkpoint round trip, evaluation, export and
// wisp_model_evaluate; and random bytes.
void TrainerSeeds() {
  const std::string text =
      "Once upon a time: there was a cat.\nThe cat: sat on a mat.\n";
  for (unsigned char objective = 0; objective < 3; ++objective) {
    std::string seed = {
        1,   // batch 2
        15,  // seq 16
        2,   // grad_accum 1
        2,   // 1 thread
        static_cast<char>(objective),
        0,
        static_cast<char>(objective == 2 ? 0x80 : 0),
        0,
        0,  // raw fields
    };
    if (objective == 2) seed += std::string("\x01:");  // separator ":"
    seed += std::string(1, 0) + static_cast<char>(text.size()) + text;
    seed +=
        std::string("\x02\x05\x04\x00\x06");  // step, checkpoint, eval, export
    seed += std::string("\x07\x08\x01\x00\x03\x05Hello");  // model eval
    seed += std::string("\x08\x01");                       // train 1 step
    Write("trainer_api", "objective" + std::to_string(objective), seed);
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 3; ++i) {
    std::string bytes(96, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    Write("trainer_api", "random" + std::to_string(i), bytes);
  }
}

void TokenizerSeeds(const std::string& llama2c_tokenizer) {
  const char* texts[] = {
      "Once upon a time, there was a little girl named Lily.",
      " leading and trailing spaces  ",
      "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
      "\xff\xfe\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80",
      "<|endoftext|><s></s>\n\n\t\r\n'll 've 123 4567"};
  for (size_t i = 0; i < std::size(texts); ++i) {
    Write("tokenizer", "text" + std::to_string(i), texts[i]);
  }
  // llama2.c: selector 0, vocabulary size 512, the file.
  Write("tokenizer_files", "tok512",
        std::string("\0\0\x02", 3) + ReadOrDie(llama2c_tokenizer));
  // GPT-2: the byte alphabet (ids 0..255) and the first 44 merges (ids
  // 256..299), cut from the real files, which list both in id order.
  const std::string json =
      ReadOrDie(testing::SharedPath("models/gpt2-tokenizer/encoder.json"));
  const size_t last = json.find(": 299,");
  if (last == std::string::npos) Fail("encoder.json: no id 299");
  std::string bpe =
      ReadOrDie(testing::SharedPath("models/gpt2-tokenizer/vocab.bpe"));
  size_t end = 0;
  for (int line = 0; line < 45; ++line) end = bpe.find('\n', end) + 1;
  Write("tokenizer_files", "gpt2_300",
        "\x01" + json.substr(0, last + 5) + "}" + std::string(1, '\0') +
            bpe.substr(0, end));
}

// A llama2.c checkpoint with the stories260K vocabulary (512) and tiny
// sizes: dim 8, hidden 16, 1 layer, 2 heads, 2 KV heads, 16 positions.
void Llama2cSeeds() {
  const int32_t dim = 8, hidden = 16, layers = 1, heads = 2, kv_heads = 2,
                vocab = 512, seq = 16;
  const int32_t header[7] = {dim, hidden, layers, heads, kv_heads, vocab, seq};
  const size_t head_size = dim / heads, kv_dim = kv_heads * head_size;
  const size_t floats = vocab * dim     // embedding
                        + layers * dim  // attention norm
                        + layers * dim * (2 * dim + 2 * kv_dim)  // q k v o
                        + layers * dim                           // MLP norm
                        + layers * 3 * dim * hidden              // w1 w2 w3
                        + dim                                    // final norm
                        + seq * head_size;                       // legacy RoPE
  std::string bytes(reinterpret_cast<const char*>(header), sizeof(header));
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 0.2f);
  for (size_t i = 0; i < floats; ++i) {
    const float v = normal(rng);
    bytes.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  Write("llama2c_import", "tiny", bytes);
}

}  // namespace
}  // namespace wisp::fuzz

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: %s OUT_DIR DEFAULT_MODEL.wisp LLAMA2C_TOKENIZER\n",
                 argv[0]);
    return 2;
  }
  using namespace wisp::fuzz;
  g_out = argv[1];
  ModelSeeds(argv[2]);
  CheckpointSeeds(argv[2]);
  SessionSeeds();
  TrainerSeeds();
  TokenizerSeeds(argv[3]);
  Llama2cSeeds();
  return 0;
}
