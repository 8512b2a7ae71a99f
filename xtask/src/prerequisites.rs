//! What the test suite needs on the machine, installed when it is missing.

use std::path::PathBuf;
use std::process::Command;

use crate::shell;

/// The official CUE release Pequod's evaluator is measured against.
const CUE_ORACLE: &str = "cuelang.org/go/cmd/cue@v0.17.1";

/// Checks the toolchains and installs the `cue` oracle and PostgreSQL.
pub(crate) fn ensure() -> Result<(), String> {
    shell::step("prerequisites");
    if !shell::has("go", &["version"]) {
        return Err(
            "Go is required to build the kube-apiserver test harness and the cue oracle \
                    (https://go.dev/dl; the version in test/kube-apiserver/go.mod or newer)"
                .into(),
        );
    }
    if shell::has("kubectl", &["version", "--client"]) {
        eprintln!("xtask: kubectl: found on PATH");
    } else {
        eprintln!(
            "xtask: kubectl: not found; the harness build compiles it from the Kubernetes modules"
        );
    }
    cue_oracle()?;
    postgresql()
}

/// The PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`) the
/// storage tests start privately; from apt when missing.
fn postgresql() -> Result<(), String> {
    if let Some(bin) = postgresql_bin() {
        eprintln!("xtask: postgresql: {}", bin.display());
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "apt-get"]);
            sudo
        };
        command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        command
    };
    shell::run("apt-get update", &mut apt(&["update", "-q"]))?;
    shell::run(
        "apt-get install postgresql (for the storage tests)",
        &mut apt(&[
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "postgresql",
        ]),
    )?;
    postgresql_bin()
        .map(|_| ())
        .ok_or_else(|| "postgresql installed but no /usr/lib/postgresql/*/bin/initdb".into())
}

/// `/usr/lib/postgresql/<version>/bin` of the newest installed version.
fn postgresql_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

/// `~/.cache/pequod/bin/cue`, v0.17.1, from the Go module proxy.
fn cue_oracle() -> Result<(), String> {
    let bin = cache_bin();
    let cue = bin.join("cue");
    let current = Command::new(&cue)
        .arg("version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("v0.17.1"));
    if current {
        eprintln!("xtask: cue oracle: {}", cue.display());
        return Ok(());
    }
    shell::run(
        &format!("go install {CUE_ORACLE} (the cue oracle)"),
        Command::new("go")
            .env("GOBIN", &bin)
            .args(["install", CUE_ORACLE]),
    )
}

fn cache_bin() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/pequod/bin")
}
