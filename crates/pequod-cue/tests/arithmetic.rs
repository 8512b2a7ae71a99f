//! Arithmetic results the differential test (`tests/differential.rs`)
//! found printed differently from the official `cue`.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

/// Quotients and products print as `cue` prints them (found by the
/// differential test): a whole quotient keeps one fraction digit, a zero
/// quotient keeps the dividend's exponent, a negative one rounds half away
/// from zero, a product adds the exponents even for a factor of 1.
#[test]
fn arithmetic_results_print_as_cue_does() {
    let src = "a: 4 / 2\nb: 20 / 2\nc: 2000 / 2\nd: 2.400 / 2.0\ne: 0 / 1\nf: 0.0 / 5\ng: -2 / 3\nh: 1.0 * 2\ni: (3/193) - (3/193)\n";
    let compiled = pequod_cue::Compiled::from_sources(&[("x.cue", src)]).unwrap();
    let mut inst = compiled.eval();
    let root = inst.root();
    let got = inst.to_json(root, false).unwrap();
    assert_eq!(
        got,
        r#"{"a":2.0,"b":10,"c":1.0E+3,"d":1.2,"e":0,"f":0.0,"g":-0.6666666666666666666666666666666667,"h":2.0,"i":0.00000000000000000000000000000000000}"#
    );
}
