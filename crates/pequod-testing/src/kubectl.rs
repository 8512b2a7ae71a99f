//! Finding a real `kubectl`: the machine's, or one built from the same
//! Kubernetes modules as the harness when the machine has none.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `kubectl` tests drive.
pub(crate) fn kubectl_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let on_path = Command::new("kubectl")
            .args(["version", "--client"])
            .output()
            .is_ok_and(|o| o.status.success());
        if on_path {
            return PathBuf::from("kubectl");
        }
        // The build script compiles kubectl when the machine lacks one and
        // prints the binary directory on its last line.
        Command::new(crate::workspace_root().join("test/kube-apiserver/build"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
                stdout
                    .lines()
                    .last()
                    .map(|dir| PathBuf::from(dir).join("kubectl"))
            })
            .unwrap_or_else(|| PathBuf::from("kubectl"))
    })
    .clone()
}

/// A real `kubectl` for the cluster of an arbitrary `kubeconfig` (a
/// `pequod up` data directory's, say), with a discovery cache of its own
/// next to it: `~/.kube/cache` is keyed by host and port, which later
/// servers reuse with other resources.
pub fn kubectl_for(kubeconfig: &Path) -> Command {
    let mut command = Command::new(kubectl_path());
    command
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(kubeconfig.with_extension("kubectl-cache"));
    command
}
