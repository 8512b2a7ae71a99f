//! The `encoding/yaml` package.

use super::{Args, arg_err, unknown};
use crate::value::{ErrorCode, Value};

/// Renders one value as a YAML document.
fn marshal(a: &mut Args<'_, '_>, v: Value) -> Result<String, Value> {
    crate::export::to_json(a.ev, v.clone(), None, None)
        .map_err(|e| Value::err(e.code, format!("error in call to {}: {}", a.name, e.msg)))?;
    let n = super::yaml_emit::node(a.ev, v);
    Ok(super::yaml_emit::emit(&n))
}

/// Parses YAML documents into values.
fn unmarshal(a: &mut Args<'_, '_>, text: &str) -> Result<Vec<Value>, Value> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let j = <serde_json::Value as serde::Deserialize>::deserialize(doc)
            .map_err(|e| arg_err(&a.name, e.to_string()))?;
        out.push(crate::api::from_json(a.ev, &j));
    }
    Ok(out)
}

/// Checks that every document of `text` is an instance of `schema`;
/// incomplete results are allowed only if `partial`.
fn validate(
    a: &mut Args<'_, '_>,
    text: &str,
    schema: Value,
    partial: bool,
) -> Result<Value, Value> {
    for doc in unmarshal(a, text)? {
        let w = a.ev.unify_copy(&schema, doc);
        if let Some(Value::Bottom(e)) = a.ev.deep_error(w, 50) {
            if partial && e.code == ErrorCode::Incomplete {
                continue;
            }
            return Err(Value::err(
                e.code,
                format!("error in call to {}: {}", a.name, e.msg),
            ));
        }
        if !partial && let Err(e) = crate::export::to_json(a.ev, Value::Vertex(w), Some(w), None) {
            return Err(Value::err(
                e.code,
                format!("error in call to {}: {}", a.name, e.msg),
            ));
        }
    }
    Ok(Value::Bool(true))
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Marshal" => {
            let v = a.raw(0);
            Value::str(&marshal(a, v)?)
        }
        "MarshalStream" => {
            let items = a.list(0)?;
            let mut docs = Vec::with_capacity(items.len());
            for v in items {
                docs.push(marshal(a, v)?);
            }
            Value::str(&docs.join("---\n"))
        }
        "Unmarshal" => {
            let text = a.bytes(0)?;
            let text = String::from_utf8_lossy(&text).into_owned();
            let mut docs = unmarshal(a, &text)?;
            match docs.len() {
                0 => Value::Null,
                1 => docs.remove(0),
                _ => return Err(arg_err(&a.name, "expected a single YAML document")),
            }
        }
        "UnmarshalStream" => {
            let text = a.bytes(0)?;
            let text = String::from_utf8_lossy(&text).into_owned();
            let docs = unmarshal(a, &text)?;
            a.ev.make_list(docs)
        }
        "Validate" | "ValidatePartial" => {
            let text = a.string(0)?;
            let schema = a.raw(1);
            validate(a, &text, schema, f == "ValidatePartial")?
        }
        _ => return Err(unknown(a)),
    })
}
