// A small fork-join thread pool. Highway 1.0.3 ships no pool, and kernels need
// one whose size the embedding application chooses, including "no extra
// threads" (everything runs on the caller's thread).
#ifndef WISP_CORE_THREAD_POOL_H_
#define WISP_CORE_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wisp {

class ThreadPool {
 public:
  // `num_threads` counts the caller: 1 means no worker threads at all.
  // Values below 1 are treated as 1. If the system refuses to start a
  // thread, the pool keeps those it started (see num_threads()).
  explicit ThreadPool(size_t num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t num_threads() const { return workers_.size() + 1; }

  // Calls fn(task, thread) once for every task in [0, num_tasks), spread over
  // the caller and the workers; returns when all are done. `thread` is in
  // [0, num_threads()) and identifies per-thread scratch space. Not reentrant:
  // fn must not call Run on the same pool.
  template <class Fn>
  void Run(size_t num_tasks, const Fn& fn) {
    if (num_tasks == 0) return;
    // Task indices live in 32 bits of the job state; absurd task counts run
    // serially rather than wrap.
    if (workers_.empty() || num_tasks == 1 || num_tasks >= (size_t{1} << 31)) {
      for (size_t t = 0; t < num_tasks; ++t) fn(t, 0);
      return;
    }
    RunErased(num_tasks, &CallThunk<Fn>, &fn);
  }

  // Splits [0, n) into contiguous ranges of at least `min_chunk` items, about
  // one per thread, and calls fn(begin, end, thread) for each.
  template <class Fn>
  void ParallelFor(size_t n, size_t min_chunk, const Fn& fn) {
    if (n == 0) return;
    if (min_chunk == 0) min_chunk = 1;
    size_t chunks = (n + min_chunk - 1) / min_chunk;
    if (chunks > num_threads()) chunks = num_threads();
    const size_t per = (n + chunks - 1) / chunks;
    chunks = (n + per - 1) / per;
    Run(chunks, [&](size_t c, size_t thread) {
      const size_t begin = c * per;
      const size_t end = begin + per < n ? begin + per : n;
      fn(begin, end, thread);
    });
  }

 private:
  using Thunk = void (*)(const void* fn, size_t task, size_t thread);
  template <class Fn>
  static void CallThunk(const void* fn, size_t task, size_t thread) {
    (*static_cast<const Fn*>(fn))(task, thread);
  }

  void RunErased(size_t num_tasks, Thunk thunk, const void* fn);
  void WorkerLoop(size_t thread);
  // Claims and runs tasks of the job whose generation is `generation` until
  // none are left; returns false at once if that job is no longer current.
  void RunTasks(uint32_t generation, size_t thread);

  std::vector<std::thread> workers_;

  // The current job. `state_` packs (generation << 32 | next task index):
  // claiming a task is a compare-and-swap that fails for a worker still
  // thinking of an older job, so the caller never waits for threads that
  // have no work, only for tasks that were actually claimed.
  std::atomic<uint64_t> state_{0};
  // Job descriptions alternate between two slots by generation parity: a
  // worker still holding the previous generation may read its slot while the
  // caller fills the other one. (Its stale reads never matter: its claim
  // fails.) Atomics, relaxed, only so that such reads are not data races.
  struct Job {
    std::atomic<Thunk> thunk{nullptr};
    std::atomic<const void*> fn{nullptr};
    std::atomic<size_t> num_tasks{0};
  };
  Job jobs_[2];
  std::atomic<size_t> tasks_done_{0};

  // Idle workers spin briefly, then sleep here.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<int> sleeping_{0};
  std::atomic<bool> stop_{false};
};

// Threads that compute with `pool`, the caller's included: a null pool
// runs everything on the caller's thread.
inline size_t ComputeThreads(const ThreadPool* pool) {
  return pool == nullptr ? 1 : pool->num_threads();
}

// CPUs this process may run on (its affinity mask), at least 1.
size_t AvailableCpus();

// The pool for sessions, trainers and evaluation: `num_threads` computing
// threads counting the caller, null for 1 (everything on the caller's
// thread). More threads than AvailableCpus() are reduced to that many: the
// pool's threads spin while they wait for each other, so on 2 CPUs 4
// threads decoded GPT-2 124M at 0.66x the speed of 2, and 8 at 0.45x. No
// result depends on the number of threads.
std::unique_ptr<ThreadPool> MakeComputePool(size_t num_threads);

}  // namespace wisp

#endif  // WISP_CORE_THREAD_POOL_H_
