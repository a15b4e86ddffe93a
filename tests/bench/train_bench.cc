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

// state.range: batch, seq, threads; `masked`: BERT's objective, where only
// every seventh position (~15 %) carries a target.
void TrainStep(benchmark::State& state, bool masked) {
  const size_t batch = state.range(0), seq = state.range(1);
  TrainOptions options;
  options.batch_size = batch;
  options.seq_len = seq;
  options.num_threads = state.range(2);
  if (masked) {
    options.objective = Objective::kMasked;
    options.mask_token = 0;  // the batch comes ready-masked: any valid id
  }
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
    if (masked && i % 7 != 0) targets[i] = kIgnoreTarget;
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

void BM_TrainStep(benchmark::State& state) { TrainStep(state, false); }
void BM_TrainStepMasked(benchmark::State& state) { TrainStep(state, true); }

// stories260K's workload (8 x 256), the 124M model's (4 x 128), and 8 x 128
// (tiny-bert's context) as the all-targets baseline of the masked case.
BENCHMARK(BM_TrainStep)
    ->ArgsProduct({{8}, {256, 128}, {1, 2}})
    ->Args({4, 128, 1})
    ->Args({4, 128, 2})
    ->ArgNames({"batch", "seq", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(BM_TrainStepMasked)
    ->ArgsProduct({{8}, {128}, {1, 2}})
    ->ArgNames({"batch", "seq", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace wisp

BENCHMARK_MAIN();
