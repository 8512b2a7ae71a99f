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
use crate::error::{ImportError, LoadError};
use crate::source::SourceFile;
use crate::tags::Tags;

mod deps;
mod embed;
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
        self.compile_chosen(&chosen, (dir, name), tags)
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
        self.compile_chosen(&chosen, (dir, String::new()), tags)
    }

    fn compile_chosen(
        &self,
        chosen: &[usize],
        key: (String, String),
        tags: &Tags,
    ) -> Result<Compiled, LoadError> {
        let mut loader = Loader {
            module: self,
            imports: Imports::default(),
            keys: HashMap::new(),
            stack: vec![(0, key.0.clone(), key.1.clone())],
            root: self.import_path(&key.0),
            chain: Vec::new(),
        };
        let files = loader.parse_all(0, chosen)?;
        let importer = self.import_path(&key.0);
        loader.resolve_imports(&files, &importer)?;
        let sources = chosen
            .iter()
            .filter_map(|&i| self.files.get(i).map(|f| f.source.clone()))
            .collect();
        let mut dirs: Vec<(usize, &str)> = vec![(0, key.0.as_str())];
        dirs.extend(loader.keys.keys().map(|(m, d, _)| (*m, d.as_str())));
        let seen = self.build_tags_in(&dirs);
        let compiled = Compiled::from_parts(files, sources, loader.imports);
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

/// Resolves the imports of a package, transitively.
struct Loader<'m> {
    module: &'m Module,
    imports: Imports,
    /// (module index, directory, package name) to package index.
    keys: HashMap<PackageKey, usize>,
    /// The packages being loaded, for import cycles.
    stack: Vec<PackageKey>,
    /// The import path of the main package, which names the chain of
    /// imports an error in an imported package is reported along.
    root: String,
    /// The imports (as written, with their positions) leading to the
    /// package whose imports are being resolved.
    chain: Vec<(String, String)>,
}

/// A package: the index of its module (0 for the main module, then its
/// dependencies), its directory there and its name.
type PackageKey = (usize, String, String);

/// Whether `name`, an import path's last element, can name a package (a
/// CUE identifier): otherwise the import needs a `:name` qualifier.
fn is_package_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || matches!(c, '_' | '$'))
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '$'))
}

