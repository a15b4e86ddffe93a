//! A session: a context (KV cache) on a shared model, fed and sampled from.
use std::ops::ControlFlow;
use std::os::raw::c_void;
use std::ptr::NonNull;

use crate::error::{check, Error, Result, Status};
use crate::ffi_util::ask_then_copy;
use crate::generation::{run_generation, Generation, TokenPiece};
use crate::model::Model;
use crate::params::{SamplerParams, SessionParams};
use crate::sys;

/// A context on a model: feed tokens, read logits, sample and generate.
///
/// `Send` but not `Sync`: the C API allows one thread at a time per session,
/// so a session can move to another thread but not be shared; `&mut self`
/// on every mutating call enforces the rest. It keeps its model alive.
///
/// ```no_run
/// use std::ops::ControlFlow;
/// let model = wisp::Model::load("stories260K.wisp")?;
/// let mut session = wisp::Session::new(&model)?;
/// session.feed(&model.tokenize("Once upon a time", true)?)?;
/// let mut text = wisp::Utf8Stream::new();
/// session.generate(&wisp::SamplerParams::greedy(), 40, |piece| {
///     print!("{}", text.push(piece.bytes));
///     ControlFlow::Continue(())
/// })?;
/// # Ok::<(), wisp::Error>(())
/// ```
///
/// ```compile_fail
/// fn shared<T: Sync>() {}
/// shared::<wisp::Session>(); // a session is not Sync
/// ```
pub struct Session {
    raw: NonNull<sys::wisp_session>,
    model: Model,
}

// SAFETY: a wisp_session may be used from any thread, one at a time; Session
// is not Sync, so two threads never reach it at once.
unsafe impl Send for Session {}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: the handle came from wisp_session_create; the model it uses
        // is kept alive by self.model until after this.
        unsafe { sys::wisp_session_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("raw", &self.raw).finish()
    }
}

impl Session {
    /// A session with default parameters (one thread, the model's context).
    pub fn new(model: &Model) -> Result<Session> {
        Self::with_params(model, &SessionParams::default())
    }

    /// A session with `params`. Errors: InvalidArgument (n_threads outside
    /// 1..=1024, context longer than the model's), OutOfMemory.
    pub fn with_params(model: &Model, params: &SessionParams) -> Result<Session> {
        let raw_params = params.to_raw();
        let mut raw = std::ptr::null_mut();
        // SAFETY: live model, valid params and out pointer.
        check(unsafe { sys::wisp_session_create(model.as_ptr(), &raw_params, &mut raw) })?;
        let raw = NonNull::new(raw).ok_or_else(|| {
            Error::new(Status::Internal, "wisp_session_create returned no session")
        })?;
        Ok(Session {
            raw,
            model: model.clone(),
        })
    }

    /// The model this session runs.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The raw handle, valid while the session lives.
    pub fn as_ptr(&self) -> *mut sys::wisp_session {
        self.raw.as_ptr()
    }

    /// Empties the context (position back to 0).
    pub fn reset(&mut self) -> Result<()> {
        // SAFETY: live handle.
        check(unsafe { sys::wisp_session_reset(self.as_ptr()) })
    }

    /// Tokens in the context.
    pub fn position(&self) -> Result<usize> {
        let mut position = 0usize;
        // SAFETY: live handle, valid out pointer.
        check(unsafe { sys::wisp_session_position(self.as_ptr(), &mut position) })?;
        Ok(position)
    }

    /// Threads the session computes with, the caller's included: the
    /// `n_threads` it was created with, reduced to the CPUs the process may
    /// run on.
    pub fn threads(&self) -> Result<i32> {
        let mut threads = 0i32;
        // SAFETY: live handle, valid out pointer.
        check(unsafe { sys::wisp_session_threads(self.as_ptr(), &mut threads) })?;
        Ok(threads)
    }

    /// Appends `ids` to the context in one pass. Errors: InvalidArgument (an
    /// id outside the vocabulary), OutOfRange (the context would overflow;
    /// nothing is fed).
    pub fn feed(&mut self, ids: &[i32]) -> Result<()> {
        // SAFETY: ids valid for its length; no logits requested.
        check(unsafe {
            sys::wisp_session_feed(
                self.as_ptr(),
                ids.as_ptr(),
                ids.len(),
                std::ptr::null_mut(),
                0,
            )
        })
    }

