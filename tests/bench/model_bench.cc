// Prefill and decode throughput of a whole model (default: the bundled
// stories260K; WISP_BENCH_MODEL=path picks another .wisp file).
//   wisp_model_bench --benchmark_counters_tabular=true
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "src/infer/session.h"
#include "tests/bench/bench_model.h"

namespace wisp {
namespace {

std::vector<int32_t> Prompt(size_t n) {
  std::vector<int32_t> ids(n);
  const uint32_t vocab = BenchModel().config().vocab_size;
  for (size_t i = 0; i < n; ++i)
    ids[i] = static_cast<int32_t>((i * 7919 + 1) % vocab);
  ids[0] = 1;
  return ids;
}

std::unique_ptr<Session> NewSession(size_t threads) {
  SessionOptions options;
  options.num_threads = threads;
  return std::move(*Session::Create(BenchModel(), options));
}

// state.range(0): prompt tokens; state.range(1): threads.
void BM_Prefill(benchmark::State& state) {
  const std::vector<int32_t> prompt = Prompt(state.range(0));
  auto session = NewSession(state.range(1));
  for (auto _ : state) {
    session->Reset();
    if (!session->Feed(prompt, nullptr).ok()) state.SkipWithError("feed");
  }
  state.counters["tokens/s"] = benchmark::Counter(
      double(prompt.size()) * state.iterations(), benchmark::Counter::kIsRate);
}

// Decodes state.range(0) tokens one at a time after a 16-token prompt.
void BM_Decode(benchmark::State& state) {
  const size_t n = state.range(0);
  const std::vector<int32_t> prompt = Prompt(16);
  auto session = NewSession(state.range(1));
  SamplerParams greedy;
  greedy.temperature = 0;
  for (auto _ : state) {
    state.PauseTiming();
    session->Reset();
    (void)session->Feed(prompt, nullptr);
    Sampler sampler(greedy);
    state.ResumeTiming();
    for (size_t i = 0; i < n; ++i) {
      const int32_t token = *session->SampleNext(&sampler);
      (void)session->Feed({token}, nullptr);
    }
  }
  state.counters["tokens/s"] = benchmark::Counter(
      double(n) * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_Prefill)
    ->ArgsProduct({{32, 128, 256}, {1, 2}})
    ->ArgNames({"tokens", "threads"})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_Decode)
    ->ArgsProduct({{128}, {1, 2}})
    ->ArgNames({"tokens", "threads"})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace wisp

BENCHMARK_MAIN();
