//! Data files given beside (or instead of) a CUE package: YAML, JSON,
//! JSON Lines and TOML, parsed into the values unified with the package.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

/// The formats of data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Yaml,
    Json,
    JsonLines,
    Toml,
}

impl Kind {
    /// The format a file extension, or a `name:` qualifier, names.
    pub(super) fn named(name: &str) -> Option<Kind> {
        match name {
            "yaml" | "yml" => Some(Kind::Yaml),
            "json" => Some(Kind::Json),
            "jsonl" | "ndjson" => Some(Kind::JsonLines),
            "toml" => Some(Kind::Toml),
            _ => None,
        }
    }
}

/// The values of a data file: one, none for an empty YAML file (it is
/// `*null | _`, nothing beside other values), one per line of JSON Lines.
/// The inner error is the text the official CLI prints for bad JSON.
pub(super) fn parse(
    file: PathBuf,
    kind: Kind,
) -> anyhow::Result<Result<Vec<(PathBuf, Value)>, String>> {
    let text = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading standard input")?;
        text
    } else {
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?
    };
    let values = match kind {
        Kind::Json => match serde_json::from_str::<Value>(&text) {
            Ok(v) => vec![v],
            Err(e) => return Ok(Err(json_error(&file, &text, &e))),
        },
        Kind::JsonLines => {
            let mut values = Vec::new();
            for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
                match value {
                    Ok(v) => values.push(v),
                    Err(e) => return Ok(Err(json_error(&file, &text, &e))),
                }
            }
            values
        }
        Kind::Toml => match super::toml::parse(&text) {
            Ok(v) => vec![v],
            Err(e) => return Ok(Err(format!("{}: {e}", super::load::display_name(&file)))),
        },
        Kind::Yaml
            if text
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) =>
        {
            Vec::new()
        }
        Kind::Yaml => vec![
            serde_yaml::from_str(&text)
                .with_context(|| format!("{} is not YAML or JSON", file.display()))?,
        ],
    };
    Ok(Ok(values.into_iter().map(|v| (file.clone(), v)).collect()))
}

/// A JSON syntax error as the official CLI words it: Go's message and the
/// position of the offending character.
fn json_error(file: &Path, text: &str, e: &serde_json::Error) -> String {
    let (mut line, mut column) = (e.line().max(1), e.column().max(1));
    if e.classify() == serde_json::error::Category::Eof {
        // Go points at the last byte of the input.
        let last = text.len().saturating_sub(1);
        let before = text.get(..last).unwrap_or_default();
        line = before.matches('\n').count() + 1;
        column = last - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    }
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
