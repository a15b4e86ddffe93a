// C entry points for models and their tokenizer.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capi/handles.h"

using wisp::capi::CopyOut;
using wisp::capi::Fail;
using wisp::capi::Guarded;
using wisp::capi::Ok;

namespace {

wisp_status TokenizerOf(const wisp_model* model, const wisp::Tokenizer** out) {
  if (model == nullptr) return Fail(WISP_ERR_INVALID_ARGUMENT, "model is NULL");
  *out = model->model->tokenizer();
  if (*out == nullptr) {
    return Fail(WISP_ERR_UNSUPPORTED, "the model file carries no tokenizer");
  }
  return WISP_OK;
}

wisp_status CheckIds(const wisp::Tokenizer& tokenizer, const int32_t* ids,
                     size_t n) {
  if (ids == nullptr && n > 0)
    return Fail(WISP_ERR_INVALID_ARGUMENT, "ids is NULL");
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= tokenizer.vocab_size()) {
      return Fail(WISP_ERR_INVALID_ARGUMENT,
                  absl::StrCat("token id ", ids[i], " at index ", i,
                               " is outside the vocabulary"));
    }
  }
  return WISP_OK;
}

}  // namespace

extern "C" {

wisp_model_params wisp_model_default_params(void) {
  wisp_model_params params = {};
  params.struct_size = sizeof(params);
  params.verify_checksums = 1;
  return params;
}

wisp_status wisp_model_load(const char* path, const wisp_model_params* params,
                            wisp_model** out_model) {
  return Guarded([&] {
    if (path == nullptr || out_model == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "path or out_model is NULL");
    }
    wisp_model_params p;
    wisp_status s = wisp::capi::ReadParams(params, wisp_model_default_params(),
                                           &p, "wisp_model_params");
    if (s != WISP_OK) return s;
    wisp::LoadOptions options;
    options.verify_checksums = p.verify_checksums != 0;
    auto model = wisp::Model::Load(path, options);
    if (!model.ok()) return Fail(model.status());
    *out_model = new wisp_model{std::move(*model)};
    return Ok();
  });
}

void wisp_model_free(wisp_model* model) { delete model; }

wisp_status wisp_model_set_exact_bf16_products(wisp_model* model, int exact) {
  if (model == nullptr) return Fail(WISP_ERR_INVALID_ARGUMENT, "model is NULL");
  model->model->set_exact_bf16_products(exact != 0);
  return Ok();
}

int wisp_model_exact_bf16_products(const wisp_model* model) {
  return model != nullptr && model->model->exact_bf16_products() ? 1 : 0;
}

wisp_status wisp_model_get_config(const wisp_model* model,
                                  wisp_model_config* out_config) {
  return Guarded([&] {
    if (model == nullptr || out_config == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "model or out_config is NULL");
    }
    const size_t size = out_config->struct_size;
    if (size < sizeof(size_t) + sizeof(int32_t) || size > (1u << 16)) {
      return Fail(WISP_ERR_INVALID_ARGUMENT,
                  "out_config->struct_size must be sizeof(wisp_model_config)");
    }
    const wisp::ModelConfig& c = model->model->config();
    const wisp::Tokenizer* tokenizer = model->model->tokenizer();
    wisp_model_config full = {};
    full.struct_size = size;
    full.dim = static_cast<int32_t>(c.dim);
    full.hidden_dim = static_cast<int32_t>(c.hidden_dim);
    full.n_layers = static_cast<int32_t>(c.n_layers);
    full.n_heads = static_cast<int32_t>(c.n_heads);
    full.n_kv_heads = static_cast<int32_t>(c.n_kv_heads);
    full.vocab_size = static_cast<int32_t>(c.vocab_size);
    full.max_seq_len = static_cast<int32_t>(c.max_seq_len);
    full.norm_eps = c.norm_eps;
    full.rope_theta = c.rope_theta;
    full.norm = static_cast<int32_t>(c.norm);
    full.positions = static_cast<int32_t>(c.positions);
    full.mlp = static_cast<int32_t>(c.mlp);
    full.mask = static_cast<int32_t>(c.mask);
    full.tied_embeddings = c.tied_embeddings ? 1 : 0;
    full.bos_id = tokenizer ? tokenizer->bos_id() : -1;
    full.eos_id = tokenizer ? tokenizer->eos_id() : -1;
    std::memcpy(out_config, &full, size < sizeof(full) ? size : sizeof(full));
    return Ok();
  });
}

wisp_status wisp_tokenize(const wisp_model* model, const char* text,
                          size_t text_len, int add_bos, int32_t* ids,
                          size_t capacity, size_t* out_n_ids) {
  return Guarded([&] {
    const wisp::Tokenizer* tokenizer = nullptr;
    wisp_status s = TokenizerOf(model, &tokenizer);
    if (s != WISP_OK) return s;
    if (text == nullptr && text_len > 0) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "text is NULL");
    }
    std::vector<int32_t> tokens;
    absl::Status encoded = tokenizer->Encode(
        std::string_view(text ? text : "", text_len), add_bos != 0,
        /*add_eos=*/false, &tokens);
    if (!encoded.ok()) return Fail(encoded);
    return CopyOut(tokens.data(), tokens.size(), sizeof(int32_t), ids, capacity,
                   out_n_ids);
  });
}

wisp_status wisp_detokenize(const wisp_model* model, const int32_t* ids,
                            size_t n_ids, char* text, size_t capacity,
                            size_t* out_len) {
  return Guarded([&] {
    const wisp::Tokenizer* tokenizer = nullptr;
    wisp_status s = TokenizerOf(model, &tokenizer);
    if (s == WISP_OK) s = CheckIds(*tokenizer, ids, n_ids);
    if (s != WISP_OK) return s;
    std::string out;
    int32_t prev = -1;
    for (size_t i = 0; i < n_ids; ++i) {
      if (ids[i] != tokenizer->bos_id()) {
        out += tokenizer->DecodeToken(prev, ids[i]);
      }
      prev = ids[i];
    }
    return CopyOut(out.data(), out.size(), 1, text, capacity, out_len);
  });
}

wisp_status wisp_token_to_text(const wisp_model* model, int32_t prev_token,
                               int32_t token, char* text, size_t capacity,
                               size_t* out_len) {
  return Guarded([&] {
    const wisp::Tokenizer* tokenizer = nullptr;
    wisp_status s = TokenizerOf(model, &tokenizer);
    if (s == WISP_OK) s = CheckIds(*tokenizer, &token, 1);
    if (s != WISP_OK) return s;
    const std::string piece = tokenizer->DecodeToken(prev_token, token);
    return CopyOut(piece.data(), piece.size(), 1, text, capacity, out_len);
  });
}

}  // extern "C"
