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
