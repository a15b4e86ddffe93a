#include "src/core/thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define WISP_CPU_RELAX() _mm_pause()
#else
#define WISP_CPU_RELAX() std::this_thread::yield()
#endif

namespace wisp {
namespace {
// Workers spin this many times before sleeping: decoding a small model issues
// tens of thousands of short jobs per second, and a futex wake-up per job would
// cost more than the work itself.
constexpr int kSpinIterations = 1 << 14;
}  // namespace

ThreadPool::ThreadPool(size_t num_threads) {
  if (num_threads < 1) num_threads = 1;
  workers_.reserve(num_threads - 1);
  for (size_t i = 1; i < num_threads; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::DrainTasks(size_t thread) {
  for (;;) {
    const size_t task = next_task_.fetch_add(1, std::memory_order_relaxed);
    if (task >= num_tasks_) return;
    thunk_(fn_, task, thread);
  }
}

void ThreadPool::RunErased(size_t num_tasks, Thunk thunk, const void* fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    thunk_ = thunk;
    fn_ = fn;
    num_tasks_ = num_tasks;
    next_task_.store(0, std::memory_order_relaxed);
    workers_busy_.store(workers_.size(), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  DrainTasks(0);
  // Wait for every worker to finish its current task (and to leave DrainTasks,
  // so that the next job cannot be observed half-initialised).
  for (int spin = 0; spin < kSpinIterations; ++spin) {
    if (workers_busy_.load(std::memory_order_acquire) == 0) return;
    WISP_CPU_RELAX();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] {
    return workers_busy_.load(std::memory_order_acquire) == 0;
  });
}

void ThreadPool::WorkerLoop(size_t thread) {
  uint64_t seen = 0;
  for (;;) {
    bool have_job = false;
    for (int spin = 0; spin < kSpinIterations; ++spin) {
      if (generation_.load(std::memory_order_acquire) != seen) {
        have_job = true;
        break;
      }
      WISP_CPU_RELAX();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (!have_job) {
      wake_.wait(lock, [&] {
        return generation_.load(std::memory_order_acquire) != seen;
      });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    lock.unlock();
    DrainTasks(thread);
    if (workers_busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> done_lock(mutex_);
      done_.notify_one();
    }
  }
}

}  // namespace wisp
