//! Shared by the integration tests: the default model, the shared reference
//! data, temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// build/models/stories260K.wisp (WISP_MODEL overrides it).
pub fn model_path() -> PathBuf {
    std::env::var_os("WISP_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("WISP_DEFAULT_MODEL")))
}

pub fn load_model() -> wisp::Model {
    let path = model_path();
    wisp::Model::load(&path)
        .unwrap_or_else(|e| panic!("cannot load {} (build wisp first): {e}", path.display()))
}

/// /work/shared/models/stories260K/reference: ../shared next to the project.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models/stories260K/reference")
}

pub fn read_reference(name: &str) -> Vec<u8> {
    let path = reference_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reference {} missing: {e}", path.display()))
}

/// Little-endian float32 values of a reference .bin file.
pub fn read_f32s(name: &str) -> Vec<f32> {
    read_reference(name)
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The integer array `"key": [1, 2, ...]` of a JSON text.
pub fn json_ints(json: &str, key: &str) -> Vec<i32> {
    let start = json.find(&format!("\"{key}\"")).expect(key);
    let open = start + json[start..].find('[').unwrap();
    let close = open + json[open..].find(']').unwrap();
    json[open + 1..close]
        .split(',')
        .map(|n| n.trim().parse().expect("an integer"))
        .collect()
}

/// The string `"key": "..."` of a JSON text, unescaped.
pub fn json_string(json: &str, key: &str) -> String {
    let start = json.find(&format!("\"{key}\"")).expect(key);
    let colon = start + json[start..].find(':').unwrap();
    let open = colon + json[colon..].find('"').unwrap();
    let mut out = String::new();
    let mut chars = json[open + 1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return out,
            '\\' => match chars.next().unwrap() {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    panic!("unterminated JSON string for {key}");
}

/// The shared reference of greedy decoding from "Once upon a time".
pub struct GreedyReference {
    pub prompt: String,
    pub prompt_ids: Vec<i32>,
    pub generated_ids: Vec<i32>,
    pub text: String,
}

pub fn greedy_reference() -> GreedyReference {
    let json = String::from_utf8(read_reference("greedy.json")).unwrap();
    GreedyReference {
        prompt: json_string(&json, "prompt"),
        prompt_ids: json_ints(&json, "prompt_ids"),
        generated_ids: json_ints(&json, "generated_ids"),
        text: json_string(&json, "text"),
    }
}

/// A folder under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "wisp-rust-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The ids `session.generate` produces with `params`, up to `n`.
pub fn generate_ids(
    session: &mut wisp::Session,
    params: &wisp::SamplerParams,
    n: usize,
) -> Vec<i32> {
    let mut ids = Vec::new();
    session
        .generate(params, n, |piece| {
            ids.push(piece.id);
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    ids
}
