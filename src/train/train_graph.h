// The transformer's training forward and backward pass over a batch of
// sequences, written layer by layer with each backward mirroring its forward
// (as llm.c does), not as a general autograd graph. The activations the
// backward pass needs are kept between the two calls.
#ifndef WISP_TRAIN_TRAIN_GRAPH_H_
#define WISP_TRAIN_TRAIN_GRAPH_H_

#include <cstdint>
#include <vector>

#include "src/core/thread_pool.h"
#include "src/model/model.h"
#include "src/model/weights.h"

namespace wisp {

// Targets equal to this carry no loss (padding, prompt tokens).
constexpr int32_t kIgnoreTarget = -1;

// `batch` sequences of `seq` tokens, row-major [batch, seq]. targets[i] is the
// token that should follow inputs[i], or kIgnoreTarget.
struct TrainBatch {
  const int32_t* inputs = nullptr;
  const int32_t* targets = nullptr;
  size_t batch = 0;
  size_t seq = 0;
};

struct LossSum {
  double sum = 0.0;  // summed cross-entropy over counted targets
  size_t count = 0;  // targets that are not kIgnoreTarget
};

class TrainGraph {
 public:
  // `model` provides the config and rotary tables; weights come per call so
  // the same graph serves trainable parameters and mmap'd weights.
  explicit TrainGraph(const Model& model) : model_(model) {}

  // Runs the forward pass and returns the loss summed over counted targets.
  // Callers guarantee 1 <= seq <= max_seq_len and ids within the vocabulary.
  LossSum Forward(const ModelWeights& weights, const TrainBatch& batch,
                  ThreadPool* pool);

  // Backward of the last Forward (same weights and batch): accumulates into
  // `grads` the gradient of grad_scale * (summed loss). With grad_scale =
  // 1 / (counted targets of the whole optimizer step) that is the gradient of
  // the mean loss.
  void Backward(const ModelWeights& weights, const TrainBatch& batch,
                float grad_scale, ModelGradients* grads, ThreadPool* pool);

  // Logits [batch * seq, vocab] of the last Forward.
  const float* logits() const { return logits_.data(); }

 private:
  void Reserve(size_t batch, size_t seq);
  void Attention(size_t layer, size_t batch, size_t seq, ThreadPool* pool);
  void AttentionBackward(size_t layer, size_t batch, size_t seq,
                         ThreadPool* pool);
  void Rope(float* x, size_t rows, size_t seq, size_t heads, bool inverse);
  // dx (+)= dy W;  dw += dy^T x  for y = x W^T, x [m,k], w [n,k].
  void MatMulBackward(const float* dy, const float* x, const float* w,
                      float* dx, bool accumulate_dx, float* dw, size_t m,
                      size_t k, size_t n, ThreadPool* pool);

  const Model& model_;
  size_t batch_ = 0, seq_ = 0;
  // Activations, per layer where the name says so. Rows are batch * seq.
  std::vector<float> residual_;  // [layers + 1][rows, dim]
  std::vector<float> xn1_, rstd1_, q_, k_, v_, probs_, att_, xmid_, xn2_,
      rstd2_, gate_, up_, hidden_;
  std::vector<float> xnf_, rstdf_, logits_, losses_;
  // Backward scratch.
  std::vector<float> dres_, dxmid_, dx_, dhidden_, dgate_, dup_, dq_, dk_, dv_,
      datt_, dlogits_, dp_;
  std::vector<float> transposed_a_, transposed_b_, product_;
};

}  // namespace wisp

#endif  // WISP_TRAIN_TRAIN_GRAPH_H_
