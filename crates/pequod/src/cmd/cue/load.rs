//! Loading a command's inputs: the CUE package (of the working directory's
//! module, or loose files and directories) and the YAML and JSON data files.

use std::path::{Path, PathBuf};

use anyhow::Context;
use pequod_cue::{Compiled, Tags};

/// The inputs of a command: the package, compiled (or the error text the
/// official CLI prints when it does not load), and the data files given
/// after it, parsed.
pub(super) struct Inputs {
    pub(super) package: Result<Compiled, String>,
    pub(super) data: Vec<(PathBuf, serde_json::Value)>,
}

/// The inputs of each instance a command prints: one per package named
/// when every input names a package (`./a ./b`, `mod.com/x:y`) and there
/// are several, as the official CLI prints them in turn; else all inputs
/// as one.
pub(super) fn instances(inputs: &[PathBuf], inject: &[String]) -> Vec<Vec<PathBuf>> {
    let inputs = &super::pattern::expand(inputs, &Tags::parse(inject));
    let package = |p: &PathBuf| {
        let text = p.to_str().unwrap_or_default();
        let (dir, _) = super::in_module::split_qualifier(p);
        text != "-"
            && !text.ends_with(':')
            && (dir.is_dir() || (!p.exists() && p.extension().is_none()))
    };
    if inputs.len() > 1 && inputs.iter().all(package) {
        inputs.iter().map(|p| vec![p.clone()]).collect()
    } else {
        vec![inputs.to_vec()]
    }
}

/// Loads the CUE inputs (files, directories, `dir:name`, import paths,
/// `-` for standard input; `.` when there are none) as one package with
/// `tags`, and parses the data files among `inputs` (known by their
/// extension or a `json:`-style qualifier).
pub(super) fn load(inputs: &[PathBuf], tags: &Tags) -> anyhow::Result<Inputs> {
    if let Some(e) = pattern_error(inputs, tags)? {
        return Ok(Inputs {
            package: Err(e),
            data: Vec::new(),
        });
    }
    if let Some(e) = underscore_qualifier(inputs) {
        return Ok(Inputs {
            package: Err(e),
            data: Vec::new(),
        });
    }
    // Data files (YAML, JSON) are unified with the package, as `cue export
    // DIR data.yaml` does; the rest are CUE files and directories.
    let args = match super::filetype::classify(inputs) {
        Ok(args) => args,
        Err(e) => {
            return Ok(Inputs {
                package: Err(e),
                data: Vec::new(),
            });
        }
    };
    let mut data_files = Vec::new();
    let mut inputs = Vec::new();
    for arg in args {
        match arg {
            super::filetype::Arg::Cue(path) => inputs.push(path),
            super::filetype::Arg::CueData(path) => {
                if let Some(e) = data_mode(&path)? {
                    return Ok(Inputs {
                        package: Err(e),
                        data: Vec::new(),
                    });
                }
                inputs.push(path);
            }
            super::filetype::Arg::Data(path, kind) => data_files.push((path, kind)),
        }
    }
    let given = data_files.len();
    let streams = data_files
        .iter()
        .all(|(_, kind)| *kind == super::data::Kind::JsonLines);
    // An empty YAML file is `*null | _`: nothing beside other values, and
    // null alone.
    let mut data = Vec::new();
    for (file, kind) in data_files {
        match super::data::parse(file, kind)? {
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
        // Data files alone: no CUE package is loaded. JSON Lines of no
        // record are no value at all: a package of no file.
        if streams && data.is_empty() {
            return Ok(Inputs {
                package: Ok(Compiled::new(Vec::new())),
                data,
            });
        }
        let source = if data.is_empty() { "null" } else { "" };
        let package = Compiled::from_sources(&[("", source)]).map_err(|e| e.to_string());
        return Ok(Inputs { package, data });
    }
    if inputs.is_empty() {
        inputs.push(PathBuf::from("."));
    }
    let cwd = std::env::current_dir().context("reading the working directory")?;
    // Standard input (`-`) is no file of the module.
    let in_module = if inputs.iter().any(|i| i == Path::new("-")) {
        None
    } else {
        super::in_module::load_module(&inputs, tags, &cwd)?
    };
    let loaded = match in_module {
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
                inputs.sort_by_cached_key(|p| {
                    (
                        super::in_module::normalize(p).components().count(),
                        p.clone(),
                    )
                });
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
            Compiled::from_sources_with_tags(&refs, tags)
        }
    };
    if let (Ok(c), [dir]) = (&loaded, inputs.as_slice())
        && c.files().is_empty()
        && dir.is_dir()
        && let Some(e) = all_excluded(dir)?
    {
        return Ok(Inputs {
            package: Err(e),
            data,
        });
    }
    let package = loaded
        .map_err(|e| unnamed_importer(describe(&e), &inputs))
        .and_then(|c| match super::bad_imports::check(&c) {
            Some(e) => Err(e),
            None => Ok(c),
        });
    Ok(Inputs { package, data })
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
        // Tool and test files belong to `cue cmd` and `cue test`.
        .filter(|p| {
            p.to_str()
                .is_some_and(|n| !n.ends_with("_tool.cue") && !n.ends_with("_test.cue"))
        })
        .collect();
    paths.sort();
    let shown = dir.display().to_string();
    if paths.is_empty() {
        let any_file = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .flatten()
            .any(|e| e.path().is_file());
        return Ok(Err(if any_file {
            format!("no CUE files in {shown}")
        } else {
            format!("cue: {shown:?} matched no packages")
        }));
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

/// A load error as the official CLI prints it: a syntax error is its
/// message, then its position (the first of each file).
fn describe(e: &pequod_cue::LoadError) -> String {
    let pequod_cue::LoadError::Parse(errors) = e else {
        return e.to_string();
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for error in &errors.errors {
        if seen.contains(&error.file.as_str()) {
            continue;
        }
        seen.push(&error.file);
        out.push(format!(
            "{}:\n    {}:{}:{}",
            error.message, error.file, error.line, error.column
        ));
    }
    if out.is_empty() {
        e.to_string()
    } else {
        out.join("\n")
    }
}

/// An import error of CUE files named on the command line, which form a
/// package of no import path: the official CLI names no importer
/// (`import failed: ...`, not `mod.com@v0: import failed: ...`).
fn unnamed_importer(message: String, inputs: &[PathBuf]) -> String {
    let files = !inputs.is_empty() && inputs.iter().all(|p| p.is_file());
    let Some((importer, rest)) = message.split_once(": import failed: ") else {
        return message;
    };
    if !files || importer.contains(char::is_whitespace) {
        return message;
    }
    // Only when the failing import is in one of those files.
    let named = inputs.iter().any(|p| {
        let shown = display_name(p);
        message.contains(&format!("\n    {shown}:"))
    });
    if named {
        format!("import failed: {rest}")
    } else {
        message
    }
}

/// The official CLI's error for a directory whose files `@if` attributes
/// all leave out, each named with its attribute (`None` when it has no
/// such file).
fn all_excluded(dir: &Path) -> anyhow::Result<Option<String>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue") && p.is_file())
        .collect();
    paths.sort();
    let mut message = format!(
        "build constraints exclude all CUE files in {}:",
        dir.display()
    );
    let mut any = false;
    for path in paths {
        let name = display_name(&path);
        let source = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let attribute = source.find("@if(").and_then(|start| {
            let rest = &source[start..];
            let mut depth = 0usize;
            rest.char_indices().find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Some(&rest[..=i]);
                        }
                    }
                    _ => {}
                }
                None
            })
        });
        let Some(attribute) = attribute else {
            continue;
        };
        any = true;
        message.push_str(&format!("\n    {name}: {attribute} did not match"));
    }
    Ok(any.then_some(message))
}

