// C entry points for fine-tuning and evaluation.
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "capi/handles.h"
#include "src/train/evaluate.h"

using wisp::capi::Fail;
using wisp::capi::Guarded;
using wisp::capi::Ok;

namespace {

wisp_status FromStatus(const absl::Status& status) {
  return status.ok() ? Ok() : Fail(status);
}

wisp_status CheckTrainer(const wisp_trainer* trainer) {
  return trainer ? WISP_OK : Fail(WISP_ERR_INVALID_ARGUMENT, "trainer is NULL");
}

void FillStepInfo(const wisp::StepResult& r, wisp_step_info* out) {
  wisp_step_info info = {};
  info.struct_size = out->struct_size;
  info.step = static_cast<int64_t>(r.step);
  info.loss = r.loss;
  info.learning_rate = r.lr;
  info.grad_norm = r.grad_norm;
  info.tokens = static_cast<int64_t>(r.tokens);
  const size_t n =
      out->struct_size < sizeof(info) ? out->struct_size : sizeof(info);
  std::memcpy(out, &info, n);
}

wisp_status ToObjective(int32_t value, wisp::Objective* out) {
  if (value < WISP_OBJECTIVE_CAUSAL || value > WISP_OBJECTIVE_PREFIX) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "unknown objective");
  }
  *out = static_cast<wisp::Objective>(value);
  return WISP_OK;
}

}  // namespace

extern "C" {

wisp_eval_params wisp_eval_default_params(void) {
  wisp_eval_params params = {};
  params.struct_size = sizeof(params);
  params.seq_len = 256;
  params.batch_size = 8;
  params.n_threads = 1;
  params.objective = WISP_OBJECTIVE_CAUSAL;
  params.mask_token = -1;
  params.prefix_separator = nullptr;
  return params;
}

wisp_status wisp_model_evaluate(const wisp_model* model, const char* text,
                                size_t text_len, const wisp_eval_params* params,
                                float* out_loss) {
  return Guarded([&] {
    if (model == nullptr || out_loss == nullptr ||
        (text == nullptr && text_len > 0)) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "model, text or out_loss is NULL");
    }
    wisp_eval_params p;
    wisp_status s = wisp::capi::ReadParams(params, wisp_eval_default_params(),
                                           &p, "wisp_eval_params");
    if (s != WISP_OK) return s;
    if (p.seq_len < 1 || p.batch_size < 1 || p.n_threads < 1) {
      return Fail(WISP_ERR_INVALID_ARGUMENT,
                  "seq_len, batch_size and n_threads must be positive");
    }
    wisp::EvalOptions options;
    options.seq_len =
        std::min<size_t>(p.seq_len, model->model->config().max_seq_len);
    options.batch_size = static_cast<size_t>(p.batch_size);
    options.num_threads = static_cast<size_t>(p.n_threads);
    s = ToObjective(p.objective, &options.objective);
    if (s != WISP_OK) return s;
    options.mask_token = p.mask_token;
    if (p.prefix_separator) options.prefix_separator = p.prefix_separator;
    auto loss = wisp::EvaluateText(
        *model->model, std::string_view(text ? text : "", text_len), options);
    if (!loss.ok()) return Fail(loss.status());
    if (loss->count == 0) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "no tokens to evaluate");
    }
    *out_loss = static_cast<float>(loss->sum / loss->count);
    return Ok();
  });
}

