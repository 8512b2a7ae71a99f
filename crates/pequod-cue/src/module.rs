//! Modules: `cue.mod/module.cue`, packages spread over the files of a
//! directory and its ancestors, and imports of packages within the module.
//!
//! A [`Module`] holds a module's files in memory (as Pequod's controllers
//! do) or reads them from a directory; [`Module::compile`] loads one package
//! of it with every package it imports, transitively, into a [`Compiled`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::api::Compiled;
use crate::ast;
use crate::error::LoadError;
use crate::tags::Tags;

mod deps;
pub(crate) mod embed;
mod loader;
mod prelude;

/// The module file, relative to the module root.
const MODULE_FILE: &str = "cue.mod/module.cue";

/// One `.cue` file of a module.
#[derive(Debug, Clone)]
pub struct ModuleFile {
    /// The path relative to the module root, `/`-separated.
    pub path: String,
    /// The name errors print (the path, or how the file was found on disk).
    pub name: String,
    /// The source text.
    pub source: String,
}

/// The files of a CUE module (or of a directory without `cue.mod`).
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// The module path of `cue.mod/module.cue` without a major version.
    path: Option<String>,
    /// The module path as declared, major version included.
    declared: Option<String>,
    files: Vec<ModuleFile>,
    /// Dependencies replaced by local directories.
    deps: Vec<deps::Dep>,
    /// The directory the files were read from, for `@embed`.
    root: Option<PathBuf>,
}

/// The packages a compiled package imports, transitively.
#[derive(Debug, Clone, Default)]
pub(crate) struct Imports {
    /// The index of the first imported file among all loaded files (the
    /// main package's files come first).
    pub(crate) base: usize,
    /// Import paths as written (qualifier included) to packages.
    by_path: HashMap<String, usize>,
    pub(crate) packages: Vec<Package>,
}

/// One imported package.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) files: Vec<ast::File>,
    pub(crate) sources: Vec<String>,
    /// The index of its first file among the imported files.
    pub(crate) offset: usize,
}

impl Imports {
    /// The package imported as `path`, with its index.
    pub(crate) fn package(&self, path: &str) -> Option<(usize, &Package)> {
        let i = *self.by_path.get(path)?;
        Some((i, self.packages.get(i)?))
    }

    /// The same imports after the main package kept `base` files.
    pub(crate) fn rebased(&self, base: usize) -> Imports {
        Imports {
            base,
            ..self.clone()
        }
    }
}

