//! `-l`/`--path`: where a data file's value is placed in the package, each
//! flag one label, outermost first. A label is `name:` (that name), a
//! string literal whose `\(field)` parts name fields of the data, or a
//! bare field name whose string value is the label (`-l kind`).

use serde_json::Value;

/// `value` nested under the labels `paths` evaluate to against it; the
/// error is the text the official CLI prints.
pub(super) fn place(value: Value, paths: &[String]) -> Result<Value, String> {
    let mut labels = Vec::with_capacity(paths.len());
    for path in paths {
        labels.push(label(&value, path.trim())?);
    }
    Ok(labels.into_iter().rev().fold(value, |inner, label| {
        Value::Object(serde_json::Map::from_iter([(label, inner)]))
    }))
}

/// The labels `paths` give without data to evaluate them against (a
/// package placed by `-l name:`).
pub(super) fn literals(paths: &[String]) -> Result<Vec<String>, String> {
    let empty = Value::Object(serde_json::Map::new());
    paths.iter().map(|p| label(&empty, p.trim())).collect()
}

/// One label: `name:` literally, a string literal interpolating fields of
/// `data`, or the string value of a field of `data`.
fn label(data: &Value, expr: &str) -> Result<String, String> {
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
            place(data.clone(), &paths)
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
