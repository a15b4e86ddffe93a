//! Statuses and errors: every failing call becomes an `Error` carrying the
//! C status and the library's message for it.
use std::ffi::CStr;
use std::fmt;

use crate::sys;

/// Why a call failed: the C API's `wisp_status` values other than `WISP_OK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// A bad parameter, a bad token id, a string holding a NUL byte.
    InvalidArgument,
    /// A file that does not exist.
    NotFound,
    /// A truncated or corrupt file or session state.
    Corrupt,
    /// Valid, but not supported by this build of the library.
    Unsupported,
    /// Context full, index out of range, nothing fed yet.
    OutOfRange,
    /// A buffer too small (the binding sizes its buffers, so rarely seen).
    BufferTooSmall,
    /// A callback stopped the operation (or panicked, see `Error::message`).
    Cancelled,
    /// The library could not allocate memory.
    OutOfMemory,
    /// Reading or writing a file failed.
    Io,
    /// A bug or a non-finite gradient.
    Internal,
    /// Data made for another model (a session state).
    Mismatch,
    /// A status this binding does not know (a newer library).
    Other(i32),
}

impl Status {
    /// The status of a raw `wisp_status`; `None` for `WISP_OK`.
    pub fn from_raw(raw: sys::wisp_status) -> Option<Status> {
        Some(match raw {
            sys::WISP_OK => return None,
            sys::WISP_ERR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::WISP_ERR_NOT_FOUND => Status::NotFound,
            sys::WISP_ERR_CORRUPT => Status::Corrupt,
            sys::WISP_ERR_UNSUPPORTED => Status::Unsupported,
            sys::WISP_ERR_OUT_OF_RANGE => Status::OutOfRange,
            sys::WISP_ERR_BUFFER_TOO_SMALL => Status::BufferTooSmall,
            sys::WISP_ERR_CANCELLED => Status::Cancelled,
            sys::WISP_ERR_OUT_OF_MEMORY => Status::OutOfMemory,
            sys::WISP_ERR_IO => Status::Io,
            sys::WISP_ERR_INTERNAL => Status::Internal,
            sys::WISP_ERR_MISMATCH => Status::Mismatch,
            other => Status::Other(other),
        })
    }

    /// The raw `wisp_status` value.
    pub fn to_raw(self) -> sys::wisp_status {
        match self {
            Status::InvalidArgument => sys::WISP_ERR_INVALID_ARGUMENT,
            Status::NotFound => sys::WISP_ERR_NOT_FOUND,
            Status::Corrupt => sys::WISP_ERR_CORRUPT,
            Status::Unsupported => sys::WISP_ERR_UNSUPPORTED,
            Status::OutOfRange => sys::WISP_ERR_OUT_OF_RANGE,
            Status::BufferTooSmall => sys::WISP_ERR_BUFFER_TOO_SMALL,
            Status::Cancelled => sys::WISP_ERR_CANCELLED,
            Status::OutOfMemory => sys::WISP_ERR_OUT_OF_MEMORY,
            Status::Io => sys::WISP_ERR_IO,
            Status::Internal => sys::WISP_ERR_INTERNAL,
            Status::Mismatch => sys::WISP_ERR_MISMATCH,
            Status::Other(raw) => raw,
        }
    }

    /// The library's name for the status, e.g. "WISP_ERR_CORRUPT".
    pub fn name(self) -> &'static str {
        // SAFETY: wisp_status_name returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(sys::wisp_status_name(self.to_raw())) };
        name.to_str().unwrap_or("WISP_ERR_?")
    }
}

/// A failed call: its status and the library's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    /// An error raised by the binding itself, before or after a C call.
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    /// What kind of failure this is.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The library's description of the failure (wisp_last_error()).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status.name())
    }
}

impl std::error::Error for Error {}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Turns a raw status into a Result. Must run on the thread that made the
/// call, right after it: the library's message is per thread and replaced by
/// the next call.
pub(crate) fn check(raw: sys::wisp_status) -> Result<()> {
    match Status::from_raw(raw) {
        None => Ok(()),
        Some(status) => {
            // SAFETY: wisp_last_error never returns NULL and the string lives
            // until the next wisp call on this thread; it is copied at once.
            let message = unsafe { CStr::from_ptr(sys::wisp_last_error()) };
            Err(Error::new(status, message.to_string_lossy()))
        }
    }
}
