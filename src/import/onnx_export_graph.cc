#include "src/import/onnx_export_graph.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "onnx/onnx_pb.h"
#include "src/import/onnx_export_names.h"
#include "src/model/tensor_names.h"

namespace wisp {
namespace {

using onnx::AttributeProto;
using onnx::TensorProto;

// Keys that must not be attended get this added to their scores: after the
// max is subtracted, exp() of it is exactly 0 in float, as if the key were
// left out (what wisp does), and unlike -inf a row with no visible key
// (a padding query) gives no NaN.
constexpr float kMasked = -1e9f;

// Appends nodes and initializers to a GraphProto and names the values
// in between.
class Builder {
 public:
  explicit Builder(onnx::GraphProto* graph) : graph_(graph) {}

  // A node with one output (named after `hint`); returns the output.
  std::string Op(const std::string& op, std::initializer_list<std::string> in,
                 const std::string& hint) {
    onnx::NodeProto* node = NewNode(op, in);
    const std::string out = absl::StrCat("/", hint, "_", counter_++);
    node->add_output(out);
    return out;
  }
  // The last node added, for attributes.
  onnx::NodeProto* last() {
    return graph_->mutable_node(graph_->node_size() - 1);
  }
  void Ints(const char* name, std::initializer_list<int64_t> values) {
    AttributeProto* a = last()->add_attribute();
    a->set_name(name);
    a->set_type(AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
  }
  void Int(const char* name, int64_t value) {
    AttributeProto* a = last()->add_attribute();
    a->set_name(name);
    a->set_type(AttributeProto::INT);
    a->set_i(value);
  }
  void Float(const char* name, float value) {
    AttributeProto* a = last()->add_attribute();
    a->set_name(name);
    a->set_type(AttributeProto::FLOAT);
    a->set_f(value);
  }
  // A node with several outputs.
  std::vector<std::string> Multi(const std::string& op,
                                 std::initializer_list<std::string> in,
                                 const std::string& hint, int outputs) {
    onnx::NodeProto* node = NewNode(op, in);
    std::vector<std::string> names;
    for (int i = 0; i < outputs; ++i) {
      names.push_back(absl::StrCat("/", hint, "_", counter_, "_", i));
      node->add_output(names.back());
    }
    ++counter_;
    return names;
  }

  // Float initializer from `values` (copied).
  void Weight(const std::string& name, std::initializer_list<int64_t> dims,
              const float* values, size_t count) {
    TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(values, count * sizeof(float));
  }
  // Scalar or vector constants, deduplicated by value.
  std::string F(float v) {
    // %.9g round-trips every float, so equal names mean equal values.
    const std::string name = absl::StrFormat("/const/f%.9g", v);
    if (constants_.insert(name).second) {
      TensorProto* t = graph_->add_initializer();
      t->set_name(name);
      t->set_data_type(TensorProto::FLOAT);
      t->add_float_data(v);
    }
    return name;
  }
  std::string I(std::initializer_list<int64_t> v, bool scalar = false) {
    std::string name = scalar ? "/const/i" : "/const/v";
    for (int64_t x : v) absl::StrAppend(&name, "_", x);
    if (constants_.insert(name).second) {
      TensorProto* t = graph_->add_initializer();
      t->set_name(name);
      t->set_data_type(TensorProto::INT64);
      if (!scalar) t->add_dims(static_cast<int64_t>(v.size()));
      for (int64_t x : v) t->add_int64_data(x);
    }
    return name;
  }

 private:
  onnx::NodeProto* NewNode(const std::string& op,
                           std::initializer_list<std::string> in) {
    onnx::NodeProto* node = graph_->add_node();
    node->set_op_type(op);
    node->set_name(absl::StrCat(op, "_", counter_));
    for (const std::string& i : in) node->add_input(i);
    return node;
  }

  onnx::GraphProto* graph_;
  int counter_ = 0;
  absl::flat_hash_set<std::string> constants_;
};

void AddValueInfo(onnx::ValueInfoProto* info, const std::string& name,
                  int32_t type, std::initializer_list<const char*> dims,
                  int64_t last = 0) {
  info->set_name(name);
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  for (const char* d : dims)
    tensor->mutable_shape()->add_dim()->set_dim_param(d);
  if (last > 0) tensor->mutable_shape()->add_dim()->set_dim_value(last);
}

// The forward pass, node by node; each function mirrors its counterpart in
// src/model (blocks.cc, forward.cc) down to the order of float operations
// where that is cheap, so ONNX Runtime agrees with wisp to rounding.
class TransformerGraph {
 public:
  TransformerGraph(const Model& model, const std::string& naming,
                   onnx::GraphProto* graph)
      : model_(model),
        c_(model.config()),
        naming_(naming),
        b_(graph),
        graph_(graph) {}

