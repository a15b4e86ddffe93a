#include "src/import/onnx_architectures.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/import/onnx_graph_facts.h"
#include "src/import/onnx_tensor_mapper.h"
#include "src/model/tensor_names.h"

namespace wisp {
namespace {

enum class Scheme { kLlama2c, kHfLlama, kGpt2, kNanoBert, kHfBert };

// Module names of one naming convention (without ".weight" / ".bias");
// per-layer names follow `layer` + N + ".". Empty means "has none".
struct Naming {
  Scheme scheme;
  OnnxArchitecture family;
  const char* embedding;  // the anchor: its prefix is the model's prefix
  const char* probe;      // must also exist, under the same prefix
  const char* position = "";
  const char* token_type = "";
  const char* emb_norm = "";
  const char* layer = "";
  const char* attention_norm = "";
  const char* qkv = "";  // fused [q | k | v]
  const char* wq = "";
  const char* wk = "";
  const char* wv = "";
  const char* wo = "";
  const char* ffn_norm = "";
  const char* w1 = "";
  const char* w2 = "";
  const char* w3 = "";
  const char* final_norm = "";
  const char* mlm_dense = "";  // these and `output` are outside the prefix
  const char* mlm_norm = "";
  const char* mlm_bias = "";  // a parameter, not a module
  const char* output = "";
};

// Fields in Naming's order: scheme, family, embedding, probe, position,
// token_type, emb_norm, layer, attention_norm, qkv, wq, wk, wv, wo,
// ffn_norm, w1, w2, w3, final_norm, mlm_dense, mlm_norm, mlm_bias, output.
// clang-format off
const Naming kNamings[] = {
    {Scheme::kLlama2c, OnnxArchitecture::kLlama,
     "tok_embeddings", "layers.0.attention.wq.weight", "", "", "",
     "layers.", "attention_norm", "", "attention.wq", "attention.wk",
     "attention.wv", "attention.wo", "ffn_norm", "feed_forward.w1",
     "feed_forward.w2", "feed_forward.w3", "norm", "", "", "", "output"},
    {Scheme::kHfLlama, OnnxArchitecture::kLlama,
     "embed_tokens", "layers.0.self_attn.q_proj.weight", "", "", "",
     "layers.", "input_layernorm", "", "self_attn.q_proj", "self_attn.k_proj",
     "self_attn.v_proj", "self_attn.o_proj", "post_attention_layernorm",
     "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj", "norm", "", "", "",
     "lm_head"},
    {Scheme::kHfBert, OnnxArchitecture::kBert,
     "embeddings.word_embeddings", "encoder.layer.0.attention.self.query.weight",
     "embeddings.position_embeddings", "embeddings.token_type_embeddings",
     "embeddings.LayerNorm", "encoder.layer.", "attention.output.LayerNorm",
     "", "attention.self.query", "attention.self.key", "attention.self.value",
     "attention.output.dense", "output.LayerNorm", "intermediate.dense",
     "output.dense", "", "", "cls.predictions.transform.dense",
     "cls.predictions.transform.LayerNorm", "cls.predictions.bias",
     "cls.predictions.decoder"},
    {Scheme::kNanoBert, OnnxArchitecture::kBert,
     "wte", "ln_emb.weight", "wpe", "", "ln_emb", "h.", "ln_1", "attn.c_attn",
     "", "", "", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj", "", "",
     "mlm_dense", "mlm_ln", "mlm_bias", ""},
    {Scheme::kGpt2, OnnxArchitecture::kGpt2,
     "wte", "h.0.attn.c_attn.weight", "wpe", "", "", "h.", "ln_1",
     "attn.c_attn", "", "", "", "attn.c_proj", "ln_2", "mlp.c_fc",
     "mlp.c_proj", "", "ln_f", "", "", "", "lm_head"},
};
// clang-format on

std::string W(const std::string& module) { return module + ".weight"; }
std::string B(const std::string& module) { return module + ".bias"; }

// The prefix under which `naming` matches the graph's names, if it does.
std::optional<std::string> MatchPrefix(const OnnxGraph& graph,
                                       const Naming& naming) {
  const std::string anchor = W(naming.embedding);
  for (const auto& t : graph.tensors()) {
    const std::string& name = t->name;
    if (name.size() < anchor.size() ||
        name.compare(name.size() - anchor.size(), anchor.size(), anchor) != 0) {
      continue;
    }
    const std::string prefix = name.substr(0, name.size() - anchor.size());
    if (!prefix.empty() && prefix.back() != '.') continue;
    if (graph.Find(prefix + naming.probe) != nullptr) return prefix;
  }
  return std::nullopt;
}

// 1 + the largest N among names "<layers>N.".
uint32_t CountLayers(const OnnxGraph& graph, const std::string& layers) {
  uint32_t count = 0;
  for (const auto& t : graph.tensors()) {
    if (t->name.compare(0, layers.size(), layers) != 0) continue;
    const char* digits = t->name.c_str() + layers.size();
    char* end = nullptr;
    const unsigned long n = std::strtoul(digits, &end, 10);
    if (end != digits && *end == '.' && n < 100000) {
      count = std::max<uint32_t>(count, static_cast<uint32_t>(n) + 1);
    }
  }
  return count;
}

std::string UnknownArchitecture(const OnnxGraph& graph,
                                OnnxArchitecture wanted) {
  std::vector<std::string> seen;
  for (const auto& t : graph.tensors()) {
    if (seen.size() == 6) break;
    if (t->data_type != static_cast<int32_t>(OnnxType::kFloat) ||
        t->dims.size() < 1 || t->name.rfind('/', 0) == 0) {
      continue;  // Constant nodes of the computation, not weights
    }
    std::vector<uint64_t> dims(t->dims.begin(), t->dims.end());
    seen.push_back(absl::StrCat(t->name, " ", ShapeString(dims)));
  }
  return absl::StrCat(
      "unknown architecture: the tensor names match none of the conventions "
      "wisp imports",
      wanted == OnnxArchitecture::kAuto ? "" : " for the requested --arch",
      " (llama2.c or Hugging Face LLaMA, GPT-2, BERT); tensors seen: ",
      seen.empty() ? "none" : absl::StrJoin(seen, ", "), " (of ",
      graph.tensors().size(), ")");
}

// Hugging Face LLaMA rotates halves: pair i of a head is (i, i + hd/2).
// wisp, like llama2.c and Meta's checkpoints, rotates (2i, 2i+1). Moving
// row (h, s*hd/2 + i) to row (h, 2i + s) undoes the permutation of
// transformers' convert_llama_weights_to_hf.py, so that q.k is unchanged.
std::vector<float> RotateHalfToPairs(const std::vector<float>& m,
                                     uint64_t heads, uint64_t hd,
                                     uint64_t cols) {
  std::vector<float> result(m.size());
  for (uint64_t h = 0; h < heads; ++h) {
    for (uint64_t i = 0; i < hd / 2; ++i) {
      for (uint64_t s = 0; s < 2; ++s) {
        const float* from = &m[(h * hd + s * (hd / 2) + i) * cols];
        std::copy(from, from + cols, &result[(h * hd + 2 * i + s) * cols]);
      }
    }
  }
  return result;
}

}  // namespace

absl::Status MapOnnxModel(const OnnxGraph& graph,
                          const OnnxImportOptions& options,
                          ImportedModel* out) {
  const Naming* naming = nullptr;
  std::string p;
  for (const Naming& candidate : kNamings) {
    if (options.architecture != OnnxArchitecture::kAuto &&
        options.architecture != candidate.family) {
      continue;
    }
    if (std::optional<std::string> prefix = MatchPrefix(graph, candidate)) {
      naming = &candidate;
      p = *prefix;
      break;
    }
  }
  if (naming == nullptr) {
    return absl::InvalidArgumentError(
        UnknownArchitecture(graph, options.architecture));
  }
  const Naming& n = *naming;
  const bool llama = n.family == OnnxArchitecture::kLlama;
  const bool bert = n.family == OnnxArchitecture::kBert;
  TensorMapper map(graph, out);
  ModelConfig& c = out->config;
  c.architecture = llama ? "llama" : bert ? "bert" : "gpt2";

  absl::StatusOr<const OnnxTensor*> embedding = map.Get(p + W(n.embedding), {});
  if (!embedding.ok()) return embedding.status();
  if ((*embedding)->dims.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token embedding '", p, W(n.embedding), "' is not a matrix"));
  }
  c.vocab_size = static_cast<uint32_t>((*embedding)->dims[0]);
  c.dim = static_cast<uint32_t>((*embedding)->dims[1]);
  const uint64_t dim = c.dim, vocab = c.vocab_size;
  const std::string layers = p + n.layer;
  c.n_layers = CountLayers(graph, layers);
  auto layer = [&](uint32_t l, const char* module) {
    return absl::StrCat(layers, l, ".", module);
  };

  // Hugging Face GPT-2's Conv1D stores [in, out]: c_attn is then [dim, 3dim].
  const std::string qkv0 = W(layer(0, n.qkv));
  const OnnxTensor* fused = *n.qkv ? graph.Find(qkv0) : nullptr;
  const bool conv1d = fused != nullptr && fused->dims.size() == 2 &&
                      fused->dims[0] == c.dim && fused->dims[1] == 3 * c.dim;
  if (conv1d) out->notes.push_back("Conv1D weights transposed");
  absl::StatusOr<const OnnxTensor*> w1 = map.Get(W(layer(0, n.w1)), {});
  if (!w1.ok()) return w1.status();
  if ((*w1)->dims.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", W(layer(0, n.w1)), "' is not a matrix"));
  }
  c.hidden_dim = static_cast<uint32_t>((*w1)->dims[conv1d ? 1 : 0]);
  uint64_t kv_rows = dim;
  if (!*n.qkv) {
    absl::StatusOr<const OnnxTensor*> wk = map.Get(W(layer(0, n.wk)), {});
    if (!wk.ok()) return wk.status();
    if ((*wk)->dims.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor '", W(layer(0, n.wk)), "' is not a matrix"));
    }
    kv_rows = static_cast<uint64_t>((*wk)->dims[0]);
  }

  std::string how = "--n-heads";
  std::optional<uint32_t> hd;
  if (options.n_heads > 0) {
    // The user's number: an error about it, not about the graph.
    if (dim % options.n_heads != 0 || kv_rows % (dim / options.n_heads) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--n-heads ", options.n_heads, " does not fit this model: heads of ",
          "dim ", dim, " / ", options.n_heads, " must divide both dim and the ",
          kv_rows, " key rows"));
    }
    hd = c.dim / options.n_heads;
  } else {
    hd = FindHeadDim(graph, c.dim, &how);
  }
  if (!hd || *hd == 0 || dim % *hd != 0 || kv_rows % *hd != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot tell the number of attention heads (dim ", dim, ", key rows ",
        kv_rows, ") from the graph; give it (--n-heads)"));
  }
  c.n_heads = c.dim / *hd;
  c.n_kv_heads = options.n_kv_heads ? options.n_kv_heads
                                    : static_cast<uint32_t>(kv_rows / *hd);
  if (uint64_t{c.n_kv_heads} * *hd != kv_rows) {
    return absl::InvalidArgumentError(
        absl::StrCat("--n-kv-heads ", c.n_kv_heads, " does not match '",
                     W(layer(0, n.wk)), "' with ", kv_rows, " rows"));
  }
  out->notes.push_back(
      absl::StrCat(c.n_heads, " heads of ", *hd, " from ", how));

  std::optional<float> eps = FindNormEps(graph);
  c.norm_eps = options.norm_eps > 0 ? options.norm_eps
               : eps                ? *eps
               : bert               ? 1e-12f
                                    : 1e-5f;
  if (!eps && options.norm_eps <= 0) {
    out->notes.push_back("norm epsilon not found in the graph, default used");
  }
  const GeluFlavor gelu = FindGelu(graph);
  absl::StatusOr<const OnnxTensor*> position = nullptr;
  if (llama) {
    c.norm = NormKind::kRmsNorm;
    c.positions = PositionKind::kRotary;
    c.mlp = MlpKind::kSwiGLU;
    const RotaryFacts rotary = FindRotary(graph, *hd);
    c.rope_theta = options.rope_theta > 0 ? options.rope_theta
                   : rotary.theta         ? *rotary.theta
                                          : 10000.0f;
    c.max_seq_len = options.max_seq_len ? options.max_seq_len
                    : rotary.positions  ? *rotary.positions
                                        : 2048;
    if (!rotary.positions && !options.max_seq_len) {
      out->notes.push_back("no rotary table in the graph: max_seq_len 2048");
    }
  } else {
    c.norm = NormKind::kLayerNorm;
    c.positions = PositionKind::kLearned;
    c.mlp = (bert ? gelu != GeluFlavor::kTanh : gelu == GeluFlavor::kErf)
                ? MlpKind::kGeluErf
                : MlpKind::kGeluTanh;
    c.mask = bert ? MaskKind::kBidirectional : MaskKind::kCausal;
    c.norm_position = bert ? NormPosition::kPost : NormPosition::kPre;
    c.linear_bias = true;
    c.embedding_norm = bert;
    c.final_norm = !bert;
    c.mlm_head = bert;
    position = map.Get(p + W(n.position), {});
    if (!position.ok()) return position.status();
    if ((*position)->dims.size() != 2 || (*position)->dims[0] < 1 ||
        static_cast<uint64_t>((*position)->dims[1]) != dim) {
      return absl::InvalidArgumentError(
          absl::StrCat("position embedding '", p, W(n.position),
                       "' is not a [positions, ", dim, "] matrix"));
    }
    c.max_seq_len = static_cast<uint32_t>((*position)->dims[0]);
    if (options.max_seq_len) {
      c.max_seq_len = std::min(c.max_seq_len, options.max_seq_len);
    }
  }

  // The classifier: tied unless the graph multiplies by another tensor.
  std::string classifier;
  bool classifier_transposed = false;
  const std::string named_output = W(n.output);
  if (*n.output && map.Has(named_output)) {
    classifier = graph.Resolve(named_output);
  } else {
    const ClassifierFacts facts = FindClassifier(graph);
    classifier = facts.weight;
    classifier_transposed = facts.transposed;
  }
  const std::string embedding_name = graph.Resolve(p + W(n.embedding));
  c.tied_embeddings = classifier.empty() || classifier == embedding_name;
  std::vector<float> output;
  if (!c.tied_embeddings) {
    absl::StatusOr<std::vector<float>> m =
        map.Matrix(classifier, vocab, dim, classifier_transposed);
    if (!m.ok()) return m.status();
    const absl::Span<const uint8_t> e = (*embedding)->bytes;
    if (m->size() * sizeof(float) == e.size() &&
        std::memcmp(m->data(), e.data(), e.size()) == 0) {
      c.tied_embeddings = true;  // an identical copy of the embedding
    } else {
      output = std::move(*m);
    }
  }
  if (c.n_layers == 0) {
    return absl::InvalidArgumentError("the model has no layers");
  }
  absl::Status valid = ValidateConfig(c);
  if (!valid.ok()) return valid;

  // The tensors, in the order of llama2.c's checkpoints.
  absl::Status s =
      map.Copy(TensorNames::TokenEmbedding(), p + W(n.embedding), {vocab, dim});
  if (s.ok() && !llama) {
    // Keeps the first max_seq_len rows when --max-seq-len shortens it.
    std::vector<float> pos = (*position)->Floats();
    pos.resize(uint64_t{c.max_seq_len} * dim);
    if (*n.token_type && map.Has(p + W(n.token_type))) {
      absl::StatusOr<const OnnxTensor*> types =
          map.Get(p + W(n.token_type), {});
      if (!types.ok()) return types.status();
      if ((*types)->dims.size() != 2 || (*types)->dims[0] < 1 ||
          static_cast<uint64_t>((*types)->dims[1]) != dim) {
        return absl::InvalidArgumentError(absl::StrCat(
            "tensor '", p, W(n.token_type), "' is not a [types, dim] matrix"));
      }
      const std::vector<float> t = (*types)->Floats();
      for (uint64_t i = 0; i < pos.size(); ++i) pos[i] += t[i % dim];
      out->notes.push_back(
          "token type 0 embedding folded into the position embeddings");
    }
    map.Add(TensorNames::PositionEmbedding(), {c.max_seq_len, dim},
            std::move(pos));
  }
  // A norm (weight, and bias for LayerNorm) from `module` to wisp `dst`.
  auto norm = [&](const std::string& dst, const std::string& module) {
    absl::Status status = map.Copy(dst, W(module), {dim});
    if (status.ok() && !llama) {
      status = map.Copy(TensorNames::Bias(dst), B(module), {dim});
    }
    return status;
  };
  // A linear layer [rows, cols] with its bias when the family has biases.
  auto linear = [&](const std::string& dst, const std::string& module,
                    uint64_t rows, uint64_t cols) -> absl::Status {
    if (llama && map.Has(B(module))) {
      return absl::UnimplementedError(
          absl::StrCat("tensor '", B(module),
                       "': biases on LLaMA projections are not "
                       "supported"));
    }
    if (!conv1d) {
      absl::Status status = map.Copy(dst, W(module), {rows, cols});
      if (status.ok() && !llama) {
        status = map.Copy(TensorNames::Bias(dst), B(module), {rows});
      }
      return status;
    }
    absl::StatusOr<std::vector<float>> m =
        map.Matrix(W(module), rows, cols, true);
    if (!m.ok()) return m.status();
    map.Add(dst, {rows, cols}, std::move(*m));
    return map.Copy(TensorNames::Bias(dst), B(module), {rows});
  };
  if (s.ok() && n.emb_norm[0])
    s = norm(TensorNames::EmbeddingNorm(), p + n.emb_norm);
  const uint64_t kv_dim = c.kv_dim(), hidden = c.hidden_dim;
  for (uint32_t l = 0; s.ok() && l < c.n_layers; ++l) {
    s = norm(TensorNames::AttentionNorm(l), layer(l, n.attention_norm));
    if (s.ok() && *n.qkv) {
      absl::StatusOr<std::vector<float>> m =
          map.Matrix(W(layer(l, n.qkv)), 3 * dim, dim, conv1d);
      absl::StatusOr<const OnnxTensor*> bias =
          map.Get(B(layer(l, n.qkv)), {3 * dim});
      s = m.ok() ? bias.status() : m.status();
      if (!s.ok()) break;
      const std::vector<float> b = (*bias)->Floats();
      const std::string names[3] = {TensorNames::Wq(l), TensorNames::Wk(l),
                                    TensorNames::Wv(l)};
      for (uint64_t part = 0; part < 3; ++part) {
        map.AddRows(names[part], *m, dim, part * dim, dim);
        map.AddSlice(TensorNames::Bias(names[part]), b, part * dim, dim);
      }
    } else if (s.ok() && n.scheme == Scheme::kHfLlama) {
      absl::StatusOr<std::vector<float>> q =
          map.Matrix(W(layer(l, n.wq)), dim, dim, false);
      absl::StatusOr<std::vector<float>> k =
          map.Matrix(W(layer(l, n.wk)), kv_dim, dim, false);
      s = q.ok() ? k.status() : q.status();
      if (s.ok()) s = linear(TensorNames::Wv(l), layer(l, n.wv), kv_dim, dim);
      if (!s.ok()) break;
      map.Add(TensorNames::Wq(l), {dim, dim},
              RotateHalfToPairs(*q, c.n_heads, *hd, dim));
      map.Add(TensorNames::Wk(l), {kv_dim, dim},
              RotateHalfToPairs(*k, c.n_kv_heads, *hd, dim));
    } else if (s.ok()) {
      s = linear(TensorNames::Wq(l), layer(l, n.wq), dim, dim);
      if (s.ok()) s = linear(TensorNames::Wk(l), layer(l, n.wk), kv_dim, dim);
      if (s.ok()) s = linear(TensorNames::Wv(l), layer(l, n.wv), kv_dim, dim);
    }
    if (s.ok()) s = linear(TensorNames::Wo(l), layer(l, n.wo), dim, dim);
    if (s.ok()) s = norm(TensorNames::FfnNorm(l), layer(l, n.ffn_norm));
    if (s.ok()) s = linear(TensorNames::W1(l), layer(l, n.w1), hidden, dim);
    if (s.ok()) s = linear(TensorNames::W2(l), layer(l, n.w2), dim, hidden);
    if (s.ok() && llama) {
      s = linear(TensorNames::W3(l), layer(l, n.w3), hidden, dim);
    }
  }
  if (s.ok() && n.final_norm[0])
    s = norm(TensorNames::FinalNorm(), p + n.final_norm);
  if (s.ok() && bert) {
    s = linear(TensorNames::MlmDense(), n.mlm_dense, dim, dim);
    if (s.ok()) s = norm(TensorNames::MlmNorm(), n.mlm_norm);
    // Hugging Face keeps the decoder bias under one of two names.
    const std::string bias = map.Has(n.mlm_bias) || !*n.output
                                 ? std::string(n.mlm_bias)
                                 : B(n.output);
    if (s.ok()) {
      s = map.Copy(TensorNames::Bias(TensorNames::Output()), bias, {vocab});
    }
  }
  if (s.ok() && !c.tied_embeddings) {
    map.Add(TensorNames::Output(), {vocab, dim}, std::move(output));
  }
  if (s.ok() && n.scheme == Scheme::kHfLlama) {
    out->notes.push_back("wq/wk rows permuted from rotate-half to pairs");
  }
  return s;
}

}  // namespace wisp