impl Module {
    /// A module from `(path, source)` pairs, paths relative to the module
    /// root (`cue.mod/module.cue`, `a.cue`, `lib/b.cue`); other files than
    /// `.cue` files are ignored.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Module, LoadError> {
        let files = files
            .iter()
            .map(|(p, s)| ModuleFile {
                path: p.trim_start_matches("./").to_string(),
                name: p.to_string(),
                source: s.to_string(),
            })
            .collect();
        Module::new(files)
    }

    /// A module from its files: reads the module path of
    /// `cue.mod/module.cue` if there is one.
    pub fn new(files: Vec<ModuleFile>) -> Result<Module, LoadError> {
        let mut files: Vec<ModuleFile> = files
            .into_iter()
            .filter(|f| f.path.ends_with(".cue"))
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let declared = match files.iter().find(|f| f.path == MODULE_FILE) {
            Some(f) => Some(module_path(f)?),
            None => None,
        };
        let path = declared.as_deref().map(|p| strip_major(p).to_string());
        Ok(Module {
            path,
            declared,
            files,
            deps: Vec::new(),
            root: None,
        })
    }

    /// The module with one more file, whatever its name: a file named on
    /// the command line with a `cue:` qualifier is CUE without the
    /// extension.
    pub fn with_file(mut self, file: ModuleFile) -> Module {
        self.files.push(file);
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self
    }

    /// Reads every `.cue` file under `root` (a module root or a plain
    /// directory), skipping directories and files whose names start with
    /// `.` or `_`. Files are named as `root` is spelled, joined with their
    /// path.
    /// The dependencies that `cue.mod/local-module.cue` replaces with
    /// directories are read too.
    pub fn from_dir(root: &Path) -> Result<Module, LoadError> {
        let mut module = Module::read(root)?;
        if let Some(f) = module.files.iter().find(|f| f.path == MODULE_FILE) {
            deps::check_module_file(f)?;
        }
        module.deps = deps::local(root)?;
        Ok(module)
    }

    /// The `.cue` files under `root`, without dependencies.
    fn read(root: &Path) -> Result<Module, LoadError> {
        let mut files = Vec::new();
        read_dir(root, root, "", &mut files)?;
        let mut module = Module::new(files)?;
        module.root = Some(root.to_path_buf());
        Ok(module)
    }

    /// The module of index `m` among this one (0) and its dependencies.
    fn module_at(&self, m: usize) -> &Module {
        match m.checked_sub(1).and_then(|i| self.deps.get(i)) {
            Some(dep) => &dep.module,
            None => self,
        }
    }

    /// The nearest directory at or above `start` with a `cue.mod`, as an
    /// absolute path without `.` or `..`.
    pub fn find_root(start: &Path) -> Option<PathBuf> {
        let start = match start.parent() {
            Some(p) if start.is_file() && p.as_os_str().is_empty() => Path::new("."),
            Some(p) if start.is_file() => p,
            _ => start,
        };
        let mut abs = PathBuf::new();
        for c in std::path::absolute(start).ok()?.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    abs.pop();
                }
                c => abs.push(c),
            }
        }
        abs.ancestors()
            .find(|d| d.join("cue.mod").is_dir())
            .map(Path::to_path_buf)
    }

    /// The module path (`example.com/x`), if the module has a module file.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The files of the module.
    pub fn files(&self) -> &[ModuleFile] {
        &self.files
    }

    /// Loads the package in directory `dir` (relative to the module root,
    /// `.` for the root; `dir:name` picks a package by name) with the
    /// packages it imports, then applies `tags` to it.
    pub fn compile(&self, package: &str, tags: &Tags) -> Result<Compiled, LoadError> {
        self.compile_dir(package, tags, false)
    }

    /// [`Module::compile`] for a directory the working directory or a
    /// pattern (`./...`) names rather than a path: `cue` then names it
    /// plainly in errors (`x`, not `./x`).
    pub fn compile_matched(&self, package: &str, tags: &Tags) -> Result<Compiled, LoadError> {
        self.compile_dir(package, tags, true)
    }

    fn compile_dir(&self, package: &str, tags: &Tags, plain: bool) -> Result<Compiled, LoadError> {
        let (dir, name) = split_qualifier(package);
        let dir = clean_dir(dir);
        let name = match name {
            Some(n) => n.to_string(),
            None => self.infer_package(&dir, tags, plain)?,
        };
        let chosen = self.package_files(&dir, &name, name != "_");
        if chosen.is_empty() {
            return Err(LoadError::Package(format!(
                "no CUE files in {}",
                display_dir(&dir)
            )));
        }
        self.compile_chosen(&chosen, (dir, name), tags, true)
    }

    /// Loads the given files (paths relative to the module root) as one
    /// package, as `cue export a.cue b.cue` does, resolving their imports
    /// within the module.
    pub fn compile_files(&self, paths: &[&str], tags: &Tags) -> Result<Compiled, LoadError> {
        let mut chosen = Vec::new();
        for p in paths {
            let p = p.trim_start_matches("./");
            match self.files.iter().position(|f| f.path == p) {
                Some(i) => chosen.push(i),
                None => return Err(LoadError::Package(format!("no file {p:?} in the module"))),
            }
        }
        let dir = paths
            .first()
            .map(|p| parent_dir(p.trim_start_matches("./")).to_string())
            .unwrap_or_default();
        self.compile_chosen(&chosen, (dir, String::new()), tags, false)
    }

    fn compile_chosen(
        &self,
        chosen: &[usize],
        key: (String, String),
        tags: &Tags,
        embeds: bool,
    ) -> Result<Compiled, LoadError> {
        let importer = self.import_path(&key.0);
        let mut loader = loader::Loader::new(self, &key, &importer);
        let files = loader.parse_all(0, chosen, embeds)?;
        loader.resolve_imports(&files, &importer)?;
        let sources = chosen
            .iter()
            .filter_map(|&i| self.files.get(i).map(|f| f.source.clone()))
            .collect();
        let mut dirs: Vec<(usize, &str)> = vec![(0, key.0.as_str())];
        dirs.extend(loader.packages().map(|(m, d, _)| (*m, d.as_str())));
        let seen = self.build_tags_in(&dirs);
        let compiled = Compiled::from_parts(files, sources, loader.into_imports());
        Ok(compiled.into_tagged(&tags.clone().with_seen(seen))?)
    }

    /// The one package name of the files directly in `dir` that `@if`
    /// attributes keep under `tags`: `_` if none has a package clause; an
    /// error if there are several.
    fn infer_package(&self, dir: &str, tags: &Tags, plain: bool) -> Result<String, LoadError> {
        let mut names: Vec<(String, String)> = Vec::new();
        for f in self.files.iter().filter(|f| parent_dir(&f.path) == dir) {
            if f.source.contains("@if(")
                && let Ok(file) = crate::parse_file(&f.name, &f.source)
                && crate::tags::excluded(&file.attrs, tags)
            {
                continue;
            }
            if let Some(n) = package_name(&f.source)
                && !names.iter().any(|(m, _)| *m == n)
            {
                let base = f.path.rsplit('/').next().unwrap_or(&f.path).to_string();
                names.push((n, base));
            }
        }
        match names.as_slice() {
            [] => Ok("_".to_string()),
            [(n, _)] => Ok(n.clone()),
            [(a, fa), (b, fb), ..] => {
                // The official loader names the directory from the module
                // root, or as `./dir` when one package is named after it.
                let last = dir.rsplit('/').next().unwrap_or(dir);
                let shown = if dir.is_empty() {
                    ".".to_string()
                } else if !plain && names.iter().any(|(n, _)| n == last) {
                    display_dir(dir)
                } else {
                    dir.to_string()
                };
                Err(LoadError::Package(format!(
                    "found packages {a:?} ({fa}) and {b:?} ({fb}) in {shown:?}"
                )))
            }
        }
    }

    /// The files of package `name` in `dir` and, with `ancestors`, in the
    /// directories above it up to the module root; root files first.
    fn package_files(&self, dir: &str, name: &str, ancestors: bool) -> Vec<usize> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (i, f) in self.files.iter().enumerate() {
            let vendored = dir.starts_with("cue.mod/");
            if (f.path.starts_with("cue.mod/") && !vendored)
                || hidden(&f.path)
                || tool_or_test(&f.path)
            {
                continue;
            }
            let fdir = parent_dir(&f.path);
            let inside = fdir == dir
                || (ancestors
                    && !vendored
                    && self.path.is_some()
                    && (fdir.is_empty() || dir.starts_with(&format!("{fdir}/"))));
            if !inside {
                continue;
            }
            let n = package_name(&f.source).unwrap_or_else(|| "_".to_string());
            if n == name {
                let depth = if fdir.is_empty() {
                    0
                } else {
                    fdir.split('/').count()
                };
                out.push((depth, i));
            }
        }
        out.sort();
        out.into_iter().map(|(_, i)| i).collect()
    }

    /// The build tags of the files in the directories `(module, dir)`, of
    /// any package: `cue` counts a `-t` flag they name as used.
    fn build_tags_in(&self, dirs: &[(usize, &str)]) -> Vec<String> {
        let mut names = Vec::new();
        for &(m, dir) in dirs {
            let module = self.module_at(m);
            for f in module.files.iter().filter(|f| parent_dir(&f.path) == dir) {
                if f.source.contains("@if(")
                    && let Ok(file) = crate::parse_file(&f.name, &f.source)
                {
                    crate::tags::if_names(&file.attrs, &mut names);
                }
            }
        }
        names
    }

    /// Whether the module has a `.cue` file in `dir`.
    fn has_dir(&self, dir: &str) -> bool {
        self.files.iter().any(|f| parent_dir(&f.path) == dir)
    }

    /// The import path of the package in `dir`, as `cue` names an
    /// importing package in errors (`example.com/x/sub@v0`).
    fn import_path(&self, dir: &str) -> String {
        let module = self.path.as_deref().unwrap_or("");
        if dir.is_empty() {
            format!("{module}@v0")
        } else {
            format!("{module}/{dir}@v0")
        }
    }
}

