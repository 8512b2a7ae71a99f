//! OpenAPI validation of a (custom resource) value against a [`Schema`],
//! reporting errors as kube-apiserver does for CRDs (kube-openapi's messages
//! wrapped in `field.Error`s). `x-kubernetes-validations` (CEL) rules are not
//! evaluated.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use regex::Regex;
use serde_json::{Map, Value};

use super::field_error::{FieldError, go_float};
use super::{ListType, Schema, Type, Validation};

/// Validates `value` against `schema`; empty when valid.
pub fn validate(value: &Value, schema: &Schema) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(value, schema, "", &mut errors);
    errors
}

/// `path.name` as `field.Path` prints a child.
pub(crate) fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// `path[i]` as `field.Path` prints an index.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The JSON type name kube-openapi reports for a value.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_error(path: &str, actual: &str, expected: &str) -> FieldError {
    FieldError::type_invalid(
        path,
        Value::from(actual),
        format!("{path} in body must be of type {expected}: \"{actual}\""),
    )
}

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn walk(value: &Value, schema: &Schema, path: &str, errors: &mut Vec<FieldError>) {
    if value.is_null() {
        if !schema.nullable && schema.ty != Type::Any {
            let expected = match &schema.ty {
                Type::IntOrString => "integer,string",
                ty => expected_name(ty),
            };
            errors.push(type_error(path, "null", expected));
        }
        return;
    }
    let actual = type_name(value);
    let ok = match &schema.ty {
        Type::Any => true,
        Type::Object { .. } => value.is_object(),
        Type::Array { .. } => value.is_array(),
        Type::String { .. } => value.is_string(),
        Type::Integer => is_integer(value),
        Type::Number => value.is_number(),
        Type::Boolean => value.is_boolean(),
        Type::IntOrString => value.is_string() || is_integer(value),
    };
    if !ok {
        if schema.ty == Type::IntOrString {
            errors.push(type_error(path, actual, "integer"));
            errors.push(type_error(path, actual, "string"));
        } else {
            errors.push(type_error(path, actual, expected_name(&schema.ty)));
        }
        return;
    }
    let v = &schema.validation;
    if let Some(allowed) = &v.enumeration
        && !allowed.iter().any(|a| json_equal(a, value))
    {
        let supported: Vec<String> = allowed
            .iter()
            .map(|a| match a {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        errors.push(FieldError::not_supported(path, value.clone(), &supported));
    }
    match value {
        Value::String(s) => check_string(s, schema, path, errors),
        Value::Number(n) => check_number(n, v, path, errors),
        Value::Array(items) => check_array(items, schema, path, errors),
        Value::Object(map) => check_object(map, schema, path, errors),
        _ => {}
    }
}

fn expected_name(ty: &Type) -> &'static str {
    match ty {
        Type::Object { .. } => "object",
        Type::Array { .. } => "array",
        Type::String { .. } => "string",
        Type::Integer => "integer",
        Type::Number => "number",
        Type::Boolean => "boolean",
        Type::IntOrString | Type::Any => "integer,string",
    }
}

/// Equality as Go compares decoded JSON: `1` and `1.0` are equal.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| json_equal(a, b)))
        }
        _ => a == b,
    }
}

fn check_string(s: &str, schema: &Schema, path: &str, errors: &mut Vec<FieldError>) {
    let v = &schema.validation;
    let chars = s.chars().count() as u64;
    if let Some(max) = v.max_length
        && chars > max
    {
        errors.push(FieldError::too_long(path, max));
    }
    if let Some(min) = v.min_length
        && chars < min
    {
        errors.push(FieldError::invalid(
            path,
            Value::from(s),
            format!("{path} in body should be at least {min} chars long"),
        ));
    }
    if let Some(pattern) = &v.pattern
        && !matches_pattern(pattern, s)
    {
        errors.push(FieldError::invalid(
            path,
            Value::from(s),
            format!("{path} in body should match '{pattern}'"),
        ));
    }
    if let Type::String {
        format: Some(format),
    } = &schema.ty
        && !format_ok(format, s)
    {
        errors.push(FieldError::type_invalid(
            path,
            Value::from(s),
            format!("{path} in body must be of type {format}: \"{s}\""),
        ));
    }
}

/// Whether `s` matches `pattern`; an uncompilable pattern matches nothing
/// (kube-apiserver rejects such CRDs at creation).
fn matches_pattern(pattern: &str, s: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let Ok(mut cache) = cache.lock() else {
        return Regex::new(pattern).is_ok_and(|r| r.is_match(s));
    };
    cache
        .entry(pattern.to_owned())
        .or_insert_with(|| Regex::new(pattern).ok())
        .as_ref()
        .is_some_and(|r| r.is_match(s))
}