/// The official CLI's error for a package pattern it does not expand,
/// told from the path of the working directory's module.
fn pattern_error(inputs: &[PathBuf], tags: &Tags) -> anyhow::Result<Option<String>> {
    let suspect = |p: &PathBuf| {
        p.to_str()
            .is_some_and(|t| t.contains("...") || matches!(t, "all" | "cmd" | "std"))
    };
    if !inputs.iter().any(suspect) {
        return Ok(None);
    }
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let module = pequod_cue::Module::find_root(&cwd).and_then(|root| {
        let file = root.join("cue.mod/module.cue");
        let source = std::fs::read_to_string(&file).ok()?;
        let name = file.display().to_string();
        let files = vec![pequod_cue::ModuleFile {
            path: "cue.mod/module.cue".to_owned(),
            name,
            source,
        }];
        pequod_cue::Module::new(files)
            .ok()?
            .path()
            .map(str::to_owned)
    });
    Ok(inputs
        .iter()
        .find_map(|p| super::pattern::error(p, module.as_deref(), tags)))
}

/// The official CLI's error for an argument qualified `:_`, which names no
/// package (`_` is the name of files without a package clause).
fn underscore_qualifier(inputs: &[PathBuf]) -> Option<String> {
    inputs.iter().find_map(|p| {
        let text = p.to_str()?;
        let (_, name) = text.rsplit_once(':')?;
        (name == "_" && !p.exists()).then(|| format!("invalid import path qualifier _ in {text:?}"))
    })
}

/// What data mode forbids in a `data:` file, as the official CLI says it.
fn data_mode(path: &Path) -> anyhow::Result<Option<String>> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (file, _) = pequod_cue::parse_file_partial(&display_name(path), &source);
    Ok(super::data_mode::check(&file, &source))
}

/// Fails as the official CLI does when CUE files given by name declare
/// different packages (files without one, or `package _`, go with any).
fn one_package(files: &[PathBuf]) -> anyhow::Result<Result<(), String>> {
    let mut first: Option<(String, String)> = None;
    for path in files.iter().filter(|p| *p != Path::new("-")) {
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

/// A file's name and text; `-` is standard input.
fn collect(input: &Path, out: &mut Vec<(String, String)>) -> anyhow::Result<()> {
    if input == Path::new("-") {
        let mut source = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut source)
            .context("reading standard input")?;
        out.push(("-".to_owned(), source));
        return Ok(());
    }
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