/// Reads the `module` field of `cue.mod/module.cue`, which must also
/// declare a language version, as `cue` requires.
fn module_path(f: &ModuleFile) -> Result<String, LoadError> {
    let file = crate::parse_file(&f.name, &f.source)?;
    let has_language = file.decls.iter().any(|d| {
        matches!(d, ast::Decl::Field(field)
            if matches!(&field.label, ast::Label::Ident(i) if i.name == "language"))
    });
    if !has_language {
        return Err(LoadError::Package(
            "no language version declared in module.cue; run 'cue mod fix'".to_string(),
        ));
    }
    for d in &file.decls {
        if let ast::Decl::Field(field) = d
            && let ast::Label::Ident(i) = &field.label
            && i.name == "module"
            && let ast::Expr::String(s) = &field.value
            && !s.text().is_empty()
        {
            return Ok(s.text());
        }
    }
    // `cue` names the file by its absolute path here.
    let name =
        std::path::absolute(&f.name).map_or_else(|_| f.name.clone(), |p| p.display().to_string());
    Err(LoadError::Package(format!(
        "invalid module file {name}: empty module path"
    )))
}

/// The package name of a source's package clause, read without a full
/// parse where the opening lines are plain; `None` for a file of no package.
pub fn package_name(source: &str) -> Option<String> {
    match prelude::package_name(source) {
        Ok(name) => name,
        // Something the quick scan does not follow: ask the parser, which
        // reads the clause even if a later declaration is malformed.
        Err(prelude::Unsure) => crate::parse_file_partial("", source)
            .0
            .package
            .map(|p| p.name.name),
    }
}

