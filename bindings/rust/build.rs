//! Finds libwisp for linking, first match wins:
//!   1. WISP_LIB_DIR: the folder holding libwisp.so;
//!   2. WISP_BUILD_DIR: a CMake build folder of wisp (library in capi/);
//!   3. `pkg-config wisp` (an installed wisp, `cmake --install`);
//!   4. the README's build folder, ../../build next to this crate.
//!
//! The folder is also recorded as the run-time search path (rpath) of the
//! crate's tests, examples and binaries, so they run without LD_LIBRARY_PATH.
//! Dependent crates get no rpath from here (cargo passes link arguments only
//! to this package's targets); their build scripts can read the folder as
//! DEP_WISP_LIB_DIR.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pkg_config_lib_dirs() -> Option<Vec<PathBuf>> {
    let out = Command::new("pkg-config")
        .args(["--libs-only-L", "wisp"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let dirs: Vec<PathBuf> = text
        .split_whitespace()
        .filter_map(|flag| flag.strip_prefix("-L"))
        .map(PathBuf::from)
        .collect();
    // An empty list means the library is in a default linker folder.
    Some(dirs)
}

fn main() {
    for var in ["WISP_LIB_DIR", "WISP_BUILD_DIR", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let build_dir = env::var_os("WISP_BUILD_DIR").map(PathBuf::from);
    let (dirs, how): (Vec<PathBuf>, &str) = if let Some(dir) = env::var_os("WISP_LIB_DIR") {
        (vec![PathBuf::from(dir)], "WISP_LIB_DIR")
    } else if let Some(dir) = &build_dir {
        (vec![dir.join("capi")], "WISP_BUILD_DIR")
    } else if let Some(dirs) = pkg_config_lib_dirs() {
        (dirs, "pkg-config wisp")
    } else {
        (
            vec![manifest.join("../../build/capi")],
            "the default ../../build",
        )
    };
    for dir in &dirs {
        if !dir.join("libwisp.so").exists() && !dir.join("libwisp.dylib").exists() {
            println!(
                "cargo:warning=no libwisp in {} (found through {how}); build wisp first or \
                 set WISP_LIB_DIR / WISP_BUILD_DIR",
                dir.display()
            );
        }
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:lib_dir={}", dir.display());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
        println!(
            "cargo:rerun-if-changed={}",
            dir.join("libwisp.so").display()
        );
    }
    // Tests and the example find the default model next to the library.
    let models = build_dir.unwrap_or_else(|| manifest.join("../../build"));
    let model = Path::new(&models).join("models/stories260K.wisp");
    println!("cargo:rustc-env=WISP_DEFAULT_MODEL={}", model.display());
}