impl Loader<'_> {
    fn parse_all(&mut self, m: usize, chosen: &[usize]) -> Result<Vec<ast::File>, LoadError> {
        let mut files = Vec::with_capacity(chosen.len());
        let mut errors = Vec::new();
        let mut embed_errors = Vec::new();
        let module = self.module.module_at(m);
        for &i in chosen {
            // A file two packages share (an ancestor directory's) is parsed
            // for each: cheaper than copying every tree to keep it.
            let Some(mf) = module.files.get(i) else {
                continue;
            };
            // Every file's syntax errors are reported, not only the first's.
            match crate::parse_file(&mf.name, &mf.source) {
                Ok(mut file) => {
                    if let Some(root) = &module.root {
                        let dir = root.join(parent_dir(&mf.path));
                        if let Err(e) = embed::apply(&mut file, &dir, &mf.source) {
                            embed_errors.push(e);
                        }
                    }
                    files.push(file);
                }
                Err(e) => errors.extend(e.errors),
            }
        }
        if !errors.is_empty() {
            return Err(LoadError::Parse(crate::ParseErrors { errors }));
        }
        if !embed_errors.is_empty() {
            return Err(LoadError::Package(embed_errors.join("\n")));
        }
        Ok(files)
    }

    fn resolve_imports(&mut self, files: &[ast::File], importer: &str) -> Result<(), LoadError> {
        self.check_names(files, importer)?;
        for f in files {
            for spec in f.imports.iter().flat_map(|d| &d.specs) {
                let text = spec.path.text();
                if self.imports.by_path.contains_key(&text) {
                    continue;
                }
                let (path, qualifier) = split_qualifier(&text);
                let first = path.split('/').next().unwrap_or("");
                if !first.contains('.') {
                    // A builtin package takes no qualifier.
                    if qualifier.is_none() && crate::builtins::is_package(path) {
                        continue;
                    }
                    let msg = format!("builtin package {text:?} undefined");
                    return Err(self.import_error(f, spec, msg));
                }
                let found = self.module_dir(path);
                let missing = format!(
                    "cannot find package {path:?}: cannot find module providing package {text}"
                );
                let name = qualifier
                    .map(str::to_string)
                    .unwrap_or_else(|| last_element(path).to_string());
                let Some((m, dir)) = found else {
                    return Err(self.failed(f, spec, importer, &missing));
                };
                let key = (m, dir.clone(), name.clone());
                let module = self.module.module_at(m);
                if self.stack.contains(&key) {
                    return Err(self.cycle_error(f, spec, self.stack.first() == Some(&key)));
                }
                if let Some(&i) = self.keys.get(&key) {
                    self.imports.by_path.insert(text, i);
                    continue;
                }
                let chosen = module.package_files(&dir, &name, true);
                if chosen.is_empty() {
                    let why = if module.has_dir(&dir) {
                        format!(
                            "cannot find package {path:?}: \
                             no files in package directory with package name {name:?}"
                        )
                    } else {
                        format!(
                            "cannot find package {path:?}: \
                             cannot find module providing package {text}"
                        )
                    };
                    return Err(self.failed(f, spec, importer, &why));
                }
                let pkg_files = match self.parse_all(m, &chosen) {
                    Ok(files) => files,
                    Err(LoadError::Parse(e)) => return Err(self.syntax_error(f, spec, &e)),
                    Err(e) => return Err(e),
                };
                self.stack.push(key.clone());
                let at = self.position(f, spec);
                self.chain.push((text.clone(), at));
                let nested = module.import_path(&dir);
                self.resolve_imports(&pkg_files, &nested)?;
                self.chain.pop();
                self.stack.pop();
                let offset = self.imports.packages.iter().map(|p| p.files.len()).sum();
                let sources = chosen
                    .iter()
                    .filter_map(|&i| module.files.get(i).map(|f| f.source.clone()))
                    .collect();
                self.imports.packages.push(Package {
                    files: pkg_files,
                    sources,
                    offset,
                });
                let index = self.imports.packages.len() - 1;
                self.keys.insert(key, index);
                self.imports.by_path.insert(text, index);
            }
        }
        Ok(())
    }

    /// The module (its index) and directory (relative to its root) of an
    /// import path: within the main module, a dependency replaced by a
    /// directory, or a package kept in `cue.mod`.
    fn module_dir(&self, path: &str) -> Option<(usize, String)> {
        let path = strip_major(path);
        let in_dep = self.module.deps.iter().enumerate().find_map(|(i, dep)| {
            let dir = match path.strip_prefix(dep.path.as_str())? {
                "" => "",
                rest => rest.strip_prefix('/')?,
            };
            Some((i + 1, dir.to_string()))
        });
        if in_dep.is_some() {
            return in_dep;
        }
        self.main_dir(path).map(|d| (0, d))
    }

    fn main_dir(&self, path: &str) -> Option<String> {
        let vendored = || {
            VENDORED
                .iter()
                .map(|kept| format!("cue.mod/{kept}/{path}"))
                .find(|d| self.module.has_dir(d))
        };
        let Some(module) = self.module.path.as_deref() else {
            return vendored();
        };
        if path == module {
            return Some(String::new());
        }
        match path.strip_prefix(module).and_then(|p| p.strip_prefix('/')) {
            Some(dir) => Some(dir.to_string()),
            None => vendored(),
        }
    }
}

