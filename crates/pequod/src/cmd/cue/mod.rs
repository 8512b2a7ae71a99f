//! `pequod cue`: the official CLI's `export`, `eval`, `def` and `vet`, on
//! Pequod's evaluator. `load` reads the inputs; each verb has its file.

mod bad_imports;
mod data;
mod data_mode;
mod eval;
mod experiment;
mod export;
mod expr;
mod filetype;
mod import_path;
mod imports;
mod in_module;
mod label_eval;
mod load;
mod output;
mod pattern;
mod place;
mod select;
mod simplify;
mod toml;
mod vet;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pequod_cue::Compiled;
use pequod_cue::value::ErrorCode;

use crate::cli::{CueCommand, CueOutputArgs};
use load::load;

/// Runs a `pequod cue` subcommand.
pub(crate) fn run(command: &CueCommand) -> anyhow::Result<ExitCode> {
    if let Some(e) = std::env::var("CUE_EXPERIMENT")
        .ok()
        .and_then(|v| experiment::check(&v))
    {
        return fail(&e);
    }
    match command {
        CueCommand::Export(args) => export::run(args),
        CueCommand::Eval(args) => eval::eval(args),
        CueCommand::Def(args) => eval::def(args),
        CueCommand::Vet(args) => vet::run(args),
    }
}

/// The parsed data files, as the values unified with the package's root,
/// each placed at the labels `-l` gives (evaluated against the record and
/// its file with `--with-context`; gathered in lists with `--list`); the
/// error is the text the official CLI prints.
fn data_values(
    data: DataFiles,
    output: &CueOutputArgs,
) -> Result<Vec<(&'static str, serde_json::Value)>, String> {
    let placing = place::Placing {
        paths: &output.path,
        list: output.list,
        with_context: output.with_context,
    };
    Ok(place::place_all(data, &placing)?
        .into_iter()
        .map(|v| ("", v))
        .collect())
}

/// Fails as the official CLI does when `-p NAME` differs from the package
/// name the CUE files named among `inputs` declare (a directory's package
/// is printed under the flag's name).
fn check_package(
    compiled: &Compiled,
    inputs: &[PathBuf],
    flag: Option<&str>,
) -> Result<(), String> {
    let Some(flag) = flag else {
        return Ok(());
    };
    let files_named = inputs
        .iter()
        .any(|p| p.is_file() && p.extension().is_some_and(|e| e == "cue"));
    if !files_named {
        return Ok(());
    }
    let declared = compiled
        .files()
        .iter()
        .find_map(|f| f.package.as_ref().map(|p| p.name.name.clone()));
    match declared {
        Some(name) if name != flag => Err(format!(
            "\"package\" flag clashes with existing package name ({flag} vs {name})"
        )),
        _ => Ok(()),
    }
}

/// The data files given after the package, parsed.
type DataFiles = Vec<(PathBuf, serde_json::Value)>;

/// The package of `inputs` with the `-t` tags, checked against `-p`, and
/// the parsed data files; `Err` is the text the official CLI prints.
fn load_package(
    inputs: &[PathBuf],
    output: &CueOutputArgs,
    tags: &pequod_cue::Tags,
) -> anyhow::Result<Result<(Compiled, DataFiles), String>> {
    let loaded = load(inputs, tags)?;
    Ok(loaded.package.and_then(|compiled| {
        check_package(&compiled, inputs, output.package.as_deref())?;
        Ok((compiled, loaded.data))
    }))
}

/// The load errors of several instances, as the official CLI reports them
/// before it prints any: the first, or every one when a pattern (`./...`)
/// named the instances.
fn load_error(
    args: &[PathBuf],
    instances: &[Vec<PathBuf>],
    tags: &pequod_cue::Tags,
) -> anyhow::Result<Option<String>> {
    if instances.len() < 2 {
        return Ok(None);
    }
    let all = args.iter().any(|a| pattern::is_pattern(a));
    let mut errors = Vec::new();
    for inputs in instances {
        if let Err(e) = load(inputs, tags)?.package {
            errors.push(e);
            if !all {
                break;
            }
        }
    }
    Ok((!errors.is_empty()).then(|| errors.join("\n")))
}

/// The `-t` tags of a command over `instances`: with several, a flag that
/// an `@if` of any of their directories names counts as used in each, as
/// `cue` loads them together.
fn tags_for(inject: &[String], instances: &[Vec<PathBuf>]) -> anyhow::Result<pequod_cue::Tags> {
    let tags = pequod_cue::Tags::parse(inject);
    if instances.len() < 2 || inject.is_empty() {
        return Ok(tags);
    }
    let mut names = Vec::new();
    for dir in instances.iter().flatten().filter(|p| p.is_dir()) {
        for entry in std::fs::read_dir(dir)?.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "cue") && path.is_file() {
                let source = std::fs::read_to_string(&path)?;
                names.extend(pequod_cue::tags::build_tags(&source));
            }
        }
    }
    Ok(tags.with_seen(names))
}

/// Writes `text` to standard output: the command succeeded.
fn print(text: &str) -> anyhow::Result<ExitCode> {
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Leaves `value` to the operating system instead of freeing it: the
/// process exits right after the command, and handing an evaluated module's
/// thousands of small allocations back to the allocator one by one cost
/// about a twentieth of a `pequod cue export`.
fn leave<T>(value: T) {
    std::mem::forget(value);
}

/// The errors that keep `node` from exporting, one per paragraph, as the
/// official CLI lists them (`first` when there is no list): incomplete
/// values only when nothing worse is wrong.
fn export_failure(
    instance: &mut pequod_cue::Instance<'_>,
    node: pequod_cue::Node,
    first: &pequod_cue::export::ExportError,
) -> String {
    let mut all = instance.export_errors(node);
    if all.iter().any(|e| e.code != ErrorCode::Incomplete) {
        all.retain(|e| e.code != ErrorCode::Incomplete);
    }
    if all.is_empty() {
        first.detailed()
    } else {
        all.iter()
            .map(|e| e.detailed())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The official CLI's convention: the message on stderr, exit status 1.
fn fail(message: &str) -> anyhow::Result<ExitCode> {
    writeln!(std::io::stderr(), "{message}")?;
    Ok(ExitCode::FAILURE)
}
