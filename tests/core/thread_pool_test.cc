// The fork-join pool: every task runs exactly once, on a valid thread index,
// across many consecutive jobs and for every pool size including 1.
#include "src/core/thread_pool.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/cpus.h"

namespace wisp {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WISP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WISP_SANITIZED 1
#endif
#endif

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

namespace wisp {
namespace {

// Asked for more threads than the process may start (its address space
// holds about 16 thread stacks), the pool keeps the ones it got and works;
// it had hung in its constructor's unwinding, with started workers waiting
// on a condition variable being destroyed. In a child process, because the
// limit cannot be lifted again.
TEST(ThreadPoolTest, StartsWhatTheSystemAllowsWhenThreadsRunOut) {
#ifdef WISP_SANITIZED
  GTEST_SKIP() << "sanitizers reserve more address space than the limit";
#else
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(60);  // a hang fails the test instead of stalling it
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    // Room for the process as it is and ~16 default (8 MiB) thread stacks.
    std::FILE* statm = std::fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (statm == nullptr || std::fscanf(statm, "%lu", &pages) != 1) _exit(3);
    std::fclose(statm);
    const rlim_t limit = pages * sysconf(_SC_PAGESIZE) + (rlim_t{128} << 20);
    const rlimit as = {limit, limit};
    if (setrlimit(RLIMIT_AS, &as) != 0) _exit(4);
    ThreadPool pool(1000);
    if (pool.num_threads() >= 1000 || pool.num_threads() < 2) _exit(5);
    std::atomic<size_t> sum{0};
    pool.Run(100, [&](size_t task, size_t thread) {
      if (thread < pool.num_threads()) sum += task;
    });
    _exit(sum == 4950 ? 0 : 6);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
#endif
}

}  // namespace
}  // namespace wisp

namespace wisp {
namespace {

// Sessions and trainers never start more threads than the process has CPUs:
// on 2 CPUs, 4 spinning threads decoded at two thirds of the speed of 2.
TEST(ThreadPoolTest, ComputePoolsStopAtTheAvailableCpus) {
  const size_t cpus = AvailableCpus();
  ASSERT_GE(cpus, 1u);
  EXPECT_EQ(static_cast<int>(cpus), testing::AffinityCpus());
  EXPECT_EQ(MakeComputePool(1), nullptr);
  EXPECT_EQ(ComputeThreads(nullptr), 1u);  // a null pool: the caller alone
  std::unique_ptr<ThreadPool> many = MakeComputePool(cpus + 5);
  if (cpus == 1) {
    EXPECT_EQ(many, nullptr);
  } else {
    ASSERT_NE(many, nullptr);
    EXPECT_EQ(many->num_threads(), cpus);
    EXPECT_EQ(ComputeThreads(many.get()), cpus);
    std::unique_ptr<ThreadPool> two = MakeComputePool(2);
    ASSERT_NE(two, nullptr);
    EXPECT_EQ(two->num_threads(), 2u);
  }
}

}  // namespace
}  // namespace wisp
