//! Parses every `.cue` file section of every `.txtar` archive in the upstream
//! CUE v0.17.1 conformance corpus.
//!
//! Archives whose expected output contains a syntax error reported by the
//! official parser for a file are "expected syntax errors": that file must be
//! rejected. Every other file must parse.

use std::io::Write;
use std::path::Path;

use pequod_cue::txtar;

mod common;

/// Messages the official parser and scanner produce for syntax errors.
const SYNTAX_MESSAGES: &[&str] = &[
    "expected '",
    "expected operand",
    "expected label",
    "expected 'STRING'",
    "missing ','",
    "illegal character",
    "string literal not terminated",
    "expected newline after multiline quote",
    "non-matching whitespace",
    "invalid attribute",
    "attribute missing",
    "unknown escape sequence",
    "escape sequence",
    "illegal token",
    "square bracket must have exactly one element",
    "identifiers starting with '__' are reserved",
    "invalid import path",
    "expected selector",
    "illegal '_' in number",
];

/// Whether the archive's non-CUE sections report a syntax error at `name`.
fn expects_syntax_error(archive: &txtar::Archive, name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    archive
        .files
        .iter()
        .filter(|f| !f.name.ends_with(".cue"))
        .any(|f| {
            let lines: Vec<&str> = f.data.lines().collect();
            lines.iter().enumerate().any(|(i, line)| {
                // Errors of builtins and of imported packages mention other files.
                !line.contains("error in call to")
                    && !line.contains("import failed")
                    && SYNTAX_MESSAGES.iter().any(|m| line.contains(m))
                    && lines
                        .iter()
                        .skip(i)
                        .take(3)
                        .any(|l| l.contains(&format!("{base}:")))
            })
        })
}

#[test]
fn conformance_corpus_parses() {
    let dir = common::corpus_dir();
    let archives = common::txtar_archives(&dir);

    let listed: Vec<String> = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/expected-syntax-errors.txt"),
    )
    .unwrap_or_default()
    .lines()
    .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
    .filter(|l| !l.is_empty())
    .collect();
    let mut ok = 0usize;
    let mut total = 0usize;
    let mut expected_errors = 0usize;
    let mut rejected_expected = 0usize;
    let mut failures = Vec::new();
    let mut accepted_bad = Vec::new();
    for path in &archives {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let archive = txtar::parse(&text);
        let rel = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        for f in archive.files.iter().filter(|f| f.name.ends_with(".cue")) {
            let name = format!("{rel}:{}", f.name);
            let result = pequod_cue::parse_file(&f.name, &f.data);
            if listed.contains(&name) || expects_syntax_error(&archive, &f.name) {
                println!("expected syntax error: {name}");
                expected_errors += 1;
                match result {
                    Err(_) => rejected_expected += 1,
                    Ok(_) => accepted_bad.push(name),
                }
                continue;
            }
            total += 1;
            match result {
                Ok(_) => ok += 1,
                Err(e) => failures.push(format!(
                    "{name}: {}",
                    e.errors
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                )),
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    for f in &accepted_bad {
        println!("ACCEPTED (expected syntax error) {f}");
    }
    let all = if rejected_expected == expected_errors {
        "all rejected"
    } else {
        "NOT all rejected"
    };
    // Written past the test harness's capture: every log shows the figures.
    let _ = writeln!(
        std::io::stderr(),
        "cue-parse: {ok}/{total} files parse, {expected_errors} expected syntax errors ({all})"
    );
    let baseline: usize = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/parse-baseline.txt"),
    )
    .ok()
    .and_then(|s| s.trim().parse().ok())
    .unwrap_or(total);
    assert!(
        ok >= baseline,
        "{} files fail to parse (baseline requires {baseline} of {total})",
        total - ok
    );
    assert!(
        accepted_bad.is_empty(),
        "expected syntax errors were accepted: {accepted_bad:?}"
    );
}
