//! Field errors, printed as kube-apiserver's `field.Error` prints them
//! (`spec.replicas: Invalid value: "string": …`).

use std::fmt;

use serde_json::Value;

/// What is wrong with a field (apimachinery's `field.ErrorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// A required field is missing.
    Required,
    /// A malformed value (pattern, bounds, length).
    Invalid,
    /// The value is not of the schema's type.
    TypeInvalid,
    /// The value is not one of an enum's values.
    Unsupported,
    /// Two list items share a set value or map keys.
    Duplicate,
    /// A string is longer than `maxLength`.
    TooLong,
    /// A list or object has more items than allowed.
    TooMany,
    /// Not allowed here.
    Forbidden,
}

impl FieldErrorKind {
    /// The words kube-apiserver prints for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldErrorKind::Required => "Required value",
            FieldErrorKind::Invalid | FieldErrorKind::TypeInvalid => "Invalid value",
            FieldErrorKind::Unsupported => "Unsupported value",
            FieldErrorKind::Duplicate => "Duplicate value",
            FieldErrorKind::TooLong => "Too long",
            FieldErrorKind::TooMany => "Too many",
            FieldErrorKind::Forbidden => "Forbidden",
        }
    }

    /// The `StatusCause.reason` kube-apiserver reports for this kind.
    pub fn cause_type(self) -> &'static str {
        match self {
            FieldErrorKind::Required => "FieldValueRequired",
            FieldErrorKind::Invalid => "FieldValueInvalid",
            FieldErrorKind::TypeInvalid => "FieldValueTypeInvalid",
            FieldErrorKind::Unsupported => "FieldValueNotSupported",
            FieldErrorKind::Duplicate => "FieldValueDuplicate",
            FieldErrorKind::TooLong => "FieldValueTooLong",
            FieldErrorKind::TooMany => "FieldValueTooMany",
            FieldErrorKind::Forbidden => "FieldValueForbidden",
        }
    }
}

/// One validation error on one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The field as kube-apiserver prints it: `spec.ports[0].port`.
    pub path: String,
    /// What is wrong.
    pub kind: FieldErrorKind,
    /// The offending value shown in the message (`None`: not shown).
    pub value: Option<Value>,
    /// The explanation after the value.
    pub detail: String,
}

impl FieldError {
    /// `Required value`.
    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::Required, None, detail)
    }

    /// `Invalid value: <value>: <detail>`.
    pub fn invalid(path: impl Into<String>, value: Value, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::Invalid, Some(value), detail)
    }

    /// `Invalid value: <value>: <detail>` for a value of the wrong type.
    pub fn type_invalid(path: impl Into<String>, value: Value, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::TypeInvalid, Some(value), detail)
    }

    /// `Unsupported value: <value>: supported values: "a", "b"`.
    pub fn not_supported(path: impl Into<String>, value: Value, supported: &[String]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(path, FieldErrorKind::Unsupported, Some(value), detail)
    }

    /// `Duplicate value: <value>`.
    pub fn duplicate(path: impl Into<String>, value: Value) -> Self {
        Self::new(path, FieldErrorKind::Duplicate, Some(value), "")
    }

    /// `Too long: may not be more than <max> bytes`.
    pub fn too_long(path: impl Into<String>, max: u64) -> Self {
        let unit = if max == 1 { "byte" } else { "bytes" };
        Self::new(
            path,
            FieldErrorKind::TooLong,
            None,
            format!("may not be more than {max} {unit}"),
        )
    }

    /// `Too many: <actual>: must have at most <max> items`.
    pub fn too_many(path: impl Into<String>, actual: usize, max: u64) -> Self {
        Self::new(
            path,
            FieldErrorKind::TooMany,
            Some(Value::from(actual)),
            format!("must have at most {max} items"),
        )
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::Forbidden, None, detail)
    }

    fn new(
        path: impl Into<String>,
        kind: FieldErrorKind,
        value: Option<Value>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            path: path.into(),
            kind,
            value,
            detail: detail.into(),
        }
    }

    /// The message without the field path (`StatusCause.message`).
    pub fn body(&self) -> String {
        let mut s = match (self.kind, &self.value) {
            (FieldErrorKind::Required | FieldErrorKind::Forbidden | FieldErrorKind::TooLong, _)
            | (_, None) => self.kind.as_str().to_owned(),
            (_, Some(v)) => format!("{}: {}", self.kind.as_str(), go_value(v)),
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
    }
}

impl std::error::Error for FieldError {}

/// Go's `%q` of a string.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%v` of a float64.
pub(crate) fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return format!("{f}");
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// A JSON number as Go prints the `int64`/`float64` it decodes to.
pub(crate) fn go_number(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => i.to_string(),
        (None, Some(u)) => u.to_string(),
        _ => go_float(n.as_f64().unwrap_or(0.0)),
    }
}

/// How `field.Error` prints a bad value decoded from JSON.
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::String(s) => go_quote(s),
        other => go_sharp(other),
    }
}

/// Go's `%#v` of a value decoded into `interface{}`.
fn go_sharp(v: &Value) -> String {
    match v {
        Value::Null => "interface {}(nil)".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_number(n),
        Value::String(s) => go_quote(s),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(go_sharp).collect();
            format!("[]interface {{}}{{{}}}", inner.join(", "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", go_quote(k), go_sharp(&map[k.as_str()])))
                .collect();
            format!("map[string]interface {{}}{{{}}}", inner.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_match_kube_apiserver() {
        assert_eq!(
            FieldError::type_invalid(
                "spec.replicas",
                json!("string"),
                "spec.replicas in body must be of type integer: \"string\""
            )
            .to_string(),
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
        );
        assert_eq!(
            FieldError::not_supported(
                "spec.size",
                json!("huge"),
                &["small".into(), "large".into()]
            )
            .to_string(),
            r#"spec.size: Unsupported value: "huge": supported values: "small", "large""#
        );
        assert_eq!(
            FieldError::required("spec.image", "").to_string(),
            "spec.image: Required value"
        );
        assert_eq!(
            FieldError::too_many("spec.items", 4, 3).to_string(),
            "spec.items: Too many: 4: must have at most 3 items"
        );
        assert_eq!(
            FieldError::too_long("spec.name", 5).to_string(),
            "spec.name: Too long: may not be more than 5 bytes"
        );
        assert_eq!(
            FieldError::duplicate("spec.ports[1]", json!({"port": 80, "protocol": "TCP"}))
                .to_string(),
            r#"spec.ports[1]: Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}"#
        );
        assert_eq!(
            FieldError::invalid("spec.r", json!(0.5), "x").to_string(),
            "spec.r: Invalid value: 0.5: x"
        );
        assert_eq!(
            FieldErrorKind::TypeInvalid.cause_type(),
            "FieldValueTypeInvalid"
        );
    }

    #[test]
    fn go_float_formatting() {
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(100000.0), "100000");
        assert_eq!(go_float(1_000_000.0), "1e+06");
        assert_eq!(go_float(1_234_567.0), "1.234567e+06");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_quote("a\"b"), r#""a\"b""#);
    }
}
