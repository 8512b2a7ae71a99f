//! Structural cycles are errors, reference cycles that resolve are not, and
//! no input overflows the stack or hangs: each case runs on a thread with a
//! 2 MiB stack (a Tokio worker's) and must finish well within its budget.
//! Expected outputs are what the official `cue` v0.17.1 prints.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use pequod_cue::Compiled;

/// `cue export` of a source: the JSON, or the sorted error messages.
fn export(src: &str) -> String {
    let src = src.to_string();
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let c = match Compiled::from_sources(&[("in.cue", src.as_str())]) {
                Ok(c) => c,
                Err(e) => return format!("PARSE {e}"),
            };
            let mut i = c.eval();
            let r = i.root();
            match i.to_json(r, false) {
                Ok(s) => s,
                Err(_) => {
                    let errs = i.export_errors(r);
                    errs.iter()
                        .map(|e| format!("{}: {}", e.path, e.msg))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            }
        })
        .unwrap();
    h.join().expect("no stack overflow or panic")
}

#[test]
fn structural_cycles_are_errors() {
    assert_eq!(export("a: b: a"), "a.b: structural cycle");
    assert_eq!(export("a: {b: a}"), "a.b: structural cycle");
    assert_eq!(export("x: {y: x}"), "x.y: structural cycle");
    assert_eq!(export("#T: {a: #T}"), "#T.a: structural cycle");
    assert_eq!(export("#T: {a?: #T, b: #T}"), "#T.b: structural cycle");
    assert!(export("a: [a]").contains("structural cycle"));
}

#[test]
fn reference_cycles_that_resolve_are_fine() {
    assert_eq!(export("a: b, b: a, a: 1"), r#"{"a":1,"b":1}"#);
    assert_eq!(export("a: {c: a.b, b: 1}"), r#"{"a":{"c":1,"b":1}}"#);
    assert_eq!(
        export("#L: {next?: #L, v: int}\nx: #L & {v: 1, next: {v: 2, next: v: 3}}"),
        r#"{"x":{"next":{"next":{"v":3},"v":2},"v":1}}"#
    );
}

#[test]
fn recursion_through_a_definition_stops() {
    let out = export("x: #T\n#T: {a: #T}");
    assert_eq!(out, "#T.a: structural cycle\nx.a: structural cycle");
    let out = export("x: #T\n#T: {a: b: #T}");
    assert_eq!(out, "#T.a.b: structural cycle\nx.a.b: structural cycle");
    // Recursion through optional fields or pattern constraints ends with
    // the data.
    assert_eq!(
        export("#T: {a: [string]: link: #T}\nx: #T & {a: one: link: a: two: {}}"),
        r#"{"x":{"a":{"one":{"link":{"a":{"two":{"link":{"a":{}}}}}}}}}"#
    );
}

#[test]
fn deep_inputs_do_not_overflow_the_stack() {
    for n in [50, 200, 2000] {
        let list = format!("a: {}1{}", "[".repeat(n), "]".repeat(n));
        let _ = export(&list);
        let structs = format!("a: {}1{}", "{b: ".repeat(n), "}".repeat(n));
        let _ = export(&structs);
        let parens = format!("a: {}1{}", "(".repeat(n), ")".repeat(n));
        let _ = export(&parens);
        let sum = format!("a: 1{}", " + 1".repeat(n));
        let _ = export(&sum);
        let labels = format!("{}1", "a: ".repeat(n));
        let _ = export(&labels);
        let refs: String = (0..n).map(|i| format!("x{i}: x{}\n", i + 1)).collect();
        let _ = export(&format!("{refs}x{n}: 1"));
    }
}
