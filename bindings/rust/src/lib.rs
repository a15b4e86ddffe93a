//! Safe Rust bindings to wisp, an embeddable library that loads, fine-tunes
//! and runs transformer language models (C API: include/wisp/wisp.h).
//!
//! - [`Model`]: a loaded `.wisp` file; `Send + Sync`, cheap to clone.
//! - [`Session`]: a context on a model (feed, logits, sample, streaming
//!   generation with cancellation, saved state); `Send`, not `Sync`.
//! - [`Trainer`]: fine-tuning with checkpoints and export; `Send`, not `Sync`.
//! - Every failure is an [`Error`] with the C status and message.
//! - [`sys`]: the raw declarations, checked against the header in CTest.

pub mod sys;

mod callback;
mod config;
mod error;
mod eval;
mod ffi_util;
mod generation;
mod model;
mod params;
mod session;
mod trainer;
mod trainer_params;
mod utf8_stream;

pub use config::{MaskKind, MlpKind, ModelConfig, NormKind, PositionKind};
pub use error::{Error, Result, Status};
pub use eval::{EvalParams, Objective};
pub use generation::{Generation, StopReason, TokenPiece};
pub use model::{api_version, version, Model};
pub use params::{ModelParams, SamplerParams, SessionParams};
pub use session::Session;
pub use trainer::{TrainEnd, Trainer};
pub use trainer_params::{LrSchedule, StepInfo, TrainerParams};
pub use utf8_stream::Utf8Stream;
