//! Server-side printing: the `meta.k8s.io/v1` `Table` that kube-apiserver
//! returns for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
//!
//! Start with [`table`] (or [`table_at`] with an explicit clock): give it the
//! columns of the kind — [`crd_columns`] for custom resources,
//! [`builtin_columns`] for built-in kinds — and the full objects.

mod builtin;
mod cells;
mod cluster_columns;
mod format;
mod network_columns;
mod workload_columns;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::jsonpath::JsonPath;

pub use builtin::builtin_columns;
pub use format::{human_duration, translate_timestamp_since};

/// `metav1.ObjectMeta` documentation of `name`, the description of every Name column.
pub const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// `metav1.ObjectMeta` documentation of `creationTimestamp`, the description of Age columns.
pub const CREATION_TIMESTAMP_DESCRIPTION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// A cell printer for a built-in kind: the object and the current time.
pub type CellFn = fn(&Value, Timestamp) -> Value;

/// Where a column's cells come from.
#[derive(Debug, Clone)]
pub enum ColumnSource {
    /// A CRD printer column: a JSONPath evaluated against the object, the
    /// result converted according to the column's type.
    JsonPath(String),
    /// A built-in printer.
    Builtin(CellFn),
}

/// One column of a table and how to fill it.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header, e.g. `Name`, `Ready`.
    pub name: String,
    /// OpenAPI type: `string`, `integer`, `number`, `boolean` or `date`.
    pub type_: String,
    /// OpenAPI format; `name` marks the column that identifies the object.
    pub format: String,
    /// Human readable description.
    pub description: String,
    /// 0 for default columns, 1 and more for `-o wide` ones.
    pub priority: i64,
    /// How cells are computed.
    pub source: ColumnSource,
}

impl Column {
    /// The `columnDefinitions` entry.
    pub fn definition(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.type_,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }

    fn cell(&self, obj: &Value, now: Timestamp) -> Value {
        match &self.source {
            ColumnSource::Builtin(f) => f(obj, now),
            ColumnSource::JsonPath(expr) => {
                let Ok(path) = JsonPath::parse(expr) else {
                    return Value::Null;
                };
                match path.eval(obj).into_iter().next() {
                    Some(value) => format::json_path_cell(&self.type_, value, now),
                    None => Value::Null,
                }
            }
        }
    }
}

/// What each row carries besides its cells (the `includeObject` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// No object (`"object": null`).
    None,
    /// A `PartialObjectMetadata` with the object's metadata (the default).
    #[default]
    Metadata,
    /// The full object.
    Object,
}

/// `includeObject` holds a value other than `None`, `Metadata` or `Object`;
/// the message is kube-apiserver's (sent with a 400 BadRequest).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Unable to convert to Table as requested: includeObject: Invalid value: {0:?}: must be 'Metadata', 'Object', 'None', or empty"
)]
pub struct IncludeObjectError(String);

impl IncludeObject {
    /// Reads the query parameter; absent or empty means `Metadata`.
    pub fn from_param(value: Option<&str>) -> Result<Self, IncludeObjectError> {
        match value.unwrap_or("") {
            "" | "Metadata" => Ok(Self::Metadata),
            "None" => Ok(Self::None),
            "Object" => Ok(Self::Object),
            other => Err(IncludeObjectError(other.to_string())),
        }
    }
}

/// Builds a `meta.k8s.io/v1` `Table` of `rows` (full objects, with `apiVersion`
/// and `kind`) using the current time for ages.
pub fn table(
    columns: &[Column],
    rows: &[Value],
    include_object: IncludeObject,
    list_meta: Value,
) -> Value {
    table_at(columns, rows, include_object, list_meta, Timestamp::now())
}

/// [`table`] with an explicit clock, so that ages are reproducible.
pub fn table_at(
    columns: &[Column],
    rows: &[Value],
    include_object: IncludeObject,
    list_meta: Value,
    now: Timestamp,
) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|obj| row(columns, obj, include_object, now))
        .collect();
    let metadata = if list_meta.is_object() {
        list_meta
    } else {
        Value::Object(Map::new())
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns.iter().map(Column::definition).collect::<Vec<_>>(),
        "rows": rows,
    })
}

fn row(columns: &[Column], obj: &Value, include_object: IncludeObject, now: Timestamp) -> Value {
    let cells: Vec<Value> = columns.iter().map(|c| c.cell(obj, now)).collect();
    let mut row = Map::new();
    row.insert("cells".into(), Value::Array(cells));
    if let Some(conditions) = workload_columns::row_conditions(obj) {
        row.insert("conditions".into(), conditions);
    }
    let object = match include_object {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
    };
    row.insert("object".into(), object);
    Value::Object(row)
}

/// The columns of a custom resource version, from its
/// `additionalPrinterColumns` array: Name first, then the CRD's columns;
/// Name and Age when the CRD declares none, as apiextensions-apiserver does.
pub fn crd_columns(additional_printer_columns: &Value) -> Vec<Column> {
    let declared = additional_printer_columns
        .as_array()
        .filter(|a| !a.is_empty());
    let default_age = [json!({
        "name": "Age",
        "type": "date",
        "jsonPath": ".metadata.creationTimestamp",
        "description": CREATION_TIMESTAMP_DESCRIPTION,
    })];
    let specs: &[Value] = declared.map_or(&default_age[..], Vec::as_slice);
    let mut columns = vec![name_column()];
    for spec in specs {
        let text = |k: &str| {
            spec.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let path = text("jsonPath");
        let description = match text("description") {
            d if d.is_empty() => {
                format!("Custom resource definition column (in JSONPath format): {path}")
            }
            d => d,
        };
        columns.push(Column {
            name: text("name"),
            type_: text("type"),
            format: text("format"),
            description,
            priority: spec.get("priority").and_then(Value::as_i64).unwrap_or(0),
            source: ColumnSource::JsonPath(path),
        });
    }
    columns
}

/// Drops the column definitions, as kube-apiserver does when the request's
/// table options say `noHeaders` (watch events after the first).
pub fn omit_headers(table: &mut Value) {
    if let Some(map) = table.as_object_mut() {
        map.insert("columnDefinitions".into(), Value::Null);
    }
}

/// The Name column every table starts with.
pub(crate) fn name_column() -> Column {
    Column {
        name: "Name".into(),
        type_: "string".into(),
        format: "name".into(),
        description: NAME_DESCRIPTION.into(),
        priority: 0,
        source: ColumnSource::Builtin(|obj, _| {
            Value::String(
                obj.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        }),
    }
}

#[cfg(test)]
mod tests;
