//! Inputs the fuzz target (`fuzz/`, `cargo fuzz run eval`) found to crash,
//! overflow the stack or hang: each must now evaluate and export quickly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::time::{Duration, Instant};

use pequod_cue::Compiled;

/// Parses, evaluates and exports `src` as the fuzz target does, on a
/// thread with a 2 MiB stack, within `limit`.
fn run(src: &str, limit: Duration) {
    let src = src.to_string();
    let start = Instant::now();
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let Ok(c) = Compiled::from_sources(&[("fuzz.cue", src.as_str())]) else {
                return;
            };
            let mut i = c.eval_with_budget(&[], 200_000);
            let r = i.root();
            if i.to_json(r, true).is_err() {
                let _ = i.export_errors(r);
            }
        })
        .unwrap();
    h.join().expect("no panic or stack overflow");
    assert!(start.elapsed() < limit, "took {:?}", start.elapsed());
}

/// A float far below the precision of the other operand: the exact sum
/// would spell out 10^18 digits (a hang).
#[test]
fn sums_of_floats_with_distant_exponents() {
    run(
        "5555555555555555555555555555&555555555555555-5555555555555&555555555555/55-51e555555555555555555&555555555555/55-5",
        Duration::from_secs(5),
    );
    run("x: 5 - 51e5555555555", Duration::from_secs(5));
    run("x: 1e-5555555555 / 1", Duration::from_secs(5));
}

/// A long chain of shorthand fields (`a: a: a: ...`) overflowed the
/// parser's stack.
#[test]
fn long_chains_of_shorthand_fields() {
    run(&format!("{}1", "a: ".repeat(5000)), Duration::from_secs(10));
}
