// The fork-join pool: every task runs exactly once, on a valid thread index,
// across many consecutive jobs and for every pool size including 1.
#include "src/core/thread_pool.h"

#include <atomic>
#include <cstddef>
#include <vector>

#include "gtest/gtest.h"

namespace wisp {
namespace {

TEST(ThreadPoolTest, EveryTaskRunsExactlyOnce) {
  for (size_t threads : {0, 1, 2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.num_threads(), threads < 1 ? 1 : threads);
    for (size_t num_tasks : {0, 1, 2, 3, 7, 64, 1000}) {
      std::vector<std::atomic<int>> runs(num_tasks);
      std::atomic<bool> bad_thread{false};
      pool.Run(num_tasks, [&](size_t task, size_t thread) {
        runs[task].fetch_add(1);
        if (thread >= pool.num_threads()) bad_thread = true;
      });
      for (size_t t = 0; t < num_tasks; ++t) {
        ASSERT_EQ(runs[t].load(), 1) << "threads=" << threads << " task=" << t;
      }
      EXPECT_FALSE(bad_thread);
    }
  }
}

// Thousands of back-to-back short jobs, as decoding a small model issues:
// the hand-off between jobs must neither lose nor repeat tasks.
TEST(ThreadPoolTest, ManyConsecutiveRuns) {
  ThreadPool pool(2);
  std::atomic<size_t> total{0};
  const size_t kJobs = 20000;
  for (size_t job = 0; job < kJobs; ++job) {
    pool.Run(3, [&](size_t task, size_t) { total.fetch_add(task + 1); });
  }
  EXPECT_EQ(total.load(), kJobs * 6);
}

TEST(ThreadPoolTest, PoolOfOneRunsOnCaller) {
  ThreadPool pool(1);
  std::vector<size_t> order;  // Unsynchronised on purpose: one thread only.
  pool.Run(5, [&](size_t task, size_t thread) {
    EXPECT_EQ(thread, 0u);
    order.push_back(task);
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

TEST(ThreadPoolTest, ParallelForCoversRangeWithoutOverlap) {
  ThreadPool pool(3);
  for (size_t n : {1, 2, 5, 100, 1001}) {
    for (size_t min_chunk : {0, 1, 4, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelFor(n, min_chunk, [&](size_t begin, size_t end, size_t) {
        EXPECT_LT(begin, end);
        for (size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " min_chunk=" << min_chunk;
      }
    }
  }
}

}  // namespace
}  // namespace wisp
