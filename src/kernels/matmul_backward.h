// The two products of a linear layer's backward pass (y = x w^T + b, MatMul
// in ops.h), computed from the operands as they are stored: no transposed
// copy of w, dy or x is made, and the results accumulate in place, so a
// training step neither transposes the classifier (50257 x 768 for GPT-2)
// nor streams a separate product through memory.
#ifndef WISP_KERNELS_MATMUL_BACKWARD_H_
#define WISP_KERNELS_MATMUL_BACKWARD_H_

#include <cstddef>

#include "src/core/thread_pool.h"

namespace wisp::kernels {

// dx[m, k] = dy[m, n] w[n, k], or dx += that when `accumulate`: the input
// gradient. dx must not alias dy or w.
void MatMulBackwardInput(const float* dy, const float* w, float* dx, size_t m,
                         size_t n, size_t k, bool accumulate, ThreadPool* pool);

// dw[n, k] += dy[m, n]^T x[m, k]: the weight gradient, summed over the m
// rows. dw must not alias dy or x.
void MatMulBackwardWeight(const float* dy, const float* x, float* dw, size_t m,
                          size_t n, size_t k, ThreadPool* pool);

// Both: threads split rows and columns of the result, never the summed
// dimension, which is added in blocks in one fixed order. Results are
// therefore bitwise identical for any pool size (pool may be null).

}  // namespace wisp::kernels

#endif  // WISP_KERNELS_MATMUL_BACKWARD_H_
