#include "tests/fuzz/capi_support.h"

#include <string>

#include "tests/fuzz/fuzz_support.h"

namespace wisp::fuzz {

const wisp_model* DefaultModel() {
  static wisp_model* model = [] {
    wisp_model* m = nullptr;
    if (wisp_model_load(WISP_DEFAULT_MODEL, nullptr, &m) != WISP_OK) {
      Fail(std::string("cannot load the default model: ") + wisp_last_error());
    }
    return m;
  }();
  return model;
}

int32_t DefaultVocabSize() {
  wisp_model_config config{};
  config.struct_size = sizeof(config);
  Check(wisp_model_get_config(DefaultModel(), &config));
  return config.vocab_size;
}

void Check(wisp_status status) {
  if (status != WISP_OK && wisp_last_error()[0] == '\0') {
    Fail("a failed call left no error message");
  }
}

}  // namespace wisp::fuzz
