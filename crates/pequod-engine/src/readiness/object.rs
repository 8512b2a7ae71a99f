//! Reading fields of a live object given as JSON, without panicking on bad shapes.

use serde_json::Value;

/// A field of the object has an unexpected type; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Malformed(pub(super) String);

/// A borrowed view of a live object with typed, path-based accessors.
///
/// A missing field and a `null` field are both "absent"; a field of the wrong type (or a
/// path through a non-object) is [`Malformed`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Object<'a> {
    root: &'a Value,
}

/// One entry of `status.conditions`, with absent strings read as empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Condition<'a> {
    pub(super) kind: &'a str,
    pub(super) status: &'a str,
    pub(super) reason: &'a str,
    pub(super) message: &'a str,
    pub(super) observed_generation: Option<i64>,
}

impl Condition<'_> {
    pub(super) fn is(&self, kind: &str, status: &str) -> bool {
        self.kind == kind && self.status == status
    }
}

impl<'a> Object<'a> {
    pub(super) fn new(root: &'a Value) -> Self {
        Self { root }
    }

    /// The value at `path`, `None` when it or a parent is absent.
    pub(super) fn get(&self, path: &[&str]) -> Result<Option<&'a Value>, Malformed> {
        let mut current = self.root;
        for (depth, key) in path.iter().enumerate() {
            match current {
                Value::Null => return Ok(None),
                Value::Object(map) => match map.get(*key) {
                    Some(next) => current = next,
                    None => return Ok(None),
                },
                other => {
                    let parent = if depth == 0 {
                        "the object".to_owned()
                    } else {
                        path[..depth].join(".")
                    };
                    return Err(Malformed(format!(
                        "{parent} is {}, expected an object",
                        kind_of(other)
                    )));
                }
            }
        }
        Ok((!current.is_null()).then_some(current))
    }

    pub(super) fn int(&self, path: &[&str]) -> Result<Option<i64>, Malformed> {
        match self.get(path)? {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong(path, v, "an integer")),
        }
    }

    pub(super) fn int_or(&self, path: &[&str], default: i64) -> Result<i64, Malformed> {
        Ok(self.int(path)?.unwrap_or(default))
    }

    pub(super) fn str(&self, path: &[&str]) -> Result<Option<&'a str>, Malformed> {
        match self.get(path)? {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| wrong(path, v, "a string")),
        }
    }

    /// The array at `path`; absent reads as empty.
    pub(super) fn array(&self, path: &[&str]) -> Result<&'a [Value], Malformed> {
        match self.get(path)? {
            None => Ok(&[]),
            Some(v) => v
                .as_array()
                .map(Vec::as_slice)
                .ok_or_else(|| wrong(path, v, "an array")),
        }
    }

    /// `status.conditions`, in order.
    pub(super) fn conditions(&self) -> Result<Vec<Condition<'a>>, Malformed> {
        let entries = self.array(&["status", "conditions"])?;
        let mut out = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let at = format!("status.conditions[{i}]");
            if !entry.is_object() {
                return Err(Malformed(format!(
                    "{at} is {}, expected an object",
                    kind_of(entry)
                )));
            }
            let field = Object::new(entry);
            let text = |key: &str| {
                field
                    .str(&[key])
                    .map_err(|_| Malformed(format!("{at}.{key} is not a string")))
            };
            let Some(kind) = text("type")? else {
                return Err(Malformed(format!("{at} has no type")));
            };
            out.push(Condition {
                kind,
                status: text("status")?.unwrap_or(""),
                reason: text("reason")?.unwrap_or(""),
                message: text("message")?.unwrap_or(""),
                observed_generation: field
                    .int(&["observedGeneration"])
                    .map_err(|_| Malformed(format!("{at}.observedGeneration is not an integer")))?,
            });
        }
        Ok(out)
    }
}

/// Finds the first condition of a type.
pub(super) fn find<'c, 'a>(
    conditions: &'c [Condition<'a>],
    kind: &str,
) -> Option<&'c Condition<'a>> {
    conditions.iter().find(|c| c.kind == kind)
}

fn wrong(path: &[&str], value: &Value, expected: &str) -> Malformed {
    Malformed(format!(
        "{} is {}, expected {expected}",
        path.join("."),
        kind_of(value)
    ))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
