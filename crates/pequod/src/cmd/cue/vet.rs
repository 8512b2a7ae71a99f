//! `pequod cue vet`: validates a package, or data files against it.

use std::process::ExitCode;

use super::eval::errors;
use super::load::instances;
use super::{fail, load};
use crate::cli::CueVetArgs;

/// What the official CLI prints when a package is incomplete and neither
/// `-c` nor `-c=false` was given.
const INCOMPLETE_HINT: &str = "some instances are incomplete; use the -c flag to show errors or -c=false to allow incomplete instances";

/// Vets each package the inputs name (`./...` names several), in turn.
pub(super) fn run(args: &CueVetArgs) -> anyhow::Result<ExitCode> {
    let instances = instances(&args.inputs, &args.inject);
    let tags = super::tags_for(&args.inject, &instances)?;
    if let Some(e) = super::load_error(&args.inputs, &instances, &tags)? {
        return fail(&e);
    }
    for inputs in &instances {
        if let Some(e) = vet(args, inputs, &tags)? {
            return fail(&e);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Vets one package: the error text the official CLI prints, if any.
fn vet(
    args: &CueVetArgs,
    inputs: &[std::path::PathBuf],
    tags: &pequod_cue::Tags,
) -> anyhow::Result<Option<String>> {
    let inputs = load(inputs, tags)?;
    let compiled = match inputs.package {
        Ok(c) => c,
        Err(e) => return Ok(Some(e)),
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
        return Ok((!failures.is_empty()).then(|| failures.join("\n")));
    }
    let mut instance = compiled.eval();
    let root = instance.root();
    let hard = errors(&mut instance, root);
    if !hard.is_empty() {
        return Ok(Some(hard.join("\n")));
    }
    let incomplete = instance.export_errors(root);
    Ok(match args.concrete {
        _ if incomplete.is_empty() => None,
        Some(false) => None,
        Some(true) => Some(
            incomplete
                .iter()
                .map(|e| e.detailed())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        None => Some(INCOMPLETE_HINT.to_string()),
    })
}
