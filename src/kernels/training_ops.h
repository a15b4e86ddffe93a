// Kernels of the backward pass and the optimizer. Forward and backward of an
// op sit side by side; shapes and conventions as in ops.h.
#ifndef WISP_KERNELS_TRAINING_OPS_H_
#define WISP_KERNELS_TRAINING_OPS_H_

#include <cstddef>
#include <cstdint>

#include "src/core/thread_pool.h"

namespace wisp::kernels {

// at[c, r] = a[r, c] for a [rows, cols].
void Transpose(const float* a, float* at, size_t rows, size_t cols);

// RmsNorm (ops.h) that also stores each row's 1 / sqrt(mean(x^2) + eps) in
// rstd[rows], which the backward pass needs.
void RmsNormForward(const float* x, const float* weight, float eps, float* y,
                    float* rstd, size_t rows, size_t n);
// Given dy, accumulates dx += d loss / dx and dweight += d loss / dweight.
void RmsNormBackward(const float* dy, const float* x, const float* weight,
                     const float* rstd, float* dx, float* dweight, size_t rows,
                     size_t n);
// Its two halves, for callers that spread them over threads: dx alone (rows
// are independent), and dweight alone over columns [col_begin, col_end) of
// all rows (columns are independent; each sums its rows in order).
void RmsNormBackwardInput(const float* dy, const float* x, const float* weight,
                          const float* rstd, float* dx, size_t rows, size_t n);
void RmsNormBackwardWeight(const float* dy, const float* x, const float* rstd,
                           float* dweight, size_t rows, size_t n,
                           size_t col_begin, size_t col_end);

// h = silu(gate) * up (SwiGLU in ops.h); given dh writes dgate and dup.
void SwiGLUBackward(const float* dh, const float* gate, const float* up,
                    float* dgate, float* dup, size_t n);

// Softmax cross-entropy of one row of logits against `target`: returns the
// loss (logsumexp - logit[target]) and writes dlogits = (softmax - onehot) *
// grad_scale, in one call without a probability buffer. dlogits may be logits
// itself (the gradient then replaces the logits). Numerically stable for any
// logits.
float CrossEntropyForwardBackward(const float* logits, int32_t target,
                                  size_t vocab, float grad_scale,
                                  float* dlogits);
// The loss alone, for evaluation.
float CrossEntropy(const float* logits, int32_t target, size_t vocab);

// PyTorch's AdamW on n values (decoupled decay p *= 1 - lr * weight_decay,
// then the bias-corrected Adam step); g is multiplied by grad_scale first
// (gradient clipping). bias1 = 1 - beta1^t, bias2 = 1 - beta2^t.
void AdamWUpdate(float* p, const float* g, float* m, float* v, size_t n,
                 float lr, float beta1, float beta2, float eps,
                 float weight_decay, float bias1, float bias2,
                 float grad_scale);

// Sum of squares of x[0, n) in double (for the global gradient norm).
double SumOfSquares(const float* x, size_t n);

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_TRAINING_OPS_H_
