//! The bundled platform modules, exported by the official `cue` v0.17.1 (the
//! oracle), match their committed golden outputs: a module change that
//! alters what it renders shows up here, and the goldens are what Pequod's
//! own evaluator must reproduce byte for byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::process::Command;

const MODULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../modules");

#[test]
fn modules_render_their_golden_outputs() {
    let cue = pequod_testing::cue_oracle();
    let version = Command::new(&cue)
        .arg("version")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the cue oracle {} cannot run ({e}); `cargo xtask test` installs it",
                cue.display()
            )
        });
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("v0.17.1"),
        "cue oracle must be v0.17.1"
    );

    let mut checked = 0;
    for module in std::fs::read_dir(MODULES).unwrap() {
        let module = module.unwrap().path();
        let Ok(fixtures) = std::fs::read_dir(module.join("testdata")) else {
            continue;
        };
        for fixture in fixtures {
            let fixture = fixture.unwrap().path();
            if fixture.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let golden = fixture.with_extension("golden.json");
            let out = Command::new(&cue)
                .current_dir(&module)
                .args(["export", ".", "--out", "json"])
                .arg(&fixture)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                fixture.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
                panic!("{}: {e} (regenerate with cue export)", golden.display())
            });
            assert!(
                String::from_utf8_lossy(&out.stdout) == expected,
                "{} no longer renders {}; if the change is intended, regenerate it:\n  cd {} && cue export . {} --out json > {}",
                fixture.display(),
                golden.display(),
                module.display(),
                fixture.display(),
                golden.display()
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "only {checked} module fixtures found under {MODULES}"
    );
}
