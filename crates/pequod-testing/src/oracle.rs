//! The official `cue` v0.17.1, which Pequod's CUE is measured against.

use std::path::{Path, PathBuf};

/// The oracle binary: `$PEQUOD_CUE_ORACLE`, else the one `cargo xtask test`
/// installs under `~/.cache/pequod/bin`, else `cue` on the PATH.
pub fn cue_oracle() -> PathBuf {
    if let Some(path) = std::env::var_os("PEQUOD_CUE_ORACLE") {
        return PathBuf::from(path);
    }
    std::env::var_os("HOME")
        .map(|h| Path::new(&h).join(".cache/pequod/bin/cue"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("cue"))
}
