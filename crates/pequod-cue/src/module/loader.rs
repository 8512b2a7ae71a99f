//! Resolving a package's imports, transitively, within the module and the
//! dependencies it replaces, with the errors `cue` reports along the chain
//! of imports.

use std::collections::HashMap;

use super::{
    Imports, Module, Package, VENDORED, last_element, parent_dir, split_qualifier, strip_major,
};
use crate::ast;
use crate::error::{ImportError, LoadError};
use crate::source::SourceFile;

/// Resolves the imports of a package, transitively.
pub(super) struct Loader<'m> {
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
pub(super) type PackageKey = (usize, String, String);

/// Whether `name`, an import path's last element, can name a package (a
/// CUE identifier): otherwise the import needs a `:name` qualifier.
fn is_package_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || matches!(c, '_' | '$'))
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '$'))
}

impl<'m> Loader<'m> {
    /// A loader for the package `key` (directory, name) of the main
    /// module, whose import path is `importer`.
    pub(super) fn new(module: &'m Module, key: &(String, String), importer: &str) -> Self {
        Loader {
            module,
            imports: Imports::default(),
            keys: HashMap::new(),
            stack: vec![(0, key.0.clone(), key.1.clone())],
            root: importer.to_string(),
            chain: Vec::new(),
        }
    }

    /// The imported packages loaded so far.
    pub(super) fn packages(&self) -> impl Iterator<Item = &PackageKey> {
        self.keys.keys()
    }

    /// The imports, once resolved.
    pub(super) fn into_imports(self) -> Imports {
        self.imports
    }
}

impl Loader<'_> {
    /// Parses the files `chosen` of module `m` and applies their `@embed`
    /// attributes; without `embeds` (files named on the command line, a
    /// package of no module) a file marked `@extern(embed)` is an error.
    pub(super) fn parse_all(
        &mut self,
        m: usize,
        chosen: &[usize],
        embeds: bool,
    ) -> Result<Vec<ast::File>, LoadError> {
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
                    if !embeds && super::embed::enabled(&file) {
                        return Err(LoadError::Package(super::embed::NOT_IN_MODULE.to_string()));
                    }
                    if let Some(root) = &module.root {
                        let dir = root.join(parent_dir(&mf.path));
                        if let Err(e) = super::embed::apply(&mut file, &dir, &mf.source) {
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

    /// Loads the packages `files` import, transitively; `importer` is the
    /// import path of their package.
    pub(super) fn resolve_imports(
        &mut self,
        files: &[ast::File],
        importer: &str,
    ) -> Result<(), LoadError> {
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
                let pkg_files = match self.parse_all(m, &chosen, true) {
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
        // A replacement is for one major version (`@v0`); an import without
        // one takes the default.
        let major = path.split_once('@').map(|(_, v)| v);
        let path = strip_major(path);
        let in_dep = self.module.deps.iter().enumerate().find_map(|(i, dep)| {
            if major.is_some_and(|v| v != dep.major) {
                return None;
            }
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
