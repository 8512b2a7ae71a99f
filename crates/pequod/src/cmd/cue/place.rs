//! `-l`/`--path`: where a data file's value is placed in the package, each
//! flag one label, outermost first. A label is `name:` (that name), a
//! string literal whose `\(field)` parts name fields of the data, or a
//! bare field name whose string value is the label (`-l kind`).

use std::path::PathBuf;

use serde_json::Value;

/// How data records are placed: the `-l` labels and their flags.
pub(super) struct Placing<'a> {
    pub(super) paths: &'a [String],
    /// `--list`: records with the same labels are gathered in a list.
    pub(super) list: bool,
    /// `--with-context`: labels see the record's file and index.
    pub(super) with_context: bool,
}

/// The data records, each a file's path and value, placed as `placing`
/// says; the error is the text the official CLI prints.
pub(super) fn place_all(
    records: Vec<(PathBuf, Value)>,
    placing: &Placing<'_>,
) -> Result<Vec<Value>, String> {
    let mut counts: Vec<(PathBuf, usize)> = Vec::new();
    for (file, _) in &records {
        match counts.last_mut() {
            Some((f, n)) if f == file => *n += 1,
            _ => counts.push((file.clone(), 1)),
        }
    }
    let mut groups: Vec<(Vec<String>, Vec<Value>)> = Vec::new();
    let mut index = 0;
    let mut previous: Option<PathBuf> = None;
    for (file, value) in records {
        if previous.as_ref() != Some(&file) {
            index = 0;
        }
        let count = counts
            .iter()
            .find(|(f, _)| *f == file)
            .map_or(1, |(_, n)| *n);
        let scope = if placing.with_context {
            serde_json::json!({
                "filename": file.display().to_string(),
                "index": index,
                "recordCount": count,
                "data": value.clone(),
            })
        } else {
            value.clone()
        };
        let mut labels = Vec::with_capacity(placing.paths.len());
        for path in placing.paths {
            labels.push(label(&scope, path.trim())?);
        }
        index += 1;
        previous = Some(file);
        match groups
            .iter_mut()
            .find(|(l, _)| placing.list && *l == labels)
        {
            Some((_, values)) => values.push(value),
            None => groups.push((labels, vec![value])),
        }
    }
    Ok(groups
        .into_iter()
        .map(|(labels, mut values)| {
            let inner = if placing.list {
                Value::Array(values)
            } else {
                values.pop().unwrap_or(Value::Null)
            };
            nest(inner, labels)
        })
        .collect())
}

/// `inner` under the labels, outermost first.
fn nest(inner: Value, labels: Vec<String>) -> Value {
    labels.into_iter().rev().fold(inner, |inner, label| {
        Value::Object(serde_json::Map::from_iter([(label, inner)]))
    })
}

/// The labels `paths` give without data to evaluate them against (a
/// package placed by `-l name:`).
pub(super) fn literals(paths: &[String]) -> Result<Vec<String>, String> {
    let empty = Value::Object(serde_json::Map::new());
    paths.iter().map(|p| label(&empty, p.trim())).collect()
}

/// One label: `name:` literally, a string literal interpolating fields of
/// `data`, or the string value of a field of `data`; other expressions are
/// evaluated as CUE.
fn label(data: &Value, expr: &str) -> Result<String, String> {
    match simple(data, expr) {
        Err(e) if e == invalid(expr) && !expr.ends_with(':') => {
            super::label_eval::evaluate(data, expr)
        }
        other => other,
    }
}

/// A label of the forms this file reads without evaluating CUE.
fn simple(data: &Value, expr: &str) -> Result<String, String> {
    if let Some(literal) = expr.strip_suffix(':') {
        let literal = literal.trim_end();
        return match literal.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
            Some(quoted) => interpolate(data, quoted, expr),
            None if is_identifier(literal) => Ok(literal.to_owned()),
            None => Err(invalid(expr)),
        };
    }
    if let Some(quoted) = expr.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        return interpolate(data, quoted, expr);
    }
    if !is_identifier(expr) {
        return Err(invalid(expr));
    }
    match field(data, expr)? {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("error evaluating label {expr}: {}", scalar(other))),
    }
}

/// A double-quoted string's contents with each `\(name)` replaced by the
/// field's value.
fn interpolate(data: &Value, quoted: &str, expr: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = quoted;
    while let Some(start) = rest.find("\\(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find(')').ok_or_else(|| invalid(expr))?;
        let name = after[..end].trim();
        if !is_identifier(name) {
            return Err(invalid(expr));
        }
        match field(data, name)? {
            Value::String(s) => out.push_str(s),
            v @ (Value::Number(_) | Value::Bool(_) | Value::Null) => out.push_str(&v.to_string()),
            other => {
                return Err(format!(
                    "error evaluating label {expr}: invalid interpolation: {}",
                    scalar(other)
                ));
            }
        }
        rest = &after[end + 1..];
    }
    if rest.contains(['\\', '"']) {
        return Err(invalid(expr));
    }
    out.push_str(rest);
    Ok(out)
}

/// The field `name` of the data's top-level object.
fn field<'v>(data: &'v Value, name: &str) -> Result<&'v Value, String> {
    data.get(name)
        .ok_or_else(|| format!("error evaluating label {name}: reference {name:?} not found"))
}

/// A label expression outside what `-l` supports.
fn invalid(expr: &str) -> String {
    format!("expression is not a valid label: {expr}")
}

fn scalar(v: &Value) -> String {
    v.to_string()
}

/// Whether `s` is a CUE identifier (regular, hidden or a definition).
fn is_identifier(s: &str) -> bool {
    let body = s.trim_start_matches(['#', '_']);
    let mut chars = body.chars();
    !s.is_empty()
        && chars.next().is_none_or(|c| c.is_alphabetic() || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use serde_json::json;

    use super::*;

    #[test]
    fn labels_name_or_come_from_the_data() {
        let data = json!({"kind": "Foo", "n": 0});
        let placed = |paths: &[&str]| {
            let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
            let placing = Placing {
                paths: &paths,
                list: false,
                with_context: false,
            };
            place_all(vec![(PathBuf::from("d.json"), data.clone())], &placing)
                .map(|mut v| v.remove(0))
        };
        assert_eq!(
            placed(&["a:", "kind"]).unwrap(),
            json!({"a": {"Foo": data.clone()}})
        );
        assert_eq!(
            placed(&["\"x-\\(n)\""]).unwrap(),
            json!({"x-0": data.clone()})
        );
        assert_eq!(placed(&["n"]).unwrap_err(), "error evaluating label n: 0");
        assert_eq!(
            placed(&["zz"]).unwrap_err(),
            "error evaluating label zz: reference \"zz\" not found"
        );
        assert_eq!(
            placed(&["(*x|\"foo\")"]).unwrap_err(),
            "expression is not a valid label: (*x|\"foo\")"
        );
    }
}
