//! The kube-apiserver test harness, built before any test needs it.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::shell;

/// Builds the harness binaries (cached under `$HOME`).
pub(crate) fn build() -> Result<(), String> {
    shell::step("build the kube-apiserver test harness (test/kube-apiserver)");
    let started = Instant::now();
    let out = Command::new(shell::root().join("test/kube-apiserver/build"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("test/kube-apiserver/build: {e}"))?;
    if !out.status.success() {
        return Err(format!("test/kube-apiserver/build failed ({})", out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let dir = stdout
        .lines()
        .last()
        .ok_or("test/kube-apiserver/build printed no directory")?;
    eprintln!(
        "xtask: harness binaries in {dir} ({:.1}s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