    /// Feeds `ids` and returns the logits of every fed position: row t (of
    /// `vocab_size` floats) predicts the token after `ids[t]`. Errors as for
    /// `feed`, and OutOfMemory if the logits do not fit in memory.
    pub fn feed_with_logits(&mut self, ids: &[i32]) -> Result<Vec<f32>> {
        let config = self.model.config()?;
        // More ids than any context holds: the library's OutOfRange, before
        // asking for ids x vocab floats (which could abort the process).
        if ids.len() > usize::try_from(config.max_seq_len).unwrap_or(0) {
            return Err(self
                .feed(ids)
                .err()
                .unwrap_or_else(|| Error::new(Status::Internal, "fed more ids than max_seq_len")));
        }
        let vocab = usize::try_from(config.vocab_size).unwrap_or(0);
        let out_of_memory = || {
            Error::new(
                Status::OutOfMemory,
                format!("no memory for the logits of {} ids", ids.len()),
            )
        };
        let floats = ids.len().checked_mul(vocab).ok_or_else(out_of_memory)?;
        let mut logits = Vec::new();
        logits
            .try_reserve_exact(floats)
            .map_err(|_| out_of_memory())?;
        logits.resize(floats, 0f32);
        // SAFETY: ids and logits valid for the lengths passed.
        check(unsafe {
            sys::wisp_session_feed(
                self.as_ptr(),
                ids.as_ptr(),
                ids.len(),
                logits.as_mut_ptr(),
                logits.len(),
            )
        })?;
        Ok(logits)
    }

    /// The logits after the last fed token (vocab_size floats). Errors:
    /// OutOfRange if nothing was fed.
    pub fn logits(&self) -> Result<Vec<f32>> {
        ask_then_copy(|logits, capacity, needed| {
            // SAFETY: logits valid for `capacity` floats.
            unsafe { sys::wisp_session_logits(self.as_ptr(), logits, capacity, needed) }
        })
    }

    /// Samples one token from the current logits WITHOUT feeding it. Each
    /// call starts the random stream afresh from `params.seed`.
    pub fn sample(&mut self, params: &SamplerParams) -> Result<i32> {
        let raw_params = params.to_raw();
        let mut token = 0i32;
        // SAFETY: live handle, valid params and out pointer.
        check(unsafe { sys::wisp_session_sample(self.as_ptr(), &raw_params, &mut token) })?;
        Ok(token)
    }

    /// Generates up to `max_tokens` tokens, feeding each back and passing it
    /// to `on_token`; `ControlFlow::Break` stops early (not an error). A
    /// panic in `on_token` stops generation and returns a Cancelled error.
    /// Errors: OutOfRange if nothing was fed.
    pub fn generate<F>(
        &mut self,
        params: &SamplerParams,
        max_tokens: usize,
        on_token: F,
    ) -> Result<Generation>
    where
        F: FnMut(TokenPiece<'_>) -> ControlFlow<()>,
    {
        let raw_params = params.to_raw();
        let session = self.as_ptr();
        run_generation(on_token, |callback, user_data, n, reason| {
            // SAFETY: live handle; callback and user_data come as a pair from
            // run_generation and live through the call.
            unsafe {
                sys::wisp_session_generate(
                    session,
                    &raw_params,
                    max_tokens,
                    callback,
                    user_data,
                    n,
                    reason,
                )
            }
        })
    }

    /// Gives the session its own sampler, whose random stream continues
    /// across `continue_generation` calls and is saved with the state.
    /// Setting it again restarts the stream from `params.seed`.
    pub fn set_sampler(&mut self, params: &SamplerParams) -> Result<()> {
        let raw_params = params.to_raw();
        // SAFETY: live handle, valid params.
        check(unsafe { sys::wisp_session_set_sampler(self.as_ptr(), &raw_params) })
    }

    /// Generates up to `max_tokens` more tokens with the session's own
    /// sampler: budgets a then b give the same tokens as one call with a + b
    /// (a game spends a few tokens per frame this way). As `generate`.
    pub fn continue_generation<F>(&mut self, max_tokens: usize, on_token: F) -> Result<Generation>
    where
        F: FnMut(TokenPiece<'_>) -> ControlFlow<()>,
    {
        let session = self.as_ptr();
        run_generation(on_token, |callback, user_data, n, reason| {
            // SAFETY: as in generate.
            unsafe {
                sys::wisp_session_continue(session, max_tokens, callback, user_data, n, reason)
            }
        })
    }

    /// The session's state (tokens, KV cache, logits, its sampler) as bytes
    /// to write to a save file; they restore only on the same model.
    pub fn save_state(&self) -> Result<Vec<u8>> {
        ask_then_copy(|buffer: *mut u8, capacity, needed| {
            // SAFETY: buffer valid for `capacity` bytes.
            unsafe {
                sys::wisp_session_save_state(
                    self.as_ptr(),
                    buffer.cast::<c_void>(),
                    capacity,
                    needed,
                )
            }
        })
    }

    /// Replaces the context with a saved state; the session then continues
    /// exactly as the saved one would have. On error the session is
    /// unchanged. Errors: Corrupt (not a state, damaged), Mismatch (saved on
    /// another model), OutOfRange (longer than this session's context).
    pub fn load_state(&mut self, state: &[u8]) -> Result<()> {
        // SAFETY: state valid for its length.
        check(unsafe {
            sys::wisp_session_load_state(
                self.as_ptr(),
                state.as_ptr().cast::<c_void>(),
                state.len(),
            )
        })
    }
}
