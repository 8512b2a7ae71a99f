//! `pequod cue eval` and `pequod cue def`: the evaluated value, or the
//! schema, as CUE text.

use std::process::ExitCode;

use pequod_cue::export::CueMode;
use pequod_cue::value::ErrorCode;
use pequod_cue::{Instance, Node};

use super::{evaluate, fail, leave, load, print};
use crate::cli::{CueDefArgs, CueEvalArgs, CueExportArgs, CueOut};

pub(super) fn eval(args: &CueEvalArgs) -> anyhow::Result<ExitCode> {
    if !matches!(args.out, CueOut::Cue) {
        // JSON and YAML need concrete values: that is an export.
        return super::export::run(&CueExportArgs {
            inputs: args.inputs.clone(),
            expression: args.expression.clone(),
            out: args.out,
            inject: args.inject.clone(),
        });
    }
    show(
        &args.inputs,
        &args.inject,
        args.expression.as_deref(),
        CueMode::Eval,
    )
}

pub(super) fn def(args: &CueDefArgs) -> anyhow::Result<ExitCode> {
    show(
        &args.inputs,
        &args.inject,
        args.expression.as_deref(),
        CueMode::Def,
    )
}

fn show(
    inputs: &[std::path::PathBuf],
    inject: &[String],
    expression: Option<&str>,
    mode: CueMode,
) -> anyhow::Result<ExitCode> {
    let inputs = load(inputs, inject)?;
    let compiled = match inputs.package {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let (mut instance, node) = match evaluate(&compiled, inputs.data, expression) {
        Ok(selected) => selected,
        Err(e) => return fail(&e),
    };
    // Incomplete values are what eval and def show; any other error fails.
    let errors = errors(&mut instance, node);
    if !errors.is_empty() {
        return fail(&errors.join("\n"));
    }
    let mut text = String::new();
    if mode == CueMode::Def && expression.is_none() {
        let package = compiled
            .files()
            .iter()
            .find_map(|f| f.package.as_ref().map(|p| p.name.name.clone()));
        if let Some(name) = package {
            text.push_str(&format!("package {name}\n\n"));
        }
    }
    let code = match instance.to_cue(node, mode) {
        Ok(body) => {
            text.push_str(&body);
            print(&text)
        }
        Err(e) => fail(&e.detailed()),
    };
    leave(instance);
    leave(compiled);
    code
}

/// The errors below `node` that are not merely incomplete values, as the
/// official CLI prints them.
pub(super) fn errors(instance: &mut Instance<'_>, node: Node) -> Vec<String> {
    instance
        .export_errors(node)
        .into_iter()
        .filter(|e| e.code != ErrorCode::Incomplete)
        .map(|e| e.detailed())
        .collect()
}
