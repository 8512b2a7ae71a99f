//! Exports each `testdata/eval/*.cue` and compares with the `.json` next to
//! it, and each `testdata/eval-err/*.cue` with the first line of the error in
//! the `.err` next to it. The expected files are what the official `cue`
//! v0.17.1 prints (`cue export FILE`), byte for byte.

use std::path::Path;

fn fixtures(dir: &str, ext: &str) -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir);
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    entries.sort();
    for p in entries {
        let src = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let want = std::fs::read_to_string(p.with_extension(ext))
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push((p.display().to_string(), src, want));
    }
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

fn export(name: &str, src: &str) -> Result<String, String> {
    let c = pequod_cue::Compiled::from_sources(&[(name, src)]).map_err(|e| e.to_string())?;
    let mut inst = c.eval();
    let root = inst.root();
    inst.to_json(root, true).map_err(|e| e.to_string())
}

#[test]
fn exports_match_official_cue() {
    for (name, src, want) in fixtures("eval", "json") {
        let got = export(&name, &src).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, want.trim_end(), "{name}");
    }
}

#[test]
fn errors_match_official_cue() {
    for (name, src, want) in fixtures("eval-err", "err") {
        let got = export(&name, &src).expect_err(&name);
        assert_eq!(got, want.trim_end().trim_end_matches(':'), "{name}");
    }
}