impl Loader<'_> {
    /// An error about an import spec, located at its path.
    /// A syntax error in an imported package, as the official loader
    /// words it: at the import, then at the error.
    fn syntax_error(
        &self,
        f: &ast::File,
        spec: &ast::ImportSpec,
        errors: &crate::ParseErrors,
    ) -> LoadError {
        let mut out: Vec<String> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        // The first error of each file.
        for error in &errors.errors {
            if seen.contains(&error.file.as_str()) {
                continue;
            }
            seen.push(&error.file);
            match self.import_error(f, spec, format!("import failed: {}", error.message)) {
                LoadError::Import(at) => out.push(format!(
                    "{at}\n    {}:{}:{}",
                    error.file, error.line, error.column
                )),
                other => return other,
            }
        }
        if out.is_empty() {
            return LoadError::Parse(errors.clone());
        }
        LoadError::Package(out.join("\n"))
    }

    /// Fails for the first import that names no package (`:_`, or a last
    /// element that is no identifier, without a qualifier): `cue` checks
    /// every import so before it resolves any.
    /// Every `:_` qualifier is checked before any package name.
    fn check_names(&self, files: &[ast::File], importer: &str) -> Result<(), LoadError> {
        for underscores in [true, false] {
            self.check_names_pass(files, importer, underscores)?;
        }
        Ok(())
    }

    fn check_names_pass(
        &self,
        files: &[ast::File],
        importer: &str,
        underscores: bool,
    ) -> Result<(), LoadError> {
        for f in files {
            for spec in f.imports.iter().flat_map(|d| &d.specs) {
                let text = spec.path.text();
                let (path, qualifier) = split_qualifier(&text);
                if !path.split('/').next().unwrap_or("").contains('.') {
                    continue;
                }
                let exists = self
                    .module_dir(path)
                    .is_some_and(|(m, d)| self.module.module_at(m).has_dir(&d));
                let missing = format!(
                    "cannot find package {path:?}: cannot find module providing package {text}"
                );
                if underscores && qualifier == Some("_") {
                    let invalid = format!("_ is not a valid import path qualifier in {text:?}");
                    let why = if exists {
                        format!("cannot find package {path:?}: {invalid}")
                    } else {
                        missing
                    };
                    return Err(self.failed_all(f, spec, importer, &[invalid, why]));
                }
                if !underscores && qualifier.is_none() && !is_package_name(last_element(path)) {
                    let why = format!(
                        "cannot determine package name for {path:?}; set it explicitly with ':'"
                    );
                    // `cue` also says so when no directory holds the path.
                    let whys = if exists {
                        vec![why]
                    } else {
                        vec![why, missing]
                    };
                    return Err(self.failed_all(f, spec, importer, &whys));
                }
            }
        }
        Ok(())
    }

    /// [`Loader::failed`] for each of several reasons, one error each.
    fn failed_all(
        &self,
        f: &ast::File,
        spec: &ast::ImportSpec,
        importer: &str,
        whys: &[String],
    ) -> LoadError {
        if let [why] = whys {
            return self.failed(f, spec, importer, why);
        }
        let rendered: Vec<String> = whys
            .iter()
            .map(|why| self.failed(f, spec, importer, why).to_string())
            .collect();
        LoadError::Package(rendered.join("\n"))
    }

    /// An import of `importer` that failed for `why`: in an imported
    /// package, named along the chain of imports that led to it and
    /// located at each of them, as `cue` reports it.
    fn failed(
        &self,
        f: &ast::File,
        spec: &ast::ImportSpec,
        importer: &str,
        why: &str,
    ) -> LoadError {
        if self.chain.is_empty() {
            return self.import_error(f, spec, format!("{importer}: import failed: {why}"));
        }
        let mut name = self.root.clone();
        let mut at = String::new();
        for (text, pos) in &self.chain {
            name.push('.');
            name.push_str(text);
            at.push_str(&format!("\n    {pos}"));
        }
        let failed = "import failed: ".repeat(self.chain.len() + 1);
        let pos = self.position(f, spec);
        LoadError::Package(format!("{name}: {failed}{why}:{at}\n    {pos}"))
    }

    /// An import cycle, as `cue` reports it: once per import along the
    /// chain (one more when it leads back to the main package, which `cue`
    /// loads again as a dependency), at each import once.
    fn cycle_error(&self, f: &ast::File, spec: &ast::ImportSpec, to_main: bool) -> LoadError {
        let failed = "import failed: ".repeat(self.chain.len() + 1 + usize::from(to_main));
        let mut at: Vec<String> = Vec::new();
        let here = self.position(f, spec);
        for pos in self.chain.iter().map(|(_, p)| p).chain([&here]) {
            if !at.contains(pos) {
                at.push(pos.clone());
            }
        }
        LoadError::Package(format!(
            "{failed}package import cycle not allowed:\n    {}",
            at.join("\n    ")
        ))
    }

    /// Where an import spec is, as `file:line:column`.
    fn position(&self, f: &ast::File, spec: &ast::ImportSpec) -> String {
        match self.import_error(f, spec, String::new()) {
            LoadError::Import(e) => format!("{}:{}:{}", e.file, e.line, e.column),
            _ => f.name.clone(),
        }
    }

    fn import_error(&self, f: &ast::File, spec: &ast::ImportSpec, message: String) -> LoadError {
        let source = std::iter::once(self.module)
            .chain(self.module.deps.iter().map(|d| &d.module))
            .flat_map(|m| &m.files)
            .find(|m| m.name == f.name)
            .map_or("", |m| m.source.as_str());
        let pos = SourceFile::new(f.name.as_str(), source).position(spec.span.start);
        LoadError::Import(ImportError {
            file: f.name.clone(),
            line: pos.line,
            column: pos.column,
            message,
        })
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

/// The package name of a source's package clause, without a full parse.
fn package_name(source: &str) -> Option<String> {
    match prelude::package_name(source) {
        Ok(name) => name,
        // Something the quick scan does not follow: ask the parser.
        Err(prelude::Unsure) => crate::parse_file("", source)
            .ok()?
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
