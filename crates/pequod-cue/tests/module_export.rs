//! The bundled webservice module, evaluated with each of its test inputs,
//! exports byte for byte what the official `cue` v0.17.1 prints (its
//! `testdata/*.golden.json`), field order included. The inputs are the
//! module's YAML test data converted to JSON by the official `cue`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::PathBuf;

mod common;

#[test]
fn webservice_exports_match_official_cue() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let module = manifest.join("../../modules/webservice");
    let compiled = common::webservice_module();
    for case in ["basic", "full", "violations"] {
        let data = manifest.join(format!("testdata/webservice/{case}.data.json"));
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(data).unwrap()).unwrap();
        let mut inst = compiled.eval_with(&[("", data)]);
        let root = inst.root();
        let got = inst.to_json(root, true).unwrap();
        let want =
            std::fs::read_to_string(module.join(format!("testdata/{case}.golden.json"))).unwrap();
        assert_eq!(got, want.trim_end(), "{case}");
    }
}

/// Every fixture of every bundled module, injected field by field as Pequod
/// injects an instance (`input`, `context`, `observed`, `refs`, `fetched`),
/// exports what the official `cue` prints with the fixture as a data file.
#[test]
fn every_bundled_module_fixture_matches_official_cue() {
    let modules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../modules");
    let mut checked = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&modules)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cue.mod").is_dir())
        .collect();
    dirs.sort();
    for module in dirs {
        let compiled =
            pequod_cue::Compiled::from_dir(&module, ".", &pequod_cue::Tags::default()).unwrap();
        let mut fixtures: Vec<PathBuf> = std::fs::read_dir(module.join("testdata"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        fixtures.sort();
        for fixture in fixtures {
            let data: serde_json::Value =
                serde_yaml::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
            let inject: Vec<(&str, serde_json::Value)> = data
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            let mut inst = compiled.eval_with(&inject);
            let root = inst.root();
            let got = inst.to_json(root, true).unwrap();
            let want = std::fs::read_to_string(fixture.with_extension("golden.json")).unwrap();
            assert_eq!(got, want.trim_end(), "{}", fixture.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} fixtures");
}
