//! Field paths: the steps from an object's root to one of its fields, list
//! items or set values, ordered, printed and encoded as structured-merge-diff
//! does, so that conflict messages and `fieldsV1` match kube-apiserver's.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Debug, Clone)]
pub enum PathElement {
    /// A field of an object (`.name`, `f:name`).
    Field(String),
    /// A list-map item, by its key fields sorted by name (`[name="web"]`).
    Key(Vec<(String, Value)>),
    /// A set item, by value (`[="a"]`).
    Value(Value),
    /// A list item by position; only for lists without keys.
    Index(usize),
}

/// A field path, printed like `.spec.containers[name="web"].image`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Path(pub Vec<PathElement>);

impl PathElement {
    fn rank(&self) -> u8 {
        match self {
            PathElement::Field(_) => 0,
            PathElement::Key(_) => 1,
            PathElement::Value(_) => 2,
            PathElement::Index(_) => 3,
        }
    }

    /// The `fieldsV1` key of this element (`f:name`, `k:{..}`, `v:..`, `i:3`).
    pub fn to_fields_key(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(fields) => {
                let object: Map<String, Value> = fields.iter().cloned().collect();
                format!("k:{}", Value::Object(object))
            }
            PathElement::Value(value) => format!("v:{value}"),
            PathElement::Index(index) => format!("i:{index}"),
        }
    }

    /// Parses a `fieldsV1` key; `None` when it is not one.
    pub fn from_fields_key(key: &str) -> Option<PathElement> {
        let (kind, rest) = key.split_once(':')?;
        match kind {
            "f" => Some(PathElement::Field(rest.to_owned())),
            "k" => match serde_json::from_str::<Value>(rest).ok()? {
                Value::Object(object) => {
                    let mut fields: Vec<(String, Value)> = object.into_iter().collect();
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                    Some(PathElement::Key(fields))
                }
                _ => None,
            },
            "v" => serde_json::from_str(rest).ok().map(PathElement::Value),
            "i" => rest.parse().ok().map(PathElement::Index),
            _ => None,
        }
    }
}

impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(fields) => {
                f.write_str("[")?;
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{name}={value}")?;
                }
                f.write_str("]")
            }
            PathElement::Value(value) => write!(f, "[={value}]"),
            PathElement::Index(index) => write!(f, "[{index}]"),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|element| write!(f, "{element}"))
    }
}

impl Ord for PathElement {
    // Fields before keys before values before indexes, as structured-merge-diff
    // sorts them: this fixes the order of `fieldsV1` keys and of conflicts.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.cmp(b),
            (PathElement::Key(a), PathElement::Key(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|((an, av), (bn, bv))| an.cmp(bn).then_with(|| compare_values(av, bv)))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (PathElement::Value(a), PathElement::Value(b)) => compare_values(a, b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PathElement {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for PathElement {}

/// A total order on JSON values: numbers, strings, booleans, lists, maps, null.
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.total_cmp(&y)
            }
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(x, y)| compare_values(x, y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Value::Object(x), Value::Object(y)) => {
            let mut xs: Vec<_> = x.iter().collect();
            let mut ys: Vec<_> = y.iter().collect();
            xs.sort_by(|a, b| a.0.cmp(b.0));
            ys.sort_by(|a, b| a.0.cmp(b.0));
            xs.iter()
                .zip(&ys)
                .map(|((xk, xv), (yk, yv))| xk.cmp(yk).then_with(|| compare_values(xv, yv)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| xs.len().cmp(&ys.len()))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_paths_like_structured_merge_diff() {
        let path = Path(vec![
            PathElement::Field("spec".into()),
            PathElement::Field("ports".into()),
            PathElement::Key(vec![
                ("port".into(), json!(80)),
                ("protocol".into(), json!("TCP")),
            ]),
            PathElement::Field("name".into()),
        ]);
        assert_eq!(
            path.to_string(),
            r#".spec.ports[port=80,protocol="TCP"].name"#
        );
        let set_item = Path(vec![
            PathElement::Field("finalizers".into()),
            PathElement::Value(json!("a")),
        ]);
        assert_eq!(set_item.to_string(), r#".finalizers[="a"]"#);
    }

    #[test]
    fn fields_keys_round_trip() {
        for element in [
            PathElement::Field("image".into()),
            PathElement::Key(vec![
                ("containerPort".into(), json!(80)),
                ("protocol".into(), json!("TCP")),
            ]),
            PathElement::Value(json!("x")),
            PathElement::Index(2),
        ] {
            let key = element.to_fields_key();
            assert_eq!(PathElement::from_fields_key(&key), Some(element));
        }
        assert_eq!(
            PathElement::Key(vec![("name".into(), json!("web"))]).to_fields_key(),
            r#"k:{"name":"web"}"#
        );
    }

    #[test]
    fn orders_fields_before_keys_before_values() {
        let mut elements = [
            PathElement::Value(json!("a")),
            PathElement::Key(vec![("name".into(), json!("b"))]),
            PathElement::Field("z".into()),
            PathElement::Field("a".into()),
        ];
        elements.sort();
        let keys: Vec<String> = elements.iter().map(PathElement::to_fields_key).collect();
        assert_eq!(keys, ["f:a", "f:z", r#"k:{"name":"b"}"#, r#"v:"a""#]);
    }
}
