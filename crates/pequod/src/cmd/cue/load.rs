//! Loading a command's inputs: the CUE package (of the working directory's
//! module, or loose files and directories) and the YAML and JSON data files.

use std::path::{Path, PathBuf};

use anyhow::Context;
use pequod_cue::{Compiled, LoadError, Module, Tags};

/// The inputs of a command: the package, compiled (or the error text the
/// official CLI prints when it does not load), and the data files given
/// after it, parsed.
pub(super) struct Inputs {
    pub(super) package: Result<Compiled, String>,
    pub(super) data: Vec<(PathBuf, serde_json::Value)>,
}

/// Loads the CUE inputs (files, directories, `dir:name`; `.` when there
/// are none) as one package with `inject` tags, and parses the YAML and
/// JSON data files among `inputs`.
pub(super) fn load(inputs: &[PathBuf], inject: &[String]) -> anyhow::Result<Inputs> {
    // Data files (YAML, JSON) are unified with the package, as `cue export
    // DIR data.yaml` does; the rest are CUE files and directories.
    if let Some(e) = inputs.iter().find_map(|i| unknown_extension(i)) {
        return Ok(Inputs {
            package: Err(e),
            data: Vec::new(),
        });
    }
    let (data_files, mut inputs): (Vec<PathBuf>, Vec<PathBuf>) = inputs
        .iter()
        .cloned()
        .partition(|p| super::data::is_data_file(p));
    let given = data_files.len();
    // An empty YAML file is `*null | _`: nothing beside other values, and
    // null alone.
    let mut data = Vec::new();
    for file in data_files {
        match super::data::parse(file)? {
            Ok(values) => data.extend(values),
            Err(e) => {
                return Ok(Inputs {
                    package: Err(e),
                    data,
                });
            }
        }
    }
    if inputs.is_empty() && given > 0 {
        // Data files alone: no CUE package is loaded.
        let source = if data.is_empty() { "null" } else { "" };
        let package = Compiled::from_sources(&[("", source)]).map_err(|e| e.to_string());
        return Ok(Inputs { package, data });
    }
    if inputs.is_empty() {
        inputs.push(PathBuf::from("."));
    }
    let tags = Tags::parse(inject);
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let loaded = match load_module(&inputs, &tags, &cwd)? {
        Some(loaded) => loaded,
        None => {
            if inputs.iter().all(|i| !i.is_dir()) {
                if let Err(e) = one_package(&inputs)? {
                    return Ok(Inputs {
                        package: Err(e),
                        data,
                    });
                }
                // The official loader puts files of subdirectories last.
                inputs.sort_by_cached_key(|p| (normalize(p).components().count(), p.clone()));
            }
            let mut sources = Vec::new();
            for input in &inputs {
                if !input.is_dir() {
                    collect(input, &mut sources)?;
                    continue;
                }
                match dir_package(input)? {
                    Ok(files) => sources.extend(files),
                    Err(e) => {
                        return Ok(Inputs {
                            package: Err(e),
                            data,
                        });
                    }
                }
            }
            let refs: Vec<(&str, &str)> = sources
                .iter()
                .map(|(n, s)| (n.as_str(), s.as_str()))
                .collect();
            Compiled::from_sources_with_tags(&refs, &tags)
        }
    };
    Ok(Inputs {
        package: loaded.map_err(|e| e.to_string()),
        data,
    })
}

/// Loads the inputs as a package of the module the working directory `cwd`
/// is in, as the official CLI does (a directory, `dir:name`, or files of
/// one directory), with the module packages they import; `None` outside a
/// module (no `cue.mod` above `cwd`) or for inputs outside it.
fn load_module(
    inputs: &[PathBuf],
    tags: &Tags,
    cwd: &Path,
) -> anyhow::Result<Option<Result<Compiled, LoadError>>> {
    let Some(first) = inputs.first() else {
        return Ok(None);
    };
    let (first_path, qualifier) = split_qualifier(first);
    let Some(root) = Module::find_root(cwd) else {
        return Ok(None);
    };
    let shown = relative_root(&root, cwd);
    let module = match Module::from_dir(&shown) {
        Ok(m) => m,
        Err(e) => return Ok(Some(Err(e))),
    };
    let rel = |p: &Path| -> Option<String> {
        let abs = normalize(&std::path::absolute(p).ok()?);
        let rel = abs.strip_prefix(&root).ok()?;
        let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
        Some(parts?.join("/"))
    };
    if !first_path.exists() {
        let text = first.display().to_string();
        let named = match (text.strip_prefix(':'), module.path()) {
            // `:name` is `.:name`.
            (Some(name), _) => rel(cwd).map(|dir| Ok(format!("{dir}:{name}"))),
            (None, Some(path)) => super::import_path::package(&text, path),
            (None, None) => None,
        };
        match named {
            Some(Ok(package)) => {
                let dir = package.rsplit_once(':').map_or("", |(d, _)| d);
                if nested_module(&root, dir) || !root.join(dir).is_dir() {
                    return Ok(Some(Err(LoadError::Package(no_module(&text)))));
                }
                if !has_package(&module, &package) {
                    let name = package.rsplit_once(':').map_or("", |(_, n)| n);
                    let e = super::import_path::no_files(&text, name);
                    return Ok(Some(Err(LoadError::Package(e))));
                }
                return Ok(Some(module.compile(&package, tags)));
            }
            Some(Err(e)) => return Ok(Some(Err(LoadError::Package(e)))),
            // An import path of another module (`example.com/x`).
            None if !text.starts_with(['.', '/'])
                && text
                    .split_once('/')
                    .is_some_and(|(host, _)| host.contains('.')) =>
            {
                return Ok(Some(Err(LoadError::Package(no_module(&text)))));
            }
            None => {}
        }
    }
    if first_path.is_dir() {
        let Some(dir) = rel(&first_path) else {
            return Ok(None);
        };
        if nested_module(&root, &dir) {
            let e = format!(
                "cannot determine import path for {:?} (directory is in a nested module)",
                first_path.display().to_string()
            );
            return Ok(Some(Err(LoadError::Package(e))));
        }
        let package = match qualifier {
            Some(q) => format!("{dir}:{q}"),
            None => dir,
        };
        return Ok(Some(module.compile(&package, tags)));
    }
    let mut files = Vec::new();
    for input in inputs {
        match rel(input) {
            Some(r) => files.push(r),
            None => return Ok(None),
        }
    }
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    Ok(Some(module.compile_files(&refs, tags)))
}

