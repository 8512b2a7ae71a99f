//! Closedness: definitions close structs recursively, `close()` closes one
//! level, `...` opens, embedding in definitions, the conjunction of closed
//! structs, pattern constraints, and `field not allowed` positions. Each
//! expectation is what the official `cue export` v0.17.1 prints for the
//! source saved as `./in.cue`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use pequod_cue::Compiled;

/// Exports `src` (as `./in.cue`) like `cue export`: JSON, or every error.
fn export(src: &str) -> String {
    let c = Compiled::from_sources(&[("./in.cue", src)]).unwrap();
    let mut i = c.eval();
    let r = i.root();
    match i.to_json(r, true) {
        Ok(s) => s,
        Err(e) => {
            let all = i.export_errors(r);
            if all.is_empty() {
                return e.detailed();
            }
            all.iter()
                .map(|e| e.detailed())
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

fn check(src: &str, want: &str) {
    assert_eq!(export(src).trim_end(), want, "{src}");
}

#[test]
fn definitions_close_recursively() {
    check(
        r#"#D: {a: {b: int}}
x: #D & {a: {b: 1, c: 1}}"#,
        r#"x.a.c: field not allowed:
    ./in.cue:2:20"#,
    );
}

#[test]
fn close_is_shallow() {
    check(
        r#"z: close({a: {b: 1}}) & {a: {c: 2}}
y: close({a: 1}) & {b: 2}"#,
        r#"y.b: field not allowed:
    ./in.cue:2:21"#,
    );
}

#[test]
fn ellipsis_opens() {
    check(
        r#"#D: {a: int, ...}
x: #D & {a: 1, b: 1}"#,
        r#"{
    "x": {
        "a": 1,
        "b": 1
    }
}"#,
    );
}

#[test]
fn embedding_in_definitions() {
    check(
        r#"#E: {a: {b: int}}
#S: {
	#E
	a: {c: int}
	b: 3
}
ok: #S & {a: {b: 1, c: 2}}
bad: #S & {a: {d: 4}}"#,
        r#"bad.a.d: field not allowed:
    ./in.cue:8:16"#,
    );
}

#[test]
fn conjunction_of_closed_structs_allows_the_intersection() {
    check(
        r#"#A: {a: int}
#B: {b: int}
x: #A & #B & {a: 1}"#,
        r#"x.a: field not allowed:
    ./in.cue:1:6
    ./in.cue:3:15
x.b: field not allowed:
    ./in.cue:2:6"#,
    );
}

#[test]
fn open_and_closed_conjunction() {
    check(
        r#"#A: {a: int, ...}
#B: {a: int, b?: int}
x: #A & #B & {a: 1, b: 2}
y: #A & #B & {a: 1, c: 2}"#,
        r#"y.c: field not allowed:
    ./in.cue:4:21"#,
    );
}

#[test]
fn patterns_count_as_allowed_fields() {
    check(
        r#"#P: {[=~"^x"]: int}
p: #P & {xa: 1, yb: 2}"#,
        r#"p.yb: field not allowed:
    ./in.cue:2:17"#,
    );
}

#[test]
fn references_to_closed_fields_stay_closed() {
    check(
        r#"#D: {x: 1}
a: #D
b: a & {y: 1}"#,
        r#"b.y: field not allowed:
    ./in.cue:3:9"#,
    );
}

#[test]
fn selection_in_a_definition_is_closed() {
    check(
        r#"#D: {x: {p: 1}}
b: #D.x & {y: 1}"#,
        r#"b.y: field not allowed:
    ./in.cue:2:12"#,
    );
}

#[test]
fn selection_in_a_regular_field_is_open() {
    check(
        r#"#D: {x: {p: 1}}
d: #D
b: d.x & {y: 1}"#,
        r#"{
    "d": {
        "x": {
            "p": 1
        }
    },
    "b": {
        "p": 1,
        "y": 1
    }
}"#,
    );
}

#[test]
fn references_within_a_definition_are_open() {
    check(
        r#"#D: {x: {p: 1}, z: x & {q: 1}}
o: #D"#,
        r#"{
    "o": {
        "x": {
            "p": 1
        },
        "z": {
            "p": 1,
            "q": 1
        }
    }
}"#,
    );
}

#[test]
fn fields_added_after_a_definition() {
    check(
        r#"#D: {a: int}
x: #D
x: {a: 1}
x: b: 2"#,
        r#"x.b: field not allowed:
    ./in.cue:4:4"#,
    );
}

#[test]
fn list_elements_of_definitions_are_closed() {
    check(
        r#"#D: {a: [...{n: int}]}
x: #D & {a: [{n: 1}, {n: 2, m: 3}]}"#,
        r#"x.a.1.m: field not allowed:
    ./in.cue:2:29"#,
    );
}

#[test]
fn a_field_no_disjunct_allows() {
    check(
        "#T: {a: int} | {b: int}\nx: #T & {b: 1}\ny: #T & {c: 1}\n",
        "y.c: field not allowed:\n    ./in.cue:3:10",
    );
}
