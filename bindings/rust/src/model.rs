//! A loaded model: immutable but for its exact-bf16-products setting,
//! shared by sessions and trainers on any thread.
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::config::ModelConfig;
use crate::error::{check, Error, Result, Status};
use crate::eval::{c_separator, EvalParams};
use crate::ffi_util::{ask_then_copy, c_path};
use crate::params::ModelParams;
use crate::sys;

/// Owns the C handle; freed when the last `Model` clone, session and trainer
/// using it are dropped.
struct ModelHandle(NonNull<sys::wisp_model>);

impl Drop for ModelHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from wisp_model_load and every session and
        // trainer on it holds an Arc to this handle, so none is left.
        unsafe { sys::wisp_model_free(self.0.as_ptr()) }
    }
}

// SAFETY: the C API documents a loaded model as safe to share by any number
// of threads (immutable but for wisp_model_set_exact_bf16_products, which is
// thread-safe).
unsafe impl Send for ModelHandle {}
// SAFETY: as above.
unsafe impl Sync for ModelHandle {}

/// A loaded `.wisp` model (weights memory-mapped, tokenizer included).
///
/// Cloning is cheap and shares the same loaded model; it is `Send + Sync`,
/// so one model can serve sessions on many threads. Sessions and trainers
/// keep it alive.
///
/// ```no_run
/// let model = wisp::Model::load("stories260K.wisp")?;
/// let ids = model.tokenize("Once upon a time", true)?;
/// # Ok::<(), wisp::Error>(())
/// ```
#[derive(Clone)]
pub struct Model {
    handle: Arc<ModelHandle>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("raw", &self.handle.0)
            .finish()
    }
}

