//! Conversions at the C boundary shared by the safe types: strings and paths
//! to NUL-terminated C strings, and the C API's "ask for the size, then copy".
use std::ffi::CString;
use std::path::Path;

use crate::error::{check, Error, Result, Status};
use crate::sys;

/// A C string of `text`; a NUL byte inside it is an InvalidArgument error
/// (C would silently cut the string there).
pub(crate) fn c_string(text: &str, what: &str) -> Result<CString> {
    CString::new(text).map_err(|_| {
        Error::new(
            Status::InvalidArgument,
            format!("{what} contains a NUL byte"),
        )
    })
}

/// A C string of a file path.
pub(crate) fn c_path(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path
        .to_str()
        .ok_or_else(|| {
            Error::new(
                Status::InvalidArgument,
                format!("path {} is not valid Unicode", path.display()),
            )
        })?
        .as_bytes()
        .to_vec();
    CString::new(bytes).map_err(|_| {
        Error::new(
            Status::InvalidArgument,
            format!("path {} contains a NUL byte", path.display()),
        )
    })
}

/// Runs an ask-then-copy C function `call(buffer, capacity, &mut needed)`:
/// first to learn the size, then into a buffer of that size.
pub(crate) fn ask_then_copy<T: Copy + Default>(
    mut call: impl FnMut(*mut T, usize, &mut usize) -> sys::wisp_status,
) -> Result<Vec<T>> {
    let mut needed = 0usize;
    let status = call(std::ptr::null_mut(), 0, &mut needed);
    if status != sys::WISP_ERR_BUFFER_TOO_SMALL {
        check(status)?;
    }
    let mut buffer = vec![T::default(); needed];
    let mut written = 0usize;
    check(call(buffer.as_mut_ptr(), buffer.len(), &mut written))?;
    buffer.truncate(written);
    Ok(buffer)
}
