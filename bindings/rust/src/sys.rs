//! Raw declarations of include/wisp/wisp.h, one item per C item, same names.
//!
//! tools/check_header.py compares this file with the header (CTest
//! `rust_header_check`), so keep it a plain transcription: C enums are
//! `c_int` type aliases with one constant per value, structs are `#[repr(C)]`
//! with the header's field order, callbacks are nullable function pointers.
#![allow(non_camel_case_types, missing_docs)]

use std::os::raw::{c_char, c_int, c_void};

pub const WISP_API_VERSION_MAJOR: c_int = 0;
pub const WISP_API_VERSION_MINOR: c_int = 4;
pub const WISP_API_VERSION: c_int = (WISP_API_VERSION_MAJOR << 16) | WISP_API_VERSION_MINOR;

pub type wisp_status = c_int;
pub const WISP_OK: wisp_status = 0;
pub const WISP_ERR_INVALID_ARGUMENT: wisp_status = 1;
pub const WISP_ERR_NOT_FOUND: wisp_status = 2;
pub const WISP_ERR_CORRUPT: wisp_status = 3;
pub const WISP_ERR_UNSUPPORTED: wisp_status = 4;
pub const WISP_ERR_OUT_OF_RANGE: wisp_status = 5;
pub const WISP_ERR_BUFFER_TOO_SMALL: wisp_status = 6;
pub const WISP_ERR_CANCELLED: wisp_status = 7;
pub const WISP_ERR_OUT_OF_MEMORY: wisp_status = 8;
pub const WISP_ERR_IO: wisp_status = 9;
pub const WISP_ERR_INTERNAL: wisp_status = 10;
pub const WISP_ERR_MISMATCH: wisp_status = 11;

