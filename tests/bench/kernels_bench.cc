// Micro-benchmarks of the kernels: MatMul at GPT-2-sized prefill (GEMM, in
// GFLOP/s) and decode (GEMV, in GB/s of weights read) shapes, the default
// small model's shapes (where call overhead dominates: read the time), and
// the row-wise kernels. Every MatMul shape runs with 1 and 2 threads. The
// training kernels (training_ops.h) run at GPT-2-small and default-model
// shapes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "src/core/thread_pool.h"
#include "src/kernels/ops.h"
#include "src/kernels/training_ops.h"

namespace wisp::kernels {
namespace {

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// Args: m, k, n, threads.
void BM_MatMul(benchmark::State& state) {
  const size_t m = state.range(0), k = state.range(1), n = state.range(2);
  ThreadPool pool(static_cast<size_t>(state.range(3)));
  const std::vector<float> x = RandomFloats(m * k, 1);
  const std::vector<float> w = RandomFloats(n * k, 2);
  const std::vector<float> bias = RandomFloats(n, 3);
  std::vector<float> y(m * n);
  for (auto _ : state) {
    MatMul(x.data(), w.data(), bias.data(), y.data(), m, k, n, &pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * m * k * n;
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  // Decoding streams the weights once per token: bandwidth is its measure.
  state.counters["GB/s"] =
      benchmark::Counter((n * k + m * k + m * n) * sizeof(float) * 1e-9,
                         benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(ActiveTargetName());
}

void MatMulShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "k", "n", "threads"});
  const int64_t shapes[][3] = {
      // GPT-2 small prefill: attention QKV, MLP up, MLP down.
      {128, 768, 2304},
      {512, 768, 3072},
      {512, 3072, 768},
      // GPT-2 decode of the logits.
      {1, 768, 50257},
      // The default small model (dim 64, hidden 172, vocab 512).
      {1, 64, 64},
      {1, 64, 512},
      {1, 64, 172},
      {64, 64, 172},
  };
  for (const auto& s : shapes) {
    for (int64_t threads : {1, 2}) b->Args({s[0], s[1], s[2], threads});
  }
}
BENCHMARK(BM_MatMul)->Apply(MatMulShapes)->UseRealTime();

void BM_RmsNorm(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<float> x = RandomFloats(n, 4), weight = RandomFloats(n, 5);
  std::vector<float> y(n);
  for (auto _ : state) {
    RmsNorm(x.data(), weight.data(), 1e-5f, y.data(), 1, n);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * 3 * n * sizeof(float));
}
BENCHMARK(BM_RmsNorm)->Arg(64)->Arg(768)->Arg(4096);

void BM_Softmax(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<float> input = RandomFloats(n, 6);
  std::vector<float> x = input;
  for (auto _ : state) {
    x = input;
    Softmax(x.data(), n);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Softmax)->Arg(64)->Arg(512)->Arg(50257);

void BM_SwiGLU(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<float> gate = RandomFloats(n, 7), up = RandomFloats(n, 8);
  std::vector<float> out(n);
  for (auto _ : state) {
    SwiGLU(gate.data(), up.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SwiGLU)->Arg(172)->Arg(3072);

// Args: head_dim, n_keys. kv_stride as for 12 heads in one cache row.
void BM_AttentionQuery(benchmark::State& state) {
  const size_t head_dim = state.range(0), n_keys = state.range(1);
  const size_t kv_stride = 12 * head_dim;
  const std::vector<float> q = RandomFloats(head_dim, 9);
  const std::vector<float> keys = RandomFloats(n_keys * kv_stride, 10);
  const std::vector<float> values = RandomFloats(n_keys * kv_stride, 11);
  std::vector<float> scores(n_keys), out(head_dim);
  for (auto _ : state) {
    AttentionQuery(q.data(), keys.data(), values.data(), n_keys, head_dim,
                   kv_stride, 0.125f, scores.data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n_keys);
}
BENCHMARK(BM_AttentionQuery)->Args({16, 64})->Args({64, 1024});

// Args: rows, n. The default model's norms (64) and GPT-2 small's (768).
void BM_RmsNormBackward(benchmark::State& state) {
  const size_t rows = state.range(0), n = state.range(1);
  const std::vector<float> x = RandomFloats(rows * n, 12);
  const std::vector<float> dy = RandomFloats(rows * n, 13);
  const std::vector<float> weight = RandomFloats(n, 14);
  std::vector<float> y(rows * n), rstd(rows), dx(rows * n), dweight(n);
  RmsNormForward(x.data(), weight.data(), 1e-5f, y.data(), rstd.data(), rows,
                 n);
  for (auto _ : state) {
    RmsNormBackward(dy.data(), x.data(), weight.data(), rstd.data(), dx.data(),
                    dweight.data(), rows, n);
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  // dy, x read; dx read and written.
  state.SetBytesProcessed(state.iterations() * 4 * rows * n * sizeof(float));
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_RmsNormBackward)->Args({2048, 64})->Args({512, 768});

// Args: head_dim, n_keys. kv_stride as for 12 heads in one cache row.
void BM_AttentionQueryBackward(benchmark::State& state) {
  const size_t head_dim = state.range(0), n_keys = state.range(1);
  const size_t kv_stride = 12 * head_dim;
  const std::vector<float> dout = RandomFloats(head_dim, 15);
  const std::vector<float> q = RandomFloats(head_dim, 16);
  const std::vector<float> keys = RandomFloats(n_keys * kv_stride, 17);
  const std::vector<float> values = RandomFloats(n_keys * kv_stride, 18);
  std::vector<float> p(n_keys, 1.0f / n_keys), dp(n_keys), dq(head_dim);
  std::vector<float> dkeys(n_keys * kv_stride), dvalues(n_keys * kv_stride);
  for (auto _ : state) {
    AttentionQueryBackward(dout.data(), q.data(), keys.data(), values.data(),
                           p.data(), n_keys, head_dim, kv_stride, 0.125f,
                           dp.data(), dq.data(), dkeys.data(), dvalues.data());
    benchmark::DoNotOptimize(dq.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n_keys);
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_AttentionQueryBackward)->Args({8, 256})->Args({64, 256});

// Arg: vocab (the default model's and GPT-2's).
void BM_CrossEntropyForwardBackward(benchmark::State& state) {
  const size_t vocab = state.range(0);
  const std::vector<float> logits = RandomFloats(vocab, 19);
  std::vector<float> dlogits(vocab);
  for (auto _ : state) {
    benchmark::DoNotOptimize(CrossEntropyForwardBackward(
        logits.data(), 7, vocab, 1.0f / 64, dlogits.data()));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * vocab);
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_CrossEntropyForwardBackward)->Arg(512)->Arg(50257);

void BM_AdamWUpdate(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<float> g = RandomFloats(n, 20);
  std::vector<float> p = RandomFloats(n, 21), m(n), v(n);
  for (auto _ : state) {
    AdamWUpdate(p.data(), g.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.999f,
                1e-8f, 0.1f, 0.1f, 0.001f, 1.0f);
    benchmark::ClobberMemory();
  }
  // g read; p, m, v read and written.
  state.SetBytesProcessed(state.iterations() * 7 * n * sizeof(float));
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_AdamWUpdate)->Arg(1 << 20);

// Args: rows, cols. GPT-2 small's QKV weight, as the backward pass
// transposes it.
void BM_Transpose(benchmark::State& state) {
  const size_t rows = state.range(0), cols = state.range(1);
  const std::vector<float> a = RandomFloats(rows * cols, 22);
  std::vector<float> at(rows * cols);
  for (auto _ : state) {
    Transpose(a.data(), at.data(), rows, cols);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 2 * rows * cols * sizeof(float));
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_Transpose)->Args({768, 2304});

}  // namespace
}  // namespace wisp::kernels

BENCHMARK_MAIN();
