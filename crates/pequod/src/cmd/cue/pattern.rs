//! Package patterns on the command line: `./...` names every package
//! directory at or below `.`, as the official CLI expands it.

use std::path::{Path, PathBuf};

/// The inputs with each local pattern (`./...`, `./dir/...`) replaced by
/// the directories below its prefix that hold CUE files, in import path
/// order; a pattern matching none is kept as it is.
pub(super) fn expand(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for input in inputs {
        let text = input.to_str().unwrap_or_default();
        let Some(prefix) = text.strip_suffix("/...").filter(|p| local(p)) else {
            out.push(input.clone());
            continue;
        };
        let mut found = Vec::new();
        walk(Path::new(prefix), &mut found);
        if found.is_empty() {
            out.push(input.clone());
        }
        out.extend(found.into_iter().map(|d| {
            // `./x` is named `x`, as the official CLI names matches.
            match d.strip_prefix(".") {
                Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
                Ok(rest) => rest.to_path_buf(),
                Err(_) => d,
            }
        }));
    }
    out
}

/// Whether a pattern's prefix is a file system path, not an import path.
fn local(prefix: &str) -> bool {
    prefix == "." || prefix == ".." || prefix.starts_with(['.', '/'])
}

/// `dir` if it holds a CUE file, then its subdirectories in name order,
/// skipping `cue.mod`, nested modules and names starting with `.` or `_`,
/// which no package pattern matches.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<(String, bool)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            let is_dir = e.path().is_dir();
            Some((name, is_dir))
        })
        .filter(|(name, _)| !name.starts_with(['.', '_']))
        .collect();
    names.sort();
    if names
        .iter()
        .any(|(name, is_dir)| !is_dir && name.ends_with(".cue"))
    {
        out.push(dir.to_path_buf());
    }
    for (name, is_dir) in names {
        let sub = dir.join(&name);
        if is_dir && name != "cue.mod" && !sub.join("cue.mod").is_dir() {
            walk(&sub, out);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    #[test]
    fn dots_name_package_directories_below() {
        let root = std::env::temp_dir().join(format!("pequod-cue-pattern-{}", std::process::id()));
        for p in [
            "a.cue",
            "x/x.cue",
            "x/y/y.cue",
            "_h/h.cue",
            "n/cue.mod/module.cue",
            "e/z.json",
        ] {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let pattern = root.join("...");
        let got = expand(&[pattern]);
        let want: Vec<PathBuf> = ["", "x", "x/y"].iter().map(|d| root.join(d)).collect();
        let got: Vec<PathBuf> = got.iter().map(|p| p.components().collect()).collect();
        let want: Vec<PathBuf> = want.iter().map(|p| p.components().collect()).collect();
        assert_eq!(got, want);
        assert_eq!(
            expand(&[PathBuf::from("mod.com/...")]),
            [PathBuf::from("mod.com/...")]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
