// Micro-benchmarks of the kernels: MatMul and MatMulBf16 at GPT-2-sized
// prefill (GEMM, in GFLOP/s and % of the FMA peak) and decode (GEMV, in GB/s
// of weights read and % of the triad bandwidth) shapes, the default small
// model's shapes (where call overhead dominates: read the time), and the
// row-wise kernels. Every MatMul shape runs with 1 and 2 threads; the
// baselines (FMA peak, triad) are measured and printed in the same run. The
// training kernels (training_ops.h) run at GPT-2-small and default-model
// shapes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include "benchmark/benchmark.h"
#include "src/core/thread_pool.h"
#include "src/kernels/attention.h"
#include "src/kernels/attention_heads.h"
#include "src/kernels/bf16.h"
#include "src/kernels/layer_norm_gelu.h"
#include "src/kernels/matmul_backward.h"
#include "src/kernels/ops.h"
#include "src/kernels/training_ops.h"
#include "tests/bench/machine_baselines.h"

namespace wisp::kernels {
namespace {

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// Sets a product's GFLOP/s (2 m k n per iteration over the wall time since
// `start`) and its fraction of this run's FMA peak at the same thread count
// (pct_peak), and labels it with the kernels' target; returns the seconds.
double ReportProductSpeed(benchmark::State& state,
                          std::chrono::steady_clock::time_point start, size_t m,
                          size_t k, size_t n, size_t threads) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const double gflop = 2e-9 * m * k * n * state.iterations();
  state.counters["GFLOP/s"] = gflop / seconds;
  state.counters["pct_peak"] =
      100 * gflop / seconds /
      bench::MachineBaselines().fma_peak_gflops[threads < 2 ? 1 : 2];
  state.SetLabel(ActiveTargetName());
  return seconds;
}

// Args: m, k, n, threads. Besides GFLOP/s and GB/s of weights read, each
// shape reports its fraction of this run's FMA peak (pct_peak) and triad
// bandwidth (pct_triad) at the same thread count (machine_baselines.h).
// A GEMV of a matrix of 1 MiB or more cycles through copies of w totalling
// over 256 MiB, so that its weights come from memory as in decoding a large
// model, not from the last-level cache; the small model's matrices (its
// whole model is 1 MB) stay cached, as they do in its decoding.
template <class Weight>
void MatMulBenchmark(benchmark::State& state) {
  const size_t m = state.range(0), k = state.range(1), n = state.range(2);
  const size_t threads = static_cast<size_t>(state.range(3));
  const bench::Baselines& baselines = bench::MachineBaselines();
  ThreadPool pool(threads);
  const std::vector<float> x = RandomFloats(m * k, 1);
  const std::vector<float> w32 = RandomFloats(n * k, 2);
  const size_t w_bytes = n * k * sizeof(Weight);
  const size_t copies = m == 1 && w_bytes >= (size_t{1} << 20)
                            ? (size_t{256} << 20) / w_bytes + 1
                            : 1;
  std::vector<Weight> w(copies * n * k);
  for (size_t i = 0; i < w.size(); ++i) {
    if constexpr (std::is_same_v<Weight, float>) {
      w[i] = w32[i % w32.size()];
    } else {
      w[i] = F32ToBf16(w32[i % w32.size()]);
    }
  }
  const std::vector<float> bias = RandomFloats(n, 3);
  std::vector<float> y(m * n);
  size_t copy = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const Weight* wc = w.data() + copy * n * k;
    copy = copy + 1 == copies ? 0 : copy + 1;
    if constexpr (std::is_same_v<Weight, float>) {
      MatMul(x.data(), wc, bias.data(), y.data(), m, k, n, &pool);
    } else {
      MatMulBf16(x.data(), wc, bias.data(), y.data(), m, k, n, &pool);
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double seconds = ReportProductSpeed(state, start, m, k, n, threads);
  // Decoding streams the weights once per token: bandwidth is its measure.
  const double gbyte =
      1e-9 * (w_bytes + (m * k + m * n) * 4.0) * state.iterations();
  const double triad = baselines.triad_gbps[threads < 2 ? 1 : 2];
  state.counters["GB/s"] = gbyte / seconds;
  state.counters["pct_triad"] = 100 * gbyte / seconds / triad;
}

void BM_MatMul(benchmark::State& state) { MatMulBenchmark<float>(state); }
// Prompt shapes (m > 1) run on the bf16 dot-product instruction where the
// CPU has it (gemm_bf16_dot.h), whose multiply-adds per instruction are
// twice an FMA's: pct_peak, against the f32 FMA peak, can reach 200 there.
void BM_MatMulBf16(benchmark::State& state) {
  MatMulBenchmark<uint16_t>(state);
}
// The same with the weights widened to f32 instead, as on CPUs without it.
void BM_MatMulBf16Widened(benchmark::State& state) {
  SetBf16DotProducts(false);
  MatMulBenchmark<uint16_t>(state);
  SetBf16DotProducts(true);
}

void MatMulShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "k", "n", "threads"});
  const int64_t shapes[][3] = {
      // GPT-2 small prefill: attention QKV, MLP up, MLP down.
      {128, 768, 2304},
      {512, 768, 3072},
      {512, 3072, 768},
      // GPT-2 small decode: the logits, QKV, MLP up, MLP down.
      {1, 768, 50257},
      // Short prompts against weights that do not fit in cache (154 MB):
      // the dot-product GEMM (8 rows) and the broadcast-w one's 16-row
      // vectors (14 rows), where waiting for memory is the cost.
      {8, 768, 50257},
      {14, 768, 50257},
      {1, 768, 2304},
      {1, 768, 3072},
      {1, 3072, 768},
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
BENCHMARK(BM_MatMulBf16)->Apply(MatMulShapes)->UseRealTime();
BENCHMARK(BM_MatMulBf16Widened)
    ->Args({128, 768, 2304, 2})
    ->Args({512, 3072, 768, 2})
    ->ArgNames({"m", "k", "n", "threads"})
    ->UseRealTime();

// GPT-2's q, k and v projections (768 x 768 each) of `rows` rows: one
// MatMulShared call (one fork-join, x packed once per thread) against
// three MatMul calls. Args: rows, threads, bf16 (0: f32 weights), shared.
void BM_QkvProjections(benchmark::State& state) {
  const size_t m = state.range(0), threads = state.range(1), d = 768;
  const bool bf16 = state.range(2) != 0, shared = state.range(3) != 0;
  ThreadPool pool(threads);
  const std::vector<float> x = RandomFloats(m * d, 1);
  std::vector<std::vector<float>> w32(3), bias(3), y(3);
  std::vector<std::vector<uint16_t>> w16(3);
  SharedProduct products[3];
  for (size_t i = 0; i < 3; ++i) {
    w32[i] = RandomFloats(d * d, uint32_t(10 + i));
    bias[i] = RandomFloats(d, uint32_t(20 + i));
    y[i].resize(m * d);
    for (float v : w32[i]) w16[i].push_back(F32ToBf16(v));
    if (bf16) {
      products[i].w_bf16 = w16[i].data();
    } else {
      products[i].w = w32[i].data();
    }
    products[i].bias = bias[i].data();
    products[i].y = y[i].data();
    products[i].n = d;
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (shared) {
      MatMulShared(x.data(), m, d, products, 3, &pool);
    } else {
      for (const SharedProduct& p : products) {
        if (bf16) {
          MatMulBf16(x.data(), p.w_bf16, p.bias, p.y, m, d, d, &pool);
        } else {
          MatMul(x.data(), p.w, p.bias, p.y, m, d, d, &pool);
        }
      }
    }
    benchmark::ClobberMemory();
  }
  ReportProductSpeed(state, start, m, d, 3 * d, threads);
}
BENCHMARK(BM_QkvProjections)
    ->ArgNames({"rows", "threads", "bf16", "shared"})
    ->ArgsProduct({{1, 128}, {2}, {0, 1}, {0, 1}})
    ->UseRealTime();

// Training's backward products for a linear layer y = x w^T with x [m, k]
// and w [n, k]: the input gradient dx = dy w (arg input = 1) or the weight
// gradient dw += dy^T x (input = 0). Args: m, k, n, input, threads; the
// shapes are GPT-2 small at batch 4 x 128 (QKV, MLP up, MLP down, and the
// classifier, whose 154 MB weights and gradient come from memory).
void BM_MatMulBackward(benchmark::State& state) {
  const size_t m = state.range(0), k = state.range(1), n = state.range(2);
  const bool input = state.range(3) != 0;
  const size_t threads = static_cast<size_t>(state.range(4));
  bench::MachineBaselines();  // measured before the timing starts
  ThreadPool pool(threads);
  const std::vector<float> dy = RandomFloats(m * n, 1);
  const std::vector<float> w = RandomFloats(n * k, 2);
  const std::vector<float> x = RandomFloats(m * k, 3);
  std::vector<float> dx(m * k), dw(n * k);
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (input) {
      MatMulBackwardInput(dy.data(), w.data(), dx.data(), m, n, k,
                          /*accumulate=*/false, &pool);
    } else {
      MatMulBackwardWeight(dy.data(), x.data(), dw.data(), m, n, k, &pool);
    }
    benchmark::ClobberMemory();
  }
  ReportProductSpeed(state, start, m, k, n, threads);
}
void MatMulBackwardShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "k", "n", "input", "threads"});
  const int64_t shapes[][3] = {
      {512, 768, 2304}, {512, 768, 3072}, {512, 3072, 768}, {512, 768, 50257}};
  for (const auto& s : shapes) {
    for (int64_t input : {1, 0}) {
      for (int64_t threads : {1, 2}) {
        b->Args({s[0], s[1], s[2], input, threads});
      }
    }
  }
}
BENCHMARK(BM_MatMulBackward)->Apply(MatMulBackwardShapes)->UseRealTime();

