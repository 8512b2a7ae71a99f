//! `pequod cue export`: concrete values as JSON, YAML or CUE.

use std::process::ExitCode;

use pequod_cue::export::CueMode;

use super::{export_failure, fail, load, print};
use crate::cli::{CueExportArgs, CueOut};

pub(super) fn run(args: &CueExportArgs) -> anyhow::Result<ExitCode> {
    let inputs = load(&args.inputs, &args.inject)?;
    let compiled = match inputs.package {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let data: Vec<(&str, serde_json::Value)> =
        inputs.data.into_iter().map(|(_, v)| ("", v)).collect();
    let mut instance = compiled.eval_with(&data);
    let node = match &args.expression {
        None => instance.root(),
        Some(path) => match instance.lookup(path) {
            Some(node) => node,
            None => return fail(&format!("reference \"{path}\" not found")),
        },
    };
    let text = match args.out {
        CueOut::Json => instance.to_json(node, true).map(|mut t| {
            t.push('\n');
            t
        }),
        CueOut::Yaml => instance
            .to_json_value(node)
            .map(|v| serde_yaml::to_string(&v).unwrap_or_default()),
        CueOut::Cue => instance.to_cue(node, CueMode::Export),
    };
    match text {
        Ok(text) => print(&text),
        Err(e) => fail(&export_failure(&mut instance, node, &e)),
    }
}
