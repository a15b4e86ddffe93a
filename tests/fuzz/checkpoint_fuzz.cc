// Fuzzes wisp_trainer_resume: the input is the metadata of a training
// checkpoint of the default model (sealed with valid checksums, as in
// model_file_fuzz), restored into a trainer that then takes a step. A
// checkpoint that restores must leave a trainer that trains (or reports a
// non-finite gradient) and whose step count is the checkpoint's.
#include <string>

#include "tests/fuzz/capi_support.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/metadata_mutator.h"
#include "tests/fuzz/sealed_wisp_file.h"
#include "wisp/wisp.h"

namespace wisp::fuzz {
namespace {

wisp_trainer* DefaultTrainer() {
  static wisp_trainer* trainer = [] {  // kept until the process exits
    wisp_trainer_params params = wisp_trainer_default_params();
    params.batch_size = 2;
    params.seq_len = 16;
    wisp_trainer* t = nullptr;
    static const char kText[] =
        "Once upon a time, there was a little girl named Lily. She liked to "
        "play outside in the sun. One day she saw a big red ball.";
    if (wisp_trainer_create(DefaultModel(), &params, &t) != WISP_OK ||
        wisp_trainer_set_data_text(t, kText, sizeof(kText) - 1) != WISP_OK) {
      Fail(std::string("trainer: ") + wisp_last_error());
    }
    return t;
  }();
  return trainer;
}

}  // namespace
}  // namespace wisp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp::fuzz;
  wisp_trainer* trainer = DefaultTrainer();
  const std::string file = SealWispFile(data, size, true);
  const std::string path = ScratchPath("checkpoint.wisp");
  if (!WriteScratchFile(path, file.data(), file.size())) return 0;
  int64_t before = 0;
  wisp_trainer_get_step(trainer, &before);
  if (wisp_trainer_resume(trainer, path.c_str()) != WISP_OK) {
    const std::string error = wisp_last_error();
    if (error.empty()) Fail("failed resume without a message");
    int64_t after = 0;
    wisp_trainer_get_step(trainer, &after);
    if (after != before) Fail("a failed resume changed the trainer");
    Note("resume: " + error);
    return 0;
  }
  Note("resumed");
  wisp_step_info info{};
  info.struct_size = sizeof(info);
  const wisp_status status = wisp_trainer_step(trainer, &info);
  if (status != WISP_OK && status != WISP_ERR_INTERNAL) {
    Fail(std::string("step after resume: ") + wisp_last_error());
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  return wisp::fuzz::MutateMetadataInput(data, size, max_size, seed);
}
