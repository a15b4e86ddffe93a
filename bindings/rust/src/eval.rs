//! Training objectives and the parameters of evaluating a model on a text.
use std::ffi::CString;

use crate::error::Result;
use crate::ffi_util::c_string;
use crate::sys;

/// What a model is trained or evaluated to predict (wisp_objective).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// The next token, causal attention.
    Causal,
    /// BERT's masked LM, bidirectional attention.
    Masked,
    /// Bidirectional over a prefix, causal after it; loss after the prefix.
    Prefix,
}

impl Objective {
    pub(crate) fn to_raw(self) -> i32 {
        match self {
            Objective::Causal => sys::WISP_OBJECTIVE_CAUSAL,
            Objective::Masked => sys::WISP_OBJECTIVE_MASKED,
            Objective::Prefix => sys::WISP_OBJECTIVE_PREFIX,
        }
    }

    /// Unknown values (a newer library's defaults) read as Causal.
    pub(crate) fn from_raw(raw: i32) -> Self {
        match raw {
            sys::WISP_OBJECTIVE_MASKED => Objective::Masked,
            sys::WISP_OBJECTIVE_PREFIX => Objective::Prefix,
            _ => Objective::Causal,
        }
    }
}

/// A mask token of None means the library's choice (-1 in C).
pub(crate) fn raw_mask_token(token: Option<i32>) -> i32 {
    token.unwrap_or(-1)
}

pub(crate) fn mask_token_from_raw(raw: i32) -> Option<i32> {
    (raw >= 0).then_some(raw)
}

/// The prefix separator as a C string kept alive for a call (None: NULL).
pub(crate) fn c_separator(separator: &Option<String>) -> Result<Option<CString>> {
    separator
        .as_deref()
        .map(|s| c_string(s, "the prefix separator"))
        .transpose()
}

/// How `Model::evaluate` cuts and scores a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalParams {
    /// Tokens per window (capped at the model's max_seq_len).
    pub seq_len: i32,
    /// Windows per forward pass.
    pub batch_size: i32,
    /// Threads, including the caller's.
    pub n_threads: i32,
    /// Which loss to measure.
    pub objective: Objective,
    /// Masked LM's mask token; None: the tokenizer's [MASK], else its
    /// end-of-text token.
    pub mask_token: Option<i32>,
    /// Prefix LM: each line holding this separator is one example whose
    /// prefix ends with it; None: a seeded random prefix per window.
    pub prefix_separator: Option<String>,
}

impl Default for EvalParams {
    fn default() -> Self {
        // SAFETY: returns a struct by value, no preconditions.
        let raw = unsafe { sys::wisp_eval_default_params() };
        EvalParams {
            seq_len: raw.seq_len,
            batch_size: raw.batch_size,
            n_threads: raw.n_threads,
            objective: Objective::from_raw(raw.objective),
            mask_token: mask_token_from_raw(raw.mask_token),
            prefix_separator: None,
        }
    }
}

impl EvalParams {
    /// The C struct; `separator` must outlive its use.
    pub(crate) fn to_raw(&self, separator: &Option<CString>) -> sys::wisp_eval_params {
        // SAFETY: as in default(); struct_size comes filled in.
        let mut raw = unsafe { sys::wisp_eval_default_params() };
        raw.seq_len = self.seq_len;
        raw.batch_size = self.batch_size;
        raw.n_threads = self.n_threads;
        raw.objective = self.objective.to_raw();
        raw.mask_token = raw_mask_token(self.mask_token);
        raw.prefix_separator = separator.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        raw
    }
}
