//! Where and in which format `pequod cue export` and `eval` print: standard
//! output, or the `-o` file (its format from `--out`, a `fmt:` prefix or its
//! extension), refusing to overwrite it without `--force`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{CueOut, CueOutputArgs};

/// The resolved destination of a command's output.
pub(super) struct Target {
    /// The format to print in.
    pub(super) out: CueOut,
    /// The `-o` file; standard output when `None`.
    file: Option<PathBuf>,
    force: bool,
}

impl Target {
    /// The destination `args` name, `default` being the command's format; the
    /// error is the text the official CLI prints.
    pub(super) fn new(args: &CueOutputArgs, default: CueOut) -> Result<Target, String> {
        let (prefix, file) = match args.outfile.as_deref() {
            None | Some("-") => (None, None),
            Some(spec) => split_prefix(spec),
        };
        let from_file = match (prefix, &file) {
            (Some(p), _) => Some(p),
            (None, Some(f)) => match f.extension().and_then(|e| e.to_str()) {
                Some(ext) => Some(format_of(ext).ok_or(format!("unknown file extension .{ext}"))?),
                None if args.out.is_none() => {
                    return Err(format!(
                        "no encoding specified for file {:?}",
                        f.display().to_string()
                    ));
                }
                None => None,
            },
            (None, None) => None,
        };
        let target = Target {
            out: args.out.or(from_file).unwrap_or(default),
            file,
            force: args.force,
        };
        target.check()?;
        Ok(target)
    }

    /// Fails early, as the official CLI does, when the file exists and
    /// `--force` was not given.
    fn check(&self) -> Result<(), String> {
        match &self.file {
            Some(f) if !self.force && f.exists() => Err(format!(
                "error writing {:?}: file already exists",
                f.display().to_string()
            )),
            _ => Ok(()),
        }
    }

    /// Writes `text`: the command succeeded.
    pub(super) fn write(&self, text: &str) -> anyhow::Result<ExitCode> {
        match &self.file {
            None => {
                std::io::stdout().lock().write_all(text.as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
            Some(f) => match std::fs::write(f, text) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => super::fail(&format!("open {}: {}", f.display(), io_reason(&e))),
            },
        }
    }
}

/// `yaml:out.txt` into its format and file; a prefix that names no format
/// is part of the file name.
fn split_prefix(spec: &str) -> (Option<CueOut>, Option<PathBuf>) {
    match spec.split_once(':') {
        Some((p, rest)) if !rest.is_empty() => match format_of(p) {
            Some(out) => (Some(out), Some(PathBuf::from(rest))),
            None => (None, Some(PathBuf::from(spec))),
        },
        _ => (None, Some(PathBuf::from(spec))),
    }
}

/// The format a file extension or `fmt:` prefix names.
fn format_of(name: &str) -> Option<CueOut> {
    match name {
        "json" => Some(CueOut::Json),
        "yaml" | "yml" => Some(CueOut::Yaml),
        "cue" => Some(CueOut::Cue),
        "txt" | "text" => Some(CueOut::Text),
        _ => None,
    }
}

/// An I/O error as Go words it (`no such file or directory`).
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outfile_names_its_format() {
        assert!(matches!(
            split_prefix("yaml:o.txt"),
            (Some(CueOut::Yaml), Some(_))
        ));
        assert!(matches!(split_prefix("c:/x.json"), (None, Some(_))));
        assert_eq!(format_of("yml"), Some(CueOut::Yaml));
        assert_eq!(format_of("txt"), Some(CueOut::Text));
        assert_eq!(format_of("foo"), None);
    }
}
