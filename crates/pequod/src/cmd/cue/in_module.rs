//! Loading a package of the module the working directory is in, as the
//! official CLI does: by directory, `dir:name`, files, or import path.

use std::path::{Path, PathBuf};

use anyhow::Context;
use pequod_cue::{Compiled, LoadError, Module, ModuleFile, Tags};

/// Loads the inputs as a package of the module the working directory `cwd`
/// is in, as the official CLI does (a directory, `dir:name`, or files of
/// one directory), with the module packages they import; `None` outside a
/// module (no `cue.mod` above `cwd`) or for inputs outside it.
pub(super) fn load_module(
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
        }
        .or_else(|| super::import_path::vendored(&text, &root).map(Ok));
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
            // A relative path is shown as given, an absolute one from `cwd`.
            let shown = if first_path.is_absolute() {
                relative_to(&first_path, cwd)
            } else {
                first_path.display().to_string()
            };
            let e = format!("cannot determine import path for {shown:?} (dir outside of root)");
            return Ok(Some(Err(LoadError::Package(e))));
        };
        if nested_module(&root, &dir) {
            let e = format!(
                "cannot determine import path for {:?} (directory is in a nested module)",
                first_path.display().to_string()
            );
            return Ok(Some(Err(LoadError::Package(e))));
        }
        if let Some(e) = wrong_package(&first_path, qualifier.as_deref())? {
            return Ok(Some(Err(LoadError::Package(e))));
        }
        let package = match qualifier {
            Some(q) => format!("{dir}:{q}"),
            None => dir,
        };
        // `.` and the directories a pattern matched (`x`, not `./x`) are
        // named plainly in errors.
        let text = first_path.display().to_string();
        if text == "." || !text.starts_with(['.', '/']) {
            return Ok(Some(module.compile_matched(&package, tags)));
        }
        return Ok(Some(module.compile(&package, tags)));
    }
    let mut files = Vec::new();
    // Files named outright load even where a package would skip them
    // (`_dir/x.cue`).
    let mut named = Vec::new();
    for input in inputs {
        let Some(r) = rel(input) else {
            return Ok(None);
        };
        if input.is_file() && !module.files().iter().any(|f| f.path == r) {
            let source = std::fs::read_to_string(input)
                .with_context(|| format!("reading {}", input.display()))?;
            named.push(ModuleFile {
                path: r.clone(),
                name: super::load::display_name(input),
                source,
            });
        }
        files.push(r);
    }
    // Files without the `.cue` extension (`cue: somefile`) join as they are.
    let (cue, other): (Vec<_>, Vec<_>) = named.into_iter().partition(|f| f.path.ends_with(".cue"));
    let mut module = if cue.is_empty() {
        module
    } else {
        let mut all = module.files().to_vec();
        all.extend(cue);
        match Module::new(all) {
            Ok(m) => m,
            Err(e) => return Ok(Some(Err(e))),
        }
    };
    for file in other {
        module = module.with_file(file);
    }
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    Ok(Some(module.compile_files(&refs, tags)))
}

/// `path` relative to `cwd`, as the official CLI shows a directory
/// outside the module (`./../pkg`).
pub(super) fn relative_to(path: &Path, cwd: &Path) -> String {
    let abs = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
    let cwd = normalize(cwd);
    let a: Vec<_> = abs.components().collect();
    let c: Vec<_> = cwd.components().collect();
    let common = a.iter().zip(&c).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec![".".to_owned()];
    parts.extend(std::iter::repeat_n("..".to_owned(), c.len() - common));
    parts.extend(
        a[common..]
            .iter()
            .map(|p| p.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The official CLI's error when directory `dir` has no CUE files, or
/// none of package `name` (of any package, without `name`): a package's
/// files above it count only with some in it.
fn wrong_package(dir: &Path, name: Option<&str>) -> anyhow::Result<Option<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        // The kind comes with the listing; `Path::is_file` is a `stat` each.
        .filter(|e| match e.file_type() {
            Ok(t) if !t.is_symlink() => t.is_file(),
            _ => e.path().is_file(),
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with(['.', '_']))
        })
        .collect();
    files.sort();
    let shown = dir.display().to_string();
    if files.is_empty() {
        return Ok(Some(format!("cue: {shown:?} matched no packages")));
    }
    let mut excluded = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let shown_file = super::load::display_name(&file);
        let package = pequod_cue::module::package_name(&source);
        // Without `:name` any package will do, but a file of none is no
        // package's.
        match (package, name) {
            (Some(_), None) => return Ok(None),
            (Some(p), Some(name)) if p == name => return Ok(None),
            (Some(p), Some(name)) => {
                excluded.push(format!("\n    {shown_file}: package is {p}, want {name}"));
            }
            (None, _) => excluded.push(format!("\n    {shown_file}: no package name")),
        }
    }
    Ok(Some(format!(
        "build constraints exclude all CUE files in {shown}:{}",
        excluded.concat()
    )))
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
        parent == dir && pequod_cue::module::package_name(&f.source).is_some_and(|p| p == name)
    })
}

/// A path with `.` and `..` resolved lexically.
pub(super) fn normalize(path: &Path) -> PathBuf {
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
pub(super) fn split_qualifier(input: &Path) -> (PathBuf, Option<String>) {
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
