//! A package named on the command line by its import path in the working
//! directory's module (`mod.com/x`, `mod.com/x@v0:x`), as the official CLI
//! accepts it beside directories and files.

/// The package `arg` names in the module `module` (its path, `@vN` or
/// not), as `dir:name` relative to the module root; `None` if `arg` is
/// not an import path in it. The error is the text the official CLI prints.
pub(super) fn package(arg: &str, module: &str) -> Option<Result<String, String>> {
    let module = strip_major(module);
    let (path, qualifier) = match arg.rsplit_once(':') {
        Some((p, q)) if !q.contains('/') => (p, Some(q)),
        _ => (arg, None),
    };
    let path = strip_major(path);
    let dir = if path == module {
        "."
    } else {
        path.strip_prefix(module)?.strip_prefix('/')?
    };
    let name = match qualifier {
        Some(q) => q,
        None => {
            let last = path.rsplit('/').next().unwrap_or(path);
            if !is_identifier(last) {
                return Some(Err(format!(
                    "cannot determine package name for {path:?}; set it explicitly with ':'"
                )));
            }
            last
        }
    };
    Some(Ok(format!("{dir}:{name}")))
}

/// The package `arg` names among the other modules' packages kept in
/// `cue.mod/gen`, `pkg` or `usr` under the module root `root`, as
/// `dir:name` relative to the root.
pub(super) fn vendored(arg: &str, root: &std::path::Path) -> Option<String> {
    let (path, qualifier) = match arg.rsplit_once(':') {
        Some((p, q)) if !q.contains('/') => (p, Some(q)),
        _ => (arg, None),
    };
    let path = strip_major(path);
    let name = qualifier.unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path));
    ["gen", "pkg", "usr"]
        .iter()
        .map(|kept| format!("cue.mod/{kept}/{path}"))
        .find(|dir| root.join(dir).is_dir())
        .map(|dir| format!("{dir}:{name}"))
}

/// What the official CLI says when a package has no files of the name it
/// was asked for.
pub(super) fn no_files(arg: &str, name: &str) -> String {
    let path = arg.rsplit_once(':').map_or(arg, |(p, _)| p);
    format!(
        "cannot find package {:?}: no files in package directory with package name {name:?}",
        strip_major(path)
    )
}

/// An import path without its major version suffix (`@v0`).
fn strip_major(path: &str) -> &str {
    match path.rsplit_once('@') {
        Some((p, v)) if v.starts_with('v') && v[1..].chars().all(|c| c.is_ascii_digit()) => p,
        _ => path,
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_paths_name_module_packages() {
        assert_eq!(package("mod.com/x", "mod.com"), Some(Ok("x:x".into())));
        assert_eq!(
            package("mod.example/p@v0:p", "mod.example@v0"),
            Some(Ok("p:p".into()))
        );
        assert_eq!(
            package("mod.com:root", "mod.com"),
            Some(Ok(".:root".into()))
        );
        assert_eq!(package("other.com/x", "mod.com"), None);
        assert_eq!(package("mod.comx/y", "mod.com"), None);
        assert_eq!(
            package("mod.com/1x", "mod.com"),
            Some(Err(
                "cannot determine package name for \"mod.com/1x\"; set it explicitly with ':'"
                    .into()
            ))
        );
    }
}
