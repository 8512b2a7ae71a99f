//! The `import` declarations the official CLI prints before a value whose
//! CUE text still calls builtin packages (`list.MinItems(1)`): the output
//! is then a file that compiles on its own.

use pequod_cue::Compiled;

/// The imports `body` needs among the builtin packages the package's files
/// import, indented by `indent` when grouped, followed by a blank line;
/// empty when it needs none.
pub(super) fn header(compiled: &Compiled, body: &str, indent: &str) -> String {
    let mut used: Vec<String> = Vec::new();
    for file in compiled.files() {
        for spec in file.imports.iter().flat_map(|d| &d.specs) {
            let path = String::from_utf8_lossy(&spec.path.value).into_owned();
            let name = path.rsplit('/').next().unwrap_or_default();
            let builtin = pequod_cue::builtin_import(name).is_some_and(|p| p == path);
            if builtin && !used.contains(&path) && calls(body, name) {
                used.push(path);
            }
        }
    }
    match used.as_slice() {
        [] => String::new(),
        [one] => format!("import {one:?}\n\n"),
        several => {
            let mut out = String::from("import (\n");
            for path in several {
                out.push_str(&format!("{indent}{path:?}\n"));
            }
            out.push_str(")\n\n");
            out
        }
    }
}

/// Whether `body` refers to a member of package `name` (`name.X`) outside
/// its string literals.
fn calls(body: &str, name: &str) -> bool {
    let pattern = format!("{name}.");
    body.lines().any(|line| {
        line.match_indices(&pattern).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let outside = line[..at].matches('"').count() % 2 == 0;
            let next = line[at + pattern.len()..].chars().next();
            outside
                && !before
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '#' | '$' | '.'))
                && next.is_some_and(|c| c.is_alphabetic())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_members_outside_strings_count() {
        assert!(calls("def: {\n    #t: list.MinItems(1)\n}", "list"));
        assert!(!calls("a: \"list.MinItems\"", "list"));
        assert!(!calls("a: mylist.x", "list"));
    }
}