/// The official CLI's error for an argument that is no file or directory
/// and looks like a file name of an unknown type (`foo.bar`).
fn unknown_extension(input: &Path) -> Option<String> {
    let text = input.to_str()?;
    if input.exists() || text.contains(':') {
        return None;
    }
    let ext = input.extension()?.to_str()?;
    (!ext.is_empty() && !matches!(ext, "cue" | "json" | "jsonl" | "ndjson" | "yaml" | "yml"))
        .then(|| format!("unknown file extension .{ext}"))
}

/// The official CLI's error for an import path no module provides.
fn no_module(arg: &str) -> String {
    let path = arg.rsplit_once(':').map_or(arg, |(p, _)| p);
    format!("cannot find package {path:?}: cannot find module providing package {path}")
}

/// Whether directory `dir` (relative to the module root) is in a module
/// of its own: it, or a directory between it and the root, has a `cue.mod`.
fn nested_module(root: &Path, dir: &str) -> bool {
    let mut at = root.to_path_buf();
    dir.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .any(|part| {
            at.push(part);
            at.join("cue.mod").is_dir()
        })
}

/// Whether the module has files of package `dir:name` in `dir`.
fn has_package(module: &Module, package: &str) -> bool {
    let (dir, name) = package.rsplit_once(':').unwrap_or((package, ""));
    let dir = dir.trim_start_matches('.').trim_start_matches('/');
    module.files().iter().any(|f| {
        let parent = f.path.rsplit_once('/').map_or("", |(d, _)| d);
        parent == dir
            && pequod_cue::parse_file_partial(&f.path, &f.source)
                .0
                .package
                .is_some_and(|p| p.name.name == name)
    })
}

/// A path with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `dir:name` into the directory and the package name, unless a file or
/// directory of that name exists.
fn split_qualifier(input: &Path) -> (PathBuf, Option<String>) {
    if input.exists() {
        return (input.to_path_buf(), None);
    }
    let text = input.display().to_string();
    match text.rsplit_once(':') {
        Some((dir, name)) if !name.contains('/') => (PathBuf::from(dir), Some(name.to_string())),
        _ => (input.to_path_buf(), None),
    }
}

/// The module root as a path relative to the working directory when it is
/// at or above it (so errors name files as `cue` does: `./lib/a.cue`).
fn relative_root(root: &Path, cwd: &Path) -> PathBuf {
    if let Ok(below) = cwd.strip_prefix(root) {
        let ups = below.components().count();
        if ups == 0 {
            return PathBuf::from(".");
        }
        return (0..ups).map(|_| "..").collect();
    }
    match root.strip_prefix(cwd) {
        Ok(down) => Path::new(".").join(down),
        Err(_) => root.to_path_buf(),
    }
}

