// The CPUs this process may run on, counted by the tests themselves (from
// the affinity mask) to check the library's own count against.
#ifndef WISP_TESTS_SUPPORT_CPUS_H_
#define WISP_TESTS_SUPPORT_CPUS_H_

#include <sched.h>

namespace wisp::testing {

// -1 if the mask cannot be read.
inline int AffinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
  return CPU_COUNT(&set);
}

}  // namespace wisp::testing

#endif  // WISP_TESTS_SUPPORT_CPUS_H_
