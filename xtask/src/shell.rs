//! Running commands with their output shown, failing loudly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The workspace root (xtask lives one level below it), from the
/// `CARGO_MANIFEST_DIR` that `cargo run` sets: the compile-time value names
/// whichever checkout first built xtask into a shared target dir.
pub(crate) fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Announces and runs `command`, failing unless it exits 0.
pub(crate) fn run(what: &str, command: &mut Command) -> Result<(), String> {
    step(what);
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if !status.success() {
        return Err(format!("{what} failed ({status})"));
    }
    eprintln!(
        "xtask: {what}: ok in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Prints a step header.
pub(crate) fn step(what: &str) {
    eprintln!("\nxtask: ==> {what}");
}

/// Whether `program` runs and exits 0 with `args`.
pub(crate) fn has(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}
