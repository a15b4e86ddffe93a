// Training throughput (forward + backward + AdamW) of a whole model: the
// bundled stories260K by default, WISP_BENCH_MODEL=path for another.
//   wisp_train_bench --benchmark_counters_tabular=true
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "src/train/trainer.h"
#include "tests/bench/bench_model.h"

namespace wisp {
namespace {

// state.range: batch, seq, threads.
void BM_TrainStep(benchmark::State& state) {
  const size_t batch = state.range(0), seq = state.range(1);
  TrainOptions options;
  options.batch_size = batch;
  options.seq_len = seq;
  options.num_threads = state.range(2);
  auto trainer = Trainer::Create(BenchModel(), options);
  if (!trainer.ok()) {
    state.SkipWithError("cannot create trainer");
    return;
  }
  const uint32_t vocab = BenchModel().config().vocab_size;
  std::vector<int32_t> inputs(batch * seq), targets(batch * seq);
  for (size_t i = 0; i < inputs.size(); ++i) {
    inputs[i] = static_cast<int32_t>((i * 7919 + 13) % vocab);
    targets[i] = static_cast<int32_t>((i * 104729 + 7) % vocab);
  }
  const TrainBatch b{inputs.data(), targets.data(), batch, seq};
  // The first step sizes every activation buffer: steady state is what
  // training runs at.
  if (!(*trainer)->StepOnBatch(b).ok()) state.SkipWithError("step failed");
  for (auto _ : state) {
    if (!(*trainer)->StepOnBatch(b).ok()) state.SkipWithError("step failed");
  }
  state.counters["tokens/s"] = benchmark::Counter(
      double(batch * seq) * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_TrainStep)
    ->ArgsProduct({{8}, {256}, {1, 2}})
    ->ArgNames({"batch", "seq", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace wisp

BENCHMARK_MAIN();
