//! Package patterns on the command line: `./...` names every package
//! directory at or below `.`, as the official CLI expands it.

use std::path::{Path, PathBuf};

use pequod_cue::Tags;

/// The inputs with each local pattern (`./...`, `./dir/...`) replaced by
/// the directories below its prefix that hold a package's files (which
/// `tags` keep), in import path order; a pattern matching none is kept as
/// it is.
pub(super) fn expand(inputs: &[PathBuf], tags: &Tags) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for input in inputs {
        let text = input.to_str().unwrap_or_default();
        let Some(prefix) = text.strip_suffix("/...").filter(|p| local(p)) else {
            out.push(input.clone());
            continue;
        };
        let mut found = Vec::new();
        walk(Path::new(prefix), tags, &mut found);
        // In the order of their import paths (`x-a` before `x/y`).
        found.sort_by_cached_key(|d| {
            d.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        });
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

/// The official CLI's error for a pattern it does not expand: `...` in
/// an import path outside the main module (`module`, its path), and the
/// patterns inherited from Go (`all`, `cmd`, `std`), which match nothing;
/// so do `...` in an import path of the main module, for now, and a local
/// pattern no directory matches (under `tags`).
pub(super) fn error(arg: &Path, module: Option<&str>, tags: &Tags) -> Option<String> {
    if arg.exists() {
        return None;
    }
    let text = arg.to_str()?;
    let path = match text.rsplit_once(':') {
        Some((p, q)) if !q.contains('/') => p,
        _ => text,
    };
    let none = || format!("cue: {path:?} matched no packages");
    if matches!(path, "all" | "cmd" | "std") {
        return Some(none());
    }
    if let Some(prefix) = path.strip_suffix("/...").filter(|p| local(p)) {
        let mut found = Vec::new();
        walk(Path::new(prefix), tags, &mut found);
        return found.is_empty().then(none);
    }
    if !path.split('/').any(|p| p.contains("...")) || local(path) {
        return None;
    }
    let within = module.is_some_and(|m| {
        let m = m.split_once('@').map_or(m, |(p, _)| p);
        path.strip_prefix(m)
            .is_some_and(|rest| rest.starts_with('/'))
    });
    Some(if within {
        none()
    } else {
        format!("pattern not allowed in external package path {path:?}")
    })
}

/// Whether `arg` is a local pattern that [`expand`] expands.
pub(super) fn is_pattern(arg: &Path) -> bool {
    arg.to_str()
        .and_then(|t| t.strip_suffix("/..."))
        .is_some_and(local)
}

/// Whether a pattern's prefix is a file system path, not an import path.
fn local(prefix: &str) -> bool {
    prefix == "." || prefix == ".." || ["./", "../", "/"].iter().any(|p| prefix.starts_with(p))
}

/// `dir` if it holds a CUE file, then its subdirectories in name order,
/// skipping `cue.mod`, nested modules and names starting with `.` or `_`,
/// which no package pattern matches.
fn walk(dir: &Path, tags: &Tags, out: &mut Vec<PathBuf>) {
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
        .any(|(name, is_dir)| !is_dir && package_file(&dir.join(name), tags))
    {
        out.push(dir.to_path_buf());
    }
    for (name, is_dir) in names {
        let sub = dir.join(&name);
        if is_dir && name != "cue.mod" && !sub.join("cue.mod").is_dir() {
            walk(&sub, tags, out);
        }
    }
}

/// Whether `path` is a CUE file of a package a pattern matches: one with
/// a package clause that `tags` keep, no tool or test file.
fn package_file(path: &Path, tags: &Tags) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if !name.ends_with(".cue") || name.ends_with("_tool.cue") || name.ends_with("_test.cue") {
        return false;
    }
    let Ok(source) = std::fs::read_to_string(path) else {
        return false;
    };
    let (file, _) = pequod_cue::parse_file_partial(name, &source);
    !tags.excludes(&file) && file.package.is_some_and(|p| p.name.name != "_")
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
            "t/t_tool.cue",
            "u/u.cue",
        ] {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            // A file without a package clause belongs to no package.
            let source = if p.starts_with('u') {
                "u: 1"
            } else {
                "package p"
            };
            std::fs::write(path, source).unwrap();
        }
        let pattern = root.join("...");
        let got = expand(&[pattern], &Tags::new());
        let want: Vec<PathBuf> = ["", "x", "x/y"].iter().map(|d| root.join(d)).collect();
        let got: Vec<PathBuf> = got.iter().map(|p| p.components().collect()).collect();
        let want: Vec<PathBuf> = want.iter().map(|p| p.components().collect()).collect();
        assert_eq!(got, want);
        assert_eq!(
            expand(&[PathBuf::from("mod.com/...")], &Tags::new()),
            [PathBuf::from("mod.com/...")]
        );
        let error = |arg: &str| error(Path::new(arg), Some("mod.com@v0"), &Tags::new());
        assert_eq!(
            error("mod.com/.../leaf").as_deref(),
            Some("cue: \"mod.com/.../leaf\" matched no packages")
        );
        assert_eq!(
            error(".../leaf:x").as_deref(),
            Some("pattern not allowed in external package path \".../leaf\"")
        );
        let none = format!("{}/e/...", root.display());
        assert_eq!(
            error(&none),
            Some(format!("cue: {none:?} matched no packages"))
        );
        assert_eq!(error(&format!("{}/...", root.display())), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
