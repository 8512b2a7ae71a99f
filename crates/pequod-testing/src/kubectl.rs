//! Finding a real `kubectl`: the machine's, or one built from the same
//! Kubernetes modules as the harness when the machine has none.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const BUILD_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../test/kube-apiserver/build"
);

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
        Command::new(BUILD_SCRIPT)
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
