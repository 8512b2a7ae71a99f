//! `pequod cue export`: concrete values as JSON, YAML or CUE.

use std::process::ExitCode;

use pequod_cue::export::CueMode;

use super::{evaluate, export_failure, fail, leave, load, print};
use crate::cli::{CueExportArgs, CueOut};

pub(super) fn run(args: &CueExportArgs) -> anyhow::Result<ExitCode> {
    let inputs = load(&args.inputs, &args.inject)?;
    let compiled = match inputs.package {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let (mut instance, node) = match evaluate(&compiled, inputs.data, args.expression.as_deref()) {
        Ok(selected) => selected,
        Err(e) => return fail(&e),
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
    let code = match text {
        Ok(text) => print(&text),
        Err(e) => fail(&export_failure(&mut instance, node, &e)),
    };
    leave(instance);
    leave(compiled);
    code
}