// The baselines themselves, as benchmarks of their own (arg: threads).
void BaselineBenchmark(benchmark::State& state,
                       double (*measure)(ThreadPool&, double),
                       const char* unit) {
  ThreadPool pool(static_cast<size_t>(state.range(0)));
  double rate = 0;
  for (auto _ : state) rate = measure(pool, 0.3);
  state.counters[unit] = rate;
}
void BM_FmaPeak(benchmark::State& state) {
  BaselineBenchmark(state, bench::MeasureFmaPeakGflops, "GFLOP/s");
}
void BM_Triad(benchmark::State& state) {
  BaselineBenchmark(state, bench::MeasureTriadGbps, "GB/s");
}
BENCHMARK(BM_FmaPeak)->ArgName("threads")->Arg(1)->Arg(2)->Iterations(3);
BENCHMARK(BM_Triad)->ArgName("threads")->Arg(1)->Arg(2)->Iterations(3);

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

// A prompt's worth of GPT-2 rows (512 x 768), with the statistics a
// training forward keeps.
void BM_LayerNorm(benchmark::State& state) {
  const size_t rows = state.range(0), n = state.range(1);
  const std::vector<float> x = RandomFloats(rows * n, 4);
  const std::vector<float> weight = RandomFloats(n, 5),
                           bias = RandomFloats(n, 6);
  std::vector<float> y(rows * n), mean(rows), rstd(rows);
  for (auto _ : state) {
    LayerNormForward(x.data(), weight.data(), bias.data(), 1e-5f, y.data(),
                     mean.data(), rstd.data(), rows, n);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * 2 * rows * n * sizeof(float));
}
BENCHMARK(BM_LayerNorm)->Args({1, 768})->Args({512, 768});

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