/// The string formats kube-apiserver checks that clients commonly use;
/// unknown formats pass, as they do there.
fn format_ok(format: &str, s: &str) -> bool {
    match format {
        "date-time" => {
            s.parse::<jiff::Timestamp>().is_ok() || s.parse::<jiff::civil::DateTime>().is_ok()
        }
        "date" => s.parse::<jiff::civil::Date>().is_ok(),
        "byte" => base64::engine::general_purpose::STANDARD.decode(s).is_ok(),
        "uuid" => uuid::Uuid::parse_str(s).is_ok(),
        _ => true,
    }
}

fn check_number(n: &serde_json::Number, v: &Validation, path: &str, errors: &mut Vec<FieldError>) {
    let Some(x) = n.as_f64() else { return };
    let shown = || Value::Number(n.clone());
    if let Some((max, exclusive)) = v.maximum
        && (x > max || (exclusive && x == max))
    {
        let rel = if exclusive {
            "less than"
        } else {
            "less than or equal to"
        };
        errors.push(FieldError::invalid(
            path,
            shown(),
            format!("{path} in body should be {rel} {}", go_float(max)),
        ));
    }
    if let Some((min, exclusive)) = v.minimum
        && (x < min || (exclusive && x == min))
    {
        let rel = if exclusive {
            "greater than"
        } else {
            "greater than or equal to"
        };
        errors.push(FieldError::invalid(
            path,
            shown(),
            format!("{path} in body should be {rel} {}", go_float(min)),
        ));
    }
}

fn check_array(items: &[Value], schema: &Schema, path: &str, errors: &mut Vec<FieldError>) {
    let v = &schema.validation;
    if let Some(max) = v.max_items
        && items.len() as u64 > max
    {
        errors.push(FieldError::too_many(path, items.len(), max));
    }
    if let Some(min) = v.min_items
        && (items.len() as u64) < min
    {
        errors.push(FieldError::invalid(
            path,
            Value::from(items.len()),
            format!("{path} in body should have at least {min} items"),
        ));
    }
    let Type::Array {
        items: item_schema,
        list_type,
    } = &schema.ty
    else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        walk(item, item_schema, &index(path, i), errors);
    }
    match list_type {
        ListType::Atomic => {}
        ListType::Set => {
            for (i, item) in items.iter().enumerate() {
                if items[..i].iter().any(|p| json_equal(p, item)) {
                    errors.push(FieldError::duplicate(index(path, i), item.clone()));
                }
            }
        }
        ListType::Map(keys) => {
            let key_of = |item: &Value| -> Option<Map<String, Value>> {
                let obj = item.as_object()?;
                Some(
                    keys.iter()
                        .filter_map(|k| obj.get(k).map(|v| (k.clone(), v.clone())))
                        .collect(),
                )
            };
            let seen: Vec<Option<Map<String, Value>>> = items.iter().map(key_of).collect();
            for (i, key) in seen.iter().enumerate() {
                let Some(key) = key else { continue };
                if seen[..i].iter().flatten().any(|p| p == key) {
                    errors.push(FieldError::duplicate(
                        index(path, i),
                        Value::Object(key.clone()),
                    ));
                }
            }
        }
    }
}

