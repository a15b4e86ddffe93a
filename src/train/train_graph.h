// The transformer's training forward and backward pass over a batch of
// sequences, written layer by layer with each backward mirroring its forward
// (as llm.c does), not as a general autograd graph. Every configuration of
// the one transformer (LLaMA, GPT-2, BERT: pre- or post-norm, RMSNorm or
// LayerNorm, rotary or learned positions, SwiGLU or GELU, causal,
// bidirectional or prefix masks, an MLM head) runs through the same code.
// The activations the backward pass needs are kept between the two calls.
#ifndef WISP_TRAIN_TRAIN_GRAPH_H_
#define WISP_TRAIN_TRAIN_GRAPH_H_

#include <cstdint>
#include <vector>

#include "src/core/large_buffer.h"
#include "src/core/thread_pool.h"
#include "src/kernels/attention.h"
#include "src/model/model.h"
#include "src/model/weights.h"

namespace wisp {

// Targets equal to this carry no loss (padding, prompt tokens, unmasked
// positions of masked LM).
constexpr int32_t kIgnoreTarget = -1;

// `batch` sequences of `seq` tokens, row-major [batch, seq]. targets[i] is
// the token the model should predict at row i, or kIgnoreTarget.
struct TrainBatch {
  const int32_t* inputs = nullptr;
  const int32_t* targets = nullptr;
  size_t batch = 0;
  size_t seq = 0;
  // Real tokens per sequence (the rest is end padding that no query may
  // attend to under a bidirectional or prefix mask); null: all seq.
  const int32_t* lengths = nullptr;
  // Prefix length per sequence for prefix-LM masks; null: 0.
  const int32_t* prefix_lengths = nullptr;
};

// Targets of `batch` that are not kIgnoreTarget.
inline size_t CountTargets(const TrainBatch& batch) {
  size_t count = 0;
  for (size_t i = 0; i < batch.batch * batch.seq; ++i) {
    count += batch.targets[i] != kIgnoreTarget;
  }
  return count;
}

struct LossSum {
  double sum = 0.0;  // summed cross-entropy over counted targets
  size_t count = 0;  // targets that are not kIgnoreTarget
};

class TrainGraph {
 public:
  // `model` provides the config and rotary tables; weights come per call so
  // the same graph serves trainable parameters and mmap'd weights.
  explicit TrainGraph(const Model& model)
      : model_(model), mask_(model.config().mask) {}
  // The same with another attention mask than the config's: the objective
  // decides (masked LM trains bidirectionally, prefix LM with a prefix).
  TrainGraph(const Model& model, MaskKind mask) : model_(model), mask_(mask) {}

  // Runs the forward pass and returns the loss summed over counted targets.
  // Callers guarantee 1 <= seq <= max_seq_len and ids within the vocabulary.
  // The output head runs only on rows with a target. A non-zero grad_scale
  // prepares Backward: the cross-entropy pass then also writes grad_scale *
  // d loss / d logits (over the logits). With grad_scale = 1 / (counted
  // targets of the whole optimizer step) that is the gradient of the mean
  // loss.
  LossSum Forward(const ModelWeights& weights, const TrainBatch& batch,
                  ThreadPool* pool, float grad_scale = 0.0f);

  // Backward of the last Forward, which must have had a non-zero grad_scale
  // (same weights and batch): accumulates into `grads` the gradient of
  // grad_scale * (summed loss). Does nothing if that Forward counted no
  // targets.
  void Backward(const ModelWeights& weights, const TrainBatch& batch,
                ModelGradients* grads, ThreadPool* pool);

  // Logits of the last Forward without grad_scale: [rows with a target,
  // vocab], in row order (all rows when every row has a target).
  const float* logits() const { return logits_.data(); }

 private:
  void Reserve(size_t batch, size_t seq);
  size_t KeysFor(const TrainBatch& batch, size_t b, size_t t) const;
  // Queries per attention forward task (the backward takes whole sequences).
  static constexpr size_t kAttentionQueryBlock = 16;
  // All queries of sequence b sharing KV head kv_head in layer `layer`.
  kernels::AttentionHead AttentionHeadOf(size_t layer, size_t b,
                                         size_t kv_head);
  // Their log-sum-exps, [T][group].
  float* LseOf(size_t layer, size_t b, size_t kv_head);
  // Per-thread attention scratch for this batch shape, grown once.
  float* AttentionScratch(ThreadPool* pool);
  void Attention(size_t layer, ThreadPool* pool);
  void AttentionBackward(size_t layer, ThreadPool* pool);
  // RoPE (or its inverse) on `rows` rows of `heads` heads, spread over the
  // pool: rows are independent.
  void Rope(float* x, size_t rows, size_t seq, size_t heads, bool inverse,
            ThreadPool* pool);
  // dx (+)= dy W;  dw += dy^T x;  dbias += column sums of dy (if non-null)
  // for y = x W^T + bias, x [m,k], w [n,k].
  void MatMulBackward(const float* dy, const float* x, const float* w,
                      float* dx, bool accumulate_dx, float* dw, float* dbias,
                      size_t m, size_t k, size_t n, ThreadPool* pool);
  // dx += d norm(x) / dx given dy; parameter gradients accumulate.
  void NormBackward(const float* dy, const float* x, const float* weight,
                    const float* mean, const float* rstd, float* dx,
                    float* dweight, float* dbias, size_t rows,
                    ThreadPool* pool);
  // The MLP's backward: dx = d/d(in) (overwritten), parameter gradients +=.
  void MlpBackward(size_t layer, const float* dout, const float* in,
                   const LayerWeights& lw, LayerTensors<float>& lg, float* dx,
                   ThreadPool* pool);

  const Model& model_;
  MaskKind mask_;
  size_t batch_ = 0, seq_ = 0;
  // Activations, per layer where the name says so. Rows are batch * seq.
  std::vector<int32_t> positions_;
  std::vector<uint32_t> visible_;  // keys each row's query sees: [0, n)
  LargeVector<float> emb_in_, emb_mean_, emb_rstd_;
  LargeVector<float> residual_;  // [layers + 1][rows, dim]
  LargeVector<float> xn1_, mean1_, rstd1_, q_, k_, v_, lse_, att_, s1_, xmid_,
      xn2_, mean2_, rstd2_, gate_, up_, hidden_, s2_;
  LargeVector<float> final_out_, final_mean_, final_rstd_, mlm_pre_, mlm_act_,
      mlm_out_, mlm_mean_, mlm_rstd_;
  // Rows with a target, the output head's input (their last-layer outputs,
  // gathered when some rows have none) and the classifier's input.
  std::vector<uint32_t> head_rows_;
  LargeVector<float> gathered_;
  const float* head_in_ = nullptr;
  const float* classifier_in_ = nullptr;
  // The head rows' logits, or their gradient once a Forward with a
  // grad_scale has run (has_dlogits_ until Backward consumes it).
  LargeVector<float> logits_, losses_;
  bool has_dlogits_ = false;
  // Backward scratch.
  LargeVector<float> dres_, dxmid_, dx_, dx2_, dhidden_, dgate_, dup_, dq_, dk_,
      dv_, datt_;
  LargeVector<float> attention_scratch_;
  size_t attention_per_thread_ = 0;
  std::vector<float> negated_sin_;  // -sin of RoPE, [position][head_dim / 2]
};

}  // namespace wisp

#endif  // WISP_TRAIN_TRAIN_GRAPH_H_
