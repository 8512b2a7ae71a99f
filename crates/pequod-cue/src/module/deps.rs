//! Module dependencies replaced by local directories: the `replaceWith`
//! entries of `cue.mod/local-module.cue`, which `cue` reads beside
//! `cue.mod/module.cue` and forbids in it.

use std::path::Path;

use super::{Module, ModuleFile};
use crate::ast;
use crate::error::LoadError;

/// The local file that may replace dependencies, relative to the root.
const LOCAL_FILE: &str = "cue.mod/local-module.cue";

/// A dependency whose packages come from a directory.
#[derive(Debug, Clone)]
pub(crate) struct Dep {
    /// The module path without a major version (`example.com/dep`).
    pub(crate) path: String,
    /// The major version replaced (`v0`).
    pub(crate) major: String,
    /// The replacement directory's module.
    pub(crate) module: Module,
}

/// The `deps` entries of a module file as (module path, `replaceWith`).
fn replacements(file: &ast::File) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for deps in fields(&file.decls).filter(|(l, _)| l == "deps") {
        let ast::Expr::Struct(deps) = deps.1 else {
            continue;
        };
        for (path, entry) in fields(&deps.decls) {
            let with = match entry {
                ast::Expr::Struct(s) => fields(&s.decls).find_map(|(l, v)| match v {
                    ast::Expr::String(s) if l == "replaceWith" => Some(s.text()),
                    _ => None,
                }),
                _ => None,
            };
            out.push((path, with));
        }
    }
    out
}

/// The regular fields of a struct's declarations, by label text.
fn fields(decls: &[ast::Decl]) -> impl Iterator<Item = (String, &ast::Expr)> {
    decls.iter().filter_map(|d| match d {
        ast::Decl::Field(f) => match &f.label {
            ast::Label::Ident(i) => Some((i.name.clone(), &f.value)),
            ast::Label::String(s) => Some((s.text(), &f.value)),
            _ => None,
        },
        _ => None,
    })
}

/// Fails as `cue` does when the module file itself replaces a dependency.
pub(super) fn check_module_file(f: &ModuleFile) -> Result<(), LoadError> {
    let file = crate::parse_file(&f.name, &f.source)?;
    match replacements(&file).into_iter().find(|(_, w)| w.is_some()) {
        Some((path, _)) => Err(LoadError::Package(format!(
            "module replace for {path:?} is not allowed in module.cue; \
             move it to {LOCAL_FILE}"
        ))),
        None => Ok(()),
    }
}

/// The dependencies `root`'s local module file replaces with directories
/// (`./dir`, `../dir` or absolute), each read as a module of its own that
/// must declare the module path it replaces.
pub(super) fn local(root: &Path) -> Result<Vec<Dep>, LoadError> {
    let file = root.join(LOCAL_FILE);
    if !file.is_file() {
        return Ok(Vec::new());
    }
    let io = |e: std::io::Error| LoadError::Package(format!("reading {}: {e}", file.display()));
    let source = std::fs::read_to_string(&file).map_err(io)?;
    let parsed = crate::parse_file(&super::display_name(&file), &source)?;
    let mut out = Vec::new();
    for (path, with) in replacements(&parsed) {
        let Some(with) =
            with.filter(|w| w.starts_with("./") || w.starts_with("../") || w.starts_with('/'))
        else {
            continue;
        };
        // `./dep` under the root `.` is `./dep`, not `././dep`.
        let dir: std::path::PathBuf = root.join(&with).components().collect();
        let module = Module::from_dir(&dir)?;
        let want = with_major(&path);
        let got = module
            .declared
            .as_deref()
            .map(with_major)
            .unwrap_or_default();
        if got != want {
            return Err(LoadError::Package(format!(
                "replacement directory {with} has module path {got:?}, want {want:?}"
            )));
        }
        let major = want.rsplit_once('@').map_or("v0", |(_, v)| v).to_string();
        out.push(Dep {
            path: super::strip_major(&path).to_string(),
            major,
            module,
        });
    }
    Ok(out)
}

/// A module path with its major version, `@v0` when it has none.
pub(super) fn with_major(path: &str) -> String {
    if path.contains('@') {
        path.to_string()
    } else {
        format!("{path}@v0")
    }
}