fn check_object(
    map: &Map<String, Value>,
    schema: &Schema,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let v = &schema.validation;
    if let Some(max) = v.max_properties
        && map.len() as u64 > max
    {
        errors.push(FieldError::too_many(path, map.len(), max));
    }
    if let Some(min) = v.min_properties
        && (map.len() as u64) < min
    {
        errors.push(FieldError::invalid(
            path,
            Value::from(map.len()),
            format!("{path} in body should have at least {min} properties"),
        ));
    }
    let Type::Object {
        properties,
        additional,
        required,
        ..
    } = &schema.ty
    else {
        return;
    };
    for name in required {
        if !map.contains_key(name) {
            errors.push(FieldError::required(child(path, name), ""));
        }
    }
    // An embedded object must say what it is.
    if schema.embedded_resource {
        for name in ["apiVersion", "kind"] {
            if map
                .get(name)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                errors.push(FieldError::required(child(path, name), "must not be empty"));
            }
        }
    }
    for (name, value) in map {
        let field_schema = properties.get(name).or(additional.as_ref());
        if let Some(s) = field_schema {
            walk(value, s, &child(path, name), errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::crd::crd_schema;
    use serde_json::json;

    fn web_service() -> std::sync::Arc<Schema> {
        let schema: Value =
            serde_json::from_str(include_str!("testdata/webservice-schema.json")).unwrap();
        crd_schema(&schema).unwrap()
    }

    fn messages(value: Value) -> Vec<String> {
        validate(&value, &web_service())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn obj(spec: Value) -> Value {
        json!({"apiVersion": "platform.pequod.dev/v1", "kind": "WebService",
               "metadata": {"name": "web"}, "spec": spec})
    }

    #[test]
    fn valid_object_has_no_errors() {
        let v = obj(
            json!({"image": "nginx:1.27", "replicas": 3, "size": "small",
            "port": "http", "env": [{"name": "A", "value": "1"}],
            "extra": {"anything": [1, 2]}, "resources": {"cpu": "100m"}}),
        );
        assert_eq!(messages(v), Vec::<String>::new());
    }

    #[test]
    fn type_errors_print_the_type_name() {
        let m = messages(obj(json!({"image": "x", "replicas": "three"})));
        assert_eq!(
            m,
            vec![
                r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
            ]
        );
        let m = messages(obj(json!({"image": "x", "port": true})));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0],
            r#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean""#
        );
    }

    #[test]
    fn enum_bounds_pattern_length_required() {
        let m = messages(obj(json!({"size": "huge", "replicas": 0,
            "name": "Bad_Name", "env": [{"value": "1"}]})));
        assert!(
            m.contains(&"spec.image: Required value".to_owned()),
            "{m:?}"
        );
        assert!(
            m.contains(
                &r#"spec.size: Unsupported value: "huge": supported values: "small", "large""#
                    .to_owned()
            ),
            "{m:?}"
        );
        assert!(m.contains(&"spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1".to_owned()), "{m:?}");
        assert!(m.contains(&r#"spec.name: Invalid value: "Bad_Name": spec.name in body should match '^[a-z][a-z0-9-]*$'"#.to_owned()), "{m:?}");
        assert!(
            m.contains(&"spec.env[0].name: Required value".to_owned()),
            "{m:?}"
        );
        let m = messages(obj(json!({"image": "x", "replicas": 11,
            "name": "abcdefghijklmnopqrstu"})));
        assert!(m.contains(&"spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10".to_owned()), "{m:?}");
        assert!(
            m.contains(&"spec.name: Too long: may not be more than 20 bytes".to_owned()),
            "{m:?}"
        );
    }

    #[test]
    fn list_limits_and_duplicates() {
        let env: Vec<Value> = (0..6).map(|i| json!({"name": format!("E{i}")})).collect();
        let m = messages(obj(json!({"image": "x", "env": env})));
        assert_eq!(m, vec!["spec.env: Too many: 6: must have at most 5 items"]);
        let m = messages(obj(
            json!({"image": "x", "env": [{"name": "A"}, {"name": "A"}],
            "tags": ["a", "b", "a"]}),
        ));
        assert!(
            m.contains(
                &r#"spec.env[1]: Duplicate value: map[string]interface {}{"name":"A"}"#.to_owned()
            ),
            "{m:?}"
        );
        assert!(
            m.contains(&r#"spec.tags[2]: Duplicate value: "a""#.to_owned()),
            "{m:?}"
        );
        let m = messages(obj(json!({"image": "x", "tags": []})));
        assert_eq!(
            m,
            vec!["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"]
        );
    }

    #[test]
    fn nullable_and_formats() {
        let m = messages(obj(
            json!({"image": "x", "note": null, "since": "yesterday"}),
        ));
        assert_eq!(
            m,
            vec![
                r#"spec.since: Invalid value: "yesterday": spec.since in body must be of type date-time: "yesterday""#
            ]
        );
        assert!(messages(obj(json!({"image": "x", "since": "2024-01-02T03:04:05Z"}))).is_empty());
        let m = messages(obj(json!({"image": null})));
        assert_eq!(
            m,
            vec![
                r#"spec.image: Invalid value: "null": spec.image in body must be of type string: "null""#
            ]
        );
    }

    #[test]
    fn embedded_resources_need_api_version_and_kind() {
        let m = messages(obj(
            json!({"image": "x", "template": {"metadata": {"name": "p"}}}),
        ));
        assert_eq!(
            m,
            vec![
                "spec.template.apiVersion: Required value: must not be empty",
                "spec.template.kind: Required value: must not be empty"
            ]
        );
        let ok = obj(json!({"image": "x", "template": {"apiVersion": "v1", "kind": "Pod"}}));
        assert!(messages(ok).is_empty());
    }

    #[test]
    fn null_metadata_fields_are_accepted_as_go_decodes_them() {
        let v = json!({"apiVersion": "platform.pequod.dev/v1", "kind": "WebService",
            "metadata": {"name": "web", "creationTimestamp": null}, "spec": {"image": "x"}});
        assert!(messages(v).is_empty());
    }

    #[test]
    fn metadata_is_object_meta() {
        let v = json!({"apiVersion": "platform.pequod.dev/v1", "kind": "WebService",
            "metadata": {"name": "web", "labels": {"a": 1}}, "spec": {"image": "x"}});
        let m = messages(v);
        assert_eq!(
            m,
            vec![
                r#"metadata.labels.a: Invalid value: "integer": metadata.labels.a in body must be of type string: "integer""#
            ]
        );
    }
}
