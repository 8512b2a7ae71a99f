//! Modules with imports: packages over several files and directories,
//! imports within the module (qualified, aliased), unknown imports. Each
//! case is checked against the output the official `cue` v0.17.1 printed,
//! and against the oracle itself when it is installed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};

use pequod_cue::{Compiled, LoadError, Module, Tags};

const MODULE: &[(&str, &str)] = &[
    (
        "cue.mod/module.cue",
        "module: \"example.com/x\"\nlanguage: version: \"v0.17.1\"\n",
    ),
    (
        "lib/lib.cue",
        "package lib\n\n#Port: int & >0 & <65536\nName: \"lib\"\n#D: {a: int}\n",
    ),
    ("lib/other.cue", "package other\n\nO: 7\n"),
    (
        "a.cue",
        "package x\n\nimport (\n\t\"example.com/x/lib\"\n\to \"example.com/x/lib:other\"\n\t\"strings\"\n)\n\np: lib.#Port & 80\nn: strings.ToUpper(lib.Name)\nq: o.O\n",
    ),
    ("b.cue", "package x\n\nr: p + 1\n"),
    ("sub/c.cue", "package x\n\ns: r + 1\n"),
    (
        "deep/d.cue",
        "package deep\n\nimport l \"example.com/x/lib\"\n\nd: l.#D & {a: 1}\nbad: l.#D & {b: 1}\n",
    ),
];