// The MLP activations: one 128-token prefill block of a 768-wide model's
// 3072-wide hidden layer, forward and (as training runs it) backward. tanh
// is GPT-2's, erf BERT's; each flavour is the other's same-run baseline.
void BM_Gelu(benchmark::State& state, GeluKind kind) {
  const size_t n = state.range(0);
  const std::vector<float> x = RandomFloats(n, 9);
  std::vector<float> y(n);
  for (auto _ : state) {
    Gelu(kind, x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK_CAPTURE(BM_Gelu, Tanh, GeluKind::kTanh)->Arg(128 * 3072);
BENCHMARK_CAPTURE(BM_Gelu, Erf, GeluKind::kErf)->Arg(128 * 3072);

void BM_GeluBackward(benchmark::State& state, GeluKind kind) {
  const size_t n = state.range(0);
  const std::vector<float> x = RandomFloats(n, 9), dy = RandomFloats(n, 10);
  std::vector<float> dx(n);
  for (auto _ : state) {
    GeluBackward(kind, x.data(), dy.data(), dx.data(), n);
    benchmark::DoNotOptimize(dx.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK_CAPTURE(BM_GeluBackward, Tanh, GeluKind::kTanh)->Arg(128 * 3072);
BENCHMARK_CAPTURE(BM_GeluBackward, Erf, GeluKind::kErf)->Arg(128 * 3072);

// The residual add: one token's row, and a 512-token prompt's.
void BM_AddInPlace(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<float> x = RandomFloats(n, 23);
  std::vector<float> y = RandomFloats(n, 24);
  for (auto _ : state) {
    AddInPlace(y.data(), x.data(), n);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 3 * n * sizeof(float));
}
BENCHMARK(BM_AddInPlace)->Arg(768)->Arg(512 * 768);

// Rotary embedding of one token's query (Llama-style heads of 64, and the
// default model's 8 heads of 8).
void BM_RopePairs(benchmark::State& state) {
  const size_t heads = state.range(0), head_dim = state.range(1);
  std::vector<float> x = RandomFloats(heads * head_dim, 25);
  const std::vector<float> cos = RandomFloats(head_dim / 2, 26),
                           sin = RandomFloats(head_dim / 2, 27);
  for (auto _ : state) {
    RopePairs(x.data(), heads, head_dim, cos.data(), sin.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * heads * head_dim);
}
BENCHMARK(BM_RopePairs)->Args({8, 8})->Args({32, 64});

// One decoding query against n_keys cached positions (the fused attention
// of attention.h). Args: head_dim, n_keys; kv_stride as for 12 heads in one
// cache row.
struct DecodeAttention {
  DecodeAttention(size_t head_dim, size_t n_keys)
      : q(RandomFloats(head_dim, 9)),
        keys(RandomFloats(n_keys * 12 * head_dim, 10)),
        values(RandomFloats(n_keys * 12 * head_dim, 11)),
        out(head_dim),
        scratch(AttentionForwardScratch(head_dim, 1) +
                AttentionBackwardScratch(head_dim, 1)),
        visible(static_cast<uint32_t>(n_keys)) {
    head.q = q.data();
    head.q_stride = head_dim;
    head.n_queries = 1;
    head.keys = keys.data();
    head.values = values.data();
    head.kv_stride = 12 * head_dim;
    head.visible = &visible;
    head.head_dim = head_dim;
    head.scale = 0.125f;
    head.out = out.data();
    head.out_stride = head_dim;
  }
  std::vector<float> q, keys, values, out;
  std::vector<float> scratch;  // enough for the forward and the backward
  uint32_t visible;
  AttentionHead head;
};

void BM_AttentionHeadForward(benchmark::State& state) {
  DecodeAttention a(state.range(0), state.range(1));
  for (auto _ : state) {
    AttentionHeadForward(a.head, nullptr, a.scratch.data());
    benchmark::DoNotOptimize(a.out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_AttentionHeadForward)->Args({16, 64})->Args({64, 1024});

// GPT-2 small's causal prefill attention over all 12 heads of 64 (the
// model's schedule, attention_heads.h). Args: tokens, threads. GFLOP/s
// counts 4 head_dim flops per visible (query, key) pair (QK^T and PV);
// pct_peak is against this run's FMA peak at the same thread count.
void BM_AttentionPrefill(benchmark::State& state) {
  const size_t n = state.range(0), heads = 12, head_dim = 64;
  const size_t threads = static_cast<size_t>(state.range(1));
  const size_t dim = heads * head_dim;
  const bench::Baselines& baselines = bench::MachineBaselines();
  ThreadPool pool(threads);
  const std::vector<float> q = RandomFloats(n * dim, 20);
  const std::vector<float> keys = RandomFloats(n * dim, 21);
  const std::vector<float> values = RandomFloats(n * dim, 22);
  std::vector<float> out(n * dim);
  std::vector<uint32_t> visible(n);
  for (size_t i = 0; i < n; ++i) visible[i] = static_cast<uint32_t>(i + 1);
  const size_t per_thread = AttentionHeadsScratchPerThread(head_dim, 1);
  std::vector<float> scratch(threads * per_thread);
  AttentionHeads a;
  a.q = q.data();
  a.q_stride = dim;
  a.n_queries = n;
  a.n_heads = a.n_kv_heads = heads;
  a.head_dim = head_dim;
  a.keys = keys.data();
  a.values = values.data();
  a.kv_stride = dim;
  a.visible = visible.data();
  a.scale = 0.125f;
  a.out = out.data();
  a.out_stride = dim;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    AttentionForwardHeads(a, &pool, scratch.data(), per_thread);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const double gflop =
      1e-9 * 4.0 * head_dim * heads * (n * (n + 1) / 2) * state.iterations();
  state.counters["GFLOP/s"] = gflop / seconds;
  state.counters["pct_peak"] =
      100 * gflop / seconds / baselines.fma_peak_gflops[threads < 2 ? 1 : 2];
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_AttentionPrefill)
    ->ArgNames({"tokens", "threads"})
    ->Args({128, 1})
    ->Args({128, 2})
    ->Args({512, 1})
    ->Args({512, 2})
    ->UseRealTime();

// Training's attention backward for one (sequence, head) of GPT-2 small:
// causal, head_dim 64, rows 768 floats apart, as TrainGraph calls it. Arg:
// tokens. GFLOP/s counts the backward's five products (scores,
// probability gradients, dq, dk, dv): 10 head_dim flops per visible pair.
void BM_AttentionTrainBackward(benchmark::State& state) {
  const size_t n = state.range(0), head_dim = 64, stride = 768;
  const bench::Baselines& baselines = bench::MachineBaselines();
  const std::vector<float> q = RandomFloats(n * stride, 23);
  const std::vector<float> keys = RandomFloats(n * stride, 24);
  const std::vector<float> values = RandomFloats(n * stride, 25);
  const std::vector<float> dout = RandomFloats(n * stride, 26);
  std::vector<float> out(n * stride), dq(n * stride), dk(n * stride),
      dv(n * stride), lse(n);
  std::vector<uint32_t> visible(n);
  for (size_t i = 0; i < n; ++i) visible[i] = static_cast<uint32_t>(i + 1);
  std::vector<float> scratch(std::max(AttentionForwardScratch(head_dim, n),
                                      AttentionBackwardScratch(head_dim, n)));
  AttentionHead head;
  head.q = q.data();
  head.q_stride = stride;
  head.n_queries = n;
  head.keys = keys.data();
  head.values = values.data();
  head.kv_stride = stride;
  head.visible = visible.data();
  head.head_dim = head_dim;
  head.scale = 0.125f;
  head.out = out.data();
  head.out_stride = stride;
  AttentionHeadForward(head, lse.data(), scratch.data());
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    AttentionHeadBackward(head, lse.data(), dout.data(), dq.data(), dk.data(),
                          dv.data(), scratch.data());
    benchmark::DoNotOptimize(dq.data());
    benchmark::ClobberMemory();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const double gflop =
      1e-9 * 10.0 * head_dim * (n * (n + 1) / 2) * state.iterations();
  state.counters["GFLOP/s"] = gflop / seconds;
  state.counters["pct_peak"] =
      100 * gflop / seconds / baselines.fma_peak_gflops[1];
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_AttentionTrainBackward)
    ->ArgName("tokens")
    ->Arg(128)
    ->Arg(512)
    ->Arg(1024);

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

// GPT-2's LayerNorm backward over a 4 x 128 batch (dx, dweight, dbias).
void BM_LayerNormBackward(benchmark::State& state) {
  const size_t rows = state.range(0), n = state.range(1);
  const std::vector<float> x = RandomFloats(rows * n, 28);
  const std::vector<float> dy = RandomFloats(rows * n, 29);
  const std::vector<float> weight = RandomFloats(n, 30);
  std::vector<float> y(rows * n), mean(rows), rstd(rows), dx(rows * n),
      dweight(n), dbias(n);
  LayerNormForward(x.data(), weight.data(), nullptr, 1e-5f, y.data(),
                   mean.data(), rstd.data(), rows, n);
  for (auto _ : state) {
    LayerNormBackward(dy.data(), x.data(), weight.data(), mean.data(),
                      rstd.data(), dx.data(), dweight.data(), dbias.data(),
                      rows, n);
    benchmark::ClobberMemory();
  }
  // dy and x read twice (dx, then the parameters); dx read and written.
  state.SetBytesProcessed(state.iterations() * 6 * rows * n * sizeof(float));
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_LayerNormBackward)->Args({512, 768});

// The bias gradient of GPT-2's MLP up-projection over a 4 x 128 batch.
void BM_BiasBackward(benchmark::State& state) {
  const size_t rows = state.range(0), n = state.range(1);
  const std::vector<float> dy = RandomFloats(rows * n, 31);
  std::vector<float> dbias(n);
  for (auto _ : state) {
    BiasBackward(dy.data(), dbias.data(), rows, n, 0, n);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * rows * n * sizeof(float));
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_BiasBackward)->Args({512, 3072});

// SwiGLU's backward over a Llama-style hidden row block.
void BM_SwiGLUBackward(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<float> dh = RandomFloats(n, 32), gate = RandomFloats(n, 33),
                           up = RandomFloats(n, 34);
  std::vector<float> dgate(n), dup(n);
  for (auto _ : state) {
    SwiGLUBackward(dh.data(), gate.data(), up.data(), dgate.data(), dup.data(),
                   n);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_SwiGLUBackward)->Arg(128 * 3072);

// The global gradient norm's sum over a 1M-float chunk.
void BM_SumOfSquares(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<float> x = RandomFloats(n, 35);
  for (auto _ : state) benchmark::DoNotOptimize(SumOfSquares(x.data(), n));
  state.SetBytesProcessed(state.iterations() * n * sizeof(float));
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_SumOfSquares)->Arg(1 << 20);

// Args: head_dim, n_keys, as BM_AttentionHeadForward.
void BM_AttentionHeadBackward(benchmark::State& state) {
  const size_t head_dim = state.range(0), n_keys = state.range(1);
  DecodeAttention a(head_dim, n_keys);
  float lse = 0;
  AttentionHeadForward(a.head, &lse, a.scratch.data());
  const std::vector<float> dout = RandomFloats(head_dim, 15);
  std::vector<float> dq(head_dim), dkeys(a.keys.size()), dvalues(a.keys.size());
  for (auto _ : state) {
    AttentionHeadBackward(a.head, &lse, dout.data(), dq.data(), dkeys.data(),
                          dvalues.data(), a.scratch.data());
    benchmark::DoNotOptimize(dq.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n_keys);
  state.SetLabel(ActiveTargetName());
}
BENCHMARK(BM_AttentionHeadBackward)->Args({8, 256})->Args({64, 256});

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