/// The files of the one package a directory holds, as the official CLI
/// picks them: files named `.x.cue` or `_x.cue` and files without a package
/// name are left out; the error is its text when no package, or several,
/// remain.
fn dir_package(dir: &Path) -> anyhow::Result<Result<Vec<(String, String)>, String>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue") && p.is_file())
        .collect();
    paths.sort();
    let shown = dir.display().to_string();
    if paths.is_empty() {
        return Ok(Err(format!("cue: {shown:?} matched no packages")));
    }
    let mut excluded = Vec::new();
    // (package, file name, display name, source) of the files that load.
    let mut named: Vec<(String, String, String, String)> = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if let Some(reason) = name.chars().next().filter(|c| matches!(c, '.' | '_')) {
            // The official CLI names dot files as joined, the others from `./`.
            let file = match reason {
                '.' => {
                    let joined = path.display().to_string();
                    joined.strip_prefix("./").unwrap_or(&joined).to_owned()
                }
                _ => display_name(&path),
            };
            excluded.push(format!("{file}: filename starts with a '{reason}'"));
            continue;
        }
        let source = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let shown_file = display_name(&path);
        let (file, _) = pequod_cue::parse_file_partial(&shown_file, &source);
        match file.package.map(|p| p.name.name) {
            Some(package) if package != "_" => named.push((package, name, shown_file, source)),
            _ => excluded.push(format!("{shown_file}: no package name")),
        }
    }
    let Some((first, first_file, _, _)) = named.first() else {
        let mut message = format!("build constraints exclude all CUE files in {shown}:");
        for line in excluded {
            message.push_str(&format!("\n    {line}"));
        }
        return Ok(Err(message));
    };
    if let Some((other, other_file, _, _)) = named.iter().find(|(p, ..)| p != first) {
        return Ok(Err(format!(
            "found packages {first:?} ({first_file}) and {other:?} ({other_file}) in {shown:?}"
        )));
    }
    Ok(Ok(named
        .into_iter()
        .map(|(_, _, shown_file, source)| (shown_file, source))
        .collect()))
}

/// Fails as the official CLI does when CUE files given by name declare
/// different packages (files without one, or `package _`, go with any).
fn one_package(files: &[PathBuf]) -> anyhow::Result<Result<(), String>> {
    let mut first: Option<(String, String)> = None;
    for path in files {
        let source =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let (file, _) = pequod_cue::parse_file_partial(&display_name(path), &source);
        let Some(package) = file.package.map(|p| p.name.name).filter(|p| p != "_") else {
            continue;
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        match &first {
            None => first = Some((package, name)),
            Some((p, f)) if *p != package => {
                return Ok(Err(format!(
                    "found packages {p:?} ({f}) and {package:?} ({name}) in \".\""
                )));
            }
            Some(_) => {}
        }
    }
    Ok(Ok(()))
}

/// A file's name and text.
fn collect(input: &Path, out: &mut Vec<(String, String)>) -> anyhow::Result<()> {
    let source =
        std::fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    out.push((display_name(input), source));
    Ok(())
}

/// A file name as the official CLI prints it in positions: relative paths
/// start with `./`.
pub(super) fn display_name(path: &Path) -> String {
    let name = path.display().to_string();
    if path.is_absolute() || name.starts_with("./") || name.starts_with("../") {
        name
    } else {
        format!("./{name}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    #[test]
    fn paths_resolve_lexically() {
        assert_eq!(
            normalize(Path::new("/m/sub/../a.cue")),
            PathBuf::from("/m/a.cue")
        );
        assert_eq!(
            relative_root(Path::new("/m"), Path::new("/m/sub/x")),
            PathBuf::from("../..")
        );
        assert_eq!(
            relative_root(Path::new("/m"), Path::new("/m")),
            PathBuf::from(".")
        );
        assert_eq!(
            relative_root(Path::new("/w/m"), Path::new("/w")),
            PathBuf::from("./m")
        );
        let (dir, q) = split_qualifier(Path::new("/nonexistent/lib:other"));
        assert_eq!(
            (dir, q.as_deref()),
            (PathBuf::from("/nonexistent/lib"), Some("other"))
        );
    }

    #[test]
    fn a_module_directory_loads_with_its_imports() {
        let root = std::env::temp_dir().join(format!("pequod-cue-cli-{}", std::process::id()));
        for (p, s) in [
            (
                "cue.mod/module.cue",
                "module: \"example.com/x\"\nlanguage: version: \"v0.17.1\"\n",
            ),
            ("lib/lib.cue", "package lib\nName: \"lib\"\n"),
            (
                "a.cue",
                "package x\nimport \"example.com/x/lib\"\nn: lib.Name\n",
            ),
            ("sub/b.cue", "package x\nm: n\n"),
        ] {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, s).unwrap();
        }
        let tags = Tags::new();
        // The module is the working directory's, and its files are named
        // from there: the only test here that changes it.
        let before = std::env::current_dir().unwrap();
        std::env::set_current_dir(&root).unwrap();
        for (inputs, want) in [
            (vec![root.join("sub")], r#"{"m":"lib","n":"lib"}"#),
            (vec![root.join("a.cue")], r#"{"n":"lib"}"#),
            (vec![root.join("lib")], r#"{"Name":"lib"}"#),
        ] {
            let compiled = load_module(&inputs, &tags, &root)
                .unwrap()
                .unwrap()
                .unwrap();
            let mut i = compiled.eval();
            let r = i.root();
            assert_eq!(i.to_json(r, false).unwrap(), want);
        }
        std::env::set_current_dir(before).unwrap();
        // Outside a module, the module of the inputs is not used.
        assert!(
            load_module(&[root.join("sub")], &tags, &std::env::temp_dir())
                .unwrap()
                .is_none()
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