impl Model {
    /// Loads a model file with default parameters (checksums verified).
    /// Errors: NotFound, Corrupt, Unsupported, InvalidArgument.
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        Self::load_with(path, &ModelParams::default())
    }

    /// Loads a model file with `params`.
    pub fn load_with(path: impl AsRef<Path>, params: &ModelParams) -> Result<Model> {
        check_api_version()?;
        let path = c_path(path.as_ref())?;
        let raw_params = params.to_raw();
        let mut raw = std::ptr::null_mut();
        // SAFETY: valid C string, params and out pointer for the call.
        check(unsafe { sys::wisp_model_load(path.as_ptr(), &raw_params, &mut raw) })?;
        let raw = NonNull::new(raw)
            .ok_or_else(|| Error::new(Status::Internal, "wisp_model_load returned no model"))?;
        Ok(Model {
            handle: Arc::new(ModelHandle(raw)),
        })
    }

    /// The raw handle, valid while this model (or a clone) lives.
    pub fn as_ptr(&self) -> *const sys::wisp_model {
        self.handle.0.as_ptr()
    }

    /// The model's shape and kinds.
    pub fn config(&self) -> Result<ModelConfig> {
        let mut raw = sys::wisp_model_config {
            struct_size: std::mem::size_of::<sys::wisp_model_config>(),
            ..Default::default()
        };
        // SAFETY: live handle, struct_size set to this struct's size.
        check(unsafe { sys::wisp_model_get_config(self.as_ptr(), &mut raw) })?;
        Ok(ModelConfig::from_raw(&raw))
    }

    /// Chooses how the model's bf16 weight matrices multiply activations.
    /// `true`: always exactly, each weight widened to f32 and multiplied by
    /// the f32 activations, so a prompt's logits are the same on every CPU up
    /// to f32 summation order. `false`, the setting after loading: prompts may
    /// round the activations to bf16 for the CPU's bf16 dot-product
    /// instructions (AVX512_BF16), about 1.8x faster prefill.
    /// `WISP_BF16_DOT=0` in the environment makes every model exact; f32
    /// models are unaffected. Takes effect for forward passes that start after
    /// it returns, also in sessions created before (each pass reads the
    /// setting once at its start); callable from any thread, also while
    /// sessions on the model (or its clones) run.
    pub fn set_exact_bf16_products(&self, exact: bool) -> Result<()> {
        // SAFETY: live handle; the C API allows the call on a shared model.
        check(unsafe {
            sys::wisp_model_set_exact_bf16_products(self.handle.0.as_ptr(), exact.into())
        })
    }

    /// The `set_exact_bf16_products` setting.
    pub fn exact_bf16_products(&self) -> bool {
        // SAFETY: live handle.
        unsafe { sys::wisp_model_exact_bf16_products(self.as_ptr()) != 0 }
    }

    /// Token ids of `text` (any bytes; invalid UTF-8 falls back to byte
    /// tokens), with the BOS id first if `add_bos` and the tokenizer has one.
    pub fn tokenize(&self, text: impl AsRef<[u8]>, add_bos: bool) -> Result<Vec<i32>> {
        let text = text.as_ref();
        ask_then_copy(|ids, capacity, needed| {
            // SAFETY: text and ids are valid for the lengths passed.
            unsafe {
                sys::wisp_tokenize(
                    self.as_ptr(),
                    text.as_ptr().cast::<c_char>(),
                    text.len(),
                    add_bos.into(),
                    ids,
                    capacity,
                    needed,
                )
            }
        })
    }

    /// The bytes of `ids` as llama2.c prints them (BOS dropped, with the
    /// leading space of the token after it). Errors: InvalidArgument for an
    /// id outside the vocabulary.
    pub fn detokenize_bytes(&self, ids: &[i32]) -> Result<Vec<u8>> {
        ask_then_copy(|text: *mut u8, capacity, needed| {
            // SAFETY: ids and text are valid for the lengths passed.
            unsafe {
                sys::wisp_detokenize(
                    self.as_ptr(),
                    ids.as_ptr(),
                    ids.len(),
                    text.cast::<c_char>(),
                    capacity,
                    needed,
                )
            }
        })
    }

    /// `detokenize_bytes` as a String; bytes that are not valid UTF-8 (a
    /// cut-off byte-fallback character) become U+FFFD.
    pub fn detokenize(&self, ids: &[i32]) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.detokenize_bytes(ids)?).into_owned())
    }

    /// The bytes of `token` as printed after `prev` (None at the start): what
    /// streaming shows for it. May be part of a UTF-8 character.
    pub fn token_bytes(&self, prev: Option<i32>, token: i32) -> Result<Vec<u8>> {
        ask_then_copy(|text: *mut u8, capacity, needed| {
            // SAFETY: text is valid for `capacity` bytes.
            unsafe {
                sys::wisp_token_to_text(
                    self.as_ptr(),
                    prev.unwrap_or(-1),
                    token,
                    text.cast::<c_char>(),
                    capacity,
                    needed,
                )
            }
        })
    }

    /// Mean cross-entropy (natural log) of the model over `text` for
    /// `params.objective`; perplexity is its exp().
    pub fn evaluate(&self, text: impl AsRef<[u8]>, params: &EvalParams) -> Result<f32> {
        let text = text.as_ref();
        let separator = c_separator(&params.prefix_separator)?;
        let raw_params = params.to_raw(&separator);
        let mut loss = 0f32;
        // SAFETY: text valid for its length; the separator outlives the call.
        check(unsafe {
            sys::wisp_model_evaluate(
                self.as_ptr(),
                text.as_ptr().cast::<c_char>(),
                text.len(),
                &raw_params,
                &mut loss,
            )
        })?;
        Ok(loss)
    }
}

/// Refuses a libwisp whose ABI major version differs from the header this
/// binding transcribes: its structs and functions may not be what sys.rs says.
fn check_api_version() -> Result<()> {
    // SAFETY: no preconditions.
    let loaded = unsafe { sys::wisp_api_version() };
    if loaded >> 16 != sys::WISP_API_VERSION_MAJOR {
        return Err(Error::new(
            Status::Unsupported,
            format!(
                "libwisp has API version {}.{}, this binding needs {}.x",
                loaded >> 16,
                loaded & 0xffff,
                sys::WISP_API_VERSION_MAJOR
            ),
        ));
    }
    Ok(())
}

/// The loaded library's version string, e.g. "0.1.0".
pub fn version() -> &'static str {
    // SAFETY: static NUL-terminated string, never NULL.
    let text = unsafe { std::ffi::CStr::from_ptr(sys::wisp_version()) };
    text.to_str().unwrap_or("?")
}

/// The loaded library's API version ((major << 16) | minor), to compare with
/// `sys::WISP_API_VERSION`, the header's.
pub fn api_version() -> i32 {
    // SAFETY: no preconditions.
    unsafe { sys::wisp_api_version() }
}
