// Writes the random models of ExportCases() for tests/onnxrt/check_export.sh:
// OUT_DIR/NAME.wisp for each case, and OUT_DIR/cases.txt with one line
// "NAME MASK" per model (MASK: causal, bidirectional or prefix). For
// prefix-LM models also NAME.prefix1.bin and NAME.prefix3.bin: the logits
// of kIds with a prefix of 1 (causal) and 3 tokens, for comparison with
// prefix_length left out and set to 3.
#include <cstdio>
#include <fstream>
#include <vector>

#include "src/format/wisp_file.h"
#include "src/infer/session.h"
#include "tests/import/onnx_export_fixtures.h"
#include "tests/support/tiny_model.h"

namespace {

constexpr int32_t kIds[] = {3, 17, 5, 0, 31, 8, 12, 9, 22, 4, 27, 1};

// The logits of kIds for a prefix of `prefix` tokens: a session takes its
// first feed as the prefix, so the prefix is fed first, then the rest.
absl::Status WritePrefixLogits(const std::string& model_path, size_t vocab,
                               size_t prefix, const std::string& out_path) {
  auto model = wisp::Model::Load(model_path);
  if (!model.ok()) return model.status();
  auto session = wisp::Session::Create(**model, {});
  if (!session.ok()) return session.status();
  const size_t n = sizeof(kIds) / sizeof(kIds[0]);
  std::vector<float> logits(n * vocab);
  absl::Status s =
      (*session)->Feed(absl::MakeConstSpan(kIds, prefix), logits.data());
  if (s.ok()) {
    s = (*session)->Feed(absl::MakeConstSpan(kIds + prefix, n - prefix),
                         logits.data() + prefix * vocab);
  }
  if (!s.ok()) return s;
  std::ofstream out(out_path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(logits.data()),
            static_cast<std::streamsize>(logits.size() * sizeof(float)));
  return out ? absl::OkStatus()
             : absl::InternalError("cannot write " + out_path);
}

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "onnx_export_models: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: onnx_export_models OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::ofstream list(dir + "/cases.txt");
  uint64_t seed = 1;
  for (const wisp::testing::ExportCase& c : wisp::testing::ExportCases()) {
    const std::string path = dir + "/" + c.name + ".wisp";
    wisp::testing::TinyModel m =
        wisp::testing::MakeRandomModel(c.config, seed++);
    absl::Status s = wisp::WriteWispFile(path, m.contents);
    if (!s.ok()) return Fail(path, s);
    list << c.name << " " << wisp::MaskKindName(c.config.mask) << "\n";
    if (c.config.mask != wisp::MaskKind::kPrefix) continue;
    for (size_t prefix : {size_t{1}, size_t{3}}) {
      s = WritePrefixLogits(
          path, c.config.vocab_size, prefix,
          dir + "/" + c.name + ".prefix" + std::to_string(prefix) + ".bin");
      if (!s.ok()) return Fail(path, s);
    }
  }
  return list ? 0 : Fail(dir, absl::InternalError("cannot write cases.txt"));
}
