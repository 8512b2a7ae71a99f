//! TOML data files (`.toml`, `toml:`), read as the JSON-like values the
//! other data files give: tables are structs, date-times their text.

use serde_json::{Map, Value};
use toml_edit::{DocumentMut, Item};

/// The value of a TOML document (an empty one is an empty struct); the
/// error is the parser's message.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    let document: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_owned())?;
    Ok(table(document.as_table()))
}

fn table(table: &toml_edit::Table) -> Value {
    Value::Object(
        table
            .iter()
            .filter_map(|(k, item)| item_value(item).map(|v| (k.to_owned(), v)))
            .collect::<Map<_, _>>(),
    )
}

fn item_value(item: &Item) -> Option<Value> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(value(v)),
        Item::Table(t) => Some(table(t)),
        Item::ArrayOfTables(a) => Some(Value::Array(a.iter().map(table).collect())),
    }
}

fn value(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as V;
    match v {
        V::String(s) => Value::String(s.value().clone()),
        V::Integer(i) => Value::from(*i.value()),
        V::Float(f) => serde_json::Number::from_f64(*f.value()).map_or(Value::Null, Value::Number),
        V::Boolean(b) => Value::Bool(*b.value()),
        V::Datetime(d) => Value::String(d.value().to_string()),
        V::Array(a) => Value::Array(a.iter().map(value).collect()),
        V::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_owned(), value(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use serde_json::json;

    use super::*;

    #[test]
    fn tables_become_structs() {
        assert_eq!(parse("# only a comment\n").unwrap(), json!({}));
        assert_eq!(
            parse("a = 1\n[b]\nc = \"x\"\nd = [true, 1.5]\n[[e]]\nf = {g = 2}\n").unwrap(),
            json!({"a": 1, "b": {"c": "x", "d": [true, 1.5]}, "e": [{"f": {"g": 2}}]})
        );
    }
}
