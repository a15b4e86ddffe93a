// Fuzzes wisp_model_load and what a loaded model does first. The input is
// the metadata of a .wisp file (its FlatBuffer); the target seals it into a
// file with valid checksums (sealed_wisp_file.h) and loads it as an
// application does, checksums verified. Mutations thus reach the metadata,
// config and tokenizer checks instead of stopping at a checksum mismatch. A
// file that loads is then used: tokenising, token texts, a short prompt,
// sampling and a few generated tokens.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/metadata_mutator.h"
#include "tests/fuzz/sealed_wisp_file.h"
#include "wisp/wisp.h"

namespace wisp::fuzz {
namespace {

void UseModel(wisp_model* model) {
  wisp_model_config config{};
  config.struct_size = sizeof(config);
  if (wisp_model_get_config(model, &config) != WISP_OK) Fail("get_config");

  // Token texts of the first ids and of the last, past-the-end and -1.
  char text[256];
  size_t len = 0;
  const int32_t vocab = config.vocab_size;
  for (int32_t id : {-1, 0, 1, 2, 3, vocab - 1, vocab, 1 << 30}) {
    wisp_token_to_text(model, -1, id, text, sizeof(text), &len);
    wisp_token_to_text(model, config.bos_id, id, text, sizeof(text), &len);
  }

  static const char kPrompt[] =
      "Once upon a time, \xff\xfe caf\xc3\xa9 \xe2\x82";
  int32_t ids[64];
  size_t n_ids = 0;
  const wisp_status tokenized = wisp_tokenize(
      model, kPrompt, sizeof(kPrompt) - 1, 1, ids, std::size(ids), &n_ids);
  if (tokenized != WISP_OK) {
    // No tokenizer: run a prompt of the first ids instead.
    n_ids = std::min<size_t>(4, std::max(vocab, 0));
    for (size_t i = 0; i < n_ids; ++i) ids[i] = static_cast<int32_t>(i);
  }
  if (n_ids > 0 && tokenized == WISP_OK) {
    std::string decoded(4 * sizeof(kPrompt) + 64, '\0');
    wisp_detokenize(model, ids, n_ids, decoded.data(), decoded.size(), &len);
  }

  wisp_session_params params = wisp_session_default_params();
  params.context_length = std::min(config.max_seq_len, 24);
  wisp_session* session = nullptr;
  if (wisp_session_create(model, &params, &session) != WISP_OK) return;
  n_ids = std::min<size_t>(n_ids, params.context_length / 2);
  if (n_ids > 0 &&
      wisp_session_feed(session, ids, n_ids, nullptr, 0) == WISP_OK) {
    int32_t token = -1;
    wisp_sampler_params sampler = wisp_sampler_default_params();
    wisp_session_sample(session, &sampler, &token);
    size_t generated = 0;
    wisp_session_generate(session, &sampler, 4, nullptr, nullptr, &generated,
                          nullptr);
  }
  wisp_session_free(session);
}

}  // namespace
}  // namespace wisp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp::fuzz;
  const std::string file = SealWispFile(data, size, true);
  const std::string path = ScratchPath("model.wisp");
  if (!WriteScratchFile(path, file.data(), file.size())) return 0;
  wisp_model* model = nullptr;
  if (wisp_model_load(path.c_str(), nullptr, &model) != WISP_OK) {
    if (model != nullptr) Fail("failed load returned a model");
    if (wisp_last_error()[0] == '\0') Fail("failed load without a message");
    Note(std::string("load: ") + wisp_last_error());
    return 0;
  }
  Note("loaded");
  UseModel(model);
  wisp_model_free(model);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  return wisp::fuzz::MutateMetadataInput(data, size, max_size, seed);
}
