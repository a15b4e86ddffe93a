//! Parameters of loading, sessions and sampling. Defaults come from the
//! library's wisp_*_default_params(), so they cannot drift from C's.
use crate::sys;

/// How a model file is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelParams {
    /// Check every tensor's CRC-32C at load (reads the whole file once).
    pub verify_checksums: bool,
}

impl Default for ModelParams {
    fn default() -> Self {
        // SAFETY: returns a struct by value, no preconditions.
        let raw = unsafe { sys::wisp_model_default_params() };
        ModelParams {
            verify_checksums: raw.verify_checksums != 0,
        }
    }
}

impl ModelParams {
    pub(crate) fn to_raw(self) -> sys::wisp_model_params {
        // SAFETY: as in default(); struct_size comes filled in.
        let mut raw = unsafe { sys::wisp_model_default_params() };
        raw.verify_checksums = self.verify_checksums.into();
        raw
    }
}

/// How a session computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionParams {
    /// Threads computing for the session, including the caller's (1..=1024).
    pub n_threads: i32,
    /// Tokens the context holds; 0 means the model's max_seq_len.
    pub context_length: i32,
}

impl Default for SessionParams {
    fn default() -> Self {
        // SAFETY: returns a struct by value, no preconditions.
        let raw = unsafe { sys::wisp_session_default_params() };
        SessionParams {
            n_threads: raw.n_threads,
            context_length: raw.context_length,
        }
    }
}

impl SessionParams {
    pub(crate) fn to_raw(self) -> sys::wisp_session_params {
        // SAFETY: as in default(); struct_size comes filled in.
        let mut raw = unsafe { sys::wisp_session_default_params() };
        raw.n_threads = self.n_threads;
        raw.context_length = self.context_length;
        raw
    }
}

/// How the next token is chosen from the logits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SamplerParams {
    /// 0 or less: greedy (argmax).
    pub temperature: f32,
    /// 0 or less: no top-k cut.
    pub top_k: i32,
    /// 1 or more: no nucleus cut.
    pub top_p: f32,
    /// 1: off; above 1 discourages repeats.
    pub repetition_penalty: f32,
    /// Tokens the repetition penalty looks back.
    pub repetition_last_n: i32,
    /// Same seed, same model, same output.
    pub seed: u64,
}

impl Default for SamplerParams {
    fn default() -> Self {
        // SAFETY: returns a struct by value, no preconditions.
        let raw = unsafe { sys::wisp_sampler_default_params() };
        SamplerParams {
            temperature: raw.temperature,
            top_k: raw.top_k,
            top_p: raw.top_p,
            repetition_penalty: raw.repetition_penalty,
            repetition_last_n: raw.repetition_last_n,
            seed: raw.seed,
        }
    }
}

impl SamplerParams {
    /// Greedy decoding: always the most likely token.
    pub fn greedy() -> Self {
        SamplerParams {
            temperature: 0.0,
            ..Self::default()
        }
    }

    pub(crate) fn to_raw(self) -> sys::wisp_sampler_params {
        // SAFETY: as in default(); struct_size comes filled in.
        let mut raw = unsafe { sys::wisp_sampler_default_params() };
        raw.temperature = self.temperature;
        raw.top_k = self.top_k;
        raw.top_p = self.top_p;
        raw.repetition_penalty = self.repetition_penalty;
        raw.repetition_last_n = self.repetition_last_n;
        raw.seed = self.seed;
        raw
    }
}
