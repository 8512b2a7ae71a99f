//! `cargo xtask test`: the whole suite, from a fresh machine.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::test_results::Totals;
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
    shell::step("cargo test (integration tests start the real kube-apiserver)");
    let test_started = Instant::now();
    let mut child = Command::new(&cargo)
        .current_dir(&root)
        .args(["test", "--workspace", "--locked", "--no-fail-fast"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cargo test: cannot start: {e}"))?;
    let mut totals = Totals::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            totals.add_line(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("cargo test: {e}"))?;
    eprintln!(
        "xtask: cargo test: {:.1}s",
        test_started.elapsed().as_secs_f64()
    );

    // One closing line for the whole suite, whatever the last binary was.
    println!("\ntests: {totals}");
    if !status.success() || totals.failed > 0 {
        return Err(format!("cargo test failed ({status})"));
    }
    if totals.passed == 0 {
        return Err("cargo test ran no test".into());
    }
    eprintln!(
        "xtask: all checks passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