  absl::Status Build(std::vector<std::string>* notes);

 private:
  // A wisp tensor as an initializer under its ONNX name (once).
  std::string W(const std::string& wisp_name) {
    const std::string name = OnnxTensorName(naming_, wisp_name);
    if (!added_.insert(name).second) return name;
    const TensorView* t = model_.file().Find(wisp_name);
    std::vector<int64_t> dims(t->shape.begin(), t->shape.end());
    onnx::TensorProto* p = graph_->add_initializer();
    p->set_name(name);
    p->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) p->add_dims(d);
    p->set_raw_data(t->data, t->byte_length);
    return name;
  }
  bool Has(const std::string& wisp_name) const {
    return model_.file().Find(wisp_name) != nullptr;
  }

  std::string Norm(const std::string& x, const std::string& weight);
  std::string Linear(const std::string& x, const std::string& weight,
                     const std::string& hint);
  std::string Gelu(const std::string& x, bool tanh);
  std::string Rope(const std::string& x, int64_t heads);
  std::string Attention(uint32_t l, const std::string& x);
  std::string Mlp(uint32_t l, const std::string& x);
  std::string Mask();
  // The fused [wq; wk; wv] (and biases) of layer l under the family's name.
  std::string FusedQkv(uint32_t l, bool bias);

