// The model a whole-model benchmark runs: the bundled stories260K, or the
// .wisp file named by WISP_BENCH_MODEL. Loaded once per process.
#ifndef WISP_TESTS_BENCH_BENCH_MODEL_H_
#define WISP_TESTS_BENCH_BENCH_MODEL_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/model/model.h"

namespace wisp {

inline const Model& BenchModel() {
  static const Model* model = [] {
    const char* env = std::getenv("WISP_BENCH_MODEL");
    auto loaded = Model::Load(env && *env ? env : WISP_DEFAULT_MODEL);
    if (!loaded.ok()) {
      std::fprintf(stderr, "cannot load model: %s\n",
                   std::string(loaded.status().message()).c_str());
      std::exit(1);
    }
    return loaded->release();
  }();
  return *model;
}

}  // namespace wisp

#endif  // WISP_TESTS_BENCH_BENCH_MODEL_H_
