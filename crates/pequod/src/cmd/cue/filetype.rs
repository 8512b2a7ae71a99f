//! What each command-line argument is: a CUE file or directory, or a data
//! file, by its extension or by a `json:`-style qualifier before it.

use std::path::{Path, PathBuf};

use super::data::Kind;

/// An argument, classified.
#[derive(Debug, PartialEq)]
pub(super) enum Arg {
    /// A CUE file, a directory, a package (`dir:name`, an import path) or `-`.
    Cue(PathBuf),
    /// A CUE file read in data mode (`data:`): no references or expressions.
    CueData(PathBuf),
    /// A data file (or `-`) in the given format.
    Data(PathBuf, Kind),
}

/// What a qualifier makes of the argument after it.
#[derive(Clone, Copy)]
enum Form {
    Cue,
    CueData,
    Data(Kind),
}

/// The arguments, a qualifier (`json:`, `cue:`, `jsonl:`) giving the
/// format of the one argument after it; the error is the official CLI's.
pub(super) fn classify(args: &[PathBuf]) -> Result<Vec<Arg>, String> {
    let mut out = Vec::with_capacity(args.len());
    let mut qualified: Option<Form> = None;
    for arg in args {
        let text = arg.to_str().unwrap_or_default();
        if text.is_empty() {
            return Err("empty file name".to_owned());
        }
        if let Some(form) = qualifier(text)? {
            qualified = Some(form);
            continue;
        }
        match qualified.take() {
            Some(Form::Data(kind)) => out.push(Arg::Data(arg.clone(), kind)),
            Some(Form::Cue) => out.push(Arg::Cue(arg.clone())),
            Some(Form::CueData) => out.push(Arg::CueData(arg.clone())),
            None => match data_kind(arg) {
                Some(kind) => out.push(Arg::Data(arg.clone(), kind)),
                None => {
                    let checked = unknown_extension(arg)
                        .or_else(|| standard_library(arg))
                        .or_else(|| no_extension(arg));
                    if let Some(e) = checked {
                        return Err(e);
                    }
                    out.push(Arg::Cue(arg.clone()));
                }
            },
        }
    }
    Ok(out)
}

/// A `name:` or `name+tag:` qualifier, or `None` if `text` is no qualifier.
fn qualifier(text: &str) -> Result<Option<Form>, String> {
    let Some(spec) = text.strip_suffix(':') else {
        return Ok(None);
    };
    let qualifier_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '=' | '_' | '-');
    if spec.is_empty() || !spec.chars().all(qualifier_char) {
        return Ok(None);
    }
    let mut form = Form::Cue;
    // `name=value` parts set options of a type; the name must be known.
    for name in spec.split('+').map(|p| p.split('=').next().unwrap_or(p)) {
        match (name, Kind::named(name)) {
            ("cue" | "graph", _) => {}
            ("data", _) => form = Form::CueData,
            (_, Some(k)) => form = Form::Data(k),
            _ => return Err(format!("unknown filetype {name}")),
        }
    }
    Ok(Some(form))
}

/// The data format of an existing file, by its extension.
fn data_kind(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?;
    path.is_file().then(|| Kind::named(ext)).flatten()
}

/// The official CLI's error for an argument that is no file or directory
/// and looks like a file name of an unknown type (`foo.bar`).
fn unknown_extension(input: &Path) -> Option<String> {
    let text = input.to_str()?;
    if input.exists() || text.contains(':') {
        return None;
    }
    let ext = input.extension()?.to_str()?;
    (!ext.is_empty() && ext != "cue" && Kind::named(ext).is_none())
        .then(|| format!("unknown file extension .{ext}"))
}

/// The official CLI's error for an argument that is no file or directory
/// and reads as a standard library import path (no dot in its first
/// element, like `strings` or `nonexisting`).
fn standard_library(input: &Path) -> Option<String> {
    let text = input.to_str()?;
    if input.exists() || text == "-" || text.starts_with(['.', '/', ':']) {
        return None;
    }
    let first = text.split(['/', ':']).next().unwrap_or(text);
    (!first.contains('.')).then(|| {
        let path = text.trim_end_matches('/');
        format!("standard library import path {path:?} cannot be imported as a CUE package")
    })
}

/// The official CLI's error for an existing file without an extension
/// and without a qualifier: a package path, naming no directory.
fn no_extension(input: &Path) -> Option<String> {
    if !input.is_file() || input.extension().is_some() {
        return None;
    }
    let text = input.to_str()?;
    if !text.starts_with(['.', '/']) {
        return Some(format!(
            "standard library import path {text:?} cannot be imported as a CUE package"
        ));
    }
    let cwd = std::env::current_dir().ok()?;
    Some(format!(
        "{} is a file and not a package directory",
        super::in_module::relative_to(input, &cwd)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_give_the_next_argument_its_format() {
        let args: Vec<PathBuf> = ["json:", "a.data", "cue:", "b", "./c"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(
            classify(&args),
            Ok(vec![
                Arg::Data("a.data".into(), Kind::Json),
                Arg::Cue("b".into()),
                Arg::Cue("./c".into()),
            ])
        );
        assert_eq!(
            classify(&[PathBuf::from("cue+date:")]),
            Err("unknown filetype date".to_owned())
        );
        assert_eq!(
            classify(&[PathBuf::from("cue+foo=bar:")]),
            Err("unknown filetype foo".to_owned())
        );
        assert_eq!(
            classify(&[PathBuf::from("")]),
            Err("empty file name".to_owned())
        );
        assert_eq!(
            classify(&[PathBuf::from("nonexisting")]),
            Err(
                "standard library import path \"nonexisting\" cannot be imported as a CUE package"
                    .to_owned()
            )
        );
        assert_eq!(
            classify(&[PathBuf::from("x.bar")]),
            Err("unknown file extension .bar".to_owned())
        );
    }
}
