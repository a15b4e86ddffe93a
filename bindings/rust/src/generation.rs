//! Streaming generation: what the token callback sees, why generation
//! stopped, and the trampoline from C's wisp_token_callback to a closure.
use std::ops::ControlFlow;
use std::os::raw::{c_char, c_int, c_void};

use crate::callback::CallbackState;
use crate::error::{check, Result};
use crate::sys;

/// One generated token as the streaming callback receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPiece<'a> {
    /// The token id.
    pub id: i32,
    /// Its text as printed after the previous token. Not always valid UTF-8:
    /// a byte-fallback token carries one byte of a character; feed the
    /// pieces to a `Utf8Stream` to get valid text.
    pub bytes: &'a [u8],
}

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Generated max_tokens tokens.
    MaxTokens,
    /// The model produced end-of-text (not fed, not passed to the callback).
    EndOfText,
    /// No room left in the context.
    ContextFull,
    /// The callback returned `ControlFlow::Break`.
    Callback,
    /// A reason this binding does not know (a newer library).
    Other(i32),
}

impl StopReason {
    fn from_raw(raw: sys::wisp_stop_reason) -> Self {
        match raw {
            sys::WISP_STOP_MAX_TOKENS => StopReason::MaxTokens,
            sys::WISP_STOP_END_OF_TEXT => StopReason::EndOfText,
            sys::WISP_STOP_CONTEXT_FULL => StopReason::ContextFull,
            sys::WISP_STOP_CALLBACK => StopReason::Callback,
            other => StopReason::Other(other),
        }
    }
}

/// The outcome of a generate or continue call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    /// Tokens generated (and fed) by the call.
    pub n_generated: usize,
    /// Why it stopped.
    pub stop_reason: StopReason,
}

/// The closure type the trampoline calls.
type TokenState<F> = CallbackState<F>;

unsafe extern "C" fn token_trampoline<F>(
    token: i32,
    text: *const c_char,
    text_len: usize,
    user_data: *mut c_void,
) -> c_int
where
    F: FnMut(TokenPiece<'_>) -> ControlFlow<()>,
{
    // SAFETY: user_data is the &mut TokenState<F> that run_generation passed
    // for exactly this call; the library calls back on the calling thread.
    let state = unsafe { &mut *user_data.cast::<TokenState<F>>() };
    let bytes = if text.is_null() || text_len == 0 {
        &[][..]
    } else {
        // SAFETY: the library passes text_len bytes valid during the call.
        unsafe { std::slice::from_raw_parts(text.cast::<u8>(), text_len) }
    };
    state.run(|closure| closure(TokenPiece { id: token, bytes }).is_continue())
}

/// Calls a generate-like C function `call(callback, user_data, &mut n,
/// &mut reason)` with `on_token` behind the callback.
pub(crate) fn run_generation<F>(
    on_token: F,
    call: impl FnOnce(
        sys::wisp_token_callback,
        *mut c_void,
        &mut usize,
        &mut sys::wisp_stop_reason,
    ) -> sys::wisp_status,
) -> Result<Generation>
where
    F: FnMut(TokenPiece<'_>) -> ControlFlow<()>,
{
    let mut state = TokenState::new(on_token);
    let mut n_generated = 0usize;
    let mut reason = sys::WISP_STOP_MAX_TOKENS;
    let status = call(
        Some(token_trampoline::<F>),
        (&mut state as *mut TokenState<F>).cast::<c_void>(),
        &mut n_generated,
        &mut reason,
    );
    // Read the library's message first: it is replaced by the next wisp call.
    let result = check(status);
    if let Some(panic) = state.panic_error("token callback") {
        return Err(panic);
    }
    result?;
    Ok(Generation {
        n_generated,
        stop_reason: StopReason::from_raw(reason),
    })
}
