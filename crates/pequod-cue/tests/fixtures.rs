//! File fixtures: `testdata/parse/ok/*.cue` must parse; each file in
//! `testdata/parse/err/` starts with `// error: MESSAGE` and must fail with an
//! error containing MESSAGE.

use std::path::Path;

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cue"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures in {}", dir.display());
    v
}

#[test]
fn ok_fixtures_parse() {
    for p in files("testdata/parse/ok") {
        let src = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let f = pequod_cue::parse_file(&name, &src).unwrap_or_else(|e| panic!("{e}"));
        assert!(!f.decls.is_empty(), "{name}");
    }
}

#[test]
fn all_syntax_fixture_shape() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/parse/ok/all_syntax.cue");
    let f = pequod_cue::parse_file("all_syntax.cue", &std::fs::read_to_string(p).unwrap()).unwrap();
    assert_eq!(f.attrs.len(), 2);
    assert_eq!(f.attrs[1].args.len(), 3);
    assert_eq!(f.package.as_ref().unwrap().name.name, "syntax");
    assert_eq!(f.imports.iter().map(|i| i.specs.len()).sum::<usize>(), 3);
    assert!(f.comments.iter().any(|c| c.text == "// Package doc."));
    let last = f.decls.last().unwrap();
    assert!(matches!(last, pequod_cue::ast::Decl::Attribute(a) if a.name == "test"));
}

#[test]
fn err_fixtures_fail_with_message() {
    for p in files("testdata/parse/err") {
        let src = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let want = src
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// error: "))
            .unwrap();
        let err = pequod_cue::parse_file(&name, &src).expect_err(&name);
        let first = &err.errors[0];
        assert!(first.message.contains(want), "{name}: got {err}");
        assert!(first.line >= 2, "{name}: {first}");
        assert_eq!(first.file, name);
    }
}
