//! What the test suite needs on the machine, installed when it is missing.

use crate::shell;

/// Checks the toolchains the suite builds with; later issues add the `cue`
/// oracle and PostgreSQL here.
pub(crate) fn ensure() -> Result<(), String> {
    shell::step("prerequisites");
    if !shell::has("go", &["version"]) {
        return Err("Go is required to build the kube-apiserver test harness \
                    (https://go.dev/dl; the version in test/kube-apiserver/go.mod or newer)"
            .into());
    }
    if shell::has("kubectl", &["version", "--client"]) {
        eprintln!("xtask: kubectl: found on PATH");
    } else {
        eprintln!(
            "xtask: kubectl: not found; the harness build compiles it from the Kubernetes modules"
        );
    }
    Ok(())
}
