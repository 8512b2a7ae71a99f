//! `pequod cue export`: the official CLI's export, on Pequod's evaluator.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use pequod_cue::{Compiled, Tags};

use crate::cli::{CueExportArgs, CueOut};

pub(crate) fn export(args: &CueExportArgs) -> anyhow::Result<ExitCode> {
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.inputs.clone()
    };
    let mut sources = Vec::new();
    for input in &inputs {
        collect(input, &mut sources)?;
    }
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let tags = Tags::parse(&args.inject);
    let compiled = match Compiled::from_sources_with_tags(&refs, &tags) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let mut instance = compiled.eval();
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
    };
    match text {
        Ok(text) => {
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // The official CLI lists every error, not only the first.
            let all = instance.export_errors(node);
            let text = if all.is_empty() {
                e.detailed()
            } else {
                all.iter()
                    .map(|e| e.detailed())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            fail(&text)
        }
    }
}

/// The official CLI's convention: the message on stderr, exit status 1.
fn fail(message: &str) -> anyhow::Result<ExitCode> {
    writeln!(std::io::stderr(), "{message}")?;
    Ok(ExitCode::FAILURE)
}

/// A file, or a directory's `.cue` files in name order.
fn collect(input: &Path, out: &mut Vec<(String, String)>) -> anyhow::Result<()> {
    if input.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .with_context(|| format!("reading {}", input.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "cue") && p.is_file())
            .collect();
        files.sort();
        for file in files {
            collect(&file, out)?;
        }
        return Ok(());
    }
    let source =
        std::fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    out.push((display_name(input), source));
    Ok(())
}

/// A file name as the official CLI prints it in positions: relative paths
/// start with `./`.
fn display_name(path: &Path) -> String {
    let name = path.display().to_string();
    if path.is_absolute() || name.starts_with("./") || name.starts_with("../") {
        name
    } else {
        format!("./{name}")
    }
}