wisp_trainer_params wisp_trainer_default_params(void) {
  const wisp::TrainOptions d;
  wisp_trainer_params p = {};
  p.struct_size = sizeof(p);
  p.learning_rate = d.learning_rate;
  p.lr_schedule = static_cast<int32_t>(d.schedule);
  p.warmup_steps = static_cast<int32_t>(d.warmup_steps);
  p.total_steps = static_cast<int32_t>(d.total_steps);
  p.min_lr_ratio = d.min_lr_ratio;
  p.batch_size = static_cast<int32_t>(d.batch_size);
  p.seq_len = static_cast<int32_t>(d.seq_len);
  p.grad_accum = static_cast<int32_t>(d.grad_accum);
  p.weight_decay = d.weight_decay;
  p.beta1 = d.beta1;
  p.beta2 = d.beta2;
  p.eps = d.eps;
  p.grad_clip = d.grad_clip;
  p.seed = d.seed;
  p.n_threads = static_cast<int32_t>(d.num_threads);
  p.eval_fraction = d.eval_fraction;
  p.objective = static_cast<int32_t>(d.objective);
  p.mask_probability = d.mask_probability;
  p.mask_token = d.mask_token;
  p.prefix_separator = nullptr;
  return p;
}

wisp_status wisp_trainer_create(const wisp_model* model,
                                const wisp_trainer_params* params,
                                wisp_trainer** out_trainer) {
  return Guarded([&] {
    if (model == nullptr || out_trainer == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "model or out_trainer is NULL");
    }
    wisp_trainer_params p;
    wisp_status s = wisp::capi::ReadParams(
        params, wisp_trainer_default_params(), &p, "wisp_trainer_params");
    if (s != WISP_OK) return s;
    for (int32_t value : {p.warmup_steps, p.total_steps, p.batch_size,
                          p.seq_len, p.grad_accum, p.n_threads}) {
      if (value < 0) {
        return Fail(WISP_ERR_INVALID_ARGUMENT,
                    "trainer params: negative step, batch, length or thread "
                    "count");
      }
    }
    if (p.lr_schedule != WISP_LR_CONSTANT && p.lr_schedule != WISP_LR_COSINE) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "unknown lr_schedule");
    }
    wisp::TrainOptions o;
    o.learning_rate = p.learning_rate;
    o.schedule = static_cast<wisp::LrSchedule>(p.lr_schedule);
    o.warmup_steps = static_cast<size_t>(p.warmup_steps);
    o.total_steps = static_cast<size_t>(p.total_steps);
    o.min_lr_ratio = p.min_lr_ratio;
    o.batch_size = static_cast<size_t>(p.batch_size);
    o.seq_len = static_cast<size_t>(p.seq_len);
    o.grad_accum = static_cast<size_t>(p.grad_accum);
    o.weight_decay = p.weight_decay;
    o.beta1 = p.beta1;
    o.beta2 = p.beta2;
    o.eps = p.eps;
    o.grad_clip = p.grad_clip;
    o.seed = p.seed;
    o.num_threads = static_cast<size_t>(p.n_threads);
    o.eval_fraction = p.eval_fraction;
    s = ToObjective(p.objective, &o.objective);
    if (s != WISP_OK) return s;
    o.mask_probability = p.mask_probability;
    o.mask_token = p.mask_token;
    if (p.prefix_separator) o.prefix_separator = p.prefix_separator;
    auto trainer = wisp::Trainer::Create(*model->model, o);
    if (!trainer.ok()) return Fail(trainer.status());
    *out_trainer = new wisp_trainer{std::move(*trainer)};
    return Ok();
  });
}

void wisp_trainer_free(wisp_trainer* trainer) { delete trainer; }

wisp_status wisp_trainer_set_data_text(wisp_trainer* trainer, const char* text,
                                       size_t text_len) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (text == nullptr && text_len > 0) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "text is NULL");
    }
    return FromStatus(trainer->trainer->SetDataText(
        std::string_view(text ? text : "", text_len)));
  });
}

wisp_status wisp_trainer_set_data_ids(wisp_trainer* trainer, const int32_t* ids,
                                      size_t n_ids) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (ids == nullptr && n_ids > 0) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "ids is NULL");
    }
    return FromStatus(
        trainer->trainer->SetData(std::vector<int32_t>(ids, ids + n_ids)));
  });
}

