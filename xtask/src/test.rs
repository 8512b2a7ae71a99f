//! `cargo xtask test`: the whole suite, from a fresh machine.

use std::process::Command;
use std::time::Instant;

use crate::{harness, prerequisites, shell};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let root = shell::root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let extra: Vec<&String> = match args.split_first() {
        Some((dash, rest)) if dash == "--" => rest.iter().collect(),
        Some((other, _)) => {
            return Err(format!(
                "unexpected argument {other:?} (pass cargo test arguments after --)"
            ));
        }
        None => Vec::new(),
    };

    prerequisites::ensure()?;
    // Each test binary starts its own control plane from these binaries;
    // building them here keeps the compile out of the tests' time limits.
    harness::build()?;

    shell::run(
        "cargo fmt --check",
        Command::new(&cargo)
            .current_dir(&root)
            .args(["fmt", "--all", "--check"]),
    )?;
    shell::run(
        "cargo clippy",
        Command::new(&cargo).current_dir(&root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    shell::run(
        "cargo test (integration tests start the real kube-apiserver)",
        Command::new(&cargo)
            .current_dir(&root)
            .args(["test", "--workspace", "--locked"])
            .args(extra),
    )?;

    eprintln!(
        "\nxtask: all checks passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
