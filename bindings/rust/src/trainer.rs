//! Fine-tuning: a trainer owns a copy of a model's weights and steps AdamW.
use std::ops::ControlFlow;
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::ptr::NonNull;

use crate::callback::CallbackState;
use crate::error::{check, Error, Result, Status};
use crate::eval::c_separator;
use crate::ffi_util::c_path;
use crate::model::Model;
use crate::sys;
use crate::trainer_params::{StepInfo, TrainerParams};

/// How `Trainer::train` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainEnd {
    /// All requested steps were taken.
    Completed,
    /// The callback returned `ControlFlow::Break`; the steps taken are kept.
    Stopped,
}

/// Full fine-tuning of a copy of a model's weights (the model is unchanged).
///
/// `Send` but not `Sync`, as the C API's one-thread-at-a-time rule allows.
/// It keeps its model alive.
///
/// ```no_run
/// let model = wisp::Model::load("stories260K.wisp")?;
/// let mut trainer = wisp::Trainer::new(&model, &wisp::TrainerParams::default())?;
/// trainer.set_data_text("I love New York Zoo.\n".repeat(50))?;
/// let info = trainer.step()?;
/// println!("step {} loss {}", info.step, info.loss);
/// trainer.export_model("tuned.wisp")?;
/// # Ok::<(), wisp::Error>(())
/// ```
pub struct Trainer {
    raw: NonNull<sys::wisp_trainer>,
    model: Model,
}

// SAFETY: a wisp_trainer may be used from any thread, one at a time; Trainer
// is not Sync, so two threads never reach it at once.
unsafe impl Send for Trainer {}

impl Drop for Trainer {
    fn drop(&mut self) {
        // SAFETY: the handle came from wisp_trainer_create; self.model keeps
        // the model alive until after this.
        unsafe { sys::wisp_trainer_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer").field("raw", &self.raw).finish()
    }
}

unsafe extern "C" fn step_trampoline<F>(
    info: *const sys::wisp_step_info,
    user_data: *mut c_void,
) -> c_int
where
    F: FnMut(&StepInfo) -> ControlFlow<()>,
{
    // SAFETY: user_data is the &mut CallbackState<F> that train_with passed
    // for this call; info is valid during the call.
    let state = unsafe { &mut *user_data.cast::<CallbackState<F>>() };
    let info = StepInfo::from_raw(unsafe { &*info });
    state.run(|closure| closure(&info).is_continue())
}

impl Trainer {
    /// A trainer on a copy of `model`'s weights. Errors: InvalidArgument
    /// (out-of-range params, seq_len above max_seq_len), Unsupported
    /// (non-f32 weights), OutOfMemory.
    pub fn new(model: &Model, params: &TrainerParams) -> Result<Trainer> {
        let separator = c_separator(&params.prefix_separator)?;
        let raw_params = params.to_raw(&separator);
        let mut raw = std::ptr::null_mut();
        // SAFETY: live model, params (whose separator outlives the call),
        // valid out pointer.
        check(unsafe { sys::wisp_trainer_create(model.as_ptr(), &raw_params, &mut raw) })?;
        let raw = NonNull::new(raw).ok_or_else(|| {
            Error::new(Status::Internal, "wisp_trainer_create returned no trainer")
        })?;
        Ok(Trainer {
            raw,
            model: model.clone(),
        })
    }

    /// The model whose weights were copied.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The raw handle, valid while the trainer lives.
    pub fn as_ptr(&self) -> *mut sys::wisp_trainer {
        self.raw.as_ptr()
    }

    /// Sets the training data as text (tokenized with a leading BOS, cut into
    /// seq_len windows, the eval_fraction tail held out). Replaces earlier
    /// data. Errors: InvalidArgument (fewer than 2 tokens).
    pub fn set_data_text(&mut self, text: impl AsRef<[u8]>) -> Result<()> {
        let text = text.as_ref();
        // SAFETY: text valid for its length.
        check(unsafe {
            sys::wisp_trainer_set_data_text(
                self.as_ptr(),
                text.as_ptr().cast::<c_char>(),
                text.len(),
            )
        })
    }

    /// Sets the training data as token ids (no BOS added). Errors:
    /// InvalidArgument (fewer than 2 ids, an id outside the vocabulary).
    pub fn set_data_ids(&mut self, ids: &[i32]) -> Result<()> {
        // SAFETY: ids valid for its length.
        check(unsafe { sys::wisp_trainer_set_data_ids(self.as_ptr(), ids.as_ptr(), ids.len()) })
    }

