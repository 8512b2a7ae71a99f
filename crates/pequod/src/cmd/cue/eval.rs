//! `pequod cue eval` and `pequod cue def`: the evaluated value, or the
//! schema, as CUE text.

use std::process::ExitCode;

use pequod_cue::export::{CueMode, EvalFields};
use pequod_cue::value::ErrorCode;
use pequod_cue::{Instance, Node};

use super::load::instances;
use super::output::Target;
use super::select::{Selection, select, undefined};
use super::{data_values, export_failure, expr, fail, imports, leave, load, load_package, print};
use crate::cli::{CueDefArgs, CueEvalArgs, CueExportArgs, CueOut, CueOutputArgs};

pub(super) fn eval(args: &CueEvalArgs) -> anyhow::Result<ExitCode> {
    let output = &args.output;
    let target = match Target::new(output, CueOut::Cue) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    if target.out != CueOut::Cue {
        // JSON and YAML need concrete values: that is an export.
        return super::export::run(&CueExportArgs {
            inputs: args.inputs.clone(),
            output: output.clone(),
            escape: false,
        });
    }
    let mut text = String::new();
    let mut failure = None;
    let instances = instances(&args.inputs, &output.inject);
    let tags = super::tags_for(&output.inject, &instances)?;
    if let Some(e) = super::load_error(&args.inputs, &instances, &tags)? {
        return fail(&e);
    }
    for (i, inputs) in instances.iter().enumerate() {
        if i > 0 {
            text.push_str("// ---\n");
        }
        failure = show(args, inputs, &tags, &mut text)?;
        if failure.is_some() {
            break;
        }
    }
    if args.simplify {
        text = super::simplify::simplify(&text);
    }
    let code = target.write(&text)?;
    match failure {
        None => Ok(code),
        Some(e) => fail(&e),
    }
}

/// Appends the instance of `inputs` to `text` as `cue eval` prints it, a
/// value per `-e`; the error is what the official CLI prints when it fails.
fn show(
    args: &CueEvalArgs,
    inputs: &[std::path::PathBuf],
    tags: &pequod_cue::Tags,
    text: &mut String,
) -> anyhow::Result<Option<String>> {
    let output = &args.output;
    let (compiled, data_files) = match load_package(inputs, output, tags)? {
        Ok(loaded) => loaded,
        Err(e) => return Ok(Some(e)),
    };
    if compiled.files().is_empty() && data_files.is_empty() {
        // JSON Lines of no record: nothing to print.
        return Ok(None);
    }
    let data = match data_values(data_files, output) {
        Ok(d) => d,
        Err(e) => return Ok(Some(e)),
    };
    let extended = match expr::extend(&compiled, &output.expression, &data) {
        Ok(e) => e,
        Err(e) => return Ok(Some(e)),
    };
    let mut instance = extended
        .as_ref()
        .map_or(&compiled, |e| &e.compiled)
        .eval_with(&data);
    let shown = if args.concrete {
        EvalFields {
            hidden: false,
            optional: false,
            definitions: false,
        }
    } else {
        EvalFields {
            hidden: args.all || args.show_hidden,
            optional: args.all || args.show_optional,
            definitions: true,
        }
    };
    if let Some(name) = &output.package {
        text.push_str(&format!("package {name}\n\n"));
    }
    let mut failure = None;
    let headed = output.expression.len() > 1;
    let root = [String::new()];
    let paths = if output.expression.is_empty() {
        &root[..]
    } else {
        &output.expression[..]
    };
    for (i, path) in paths.iter().enumerate() {
        // With several expressions each value, or its error, is headed by it.
        let header = if headed {
            format!("// {path}\n")
        } else {
            String::new()
        };
        let node = match path.as_str() {
            "" => instance.root(),
            path => match expr::select_nth(&mut instance, i, path) {
                Ok(Selection::Node(n)) => n,
                Ok(Selection::Undefined(field, _)) => {
                    text.push_str(&header);
                    text.push_str(&format!("_|_ // {}\n", undefined(&field, None)));
                    continue;
                }
                Err(e) => {
                    failure = Some(header + &e);
                    break;
                }
            },
        };
        match value(&mut instance, node, args, shown) {
            Ok(value) => {
                text.push_str(&header);
                text.push_str(&imports::header(&compiled, &value, "    "));
                text.push_str(&value);
            }
            Err(e) => {
                failure = Some(header + &e);
                break;
            }
        }
    }
    leave(instance);
    if let (Some(e), Some(f)) = (&extended, &failure) {
        failure = Some(e.tidy(f));
    }
    leave(extended);
    leave(compiled);
    Ok(failure)
}

/// `node` as `cue eval` prints it: incomplete values are shown unless
/// `-c`; any other error fails, or with `-i` is shown in place.
fn value(
    instance: &mut Instance<'_>,
    node: Node,
    args: &CueEvalArgs,
    shown: EvalFields,
) -> Result<String, String> {
    let errors = errors(instance, node);
    if !errors.is_empty() && !args.output.ignore {
        return Err(errors.join("\n"));
    }
    if args.concrete
        && !args.output.ignore
        && let Err(e) = instance.to_json(node, false)
    {
        return Err(export_failure(instance, node, &e));
    }
    instance
        .to_cue_with(node, CueMode::Eval, shown)
        .map_err(|e| e.detailed())
}

pub(super) fn def(args: &CueDefArgs) -> anyhow::Result<ExitCode> {
    let inputs = load(&args.inputs, &pequod_cue::Tags::parse(&args.inject))?;
    let compiled = match inputs.package {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let data = match data_values(inputs.data, &CueOutputArgs::default()) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let mut instance = compiled.eval_with(&data);
    let node = match args.expression.as_deref() {
        None => instance.root(),
        Some(path) => match select(&mut instance, path) {
            Ok(Selection::Node(n)) => n,
            Ok(Selection::Undefined(field, column)) => {
                return fail(&undefined(&field, Some(column)));
            }
            Err(e) => return fail(&e),
        },
    };
    // Incomplete values are what def shows; any other error fails.
    let errors = errors(&mut instance, node);
    if !errors.is_empty() {
        return fail(&errors.join("\n"));
    }
    let mut text = String::new();
    if args.expression.is_none() {
        let package = compiled
            .files()
            .iter()
            .find_map(|f| f.package.as_ref().map(|p| p.name.name.clone()));
        if let Some(name) = package {
            text.push_str(&format!("package {name}\n\n"));
        }
    }
    let code = match instance.to_cue(node, CueMode::Def) {
        Ok(body) => {
            text.push_str(&imports::header(&compiled, &body, "\t"));
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
