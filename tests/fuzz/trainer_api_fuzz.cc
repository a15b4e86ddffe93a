// Fuzzes training through the C API on the default model: the input's
// bytes choose the trainer's parameters (any float bit pattern, invalid
// counts, every objective, prefix separators) and then a sequence of calls
// (data as text or ids, steps, evaluation, checkpoints saved and resumed,
// export, and wisp_model_evaluate). Batch and sequence sizes are small or
// plainly invalid, never large and valid: a valid 4096 x 512 batch is a
// legitimate multi-gigabyte request, not a bug. Checks, besides "no crash":
// every error has a message, a resumed checkpoint continues at its step, an
// exported model loads.
#include <cstring>
#include <string>
#include <vector>

#include "tests/fuzz/capi_support.h"
#include "tests/fuzz/fuzz_support.h"
#include "wisp/wisp.h"

namespace wisp::fuzz {
namespace {

// A small count, or now and then one no run could use.
int32_t SmallOrInvalid(ByteReader& in, int32_t small_max) {
  const uint8_t b = in.U8();
  if ((b & 7) != 0) return 1 + b % small_max;
  const int32_t invalid[] = {0, -1, 4097, 1 << 30, INT32_MIN};
  return invalid[(b >> 3) % 5];
}

std::string ReadText(ByteReader& in, size_t max_len) {
  std::string text(in.U8() % max_len, '\0');
  for (char& c : text) c = static_cast<char>(in.U8());
  return text;
}

wisp_trainer_params ReadParams(ByteReader& in, std::string* separator) {
  wisp_trainer_params p = wisp_trainer_default_params();
  p.batch_size = SmallOrInvalid(in, 3);
  p.seq_len = SmallOrInvalid(in, 24);
  p.grad_accum = SmallOrInvalid(in, 2);
  p.n_threads = SmallOrInvalid(in, 2);
  p.objective = in.U8() % 4;
  const uint32_t raw = in.U32();  // which fields take raw bits
  float* floats[] = {&p.learning_rate, &p.min_lr_ratio,  &p.weight_decay,
                     &p.beta1,         &p.beta2,         &p.eps,
                     &p.grad_clip,     &p.eval_fraction, &p.mask_probability};
  for (size_t i = 0; i < std::size(floats); ++i) {
    if (raw & (1u << i)) *floats[i] = in.F32();
  }
  if (raw & (1u << 10)) p.lr_schedule = static_cast<int32_t>(in.U32());
  if (raw & (1u << 11)) p.warmup_steps = static_cast<int32_t>(in.U32());
  if (raw & (1u << 12)) p.total_steps = static_cast<int32_t>(in.U32());
  if (raw & (1u << 13)) p.mask_token = static_cast<int32_t>(in.U32());
  if (raw & (1u << 14)) p.seed = in.U32();
  if (raw & (1u << 15)) {
    *separator = ReadText(in, 4);
    p.prefix_separator = separator->c_str();
  }
  return p;
}

void RunCalls(ByteReader& in, wisp_trainer* trainer, int32_t vocab) {
  for (int call = 0; call < 12 && !in.empty(); ++call) {
    switch (in.U8() % 9) {
      case 0: {
        const std::string text = ReadText(in, 200);
        Check(wisp_trainer_set_data_text(trainer, text.data(), text.size()));
        break;
      }
      case 1: {
        std::vector<int32_t> ids(in.U8() % 64);
        for (int32_t& id : ids) {
          const uint32_t raw = in.U32();
          id = (raw & 0xf) != 0 ? static_cast<int32_t>((raw >> 4) % vocab)
                                : static_cast<int32_t>(raw);
        }
        Check(wisp_trainer_set_data_ids(trainer, ids.data(), ids.size()));
        break;
      }
      case 2:
      case 3: {
        wisp_step_info info{};
        info.struct_size = sizeof(info);
        Check(wisp_trainer_step(trainer, &info));
        break;
      }
      case 4: {
        float loss = 0.0f;
        Check(wisp_trainer_evaluate(trainer, &loss));
        const std::string text = ReadText(in, 64);
        Check(wisp_trainer_evaluate_text(trainer, text.data(), text.size(),
                                         &loss));
        break;
      }
      case 5: {  // checkpoint round trip
        const std::string path = ScratchPath("checkpoint.wisp");
        int64_t saved_step = 0, resumed_step = -1;
        Check(wisp_trainer_get_step(trainer, &saved_step));
        const wisp_status saved =
            wisp_trainer_save_checkpoint(trainer, path.c_str());
        Check(saved);
        const wisp_status resumed = wisp_trainer_resume(trainer, path.c_str());
        Check(resumed);
        Check(wisp_trainer_get_step(trainer, &resumed_step));
        if (saved == WISP_OK && resumed == WISP_OK &&
            resumed_step != saved_step) {
          Fail("a resumed checkpoint is at another step");
        }
        break;
      }
      case 6: {
        const std::string path = ScratchPath("exported.wisp");
        const wisp_status exported =
            wisp_trainer_export_model(trainer, path.c_str());
        Check(exported);
        if (exported == WISP_OK) {
          wisp_model* model = nullptr;
          if (wisp_model_load(path.c_str(), nullptr, &model) != WISP_OK) {
            Fail(std::string("an exported model does not load: ") +
                 wisp_last_error());
          }
          wisp_model_free(model);
        }
        break;
      }
      case 7: {
        wisp_eval_params p = wisp_eval_default_params();
        p.seq_len = SmallOrInvalid(in, 24);
        p.batch_size = SmallOrInvalid(in, 3);
        p.objective = in.U8() % 4;
        p.mask_token = static_cast<int32_t>(in.U8()) - 2;
        const std::string text = ReadText(in, 100);
        float loss = 0.0f;
        Check(wisp_model_evaluate(DefaultModel(), text.data(), text.size(), &p,
                                  &loss));
        break;
      }
      default: {
        size_t steps = in.U8() % 3;
        Check(wisp_trainer_train(trainer, steps, nullptr, nullptr));
      }
    }
  }
}

}  // namespace
}  // namespace wisp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp::fuzz;
  const wisp_model* model = DefaultModel();

  ByteReader in(data, size);
  std::string separator;
  const wisp_trainer_params params = ReadParams(in, &separator);
  wisp_trainer* trainer = nullptr;
  const wisp_status created = wisp_trainer_create(model, &params, &trainer);
  Check(created);
  if (created != WISP_OK) {
    if (trainer != nullptr) Fail("a failed create returned a trainer");
    Note(std::string("create: ") + wisp_last_error());
    return 0;
  }
  Note("created");
  int32_t threads = 0;
  Check(wisp_trainer_threads(trainer, &threads));
  if (threads < 1 || threads > params.n_threads) {
    Fail("trainer threads outside 1..n_threads");
  }
  RunCalls(in, trainer, DefaultVocabSize());
  wisp_trainer_free(trainer);
  return 0;
}