wisp_status wisp_trainer_step(wisp_trainer* trainer, wisp_step_info* out_info) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (out_info != nullptr && out_info->struct_size < sizeof(size_t) + 8) {
      return Fail(WISP_ERR_INVALID_ARGUMENT,
                  "out_info->struct_size must be sizeof(wisp_step_info)");
    }
    auto result = trainer->trainer->Step();
    if (!result.ok()) return Fail(result.status());
    if (out_info != nullptr) FillStepInfo(*result, out_info);
    return Ok();
  });
}

wisp_status wisp_trainer_train(wisp_trainer* trainer, size_t n_steps,
                               wisp_train_callback callback, void* user_data) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    for (size_t i = 0; i < n_steps; ++i) {
      auto result = trainer->trainer->Step();
      if (!result.ok()) return Fail(result.status());
      if (callback != nullptr) {
        wisp_step_info info = {};
        info.struct_size = sizeof(info);
        FillStepInfo(*result, &info);
        if (callback(&info, user_data) != 0) {
          return Fail(WISP_ERR_CANCELLED,
                      absl::StrCat("training cancelled by the callback after "
                                   "step ",
                                   result->step));
        }
      }
    }
    return Ok();
  });
}

wisp_status wisp_trainer_evaluate(wisp_trainer* trainer, float* out_loss) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (out_loss == nullptr) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "out_loss is NULL");
    }
    auto loss = trainer->trainer->EvaluateHeldOut();
    if (!loss.ok()) return Fail(loss.status());
    *out_loss = *loss;
    return Ok();
  });
}

wisp_status wisp_trainer_evaluate_text(wisp_trainer* trainer, const char* text,
                                       size_t text_len, float* out_loss) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (out_loss == nullptr || (text == nullptr && text_len > 0)) {
      return Fail(WISP_ERR_INVALID_ARGUMENT, "text or out_loss is NULL");
    }
    auto loss = trainer->trainer->EvaluateText(
        std::string_view(text ? text : "", text_len));
    if (!loss.ok()) return Fail(loss.status());
    *out_loss = *loss;
    return Ok();
  });
}

wisp_status wisp_trainer_get_step(const wisp_trainer* trainer,
                                  int64_t* out_step) {
  wisp_status s = CheckTrainer(trainer);
  if (s != WISP_OK) return s;
  if (out_step == nullptr) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "out_step is NULL");
  }
  *out_step = static_cast<int64_t>(trainer->trainer->step());
  return Ok();
}

wisp_status wisp_trainer_threads(const wisp_trainer* trainer,
                                 int32_t* out_threads) {
  wisp_status s = CheckTrainer(trainer);
  if (s != WISP_OK) return s;
  if (out_threads == nullptr) {
    return Fail(WISP_ERR_INVALID_ARGUMENT, "out_threads is NULL");
  }
  *out_threads = static_cast<int32_t>(trainer->trainer->threads());
  return Ok();
}

wisp_status wisp_trainer_save_checkpoint(const wisp_trainer* trainer,
                                         const char* path) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (path == nullptr) return Fail(WISP_ERR_INVALID_ARGUMENT, "path is NULL");
    return FromStatus(trainer->trainer->SaveCheckpoint(path));
  });
}

wisp_status wisp_trainer_resume(wisp_trainer* trainer, const char* path) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (path == nullptr) return Fail(WISP_ERR_INVALID_ARGUMENT, "path is NULL");
    return FromStatus(trainer->trainer->LoadCheckpoint(path));
  });
}

wisp_status wisp_trainer_export_model(const wisp_trainer* trainer,
                                      const char* path) {
  return Guarded([&] {
    wisp_status s = CheckTrainer(trainer);
    if (s != WISP_OK) return s;
    if (path == nullptr) return Fail(WISP_ERR_INVALID_ARGUMENT, "path is NULL");
    return FromStatus(trainer->trainer->ExportModel(path));
  });
}

}  // extern "C"