  const Model& model_;
  const ModelConfig& c_;
  std::string naming_;
  Builder b_;
  onnx::GraphProto* graph_;
  absl::flat_hash_set<std::string> added_;
  std::string positions_, cos_, sin_, mask_;
};

std::string TransformerGraph::Norm(const std::string& x,
                                   const std::string& weight) {
  if (c_.norm == NormKind::kLayerNorm) {
    const std::string y =
        b_.Op("LayerNormalization",
              {x, W(weight), W(TensorNames::Bias(weight))}, "layer_norm");
    b_.Int("axis", -1);
    b_.Float("epsilon", c_.norm_eps);
    return y;
  }
  // RMSNorm has no ONNX op in opset 17: x / sqrt(mean(x^2) + eps) * w.
  const std::string sq = b_.Op("Pow", {x, b_.F(2.0f)}, "rms_sq");
  const std::string mean = b_.Op("ReduceMean", {sq}, "rms_mean");
  b_.Ints("axes", {-1});
  b_.Int("keepdims", 1);
  const std::string rms = b_.Op(
      "Sqrt", {b_.Op("Add", {mean, b_.F(c_.norm_eps)}, "rms_eps")}, "rms");
  return b_.Op("Mul", {b_.Op("Div", {x, rms}, "rms_div"), W(weight)},
               "rms_norm");
}

std::string TransformerGraph::Linear(const std::string& x,
                                     const std::string& weight,
                                     const std::string& hint) {
  // Weights stay [out, in] as PyTorch stores them (what importers expect);
  // the transpose is constant-folded by runtimes.
  const std::string wt = b_.Op("Transpose", {W(weight)}, hint + "_wT");
  std::string y = b_.Op("MatMul", {x, wt}, hint);
  if (c_.linear_bias) {
    y = b_.Op("Add", {y, W(TensorNames::Bias(weight))}, hint + "_bias");
  }
  return y;
}

std::string TransformerGraph::Gelu(const std::string& x, bool tanh) {
  // The formulas of kernels::Gelu, in its order of operations.
  if (tanh) {
    // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + ((0.044715 * x) * x) * x)))
    const std::string cube =
        b_.Op("Mul",
              {b_.Op("Mul", {b_.Op("Mul", {x, b_.F(0.044715f)}, "gelu_c"), x},
                     "gelu_c2"),
               x},
              "gelu_c3");
    const std::string inner = b_.Op(
        "Mul", {b_.Op("Add", {x, cube}, "gelu_sum"), b_.F(0.7978845608028654f)},
        "gelu_inner");
    const std::string t = b_.Op(
        "Add", {b_.Op("Tanh", {inner}, "gelu_tanh"), b_.F(1.0f)}, "gelu_1p");
    return b_.Op("Mul", {b_.Op("Mul", {x, b_.F(0.5f)}, "gelu_half"), t},
                 "gelu");
  }
  // 0.5 * x * (1 + erf(x / sqrt(2)))
  const std::string e = b_.Op(
      "Erf", {b_.Op("Mul", {x, b_.F(0.7071067811865476f)}, "gelu_scaled")},
      "gelu_erf");
  const std::string t = b_.Op("Add", {e, b_.F(1.0f)}, "gelu_1p");
  return b_.Op("Mul", {b_.Op("Mul", {x, b_.F(0.5f)}, "gelu_half"), t}, "gelu");
}

std::string TransformerGraph::Rope(const std::string& x, int64_t heads) {
  // Consecutive pairs (x[2i], x[2i+1]) as in kernels::RopePairs: view the
  // row as [heads, half, 2] and rotate the two halves of the last axis by
  // the angle of (position, i).
  const int64_t half = c_.head_dim() / 2;
  const std::string pairs =
      b_.Op("Reshape", {x, b_.I({0, 0, heads, half, 2})}, "rope_pairs");
  const std::vector<std::string> xs =
      b_.Multi("Split", {pairs, b_.I({1, 1})}, "rope_split", 2);
  b_.Int("axis", -1);
  const std::string a = b_.Op("Mul", {xs[0], cos_}, "rope_x0c");
  const std::string bb = b_.Op("Mul", {xs[1], sin_}, "rope_x1s");
  const std::string cc = b_.Op("Mul", {xs[0], sin_}, "rope_x0s");
  const std::string d = b_.Op("Mul", {xs[1], cos_}, "rope_x1c");
  const std::string y0 = b_.Op("Sub", {a, bb}, "rope_y0");
  const std::string y1 = b_.Op("Add", {cc, d}, "rope_y1");
  const std::string y = b_.Op("Concat", {y0, y1}, "rope_pairs_out");
  b_.Int("axis", -1);
  return b_.Op("Reshape", {y, b_.I({0, 0, -1})}, "rope");
}

std::string TransformerGraph::FusedQkv(uint32_t l, bool bias) {
  const std::string parts[3] = {TensorNames::Wq(l), TensorNames::Wk(l),
                                TensorNames::Wv(l)};
  const std::string name =
      OnnxTensorName(naming_, bias ? TensorNames::Bias(parts[0]) : parts[0]);
  std::vector<float> fused;
  for (const std::string& part : parts) {
    const TensorView* t =
        model_.file().Find(bias ? TensorNames::Bias(part) : part);
    fused.insert(fused.end(), t->f32(), t->f32() + t->num_elements());
  }
  const int64_t dim = c_.dim;
  if (bias) {
    b_.Weight(name, {3 * dim}, fused.data(), fused.size());
  } else {
    b_.Weight(name, {3 * dim, dim}, fused.data(), fused.size());
  }
  return name;
}

std::string TransformerGraph::Attention(uint32_t l, const std::string& x) {
  const int64_t kv = c_.n_kv_heads, group = c_.n_heads / c_.n_kv_heads;
  const int64_t hd = c_.head_dim(), dim = c_.dim;
  std::string q, k, v;
  if (FusesQkv(naming_)) {
    // GPT-2 and BERT keep one c_attn [3 dim, dim] producing [q | k | v].
    const std::string wt =
        b_.Op("Transpose", {FusedQkv(l, false)}, "c_attn_wT");
    std::string qkv = b_.Op("MatMul", {x, wt}, "c_attn");
    qkv = b_.Op("Add", {qkv, FusedQkv(l, true)}, "c_attn_bias");
    const std::vector<std::string> s =
        b_.Multi("Split", {qkv, b_.I({dim, dim, dim})}, "qkv", 3);
    b_.Int("axis", -1);
    q = s[0], k = s[1], v = s[2];
  } else {
    q = Linear(x, TensorNames::Wq(l), "q");
    k = Linear(x, TensorNames::Wk(l), "k");
    v = Linear(x, TensorNames::Wv(l), "v");
  }
  if (c_.positions == PositionKind::kRotary) {
    q = Rope(q, c_.n_heads);
    k = Rope(k, kv);
  }
  // Grouped-query attention without copying keys: query head h = (g, j)
  // with g = h / group uses KV head g, so q is [B, kv, group, S, hd] and
  // k, v are [B, kv, 1, S, hd], broadcast over the group by MatMul.
  const std::string qh =
      b_.Op("Transpose",
            {b_.Op("Reshape", {q, b_.I({0, 0, kv, group, hd})}, "q5")}, "qh");
  b_.Ints("perm", {0, 2, 3, 1, 4});
  const std::string kh =
      b_.Op("Transpose", {b_.Op("Reshape", {k, b_.I({0, 0, kv, 1, hd})}, "k5")},
            "khT");
  b_.Ints("perm", {0, 2, 3, 4, 1});
  const std::string vh =
      b_.Op("Transpose", {b_.Op("Reshape", {v, b_.I({0, 0, kv, 1, hd})}, "v5")},
            "vh");
  b_.Ints("perm", {0, 2, 3, 1, 4});
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const std::string scores =
      b_.Op("Mul", {b_.Op("MatMul", {qh, kh}, "qk"), b_.F(scale)}, "scores");
  const std::string probs =
      b_.Op("Softmax", {b_.Op("Add", {scores, mask_}, "masked")}, "probs");
  b_.Int("axis", -1);
  const std::string o =
      b_.Op("Transpose", {b_.Op("MatMul", {probs, vh}, "attn")}, "attn_heads");
  b_.Ints("perm", {0, 3, 1, 2, 4});
  const std::string merged =
      b_.Op("Reshape", {o, b_.I({0, 0, dim})}, "attn_merged");
  return Linear(merged, TensorNames::Wo(l), "wo");
}

std::string TransformerGraph::Mlp(uint32_t l, const std::string& x) {
  std::string h;
  const std::string gate = Linear(x, TensorNames::W1(l), "w1");
  if (c_.mlp == MlpKind::kSwiGLU) {
    // silu(gate) * up, silu(g) = g * sigmoid(g)
    const std::string up = Linear(x, TensorNames::W3(l), "w3");
    const std::string silu =
        b_.Op("Mul", {gate, b_.Op("Sigmoid", {gate}, "sigmoid")}, "silu");
    h = b_.Op("Mul", {silu, up}, "swiglu");
  } else {
    h = Gelu(gate, c_.mlp == MlpKind::kGeluTanh);
  }
  return Linear(h, TensorNames::W2(l), "w2");
}

std::string TransformerGraph::Mask() {
  // Additive mask over scores [B, kv, group, S(query), S(key)]: 0 where
  // blocks.h's VisibleKeys lets query i see key j, kMasked elsewhere.
  const std::string zero = b_.F(0.0f), masked = b_.F(kMasked);
  if (c_.mask == MaskKind::kBidirectional) {
    const std::string pad =
        b_.Op("Equal", {"attention_mask", b_.I({0}, true)}, "padding");
    const std::string m = b_.Op("Where", {pad, masked, zero}, "key_mask");
    return b_.Op("Unsqueeze", {m, b_.I({1, 2, 3})}, "mask");  // [B,1,1,1,S]
  }
  const std::string query =
      b_.Op("Unsqueeze", {positions_, b_.I({1})}, "query_pos");  // [S, 1]
  const std::string key =
      b_.Op("Unsqueeze", {positions_, b_.I({0})}, "key_pos");  // [1, S]
  const std::string future = b_.Op("Greater", {key, query}, "future");
  if (c_.mask == MaskKind::kCausal) {
    return b_.Op("Where", {future, masked, zero}, "mask");  // [S, S]
  }
  // Prefix LM: a query inside row b's prefix sees the whole prefix; after
  // it, the keys up to itself.
  const std::string p =
      b_.Op("Reshape", {"prefix_length", b_.I({-1, 1, 1})}, "prefix");
  const std::string both = b_.Op("And",
                                 {b_.Op("Less", {query, p}, "query_in_prefix"),
                                  b_.Op("Less", {key, p}, "key_in_prefix")},
                                 "in_prefix");  // [B, S, S]
  const std::string visible =
      b_.Op("Or", {b_.Op("Not", {future}, "past"), both}, "visible");
  const std::string m = b_.Op("Where", {visible, zero, masked}, "prefix_mask");
  return b_.Op("Unsqueeze", {m, b_.I({1, 2})}, "mask");  // [B,1,1,S,S]
}

absl::Status TransformerGraph::Build(std::vector<std::string>* notes) {
  graph_->set_name("wisp");
  AddValueInfo(graph_->add_input(), "input_ids", TensorProto::INT64,
               {"batch", "sequence"});
  if (c_.mask == MaskKind::kBidirectional) {
    AddValueInfo(graph_->add_input(), "attention_mask", TensorProto::INT64,
                 {"batch", "sequence"});
  }
  if (c_.mask == MaskKind::kPrefix) {
    // A required input: ONNX's optional inputs (an initializer of the same
    // name as the default) are not fed through by every runtime
    // (onnxruntime-node drops them), and a silent causal fallback would
    // hide that.
    AddValueInfo(graph_->add_input(), "prefix_length", TensorProto::INT64,
                 {"batch"});
    notes->push_back(
        "prefix LM: input prefix_length int64 [batch] (0: causal, as when "
        "generating)");
  }
  AddValueInfo(graph_->add_output(), "logits", TensorProto::FLOAT,
               {"batch", "sequence"}, c_.vocab_size);

  const std::string seq = b_.Op(
      "Gather", {b_.Op("Shape", {"input_ids"}, "ids_shape"), b_.I({1}, true)},
      "seq_len");
  positions_ =
      b_.Op("Range", {b_.I({0}, true), seq, b_.I({1}, true)}, "positions");
  std::string x =
      b_.Op("Gather", {W(TensorNames::TokenEmbedding()), "input_ids"}, "embed");
  if (c_.positions == PositionKind::kLearned) {
    x = b_.Op(
        "Add",
        {x, b_.Op("Gather", {W(TensorNames::PositionEmbedding()), positions_},
                  "pos_embed")},
        "embed_pos");
  } else {
    // The model's own tables (computed in double, rounded to float), cut to
    // the sequence and shaped [S, 1, half, 1] to broadcast over
    // [B, S, heads, half, 1].
    const int64_t half = c_.head_dim() / 2;
    const size_t count = size_t{c_.max_seq_len} * half;
    b_.Weight("rope.cos", {c_.max_seq_len, half}, model_.rope_cos(0), count);
    b_.Weight("rope.sin", {c_.max_seq_len, half}, model_.rope_sin(0), count);
    const std::string shape = b_.I({-1, 1, half, 1});
    cos_ = b_.Op("Reshape",
                 {b_.Op("Gather", {"rope.cos", positions_}, "cos_rows"), shape},
                 "cos");
    sin_ = b_.Op("Reshape",
                 {b_.Op("Gather", {"rope.sin", positions_}, "sin_rows"), shape},
                 "sin");
  }
  if (c_.embedding_norm) x = Norm(x, TensorNames::EmbeddingNorm());
  mask_ = Mask();

  const bool post = c_.norm_position == NormPosition::kPost;
  for (uint32_t l = 0; l < c_.n_layers; ++l) {
    const std::string a =
        Attention(l, post ? x : Norm(x, TensorNames::AttentionNorm(l)));
    x = b_.Op("Add", {x, a}, "residual_attn");
    if (post) x = Norm(x, TensorNames::AttentionNorm(l));
    const std::string m = Mlp(l, post ? x : Norm(x, TensorNames::FfnNorm(l)));
    x = b_.Op("Add", {x, m}, "residual_mlp");
    if (post) x = Norm(x, TensorNames::FfnNorm(l));
  }

  if (c_.final_norm) x = Norm(x, TensorNames::FinalNorm());
  if (c_.mlm_head) {
    // BERT's prediction head: dense, GELU (erf unless the model's MLP is
    // the tanh GELU), norm.
    x = Linear(x, TensorNames::MlmDense(), "mlm_dense");
    x = Gelu(x, c_.mlp == MlpKind::kGeluTanh);
    x = Norm(x, TensorNames::MlmNorm());
  }
  const std::string classifier = c_.tied_embeddings
                                     ? TensorNames::TokenEmbedding()
                                     : TensorNames::Output();
  std::string logits =
      b_.Op("MatMul", {x, b_.Op("Transpose", {W(classifier)}, "classifier_T")},
            "classifier");
  const std::string output_bias = TensorNames::Bias(TensorNames::Output());
  if (Has(output_bias)) {
    logits = b_.Op("Add", {logits, W(output_bias)}, "output_bias");
  }
  b_.last()->set_output(0, "logits");
  return absl::OkStatus();
}

}  // namespace

absl::Status BuildOnnxGraph(const Model& model, const std::string& naming_used,
                            onnx::GraphProto* graph,
                            std::vector<std::string>* notes) {
  return TransformerGraph(model, naming_used, graph).Build(notes);
}

}  // namespace wisp