    /// One optimizer step. Errors: InvalidArgument (no data), Internal (a
    /// non-finite gradient; the weights are left unchanged).
    pub fn step(&mut self) -> Result<StepInfo> {
        let mut raw = StepInfo::empty_raw();
        // SAFETY: live handle, struct_size set.
        check(unsafe { sys::wisp_trainer_step(self.as_ptr(), &mut raw) })?;
        Ok(StepInfo::from_raw(&raw))
    }

    /// Takes `n_steps` steps.
    pub fn train(&mut self, n_steps: usize) -> Result<()> {
        // SAFETY: live handle, no callback.
        check(unsafe {
            sys::wisp_trainer_train(self.as_ptr(), n_steps, None, std::ptr::null_mut())
        })
    }

    /// Takes up to `n_steps` steps, calling `after_step` after each;
    /// `ControlFlow::Break` stops early (`TrainEnd::Stopped`). A panic in
    /// `after_step` stops training and returns a Cancelled error.
    pub fn train_with<F>(&mut self, n_steps: usize, after_step: F) -> Result<TrainEnd>
    where
        F: FnMut(&StepInfo) -> ControlFlow<()>,
    {
        let mut state = CallbackState::new(after_step);
        // SAFETY: live handle; the trampoline matches the state's type and
        // the state lives through the call.
        let status = unsafe {
            sys::wisp_trainer_train(
                self.as_ptr(),
                n_steps,
                Some(step_trampoline::<F>),
                (&mut state as *mut CallbackState<F>).cast::<c_void>(),
            )
        };
        let result = check(status);
        if let Some(panic) = state.panic_error("training callback") {
            return Err(panic);
        }
        match result {
            Ok(()) => Ok(TrainEnd::Completed),
            Err(e) if e.status() == Status::Cancelled => Ok(TrainEnd::Stopped),
            Err(e) => Err(e),
        }
    }

    /// Mean loss of the current weights on the held-out data (all of it if
    /// nothing is held out). Errors: InvalidArgument (no data).
    pub fn evaluate(&mut self) -> Result<f32> {
        let mut loss = 0f32;
        // SAFETY: live handle, valid out pointer.
        check(unsafe { sys::wisp_trainer_evaluate(self.as_ptr(), &mut loss) })?;
        Ok(loss)
    }

    /// Mean loss of the current weights on `text` (as `Model::evaluate`,
    /// with the trainer's seq_len and batch_size).
    pub fn evaluate_text(&mut self, text: impl AsRef<[u8]>) -> Result<f32> {
        let text = text.as_ref();
        let mut loss = 0f32;
        // SAFETY: text valid for its length, valid out pointer.
        check(unsafe {
            sys::wisp_trainer_evaluate_text(
                self.as_ptr(),
                text.as_ptr().cast::<c_char>(),
                text.len(),
                &mut loss,
            )
        })?;
        Ok(loss)
    }

    /// Optimizer steps taken so far (including those before a resume).
    pub fn steps_taken(&self) -> Result<i64> {
        let mut step = 0i64;
        // SAFETY: live handle, valid out pointer.
        check(unsafe { sys::wisp_trainer_get_step(self.as_ptr(), &mut step) })?;
        Ok(step)
    }

    /// Threads the trainer computes with, the caller's included, reduced
    /// to the CPUs as a session's are ([`Session::threads`]).
    ///
    /// [`Session::threads`]: crate::Session::threads
    pub fn threads(&self) -> Result<i32> {
        let mut threads = 0i32;
        // SAFETY: live handle, valid out pointer.
        check(unsafe { sys::wisp_trainer_threads(self.as_ptr(), &mut threads) })?;
        Ok(threads)
    }

    /// Writes a checkpoint (weights, AdamW moments, step, random state, data
    /// position) atomically; it also loads as a model.
    pub fn save_checkpoint(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        // SAFETY: live handle, valid C string.
        check(unsafe { sys::wisp_trainer_save_checkpoint(self.as_ptr(), path.as_ptr()) })
    }

    /// Continues from a checkpoint of the same model shape; call after
    /// setting the same data. Following steps match an uninterrupted run bit
    /// for bit. On error the trainer is unchanged. Errors: NotFound,
    /// Corrupt, InvalidArgument (not a checkpoint, another shape, no data).
    pub fn resume(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        // SAFETY: live handle, valid C string.
        check(unsafe { sys::wisp_trainer_resume(self.as_ptr(), path.as_ptr()) })
    }

    /// Writes the current weights as a model file (atomically).
    pub fn export_model(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        // SAFETY: live handle, valid C string.
        check(unsafe { sys::wisp_trainer_export_model(self.as_ptr(), path.as_ptr()) })
    }
}
