//! Each `testdata/eval-pos/NAME.cue` must fail to export with exactly the
//! error in `NAME.err`: what the official `cue export ./NAME.cue` (v0.17.1)
//! prints, message and source positions (`./NAME.cue:line:column`).

use std::path::Path;

#[test]
fn export_errors_name_source_positions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/eval-pos");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "fixtures missing in {}", dir.display());
    for p in files {
        let file = p.file_name().unwrap().to_string_lossy().to_string();
        let name = format!("./{file}");
        let src = std::fs::read_to_string(&p).unwrap();
        let want = std::fs::read_to_string(p.with_extension("err")).unwrap();
        let c = pequod_cue::Compiled::from_sources(&[(&name, &src)]).unwrap();
        let mut inst = c.eval();
        let root = inst.root();
        let err = inst.to_json(root, true).expect_err(&name);
        assert_eq!(err.detailed(), want.trim_end(), "{name}");
        assert!(!err.positions.is_empty(), "{name}");
    }
}