/// `path:name` into the path and the qualifier.
fn split_qualifier(s: &str) -> (&str, Option<&str>) {
    match s.rsplit_once(':') {
        Some((p, q)) if !q.contains('/') => (p, Some(q)),
        _ => (s, None),
    }
}

/// An import path without a major version suffix (`@v0`).
fn strip_major(path: &str) -> &str {
    match path.split_once('@') {
        Some((p, _)) => p,
        None => path,
    }
}

/// The last element of an import path: the default package name.
fn last_element(path: &str) -> &str {
    let path = strip_major(path);
    path.rsplit('/').next().unwrap_or(path)
}

/// A package directory relative to the module root: `.`, `./x/` → `x`.
fn clean_dir(dir: &str) -> String {
    dir.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn display_dir(dir: &str) -> String {
    if dir.is_empty() {
        ".".to_string()
    } else {
        format!("./{dir}")
    }
}

/// Whether a path has an element starting with `.` or `_`, which `cue`
/// ignores.
/// Whether a file is a tool (`x_tool.cue`, for `cue cmd`) or test file,
/// which a package loads only for those commands.
fn tool_or_test(path: &str) -> bool {
    path.ends_with("_tool.cue") || path.ends_with("_test.cue")
}

fn hidden(path: &str) -> bool {
    path.split('/')
        .any(|p| p.starts_with('.') || p.starts_with('_'))
}

/// The directories of `cue.mod` that hold packages by import path.
const VENDORED: [&str; 3] = ["gen", "pkg", "usr"];

fn read_dir(
    root: &Path,
    dir: &Path,
    rel: &str,
    out: &mut Vec<ModuleFile>,
) -> Result<(), LoadError> {
    let io = |e: std::io::Error| LoadError::Package(format!("reading {}: {e}", dir.display()));
    // The kind of an entry comes with the listing on most file systems; a
    // `stat` per entry (what `Path::is_dir` does) is a system call each.
    let mut entries: Vec<(PathBuf, bool)> = std::fs::read_dir(dir)
        .map_err(io)?
        .flatten()
        .map(|e| {
            let p = e.path();
            let is_dir = match e.file_type() {
                Ok(t) if !t.is_symlink() => t.is_dir(),
                _ => p.is_dir(),
            };
            (p, is_dir)
        })
        .collect();
    entries.sort();
    for (p, is_dir) in entries {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let path = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        if is_dir {
            let in_cue_mod = path == "cue.mod";
            if !(name.starts_with('.') || name.starts_with('_') || in_cue_mod && rel.is_empty()) {
                read_dir(root, &p, &path, out)?;
            } else if in_cue_mod {
                // Packages of other modules kept in the module, by import path.
                for kept in VENDORED {
                    let d = p.join(kept);
                    if d.is_dir() {
                        read_dir(root, &d, &format!("cue.mod/{kept}"), out)?;
                    }
                }
                let m = p.join("module.cue");
                if m.is_file() {
                    let source = std::fs::read_to_string(&m).map_err(io)?;
                    out.push(ModuleFile {
                        path: MODULE_FILE.to_string(),
                        name: display_name(&root.join(MODULE_FILE)),
                        source,
                    });
                }
            }
        } else if name.ends_with(".cue") && !name.starts_with('.') && !name.starts_with('_') {
            let source = std::fs::read_to_string(&p).map_err(io)?;
            out.push(ModuleFile {
                path,
                name: display_name(&p),
                source,
            });
        }
    }
    Ok(())
}

/// A file name as the official CLI prints it in positions: relative paths
/// start with `./`.
pub fn display_name(path: &Path) -> String {
    let name = path.display().to_string();
    let name = name.strip_prefix("./").unwrap_or(&name).to_string();
    if path.is_absolute() || name.starts_with("../") {
        name
    } else {
        format!("./{name}")
    }
}
