//! `pequod cue export` against the official `cue export`, run side by side
//! on the same files: the same bytes on stdout and the same exit status.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::PathBuf;
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../pequod-cue/testdata");

fn cue_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(format!("{FIXTURES}/{dir}"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    files.sort();
    files
}

fn both(args: &[&str], file: &PathBuf) -> ((bool, Vec<u8>), (bool, Vec<u8>)) {
    let ours = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .args(["cue", "export"])
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    let theirs = Command::new(pequod_testing::cue_oracle())
        .arg("export")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    (
        (ours.status.success(), ours.stdout),
        (theirs.status.success(), theirs.stdout),
    )
}

#[test]
fn concrete_exports_match_the_official_cli() {
    let files = cue_files("eval");
    assert!(!files.is_empty());
    for file in &files {
        let (ours, theirs) = both(&[], file);
        assert!(theirs.0, "the oracle fails on {}", file.display());
        assert_eq!(ours.0, theirs.0, "{}: exit status differs", file.display());
        assert!(
            ours.1 == theirs.1,
            "{}: output differs\n--- pequod\n{}\n--- cue\n{}",
            file.display(),
            String::from_utf8_lossy(&ours.1),
            String::from_utf8_lossy(&theirs.1)
        );
    }
}

#[test]
fn failing_exports_fail_in_both() {
    for file in cue_files("eval-err") {
        let (ours, theirs) = both(&[], &file);
        assert!(!theirs.0, "the oracle accepts {}", file.display());
        assert!(
            !ours.0,
            "pequod accepts {}: {}",
            file.display(),
            String::from_utf8_lossy(&ours.1)
        );
    }
}

#[test]
fn expression_selects_a_field() {
    let file = cue_files("eval").remove(0);
    let out = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .args(["cue", "export", "-e", "nope.nothing"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.nothing"));
}

/// A module directory and a data file (`cue export DIR data.yaml`): every
/// fixture of every bundled module, both CLIs run from the module.
#[test]
fn module_with_data_files_matches() {
    let modules = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../modules"));
    let mut checked = 0;
    for module in std::fs::read_dir(&modules).unwrap().flatten() {
        let module = module.path();
        let Ok(fixtures) = std::fs::read_dir(module.join("testdata")) else {
            continue;
        };
        for fixture in fixtures.flatten().map(|e| e.path()) {
            if fixture.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let run = |program: PathBuf, args: &[&str]| {
                Command::new(program)
                    .current_dir(&module)
                    .args(args)
                    .args([".", "--out", "json"])
                    .arg(&fixture)
                    .output()
                    .unwrap()
            };
            let ours = run(env!("CARGO_BIN_EXE_pequod").into(), &["cue", "export"]);
            let theirs = run(pequod_testing::cue_oracle(), &["export"]);
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs.stdout),
                "{}: {}",
                fixture.display(),
                String::from_utf8_lossy(&ours.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} fixtures");
}
