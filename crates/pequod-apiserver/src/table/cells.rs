//! Small readers and column builders shared by the built-in printers.

use serde_json::{Value, json};

use super::format::{parse_time, translate_timestamp_since};
use super::{CREATION_TIMESTAMP_DESCRIPTION, CellFn, Column, ColumnSource};
use crate::selector::from_label_selector_object;

/// A built-in column of the given header, type, description and priority.
pub(super) fn col(name: &str, type_: &str, description: &str, priority: i64, f: CellFn) -> Column {
    Column {
        name: name.into(),
        type_: type_.into(),
        format: String::new(),
        description: description.into(),
        priority,
        source: ColumnSource::Builtin(f),
    }
}

/// The Age column: time since `metadata.creationTimestamp`.
pub(super) fn age() -> Column {
    col(
        "Age",
        "string",
        CREATION_TIMESTAMP_DESCRIPTION,
        0,
        |o, now| {
            Value::String(translate_timestamp_since(
                text(o, "/metadata/creationTimestamp"),
                now,
            ))
        },
    )
}

/// The `rest.DefaultTableConvertor` column: creation time in RFC 3339, UTC.
pub(super) fn created_at() -> Column {
    col(
        "Created At",
        "date",
        CREATION_TIMESTAMP_DESCRIPTION,
        0,
        |o, _| {
            let t = text(o, "/metadata/creationTimestamp")
                .and_then(parse_time)
                .map_or_else(
                    || "0001-01-01T00:00:00Z".to_string(),
                    |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                );
            Value::String(t)
        },
    )
}

/// The string at a JSON pointer, if there is one.
pub(super) fn text<'v>(o: &'v Value, ptr: &str) -> Option<&'v str> {
    o.pointer(ptr).and_then(Value::as_str)
}

/// The string at a JSON pointer, empty when absent (Go's zero value).
pub(super) fn string(o: &Value, ptr: &str) -> String {
    text(o, ptr).unwrap_or_default().to_string()
}

/// The integer at a JSON pointer, 0 when absent.
pub(super) fn int(o: &Value, ptr: &str) -> i64 {
    o.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

/// The number of entries of the map or list at a JSON pointer.
pub(super) fn len(o: &Value, ptr: &str) -> i64 {
    match o.pointer(ptr) {
        Some(Value::Object(m)) => m.len() as i64,
        Some(Value::Array(a)) => a.len() as i64,
        _ => 0,
    }
}

/// `<none>` for an empty string, as the printers show unset fields.
pub(super) fn or_none(s: String) -> Value {
    Value::String(if s.is_empty() { "<none>".into() } else { s })
}

/// `layoutContainerCells`: names and images of a pod template, comma-joined.
pub(super) fn containers(o: &Value, template: &str, field: &str) -> Value {
    let items = o
        .pointer(&format!("{template}/spec/containers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| c.get(field).and_then(Value::as_str).unwrap_or_default())
        .collect::<Vec<_>>();
    Value::String(items.join(","))
}

/// The wide Containers and Images columns of a workload's `spec.template`.
pub(super) fn container_columns() -> [Column; 2] {
    container_pair(
        |o, _| containers(o, "/spec/template", "name"),
        |o, _| containers(o, "/spec/template", "image"),
    )
}

/// The wide Containers and Images columns of a CronJob's job template.
pub(super) fn job_template_container_columns() -> [Column; 2] {
    container_pair(
        |o, _| containers(o, "/spec/jobTemplate/spec/template", "name"),
        |o, _| containers(o, "/spec/jobTemplate/spec/template", "image"),
    )
}

fn container_pair(names: CellFn, images: CellFn) -> [Column; 2] {
    [
        col(
            "Containers",
            "string",
            "Names of each container in the template.",
            1,
            names,
        ),
        col(
            "Images",
            "string",
            "Images referenced by each container in the template.",
            1,
            images,
        ),
    ]
}

/// `metav1.LabelSelectorAsSelector(...).String()`; `<invalid>` when it does not convert.
pub(super) fn selector_string(o: &Value, ptr: &str) -> String {
    match from_label_selector_object(o.pointer(ptr).unwrap_or(&Value::Null)) {
        Ok(s) => s.to_string(),
        Err(_) => "<invalid>".into(),
    }
}

/// `metav1.FormatLabelSelector`: `<none>` when empty, `<error>` when invalid.
pub(super) fn format_label_selector(o: &Value, ptr: &str) -> String {
    match from_label_selector_object(o.pointer(ptr).unwrap_or(&Value::Null)) {
        Ok(s) if s.requirements().is_empty() => "<none>".into(),
        Ok(s) => s.to_string(),
        Err(_) => "<error>".into(),
    }
}

/// The wide Selector column.
pub(super) fn selector_column(description: &str, f: CellFn) -> Column {
    col("Selector", "string", description, 1, f)
}

/// An IntOrString as printed by the PDB printer, `N/A` when unset.
pub(super) fn int_or_string_or_na(o: &Value, ptr: &str) -> Value {
    match o.pointer(ptr) {
        Some(Value::Number(n)) => json!(n.to_string()),
        Some(Value::String(s)) => json!(s),
        _ => json!("N/A"),
    }
}

/// `spec.replicas`, which defaulting sets to 1.
pub(super) fn replicas(o: &Value) -> i64 {
    o.pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// Whether `status.conditions` holds a condition of this type with status True.
pub(super) fn has_condition(o: &Value, type_: &str) -> bool {
    o.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| text(c, "/type") == Some(type_) && text(c, "/status") == Some("True"))
}

/// A quantity as stored (string), or a bare number.
pub(super) fn quantity(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}
