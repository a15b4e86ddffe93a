//! Streaming token text as valid UTF-8. A token may carry part of a
//! character (byte-fallback tokens spell one character over several tokens),
//! so bytes are held back until the character is complete.

/// Turns a stream of byte pieces into valid UTF-8 text.
///
/// ```
/// let mut stream = wisp::Utf8Stream::new();
/// assert_eq!(stream.push(b"caf\xC3"), "caf");
/// assert_eq!(stream.push(b"\xA9!"), "\u{e9}!");
/// assert_eq!(stream.finish(), "");
/// ```
#[derive(Debug, Default, Clone)]
pub struct Utf8Stream {
    pending: Vec<u8>,
    out: String,
}

impl Utf8Stream {
    /// An empty stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `bytes` and returns the text completed by them. An incomplete
    /// character at the end is kept for the next push; bytes that can never
    /// be valid UTF-8 become U+FFFD.
    pub fn push(&mut self, bytes: &[u8]) -> &str {
        self.pending.extend_from_slice(bytes);
        self.out.clear();
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.out.push_str(text);
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // SAFETY: from_utf8 reported these bytes valid.
                    self.out
                        .push_str(unsafe { std::str::from_utf8_unchecked(valid) });
                    match e.error_len() {
                        Some(bad) => {
                            self.out.push(char::REPLACEMENT_CHARACTER);
                            rest = &after[bad..];
                        }
                        None => {
                            rest = after; // an incomplete character: wait
                            break;
                        }
                    }
                }
            }
        }
        let kept = rest.len();
        let start = self.pending.len() - kept;
        self.pending.drain(..start);
        &self.out
    }

    /// Ends the stream: returns what is still held back (an incomplete
    /// character at the very end, as U+FFFD) and empties the stream.
    pub fn finish(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }

    /// Whether bytes of an incomplete character are held back.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}
