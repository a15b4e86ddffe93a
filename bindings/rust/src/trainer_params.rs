//! Parameters of fine-tuning and the report of one optimizer step.
use std::ffi::CString;

use crate::eval::{mask_token_from_raw, raw_mask_token, Objective};
use crate::sys;

/// How the learning rate moves over the steps (wisp_lr_schedule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LrSchedule {
    /// The learning rate after warm-up.
    Constant,
    /// Cosine decay to min_lr_ratio * learning_rate over total_steps.
    Cosine,
}

/// How a `Trainer` fine-tunes (defaults from wisp_trainer_default_params).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerParams {
    /// Peak learning rate.
    pub learning_rate: f32,
    /// Schedule after warm-up.
    pub lr_schedule: LrSchedule,
    /// Linear warm-up steps.
    pub warmup_steps: i32,
    /// Steps the cosine spans; 0: constant after warm-up.
    pub total_steps: i32,
    /// Cosine floor as a fraction of the learning rate.
    pub min_lr_ratio: f32,
    /// Sequences per micro-batch.
    pub batch_size: i32,
    /// Tokens per sequence (at most the model's max_seq_len).
    pub seq_len: i32,
    /// Micro-batches per optimizer step.
    pub grad_accum: i32,
    /// AdamW decay on matrices (not norms).
    pub weight_decay: f32,
    /// AdamW beta1.
    pub beta1: f32,
    /// AdamW beta2.
    pub beta2: f32,
    /// AdamW epsilon.
    pub eps: f32,
    /// Maximum global gradient norm; 0: no clipping.
    pub grad_clip: f32,
    /// Seed of the data shuffling (and masking).
    pub seed: u64,
    /// Threads, including the caller's.
    pub n_threads: i32,
    /// Held-out tail of the data for `Trainer::evaluate`, 0..=0.5.
    pub eval_fraction: f32,
    /// What to learn.
    pub objective: Objective,
    /// Masked LM: share of positions chosen.
    pub mask_probability: f32,
    /// Masked LM's mask token; None: [MASK], else end-of-text.
    pub mask_token: Option<i32>,
    /// Prefix LM separator, as in `EvalParams`.
    pub prefix_separator: Option<String>,
}

impl Default for TrainerParams {
    fn default() -> Self {
        // SAFETY: returns a struct by value, no preconditions.
        let raw = unsafe { sys::wisp_trainer_default_params() };
        TrainerParams {
            learning_rate: raw.learning_rate,
            lr_schedule: if raw.lr_schedule == sys::WISP_LR_CONSTANT {
                LrSchedule::Constant
            } else {
                LrSchedule::Cosine
            },
            warmup_steps: raw.warmup_steps,
            total_steps: raw.total_steps,
            min_lr_ratio: raw.min_lr_ratio,
            batch_size: raw.batch_size,
            seq_len: raw.seq_len,
            grad_accum: raw.grad_accum,
            weight_decay: raw.weight_decay,
            beta1: raw.beta1,
            beta2: raw.beta2,
            eps: raw.eps,
            grad_clip: raw.grad_clip,
            seed: raw.seed,
            n_threads: raw.n_threads,
            eval_fraction: raw.eval_fraction,
            objective: Objective::from_raw(raw.objective),
            mask_probability: raw.mask_probability,
            mask_token: mask_token_from_raw(raw.mask_token),
            prefix_separator: None,
        }
    }
}

impl TrainerParams {
    /// The C struct; `separator` must outlive its use.
    pub(crate) fn to_raw(&self, separator: &Option<CString>) -> sys::wisp_trainer_params {
        // SAFETY: as in default(); struct_size comes filled in.
        let mut raw = unsafe { sys::wisp_trainer_default_params() };
        raw.learning_rate = self.learning_rate;
        raw.lr_schedule = match self.lr_schedule {
            LrSchedule::Constant => sys::WISP_LR_CONSTANT,
            LrSchedule::Cosine => sys::WISP_LR_COSINE,
        };
        raw.warmup_steps = self.warmup_steps;
        raw.total_steps = self.total_steps;
        raw.min_lr_ratio = self.min_lr_ratio;
        raw.batch_size = self.batch_size;
        raw.seq_len = self.seq_len;
        raw.grad_accum = self.grad_accum;
        raw.weight_decay = self.weight_decay;
        raw.beta1 = self.beta1;
        raw.beta2 = self.beta2;
        raw.eps = self.eps;
        raw.grad_clip = self.grad_clip;
        raw.seed = self.seed;
        raw.n_threads = self.n_threads;
        raw.eval_fraction = self.eval_fraction;
        raw.objective = self.objective.to_raw();
        raw.mask_probability = self.mask_probability;
        raw.mask_token = raw_mask_token(self.mask_token);
        raw.prefix_separator = separator.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        raw
    }
}

/// What one optimizer step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo {
    /// 1-based number of the step (counting steps before a resume).
    pub step: i64,
    /// Mean loss over the step's target tokens.
    pub loss: f32,
    /// Learning rate used.
    pub learning_rate: f32,
    /// Global gradient norm before clipping.
    pub grad_norm: f32,
    /// Target tokens in the step.
    pub tokens: i64,
}

impl StepInfo {
    pub(crate) fn empty_raw() -> sys::wisp_step_info {
        sys::wisp_step_info {
            struct_size: std::mem::size_of::<sys::wisp_step_info>(),
            ..Default::default()
        }
    }

    pub(crate) fn from_raw(raw: &sys::wisp_step_info) -> Self {
        StepInfo {
            step: raw.step,
            loss: raw.loss,
            learning_rate: raw.learning_rate,
            grad_norm: raw.grad_norm,
            tokens: raw.tokens,
        }
    }
}
