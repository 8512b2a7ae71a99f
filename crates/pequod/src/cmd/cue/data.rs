//! Data files given beside (or instead of) a CUE package: YAML, JSON and
//! JSON Lines, parsed into the values unified with the package.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

/// Whether `path` is a data file the commands read.
pub(super) fn is_data_file(path: &Path) -> bool {
    path.is_file() && kind(path).is_some()
}

/// The formats of data files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Yaml,
    Json,
    JsonLines,
}

fn kind(path: &Path) -> Option<Kind> {
    match path.extension().and_then(|e| e.to_str())? {
        "yaml" | "yml" => Some(Kind::Yaml),
        "json" => Some(Kind::Json),
        "jsonl" | "ndjson" => Some(Kind::JsonLines),
        _ => None,
    }
}

/// The values of a data file: one, none for an empty YAML file (it is
/// `*null | _`, nothing beside other values), one per line of JSON Lines.
/// The inner error is the text the official CLI prints for bad JSON.
pub(super) fn parse(file: PathBuf) -> anyhow::Result<Result<Vec<(PathBuf, Value)>, String>> {
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let values = match kind(&file) {
        Some(Kind::Json) => match serde_json::from_str::<Value>(&text) {
            Ok(v) => vec![v],
            Err(e) => return Ok(Err(json_error(&file, &text, &e))),
        },
        Some(Kind::JsonLines) => {
            let mut values = Vec::new();
            for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
                match value {
                    Ok(v) => values.push(v),
                    Err(e) => return Ok(Err(json_error(&file, &text, &e))),
                }
            }
            values
        }
        _ if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) =>
        {
            Vec::new()
        }
        _ => vec![
            serde_yaml::from_str(&text)
                .with_context(|| format!("{} is not YAML or JSON", file.display()))?,
        ],
    };
    Ok(Ok(values.into_iter().map(|v| (file.clone(), v)).collect()))
}

/// A JSON syntax error as the official CLI words it: Go's message and the
/// position of the offending character.
fn json_error(file: &Path, text: &str, e: &serde_json::Error) -> String {
    let (line, column) = (e.line().max(1), e.column().max(1));
    let offending = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.chars().nth(column - 1));
    let what = e.to_string();
    let reason = match (e.classify(), offending) {
        (serde_json::error::Category::Eof, _) | (_, None) => "unexpected end of JSON input".into(),
        (_, Some(c)) if what.starts_with("expected value") => {
            format!("invalid character '{c}' looking for beginning of value")
        }
        (_, Some(c)) if what.starts_with("trailing characters") => {
            format!("invalid character '{c}' after top-level value")
        }
        (_, Some(c)) if what.starts_with("expected `,` or `}`") => {
            format!("invalid character '{c}' after object key:value pair")
        }
        (_, Some(c)) if what.starts_with("expected `,` or `]`") => {
            format!("invalid character '{c}' after array element")
        }
        (_, Some(c)) if what.starts_with("expected `:`") => {
            format!("invalid character '{c}' after object key")
        }
        _ => what
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    format!(
        "invalid JSON for file {:?}: {reason}:\n    {}:{line}:{column}",
        absolute.display().to_string(),
        super::load::display_name(file)
    )
}