fn export(files: &[(&str, &str)], package: &str) -> String {
    let c = match Compiled::from_module_files(files, package, &Tags::new()) {
        Ok(c) => c,
        Err(e) => return format!("LOAD {e}"),
    };
    let mut i = c.eval();
    let r = i.root();
    match i.to_json(r, true) {
        Ok(s) => s,
        Err(_) => {
            let errs = i.export_errors(r);
            errs.iter()
                .map(|e| e.detailed())
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

#[test]
fn imports_within_the_module() {
    assert_eq!(
        export(MODULE, "."),
        "{\n    \"p\": 80,\n    \"n\": \"LIB\",\n    \"q\": 7,\n    \"r\": 81\n}"
    );
}

#[test]
fn a_package_includes_the_files_of_parent_directories() {
    assert_eq!(
        export(MODULE, "./sub"),
        "{\n    \"p\": 80,\n    \"n\": \"LIB\",\n    \"q\": 7,\n    \"r\": 81,\n    \"s\": 82\n}"
    );
}

#[test]
fn qualified_package_and_alias() {
    assert_eq!(export(MODULE, "lib:other"), "{\n    \"O\": 7\n}");
    let out = export(MODULE, "deep");
    assert!(out.contains("bad.b: field not allowed"), "{out}");
}

#[test]
fn several_packages_in_one_directory_need_a_qualifier() {
    assert_eq!(
        export(MODULE, "lib"),
        "LOAD found packages \"lib\" (lib.cue) and \"other\" (other.cue) in \"./lib\""
    );
}

#[test]
fn unknown_imports_name_the_import_position() {
    let mut files = MODULE.to_vec();
    files.push((
        "e.cue",
        "package x\n\nimport \"example.com/x/nope\"\n\na: nope.X\n",
    ));
    assert_eq!(
        export(&files, "."),
        "LOAD example.com/x@v0: import failed: cannot find package \"example.com/x/nope\": \
         cannot find module providing package example.com/x/nope:\n    e.cue:3:8"
    );
    files.pop();
    files.push(("e.cue", "package x\nimport \"foo/bar\"\na: bar.X\n"));
    let Err(LoadError::Import(e)) = Compiled::from_module_files(&files, ".", &Tags::new()) else {
        panic!("expected an import error");
    };
    assert_eq!((e.line, e.column), (2, 8));
    assert_eq!(e.message, "builtin package \"foo/bar\" undefined");
}

#[test]
fn a_module_file_needs_a_language_version() {
    let files = [
        ("cue.mod/module.cue", "module: \"example.com/c\"\n"),
        ("a.cue", "package a\nx: 1\n"),
    ];
    assert_eq!(
        export(&files, "."),
        "LOAD no language version declared in module.cue; run 'cue mod fix'"
    );
}

#[test]
fn the_qualifier_names_the_import() {
    let files = [
        (
            "cue.mod/module.cue",
            "module: \"mod.test\"\nlanguage: version: \"v0.9.0\"\n",
        ),
        (
            "in.cue",
            "package foo\n\nimport \"mod.test/pkg:bar\"\n\nbar\nz: 3\n",
        ),
        (
            "pkg/bar.cue",
            "package bar\n\nimport \"mod.test/pkg:baz\"\n\nbaz\ny: 2\n",
        ),
        ("pkg/baz.cue", "package baz\n\nx: 1\n"),
    ];
    assert_eq!(
        export(&files, "."),
        "{\n    \"x\": 1,\n    \"y\": 2,\n    \"z\": 3\n}"
    );
}

#[test]
fn import_cycles_are_errors() {
    let files = [
        (
            "cue.mod/module.cue",
            "module: \"example.com/c\"\nlanguage: version: \"v0.17.1\"\n",
        ),
        ("a/a.cue", "package a\nimport \"example.com/c/b\"\nx: b.y\n"),
        ("b/b.cue", "package b\nimport \"example.com/c/a\"\ny: a.x\n"),
    ];
    let out = export(&files, "a");
    // `a` is loaded again as a dependency before the cycle closes.
    assert!(
        out.starts_with(
            "LOAD import failed: import failed: import failed: package import cycle not allowed"
        ),
        "{out}"
    );
}

#[test]
fn single_files_resolve_imports_within_their_module() {
    let m = Module::from_files(MODULE).unwrap();
    assert_eq!(m.path(), Some("example.com/x"));
    let c = m.compile_files(&["a.cue"], &Tags::new()).unwrap();
    let mut i = c.eval();
    let r = i.root();
    assert_eq!(i.to_json(r, false).unwrap(), r#"{"p":80,"n":"LIB","q":7}"#);
}

#[test]
fn errors_in_imported_packages_name_their_files() {
    let files = [
        (
            "cue.mod/module.cue",
            "module: \"example.com/e\"\nlanguage: version: \"v0.17.1\"\n",
        ),
        ("lib/l.cue", "package lib\n\nv: int & >10\n"),
        (
            "m.cue",
            "package m\nimport \"example.com/e/lib\"\nx: lib.v & 5\n",
        ),
    ];
    let out = export(&files, ".");
    // `cue` also names `lib/l.cue:3:10`, the bound; positions do not
    // follow references yet.
    assert!(
        out.starts_with("x: invalid value 5 (out of bound >10):"),
        "{out}"
    );
    assert!(out.contains("m.cue:3:12"), "{out}");
}

/// Writes the module to a temporary directory.
fn write_module(files: &[(&str, &str)], name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pequod-cue-{name}-{}", std::process::id()));
    for (p, s) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, s).unwrap();
    }
    dir
}

fn oracle() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let p = Path::new(&home).join(".cache/pequod/bin/cue");
    p.is_file().then_some(p)
}

#[test]
fn from_dir_matches_the_official_cue() {
    let dir = write_module(MODULE, "modules");
    for package in [".", "./sub", "./lib:other"] {
        let c = Compiled::from_dir(&dir, package, &Tags::new()).unwrap();
        let mut i = c.eval();
        let r = i.root();
        let got = i.to_json(r, true).unwrap();
        if let Some(cue) = oracle() {
            let out = std::process::Command::new(cue)
                .args(["export", package])
                .current_dir(&dir)
                .output()
                .unwrap();
            assert_eq!(
                got,
                String::from_utf8_lossy(&out.stdout).trim_end(),
                "{package}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A dependency `cue.mod/local-module.cue` replaces with a directory is
/// loaded from it, for its major version only; one package imported by
/// two paths is one package (its hidden fields unify).
#[test]
fn local_replacements_load_from_directories() {
    let root = std::env::temp_dir().join(format!("pequod-cue-replace-{}", std::process::id()));
    for (p, s) in [
        (
            "cue.mod/module.cue",
            "module: \"example.com/main@v0\"\nlanguage: version: \"v0.17.0\"\n",
        ),
        (
            "cue.mod/local-module.cue",
            "deps: \"example.com/dep@v0\": {v: \"v0.1.0\", replaceWith: \"./dep\"}\n",
        ),
        (
            "dep/cue.mod/module.cue",
            "module: \"example.com/dep@v0\"\nlanguage: version: \"v0.9.0\"\n",
        ),
        (
            "dep/lib.cue",
            "package lib\nimport \"example.com/dep/sub@v0\"\n#foo: sub.#foo\n",
        ),
        (
            "dep/sub/s.cue",
            "package sub\n#foo: {_x?: int, r: *(_x + 10) | -1}\n#with: {in: int, out: _x: in}\n",
        ),
        (
            "a/a.cue",
            "package a\nimport (\n\t\"example.com/dep@v0:lib\"\n\t\"example.com/dep/sub\"\n)\n\
             t: (sub.#with & {in: 2}).out & lib.#foo\n",
        ),
        (
            "b/b.cue",
            "package b\nimport \"example.com/dep@v1:lib\"\nx: lib.#foo\n",
        ),
    ] {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, s).unwrap();
    }
    let m = Module::from_dir(&root).unwrap();
    let c = m.compile("a", &Tags::new()).unwrap();
    let mut i = c.eval();
    let r = i.root();
    assert_eq!(i.to_json(r, false).unwrap(), r#"{"t":{"r":12}}"#);
    let e = m.compile("b", &Tags::new()).unwrap_err().to_string();
    assert!(
        e.contains("cannot find module providing package example.com/dep@v1:lib"),
        "{e}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}