#[repr(C)]
pub struct wisp_model {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wisp_model_params {
    pub struct_size: usize,
    pub verify_checksums: c_int,
}

pub type wisp_norm_kind = c_int;
pub const WISP_NORM_RMS: wisp_norm_kind = 0;
pub const WISP_NORM_LAYER: wisp_norm_kind = 1;

pub type wisp_position_kind = c_int;
pub const WISP_POSITIONS_ROTARY: wisp_position_kind = 0;
pub const WISP_POSITIONS_LEARNED: wisp_position_kind = 1;

pub type wisp_mlp_kind = c_int;
pub const WISP_MLP_SWIGLU: wisp_mlp_kind = 0;
pub const WISP_MLP_GELU_TANH: wisp_mlp_kind = 1;
pub const WISP_MLP_GELU_ERF: wisp_mlp_kind = 2;

pub type wisp_mask_kind = c_int;
pub const WISP_MASK_CAUSAL: wisp_mask_kind = 0;
pub const WISP_MASK_BIDIRECTIONAL: wisp_mask_kind = 1;
pub const WISP_MASK_PREFIX: wisp_mask_kind = 2;

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wisp_model_config {
    pub struct_size: usize,
    pub dim: i32,
    pub hidden_dim: i32,
    pub n_layers: i32,
    pub n_heads: i32,
    pub n_kv_heads: i32,
    pub vocab_size: i32,
    pub max_seq_len: i32,
    pub norm_eps: f32,
    pub rope_theta: f32,
    pub norm: i32,
    pub positions: i32,
    pub mlp: i32,
    pub mask: i32,
    pub tied_embeddings: i32,
    pub bos_id: i32,
    pub eos_id: i32,
}

#[repr(C)]
pub struct wisp_session {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wisp_session_params {
    pub struct_size: usize,
    pub n_threads: i32,
    pub context_length: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wisp_sampler_params {
    pub struct_size: usize,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub repetition_penalty: f32,
    pub repetition_last_n: i32,
    pub seed: u64,
}

pub type wisp_token_callback = Option<
    unsafe extern "C" fn(
        token: i32,
        text: *const c_char,
        text_len: usize,
        user_data: *mut c_void,
    ) -> c_int,
>;

pub type wisp_stop_reason = c_int;
pub const WISP_STOP_MAX_TOKENS: wisp_stop_reason = 0;
pub const WISP_STOP_END_OF_TEXT: wisp_stop_reason = 1;
pub const WISP_STOP_CONTEXT_FULL: wisp_stop_reason = 2;
pub const WISP_STOP_CALLBACK: wisp_stop_reason = 3;

pub type wisp_objective = c_int;
pub const WISP_OBJECTIVE_CAUSAL: wisp_objective = 0;
pub const WISP_OBJECTIVE_MASKED: wisp_objective = 1;
pub const WISP_OBJECTIVE_PREFIX: wisp_objective = 2;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wisp_eval_params {
    pub struct_size: usize,
    pub seq_len: i32,
    pub batch_size: i32,
    pub n_threads: i32,
    pub objective: i32,
    pub mask_token: i32,
    pub prefix_separator: *const c_char,
}

#[repr(C)]
pub struct wisp_trainer {
    _opaque: [u8; 0],
}

pub type wisp_lr_schedule = c_int;
pub const WISP_LR_CONSTANT: wisp_lr_schedule = 0;
pub const WISP_LR_COSINE: wisp_lr_schedule = 1;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wisp_trainer_params {
    pub struct_size: usize,
    pub learning_rate: f32,
    pub lr_schedule: i32,
    pub warmup_steps: i32,
    pub total_steps: i32,
    pub min_lr_ratio: f32,
    pub batch_size: i32,
    pub seq_len: i32,
    pub grad_accum: i32,
    pub weight_decay: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub grad_clip: f32,
    pub seed: u64,
    pub n_threads: i32,
    pub eval_fraction: f32,
    pub objective: i32,
    pub mask_probability: f32,
    pub mask_token: i32,
    pub prefix_separator: *const c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wisp_step_info {
    pub struct_size: usize,
    pub step: i64,
    pub loss: f32,
    pub learning_rate: f32,
    pub grad_norm: f32,
    pub tokens: i64,
}

pub type wisp_train_callback =
    Option<unsafe extern "C" fn(info: *const wisp_step_info, user_data: *mut c_void) -> c_int>;

#[link(name = "wisp")]
extern "C" {
    pub fn wisp_version() -> *const c_char;
    pub fn wisp_api_version() -> c_int;
    pub fn wisp_last_error() -> *const c_char;
    pub fn wisp_status_name(status: wisp_status) -> *const c_char;

    pub fn wisp_model_default_params() -> wisp_model_params;
    pub fn wisp_model_load(
        path: *const c_char,
        params: *const wisp_model_params,
        out_model: *mut *mut wisp_model,
    ) -> wisp_status;
    pub fn wisp_model_free(model: *mut wisp_model);
    pub fn wisp_model_set_exact_bf16_products(model: *mut wisp_model, exact: c_int) -> wisp_status;
    pub fn wisp_model_exact_bf16_products(model: *const wisp_model) -> c_int;
    pub fn wisp_model_get_config(
        model: *const wisp_model,
        out_config: *mut wisp_model_config,
    ) -> wisp_status;

    pub fn wisp_tokenize(
        model: *const wisp_model,
        text: *const c_char,
        text_len: usize,
        add_bos: c_int,
        ids: *mut i32,
        capacity: usize,
        out_n_ids: *mut usize,
    ) -> wisp_status;
    pub fn wisp_detokenize(
        model: *const wisp_model,
        ids: *const i32,
        n_ids: usize,
        text: *mut c_char,
        capacity: usize,
        out_len: *mut usize,
    ) -> wisp_status;
    pub fn wisp_token_to_text(
        model: *const wisp_model,
        prev_token: i32,
        token: i32,
        text: *mut c_char,
        capacity: usize,
        out_len: *mut usize,
    ) -> wisp_status;

    pub fn wisp_session_default_params() -> wisp_session_params;
    pub fn wisp_session_create(
        model: *const wisp_model,
        params: *const wisp_session_params,
        out_session: *mut *mut wisp_session,
    ) -> wisp_status;
    pub fn wisp_session_free(session: *mut wisp_session);
    pub fn wisp_session_reset(session: *mut wisp_session) -> wisp_status;
    pub fn wisp_session_position(
        session: *const wisp_session,
        out_position: *mut usize,
    ) -> wisp_status;
    pub fn wisp_session_threads(session: *const wisp_session, out_threads: *mut i32)
        -> wisp_status;
    pub fn wisp_session_feed(
        session: *mut wisp_session,
        ids: *const i32,
        n_ids: usize,
        logits: *mut f32,
        logits_capacity: usize,
    ) -> wisp_status;
    pub fn wisp_session_logits(
        session: *const wisp_session,
        logits: *mut f32,
        capacity: usize,
        out_n: *mut usize,
    ) -> wisp_status;
    pub fn wisp_sampler_default_params() -> wisp_sampler_params;
    pub fn wisp_session_sample(
        session: *mut wisp_session,
        params: *const wisp_sampler_params,
        out_token: *mut i32,
    ) -> wisp_status;
    pub fn wisp_session_generate(
        session: *mut wisp_session,
        params: *const wisp_sampler_params,
        max_tokens: usize,
        callback: wisp_token_callback,
        user_data: *mut c_void,
        out_n_generated: *mut usize,
        out_reason: *mut wisp_stop_reason,
    ) -> wisp_status;
    pub fn wisp_session_set_sampler(
        session: *mut wisp_session,
        params: *const wisp_sampler_params,
    ) -> wisp_status;
    pub fn wisp_session_continue(
        session: *mut wisp_session,
        max_tokens: usize,
        callback: wisp_token_callback,
        user_data: *mut c_void,
        out_n_generated: *mut usize,
        out_reason: *mut wisp_stop_reason,
    ) -> wisp_status;
    pub fn wisp_session_save_state(
        session: *const wisp_session,
        buffer: *mut c_void,
        capacity: usize,
        out_size: *mut usize,
    ) -> wisp_status;
    pub fn wisp_session_load_state(
        session: *mut wisp_session,
        data: *const c_void,
        size: usize,
    ) -> wisp_status;

    pub fn wisp_eval_default_params() -> wisp_eval_params;
    pub fn wisp_model_evaluate(
        model: *const wisp_model,
        text: *const c_char,
        text_len: usize,
        params: *const wisp_eval_params,
        out_loss: *mut f32,
    ) -> wisp_status;

    pub fn wisp_trainer_default_params() -> wisp_trainer_params;
    pub fn wisp_trainer_create(
        model: *const wisp_model,
        params: *const wisp_trainer_params,
        out_trainer: *mut *mut wisp_trainer,
    ) -> wisp_status;
    pub fn wisp_trainer_free(trainer: *mut wisp_trainer);
    pub fn wisp_trainer_set_data_text(
        trainer: *mut wisp_trainer,
        text: *const c_char,
        text_len: usize,
    ) -> wisp_status;
    pub fn wisp_trainer_set_data_ids(
        trainer: *mut wisp_trainer,
        ids: *const i32,
        n_ids: usize,
    ) -> wisp_status;
    pub fn wisp_trainer_step(
        trainer: *mut wisp_trainer,
        out_info: *mut wisp_step_info,
    ) -> wisp_status;
    pub fn wisp_trainer_train(
        trainer: *mut wisp_trainer,
        n_steps: usize,
        callback: wisp_train_callback,
        user_data: *mut c_void,
    ) -> wisp_status;
    pub fn wisp_trainer_evaluate(trainer: *mut wisp_trainer, out_loss: *mut f32) -> wisp_status;
    pub fn wisp_trainer_evaluate_text(
        trainer: *mut wisp_trainer,
        text: *const c_char,
        text_len: usize,
        out_loss: *mut f32,
    ) -> wisp_status;
    pub fn wisp_trainer_get_step(trainer: *const wisp_trainer, out_step: *mut i64) -> wisp_status;
    pub fn wisp_trainer_threads(trainer: *const wisp_trainer, out_threads: *mut i32)
        -> wisp_status;
    pub fn wisp_trainer_save_checkpoint(
        trainer: *const wisp_trainer,
        path: *const c_char,
    ) -> wisp_status;
    pub fn wisp_trainer_resume(trainer: *mut wisp_trainer, path: *const c_char) -> wisp_status;
    pub fn wisp_trainer_export_model(
        trainer: *const wisp_trainer,
        path: *const c_char,
    ) -> wisp_status;
}
