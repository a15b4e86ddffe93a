// Steady-state decoding and training steps allocate no heap memory: this
// executable replaces the global operator new, the C allocator and mmap
// (which big buffers, src/core/large_buffer.h, come from) with counting
// versions (every thread, the pool's workers included) and checks
// that N decode steps and N training steps after a warm-up allocate nothing.
// CounterSeesAllocations shows that the counter does see allocations, so the
// zero expectations can fail.
#include <malloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/core/large_buffer.h"
#include "src/infer/session.h"
#include "src/train/trainer.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

// glibc's own entry points, which the replacements below forward to.
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* p);

void* malloc(size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* p, size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}
void free(void* p) noexcept { __libc_free(p); }

// Anonymous mappings are allocations too; file mappings (loading a model)
// are not. The system call itself, as glibc's mmap has no public alias.
void* mmap(void* address, size_t length, int protection, int flags, int fd,
           off_t offset) noexcept {
  if (flags & MAP_ANONYMOUS) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  return reinterpret_cast<void*>(
      syscall(SYS_mmap, address, length, protection, flags, fd, offset));
}
}  // extern "C"

void* operator new(size_t size) {
  void* p = malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, std::align_val_t alignment) {
  void* p = memalign(static_cast<size_t>(alignment), size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return operator new(size, alignment);
}
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { free(p); }

namespace wisp {
namespace {

constexpr size_t kSteps = 16;

size_t Allocations() { return g_allocations.load(std::memory_order_relaxed); }

std::unique_ptr<Model> LoadRandom(const ModelConfig& config,
                                  const std::string& name) {
  const std::string path = testing::TempDir() + "/alloc_" + name + ".wisp";
  testing::WriteRandomModel(path, config, 5);
  auto model = Model::Load(path);
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(*model);
}

TEST(SteadyStateAllocTest, CounterSeesAllocations) {
  const size_t before = Allocations();
  auto boxed = std::make_unique<int>(3);
  std::vector<float> grown(1000);
  void* raw = std::malloc(16);
  std::free(raw);
  EXPECT_GE(Allocations() - before, 3u);
  const size_t mapped_before = Allocations();
  LargeVector<float> large(kLargeBufferMinBytes);  // a mapping of its own
  EXPECT_EQ(Allocations() - mapped_before, 1u);
}

// N tokens sampled and fed one at a time (what Session::Generate does),
// after a warm-up that grows every buffer once.
void ExpectDecodeAllocatesNothing(const Model& model, size_t threads,
                                  const SamplerParams& params) {
  SessionOptions options;
  options.num_threads = threads;
  auto session = std::move(*Session::Create(model, options));
  Sampler sampler(params);
  ASSERT_TRUE(session->Feed({1, 5, 9, 3, 7}, nullptr).ok());
  auto step = [&] {
    const absl::StatusOr<int32_t> token = session->SampleNext(&sampler);
    ASSERT_TRUE(token.ok());
    ASSERT_TRUE(session->Feed(absl::MakeConstSpan(&*token, 1), nullptr).ok());
  };
  for (int i = 0; i < 3; ++i) step();
  const size_t before = Allocations();
  for (size_t i = 0; i < kSteps; ++i) step();
  EXPECT_EQ(Allocations() - before, 0u)
      << "threads=" << threads << " temperature=" << params.temperature;
}

TEST(SteadyStateAllocTest, DecodeAllocatesNothing) {
  const std::unique_ptr<Model> models[] = {
      LoadRandom(testing::TinyLlamaConfig(), "llama"),
      LoadRandom(testing::TinyGpt2Config(), "gpt2")};
  for (const auto& model : models) {
    for (size_t threads : {1, 2}) {
      SamplerParams greedy;
      greedy.temperature = 0.0f;
      ExpectDecodeAllocatesNothing(*model, threads, greedy);
      ExpectDecodeAllocatesNothing(*model, threads, SamplerParams{});
      SamplerParams penalised;
      penalised.repetition_penalty = 1.3f;
      ExpectDecodeAllocatesNothing(*model, threads, penalised);
    }
  }
}

std::vector<int32_t> PatternTokens(size_t n) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back(3 + (i * 7 % 11) + (i % 3));
  return ids;
}

// Trainer::Step on its data set (batches drawn, objective applied, forward,
// backward, clipping, AdamW), N steps after two warm-up steps.
void ExpectTrainingAllocatesNothing(const Model& model, Objective objective,
                                    size_t threads) {
  TrainOptions options;
  options.batch_size = 2;
  options.seq_len = 12;
  options.grad_accum = 2;
  options.num_threads = threads;
  options.objective = objective;
  options.mask_token = 1;
  auto trainer = std::move(*Trainer::Create(model, options));
  ASSERT_TRUE(trainer->SetData(PatternTokens(400)).ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(trainer->Step().ok());
  const size_t before = Allocations();
  for (size_t i = 0; i < kSteps; ++i) ASSERT_TRUE(trainer->Step().ok());
  EXPECT_EQ(Allocations() - before, 0u)
      << "objective=" << ObjectiveName(objective) << " threads=" << threads;
}

TEST(SteadyStateAllocTest, TrainingStepsAllocateNothing) {
  auto llama = LoadRandom(testing::TinyLlamaConfig(), "train_llama");
  auto bert = LoadRandom(testing::TinyBertConfig(), "train_bert");
  for (size_t threads : {1, 2}) {
    ExpectTrainingAllocatesNothing(*llama, Objective::kCausal, threads);
    ExpectTrainingAllocatesNothing(*llama, Objective::kPrefix, threads);
    ExpectTrainingAllocatesNothing(*bert, Objective::kMasked, threads);
  }
}

}  // namespace
}  // namespace wisp
