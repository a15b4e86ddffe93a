// Writes the test models of exact bf16 products
// (wisp_model_set_exact_bf16_products): a random LLaMA-family model whose
// every product is at least 256 deep (dim and hidden_dim 256), so that
// prompts reach the bf16 dot-product GEMM, converted to bf16 as `wisp convert
// --dtype bf16` does; and its twin with those bf16 weights widened back to
// f32. With exact products, the bf16 model must compute the twin's logits
// bit for bit.
//   write_bf16_test_models BF16.wisp WIDENED.wisp
#include <cstdio>
#include <string>

#include "src/import/wisp_bf16.h"
#include "tests/support/tiny_model.h"

namespace {

absl::Status WriteModels(const std::string& bf16_path,
                         const std::string& widened_path) {
  wisp::ModelConfig config = wisp::testing::TinyLlamaConfig();
  config.dim = 256;
  config.hidden_dim = 256;
  config.n_layers = 1;
  absl::Status status = wisp::WriteWispFile(
      bf16_path, wisp::testing::MakeRandomModel(config, 2024).contents);
  if (!status.ok()) return status;
  status = wisp::ConvertWispToBf16(bf16_path, bf16_path);
  if (!status.ok()) return status;
  auto bf16 = wisp::WispFile::Open(bf16_path);
  if (!bf16.ok()) return bf16.status();
  return wisp::testing::WriteWidened(**bf16, widened_path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s BF16.wisp WIDENED.wisp\n", argv[0]);
    return 2;
  }
  const absl::Status status = WriteModels(argv[1], argv[2]);
  if (!status.ok()) {
    std::fprintf(stderr, "write_bf16_test_models: %s\n",
                 status.ToString().c_str());
    return 1;
  }
  return 0;
}
