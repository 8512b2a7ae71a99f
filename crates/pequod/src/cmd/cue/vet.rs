//! `pequod cue vet`: validates a package, or data files against it.

use std::process::ExitCode;

use super::eval::errors;
use super::{fail, load};
use crate::cli::CueVetArgs;

/// What the official CLI prints when a package is incomplete and neither
/// `-c` nor `-c=false` was given.
const INCOMPLETE_HINT: &str = "some instances are incomplete; use the -c flag to show errors or -c=false to allow incomplete instances";

pub(super) fn run(args: &CueVetArgs) -> anyhow::Result<ExitCode> {
    let inputs = load(&args.inputs, &args.inject)?;
    let compiled = match inputs.package {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    if !inputs.data.is_empty() {
        // Each data file on its own, unified with the package; the result
        // must be concrete whatever `-c` says.
        let mut failures = Vec::new();
        for (_, value) in inputs.data {
            let mut instance = compiled.eval_with(&[("", value)]);
            let root = instance.root();
            failures.extend(instance.export_errors(root).iter().map(|e| e.detailed()));
        }
        return if failures.is_empty() {
            Ok(ExitCode::SUCCESS)
        } else {
            fail(&failures.join("\n"))
        };
    }
    let mut instance = compiled.eval();
    let root = instance.root();
    let hard = errors(&mut instance, root);
    if !hard.is_empty() {
        return fail(&hard.join("\n"));
    }
    let incomplete = instance.export_errors(root);
    match args.concrete {
        _ if incomplete.is_empty() => Ok(ExitCode::SUCCESS),
        Some(false) => Ok(ExitCode::SUCCESS),
        Some(true) => fail(
            &incomplete
                .iter()
                .map(|e| e.detailed())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        None => fail(INCOMPLETE_HINT),
    }
}
