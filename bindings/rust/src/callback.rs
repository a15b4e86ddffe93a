//! Rust closures behind the C API's callbacks. A panic must not unwind into
//! C (that is undefined behaviour), so each call runs under catch_unwind; a
//! panic stops the operation and is reported as an error once C returns.
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Status};

/// The state a C callback's user_data points to: the closure and the panic,
/// if it raised one.
pub(crate) struct CallbackState<F> {
    pub(crate) closure: F,
    panic: Option<Box<dyn Any + Send>>,
}

impl<F> CallbackState<F> {
    pub(crate) fn new(closure: F) -> Self {
        CallbackState {
            closure,
            panic: None,
        }
    }

    /// Runs `call` on the closure; returns the C callback's answer: 0 to
    /// continue, 1 to stop (asked for, or after a panic).
    pub(crate) fn run(&mut self, call: impl FnOnce(&mut F) -> bool) -> i32 {
        if self.panic.is_some() {
            return 1;
        }
        match catch_unwind(AssertUnwindSafe(|| call(&mut self.closure))) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(payload) => {
                self.panic = Some(payload);
                1
            }
        }
    }

    /// The error to report if the closure panicked.
    pub(crate) fn panic_error(&self, callback: &str) -> Option<Error> {
        let payload = self.panic.as_ref()?;
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-string panic payload".to_string());
        Some(Error::new(
            Status::Cancelled,
            format!("the {callback} panicked and was stopped: {text}"),
        ))
    }
}
