//! `pequod cue export`: concrete values as JSON, YAML or CUE.

use std::process::ExitCode;

use pequod_cue::export::{CueMode, EvalFields};
use pequod_cue::{Instance, Node};

use super::load::instances;
use super::output::Target;
use super::select::{Selection, undefined};
use super::{data_values, export_failure, expr, fail, leave, load_package, place};
use crate::cli::{CueExportArgs, CueOut};

pub(super) fn run(args: &CueExportArgs) -> anyhow::Result<ExitCode> {
    let target = match Target::new(&args.output, CueOut::Json) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let mut text = String::new();
    let mut failure = None;
    let instances = instances(&args.inputs, &args.output.inject);
    let tags = super::tags_for(&args.output.inject, &instances)?;
    if let Some(e) = super::load_error(&args.inputs, &instances, &tags)? {
        return fail(&e);
    }
    for (i, inputs) in instances.iter().enumerate() {
        if i > 0 {
            text.push_str(separator(target.out));
        }
        failure = export(args, inputs, &tags, target.out, &mut text)?;
        if failure.is_some() {
            break;
        }
    }
    if args.escape && target.out == CueOut::Json {
        text = escape_html(&text);
    }
    let code = target.write(&text)?;
    match failure {
        None => Ok(code),
        Some(e) => fail(&e),
    }
}

/// Appends the instance of `inputs` to `text` in `out`, a value per `-e`;
/// the error is what the official CLI prints when it fails.
fn export(
    args: &CueExportArgs,
    inputs: &[std::path::PathBuf],
    tags: &pequod_cue::Tags,
    out: CueOut,
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
    // Without data files `-l` places the package's value.
    let labels = if data_files.is_empty() {
        place::literals(&output.path)
    } else {
        Ok(Vec::new())
    };
    let placed = labels.and_then(|labels| Ok((labels, data_values(data_files, output)?)));
    let (labels, data) = match placed {
        Ok(p) => p,
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
    if let (CueOut::Cue, Some(name)) = (out, &output.package) {
        text.push_str(&format!("package {name}\n\n"));
    }
    let root = [String::new()];
    let paths = if output.expression.is_empty() {
        &root[..]
    } else {
        &output.expression[..]
    };
    let mut failure = None;
    for (i, path) in paths.iter().enumerate() {
        let node = match path.as_str() {
            "" => instance.root(),
            path => match expr::select_nth(&mut instance, i, path) {
                Ok(Selection::Node(n)) => n,
                Ok(Selection::Undefined(field, column)) => {
                    failure = Some(undefined(&field, Some(column)));
                    break;
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            },
        };
        if i > 0 {
            text.push_str(separator(out));
        }
        match render(&mut instance, node, out, &labels) {
            Ok(value) => text.push_str(&value),
            Err(e) => {
                failure = Some(e);
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

/// What the official CLI prints between the values of several `-e`.
fn separator(out: CueOut) -> &'static str {
    match out {
        CueOut::Json => "",
        CueOut::Yaml => "---\n",
        CueOut::Cue => "// ---\n",
        CueOut::Text => "",
    }
}

/// `node` in `out`, ending with a newline, placed at the field path
/// `labels`; the error lists what keeps it from exporting.
pub(super) fn render(
    instance: &mut Instance<'_>,
    node: Node,
    out: CueOut,
    labels: &[String],
) -> Result<String, String> {
    let text = match out {
        CueOut::Json => instance.to_json(node, true).map(|t| {
            let mut t = labels.iter().rev().fold(t, |inner, label| {
                let key = serde_json::Value::String(label.clone());
                format!("{{\n    {key}: {}\n}}", inner.replace('\n', "\n    "))
            });
            t.push('\n');
            t
        }),
        CueOut::Yaml => instance.to_json_value(node).map(|v| {
            let v = labels.iter().rev().fold(v, |inner, label| {
                serde_json::Value::Object(serde_json::Map::from_iter([(label.clone(), inner)]))
            });
            serde_yaml::to_string(&v).unwrap_or_default()
        }),
        CueOut::Cue => instance.to_cue_placed(node, CueMode::Export, EvalFields::default(), labels),
        CueOut::Text => return text(instance, node),
    };
    text.map_err(|e| export_failure(instance, node, &e))
}

/// A string value and a newline (`--out text`); other values fail.
fn text(instance: &mut Instance<'_>, node: Node) -> Result<String, String> {
    let value = instance
        .to_json_value(node)
        .map_err(|e| export_failure(instance, node, &e))?;
    let kind = match &value {
        serde_json::Value::String(s) => return Ok(format!("{s}\n")),
        serde_json::Value::Object(_) => "struct",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Null => "null",
        serde_json::Value::Number(n) if n.is_f64() => "float",
        serde_json::Value::Number(_) => "int",
    };
    let path = instance.path(node);
    let at = if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    };
    Err(format!(
        "{at}cannot use value {value} (type {kind}) as string"
    ))
}

/// JSON text with `<`, `>` and `&` escaped as Go's HTML-safe encoder does
/// (they can only occur inside strings).
fn escape_html(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_characters_are_escaped() {
        assert_eq!(
            escape_html(r#"{"a": "& < >"}"#),
            r#"{"a": "\u0026 \u003c \u003e"}"#
        );
    }
}
