#include "src/core/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define WISP_CPU_RELAX() _mm_pause()
#else
#define WISP_CPU_RELAX() std::this_thread::yield()
#endif

namespace wisp {
namespace {
// Workers spin this many times before sleeping: decoding a small model issues
// tens of thousands of short jobs per second, and a futex wake-up per job
// would cost more than the work itself.
constexpr int kSpinIterations = 1 << 14;
// The caller spins this long for claimed tasks to finish, then yields its
// core: on a busy machine the thread it waits for may need that core.
constexpr int kCallerSpins = 1 << 12;

uint32_t GenerationOf(uint64_t state) {
  return static_cast<uint32_t>(state >> 32);
}
}  // namespace

ThreadPool::ThreadPool(size_t num_threads) {
  if (num_threads < 1) num_threads = 1;
  workers_.reserve(num_threads - 1);
  for (size_t i = 1; i < num_threads; ++i) {
    // Past the process's thread or memory limits, std::thread throws: the
    // pool then runs with the workers it has (num_threads() says how many;
    // results do not depend on it) rather than fail, or unwind while the
    // started workers still wait on its condition variable.
    try {
      workers_.emplace_back([this, i] { WorkerLoop(i); });
    } catch (const std::system_error&) {
      break;
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::RunTasks(uint32_t generation, size_t thread) {
  const Job& job = jobs_[generation & 1];
  uint64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    if (GenerationOf(state) != generation) return;
    const size_t task = static_cast<uint32_t>(state);
    if (task >= job.num_tasks.load(std::memory_order_relaxed)) return;
    if (!state_.compare_exchange_weak(state, state + 1,
                                      std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue;  // `state` was reloaded
    }
    // The claim succeeded, so this job stays current until the task is done
    // and its description cannot change under us.
    job.thunk.load(std::memory_order_relaxed)(
        job.fn.load(std::memory_order_relaxed), task, thread);
    tasks_done_.fetch_add(1, std::memory_order_release);
    state = state_.load(std::memory_order_acquire);
  }
}

void ThreadPool::RunErased(size_t num_tasks, Thunk thunk, const void* fn) {
  const uint32_t generation =
      GenerationOf(state_.load(std::memory_order_relaxed)) + 1;
  Job& job = jobs_[generation & 1];
  job.thunk.store(thunk, std::memory_order_relaxed);
  job.fn.store(fn, std::memory_order_relaxed);
  job.num_tasks.store(num_tasks, std::memory_order_relaxed);
  tasks_done_.store(0, std::memory_order_relaxed);
  // Publishing the new generation releases the job description above.
  state_.store(uint64_t{generation} << 32, std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  RunTasks(generation, 0);
  for (int spin = 0; tasks_done_.load(std::memory_order_acquire) != num_tasks;
       ++spin) {
    if (spin < kCallerSpins) {
      WISP_CPU_RELAX();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::WorkerLoop(size_t thread) {
  uint32_t seen = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    uint32_t generation = GenerationOf(state_.load(std::memory_order_acquire));
    for (int spin = 0; generation == seen && spin < kSpinIterations; ++spin) {
      WISP_CPU_RELAX();
      generation = GenerationOf(state_.load(std::memory_order_acquire));
    }
    if (generation == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, [&] {
        generation = GenerationOf(state_.load(std::memory_order_seq_cst));
        return generation != seen || stop_.load();
      });
      sleeping_.fetch_sub(1, std::memory_order_relaxed);
      if (stop_.load()) return;
    }
    seen = generation;
    RunTasks(generation, thread);
  }
}

size_t AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<size_t>(count);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::unique_ptr<ThreadPool> MakeComputePool(size_t num_threads) {
  const size_t threads = std::min(num_threads, AvailableCpus());
  if (threads <= 1) return nullptr;
  return std::make_unique<ThreadPool>(threads);
}

}  // namespace wisp
