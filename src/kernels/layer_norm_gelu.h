// LayerNorm, GELU and bias kernels of the GPT-2 and BERT families, each
// forward next to its backward. Conventions as in ops.h: row-major, rows of
// length n, backward passes accumulate (+=) into parameter gradients.
#ifndef WISP_KERNELS_LAYER_NORM_GELU_H_
#define WISP_KERNELS_LAYER_NORM_GELU_H_

#include <cstddef>

namespace wisp::kernels {

// y = (x - mean) / sqrt(var + eps) * weight + bias per row (biased variance,
// as PyTorch). mean/rstd (may be null) receive each row's mean and
// 1/sqrt(var + eps) for the backward pass. y may alias x.
void LayerNormForward(const float* x, const float* weight, const float* bias,
                      float eps, float* y, float* mean, float* rstd,
                      size_t rows, size_t n);
// Given dy: dx += d/dx, dweight += d/dweight, dbias += d/dbias.
void LayerNormBackward(const float* dy, const float* x, const float* weight,
                       const float* mean, const float* rstd, float* dx,
                       float* dweight, float* dbias, size_t rows, size_t n);
// Its two halves, for callers that spread them over threads: dx alone (rows
// are independent), and dweight and dbias (may be null) alone over columns
// [col_begin, col_end) of all rows (columns are independent; each sums its
// rows in order, so a split over threads changes no bit).
void LayerNormBackwardInput(const float* dy, const float* x,
                            const float* weight, const float* mean,
                            const float* rstd, float* dx, size_t rows,
                            size_t n);
void LayerNormBackwardParams(const float* dy, const float* x, const float* mean,
                             const float* rstd, float* dweight, float* dbias,
                             size_t rows, size_t n, size_t col_begin,
                             size_t col_end);

enum class GeluKind { kTanh, kErf };

// y = gelu(x): tanh approximation (GPT-2) or exact erf form (BERT). y may
// alias x.
void Gelu(GeluKind kind, const float* x, float* y, size_t n);
// dx = dy * gelu'(x) (overwrites dx).
void GeluBackward(GeluKind kind, const float* x, const float* dy, float* dx,
                  size_t n);

// dbias[j] += sum over rows of dy[r, j] (rows of length n) for j in
// [col_begin, col_end): the backward of adding a bias. Each column sums its
// rows in order, so callers may split columns over threads.
void BiasBackward(const float* dy, float* dbias, size_t rows, size_t n,
                  size_t col_begin, size_t col_end);

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_LAYER_NORM_GELU_H_
