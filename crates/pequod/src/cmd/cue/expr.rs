//! `-e EXPR` beyond field paths (`a+c`, `strings.ToUpper(x)`): the
//! official CLI evaluates an expression in the scope of the root, so each
//! is compiled as a hidden field of one more file of the package, which
//! sees the root's fields (and the data files' ones, repeated there).

use pequod_cue::Compiled;
use serde_json::Value;

use super::select::{Selection, select};

/// Whether `expr` is a dot-separated field path, which `select` resolves
/// (and reports in the official CLI's words) without compiling.
pub(super) fn is_path(expr: &str) -> bool {
    expr.split('.').all(|part| {
        let body = part.trim_start_matches(['#', '_']);
        let mut chars = body.chars();
        !part.is_empty()
            && chars
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '$' || body.len() < part.len())
            && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    })
}

/// The field the `i`th expression is evaluated at.
pub(super) fn field(i: usize) -> String {
    format!("_pequodExpression{i}")
}

/// A package extended with the expressions' file.
pub(super) struct Extended {
    pub(super) compiled: Compiled,
    /// The line of the file each expression's field starts, and the
    /// length of the text before the expression there.
    lines: Vec<(usize, usize)>,
}

impl Extended {
    /// An error text about the expressions' file as the official CLI words
    /// it: positioned in `--expression` and without the field's name.
    pub(super) fn tidy(&self, message: &str) -> String {
        let mut text = message.to_owned();
        for (i, (line, prefix)) in self.lines.iter().enumerate() {
            text = text.replace(&format!("{}: ", field(i)), "");
            let at = format!("--expression:{line}:");
            while let Some(start) = text.find(&at) {
                let digits = text[start + at.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .count();
                let end = start + at.len() + digits;
                let column: usize = text[start + at.len()..end].parse().unwrap_or(0);
                let column = column.saturating_sub(*prefix).max(1);
                text.replace_range(start..end, &format!("--expression;1:{column}"));
            }
        }
        text.replace("--expression;", "--expression:")
    }
}

/// The package extended with a file holding each expression of `exprs`
/// that is not a field path, at [`field`] of its index (`None` when all
/// are paths); `data` are the values unified with the root. The error is
/// the text the official CLI prints for an expression that does not parse.
pub(super) fn extend(
    compiled: &Compiled,
    exprs: &[String],
    data: &[(&str, Value)],
) -> Result<Option<Extended>, String> {
    if exprs.iter().all(|e| is_path(e)) {
        return Ok(None);
    }
    let mut body = String::new();
    let mut lines = Vec::new();
    let mut imports = Vec::new();
    for (i, expr) in exprs.iter().enumerate() {
        if is_path(expr) {
            continue;
        }
        if let Err(e) = pequod_cue::parse_expr("--expression", expr) {
            return Err(e
                .errors
                .iter()
                .map(|e| format!("{}:\n    --expression:{}:{}", e.message, e.line, e.column))
                .collect::<Vec<_>>()
                .join("\n"));
        }
        for path in builtins(expr) {
            if !imports.contains(&path) {
                imports.push(path);
            }
        }
        let prefix = format!("{}: (", field(i));
        lines.push((body.lines().count(), prefix.len()));
        body.push_str(&format!("{prefix}{expr})\n"));
    }
    let package = compiled
        .files()
        .iter()
        .find_map(|f| f.package.as_ref().map(|p| p.name.name.clone()));
    let mut source = String::new();
    if let Some(name) = package {
        source.push_str(&format!("package {name}\n"));
    }
    for path in &imports {
        source.push_str(&format!("import {path:?}\n"));
    }
    source.push_str(&fields(data));
    let before = source.lines().count() + 1;
    for (line, _) in &mut lines {
        *line += before;
    }
    source.push_str(&body);
    let compiled = compiled
        .with_file("--expression", &source)
        .map_err(|e| e.to_string())?;
    Ok(Some(Extended { compiled, lines }))
}

/// What the `i`th expression, `expr`, selects from an instance of the
/// package [`extend`] returned (or of the package, when all are paths).
pub(super) fn select_nth(
    instance: &mut pequod_cue::Instance<'_>,
    i: usize,
    expr: &str,
) -> Result<Selection, String> {
    if is_path(expr) {
        return select(instance, expr);
    }
    let root = instance.root();
    instance
        .lookup_in(root, &field(i))
        .map(Selection::Node)
        .ok_or_else(|| format!("reference {expr:?} not found:\n    --expression:1:1"))
}

/// The builtin packages `expr` names (`strings.ToLower`), whose imports
/// the official CLI infers.
pub(super) fn builtins(expr: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == start {
            i += 1;
            continue;
        }
        let after_dot = start > 0 && bytes[start - 1] == b'.';
        if !after_dot
            && bytes.get(i) == Some(&b'.')
            && let Some(path) = pequod_cue::builtin_import(&expr[start..i])
            && !found.contains(&path)
        {
            found.push(path);
        }
    }
    found
}

/// The top-level fields of the data values as CUE declarations, so that
/// an expression beside them refers to them as to the package's fields.
pub(super) fn fields(data: &[(&str, Value)]) -> String {
    let mut out = String::new();
    for (_, value) in data {
        if let Value::Object(map) = value {
            for (key, v) in map {
                let label = if is_path(key) && !key.contains('.') && !key.starts_with(['_', '#']) {
                    key.clone()
                } else {
                    Value::String(key.clone()).to_string()
                };
                out.push_str(&format!("{label}: {v}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    #[test]
    fn paths_and_builtins_are_told_apart() {
        assert!(is_path("a.b.#c"));
        assert!(!is_path("a+c"));
        assert!(!is_path("a."));
        assert_eq!(
            builtins(r#""\(strings.ToLower(kind))" + yaml.Marshal(x.json)"#),
            ["strings", "encoding/yaml"]
        );
    }
}
