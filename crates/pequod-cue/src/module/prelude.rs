//! The package name of a file, read from its first lines without parsing
//! the file: loading a package asks it of every file in the directory, and
//! a full parse of each (three times over, as it was) cost more than the
//! evaluation of a typical module.

/// The scan met something it does not follow; the parser must decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unsure;

/// `Ok(Some(name))` for a file opening with `package name` (after comments
/// and file attributes), `Ok(None)` for a file whose first declaration is
/// something else.
pub(super) fn package_name(source: &str) -> Result<Option<String>, Unsure> {
    let mut rest = source.strip_prefix('\u{feff}').unwrap_or(source);
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix("//") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if rest.starts_with('@') {
            rest = skip_attribute(rest)?;
        } else {
            break;
        }
    }
    let Some(after) = rest.strip_prefix("package") else {
        return Ok(None);
    };
    // `package: 1` or `packages: …` are fields, not the clause.
    let Some(name) = after.strip_prefix([' ', '\t']) else {
        return match after.chars().next() {
            Some(c) if is_ident(c) || matches!(c, ':' | '?' | '!') => Ok(None),
            _ => Err(Unsure),
        };
    };
    let name = name.trim_start_matches([' ', '\t']);
    let end = name.find(|c: char| !is_ident(c)).unwrap_or(name.len());
    let (ident, tail) = name.split_at(end);
    let tail = tail.trim_start_matches([' ', '\t']);
    let clean_end =
        tail.is_empty() || tail.starts_with(['\n', '\r', ',']) || tail.starts_with("//");
    if ident.is_empty() || !clean_end {
        return Err(Unsure);
    }
    Ok(Some(ident.to_owned()))
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '#')
}

/// Skips `@name(...)` with balanced brackets and quoted strings.
fn skip_attribute(s: &str) -> Result<&str, Unsure> {
    let open = s.find('(').ok_or(Unsure)?;
    if !s[1..open].chars().all(is_ident) {
        return Err(Unsure);
    }
    let mut depth = 0usize;
    let mut chars = s.char_indices().skip(open);
    while let Some((i, c)) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1).ok_or(Unsure)?;
                if depth == 0 {
                    return Ok(&s[i + 1..]);
                }
            }
            '"' => loop {
                match chars.next() {
                    Some((_, '\\')) => {
                        chars.next();
                    }
                    Some((_, '"')) => break,
                    Some((_, '\n')) | None => return Err(Unsure),
                    Some(_) => {}
                }
            },
            '#' | '\'' | '`' => return Err(Unsure),
            _ => {}
        }
    }
    Err(Unsure)
}

#[cfg(test)]
mod tests {
    use super::{Unsure, package_name};

    /// The scan must agree with the parser wherever it answers.
    fn agrees(source: &str) -> Result<Option<String>, Unsure> {
        let scanned = package_name(source);
        if let Ok(name) = &scanned {
            let parsed = crate::parse_file("t.cue", source)
                .ok()
                .and_then(|f| f.package.map(|p| p.name.name));
            assert_eq!(name, &parsed, "{source:?}");
        }
        scanned
    }

    #[test]
    fn reads_the_clause_after_comments_and_attributes() {
        assert_eq!(agrees("package foo\n\na: 1\n"), Ok(Some("foo".into())));
        assert_eq!(
            agrees(
                "// Copyright\n// more\n\n@if(prod)\n@extern(\"x(\")\npackage web // the app\nx: 1"
            ),
            Ok(Some("web".into()))
        );
        assert_eq!(agrees("package\tp\n"), Ok(Some("p".into())));
        assert_eq!(agrees("\u{feff}package bom\n"), Ok(Some("bom".into())));
    }

    #[test]
    fn a_file_without_a_clause_has_no_name() {
        assert_eq!(agrees("a: 1\npackage: 2\n"), Ok(None));
        assert_eq!(agrees("package: 1\n"), Ok(None));
        assert_eq!(agrees("packages: 1\n"), Ok(None));
        assert_eq!(agrees("import \"strings\"\n"), Ok(None));
        assert_eq!(agrees(""), Ok(None));
    }

    #[test]
    fn anything_unusual_goes_to_the_parser() {
        assert_eq!(package_name("@if(#\"x\"#)\npackage a\n"), Err(Unsure));
        assert_eq!(package_name("package a b\n"), Err(Unsure));
        assert_eq!(package_name("package\na\n"), Err(Unsure));
        assert_eq!(package_name("@broken(\npackage a"), Err(Unsure));
    }
}
