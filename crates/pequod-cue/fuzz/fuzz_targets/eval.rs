//! Parses, evaluates and exports arbitrary input: whatever the input, the
//! pipeline returns a value or an error, never panics, overflows the stack
//! or hangs.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pequod_cue::Compiled;

/// Steps allowed per input: small, so that a slow input is a finding.
const BUDGET: u64 = 200_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(compiled) = Compiled::from_sources(&[("fuzz.cue", text)]) else {
        return;
    };
    let mut inst = compiled.eval_with_limits(&[], BUDGET, Some(std::time::Duration::from_secs(2)));
    let root = inst.root();
    if inst.to_json(root, true).is_err() {
        let _ = inst.export_errors(root);
    }
    for (_, node) in inst.fields(root) {
        let _ = inst.to_json(node, false);
    }
});
