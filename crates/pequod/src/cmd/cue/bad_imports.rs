//! Imports the official loader rejects, whatever the command: unknown
//! builtin packages, imports a file never refers to (`imported and not
//! used: "list"`) and those a top-level field of the file redeclares.

use pequod_cue::{Compiled, SourceFile};

/// The official CLI's error for the imports of the package's files that
/// their file never refers to, `None` when all are used. Any reference
/// of the name in the file (`name.X`, an embedded `name`) counts as a use,
/// even one a nearer field of that name shadows, so the check never
/// rejects a package the official loader accepts.
pub(super) fn check(compiled: &Compiled) -> Option<String> {
    let mut errors = Vec::new();
    for (i, file) in compiled.files().iter().enumerate() {
        let Some(source) = compiled.sources().get(i).filter(|s| !s.is_empty()) else {
            continue;
        };
        if file.imports.is_empty() {
            // Nothing to check, and no line index to build for positions.
            continue;
        }
        let indexed = SourceFile::new(file.name.as_str(), source.as_str());
        let mut referenced = std::collections::HashSet::new();
        pequod_cue::ast::visit::references(file, &mut |i| {
            referenced.insert(i.name.as_str());
        });
        for spec in file.imports.iter().flat_map(|d| &d.specs) {
            let path = String::from_utf8_lossy(&spec.path.value).into_owned();
            let name = match &spec.alias {
                Some(alias) => alias.name.clone(),
                None => local_name(&path),
            };
            let at = indexed.position(spec.span.start);
            let first = path.split('/').next().unwrap_or_default();
            let builtin = pequod_cue::builtin_import(path.rsplit('/').next().unwrap_or_default())
                .is_some_and(|p| p == path);
            if !first.contains('.') && !builtin {
                errors.push(format!(
                    "builtin package {path:?} undefined:\n    {}:{}:{}",
                    file.name, at.line, at.column
                ));
            }
            if let Some(label) = redeclared(file, &name) {
                let was = indexed.position(label);
                errors.push(format!(
                    "{name} redeclared as imported package name\n\tprevious declaration at {}:{}:{}:\n    {}:{}:{}",
                    file.name, was.line, was.column, file.name, at.line, at.column
                ));
                continue;
            }
            if name == "_" || referenced.contains(name.as_str()) {
                continue;
            }
            let shown = match &spec.alias {
                Some(alias) => format!("{path:?} as {}", alias.name),
                None => format!("{path:?}"),
            };
            errors.push(format!(
                "imported and not used: {shown}:\n    {}:{}:{}",
                file.name, at.line, at.column
            ));
        }
    }
    (!errors.is_empty()).then(|| errors.join("\n"))
}

/// Where a top-level field of `file` is labelled `name`, which clashes
/// with an import of that name.
fn redeclared(file: &pequod_cue::ast::File, name: &str) -> Option<usize> {
    file.decls.iter().find_map(|d| match d {
        pequod_cue::ast::Decl::Field(f) => match &f.label {
            pequod_cue::ast::Label::Ident(i) if i.name == name => Some(i.span.start),
            _ => None,
        },
        _ => None,
    })
}

/// The name an import path binds without an alias: its qualifier
/// (`:name`), else its last element without a version.
fn local_name(path: &str) -> String {
    if let Some((_, qualifier)) = path.rsplit_once(':') {
        return qualifier.to_owned();
    }
    let last = path.rsplit('/').next().unwrap_or(path);
    last.split('@').next().unwrap_or(last).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(source: &str) -> Option<String> {
        let compiled = Compiled::from_sources(&[("./a.cue", source)]).ok()?;
        check(&compiled)
    }

    #[test]
    fn unused_imports_are_reported_where_declared() {
        assert_eq!(
            checked("package p\n\nimport \"list\"\n\nout: 123\n").as_deref(),
            Some("imported and not used: \"list\":\n    ./a.cue:3:8")
        );
        assert_eq!(
            checked("import x \"list\"\nout: 1\n").as_deref(),
            Some("imported and not used: \"list\" as x:\n    ./a.cue:1:8")
        );
        assert_eq!(checked("import \"list\"\nout: list.Sum([1])\n"), None);
        assert_eq!(checked("import \"list\"\nlist\n"), None);
        // Named only in a comment and a string: not used.
        assert_eq!(
            checked("import \"list\"\n// list.Sum\nout: \"list\"\n").as_deref(),
            Some("imported and not used: \"list\":\n    ./a.cue:1:8")
        );
        assert_eq!(local_name("mod.test/a/b@v0"), "b");
        assert_eq!(local_name("mod.test/a:c"), "c");
    }
}
