//! What several test binaries of pequod-cue share: the conformance corpus
//! and the bundled webservice module.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]
#![allow(clippy::expect_used, reason = "test set-up fails by panicking")]

use std::path::{Path, PathBuf};

/// The root of the CUE v0.17.1 conformance corpus (`PEQUOD_CUE_CONFORMANCE_DIR`
/// overrides it). Panics, naming the path, when it is missing: these tests
/// never skip.
pub(crate) fn corpus_dir() -> PathBuf {
    let dir = std::env::var("PEQUOD_CUE_CONFORMANCE_DIR").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cue-v0.17.1"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "conformance corpus not found at {} (set PEQUOD_CUE_CONFORMANCE_DIR)",
        dir.display()
    );
    dir
}

/// Every `.txtar` archive under `dir`, in path order.
pub(crate) fn txtar_archives(dir: &Path) -> Vec<PathBuf> {
    fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|e| e == "txtar") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    collect(dir, &mut out);
    assert!(
        !out.is_empty(),
        "no .txtar archives under {}",
        dir.display()
    );
    out
}

/// The bundled webservice module's package, compiled.
pub(crate) fn webservice_module() -> pequod_cue::Compiled {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../modules/webservice");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("modules/webservice")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    files.sort();
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(p).expect("module file"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    pequod_cue::Compiled::from_sources(&refs).expect("the webservice module parses")
}
