//! Structural schemas: the one shape that validation, defaulting, pruning,
//! strategic merge patch and server-side apply walk, whether it came from a
//! built-in kind or from a CRD's `openAPIV3Schema`.

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

/// A resolved structural schema node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// The node's type and, for objects and arrays, what they hold.
    pub ty: Type,
    /// Shown by `kubectl explain`.
    pub description: Option<String>,
    /// `nullable: true`: `null` is a valid value (and is not pruned).
    pub nullable: bool,
    /// The default applied when the field is absent.
    pub default: Option<Value>,
    /// Constraints checked by validation.
    pub validation: Validation,
    /// `x-kubernetes-embedded-resource`: an object with apiVersion, kind and metadata.
    pub embedded_resource: bool,
}

/// The type of a schema node.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Type {
    /// Anything: no structure known (`x-kubernetes-preserve-unknown-fields`
    /// without properties, or a recursion cut). Maps are merged granularly,
    /// lists atomically, as structured-merge-diff does for deduced types.
    #[default]
    Any,
    /// An object with known properties and/or a value schema for other keys.
    Object {
        /// Known properties, in schema order.
        properties: IndexMap<String, Arc<Schema>>,
        /// `additionalProperties`: the schema of every other key (a map).
        additional: Option<Arc<Schema>>,
        /// `required` property names.
        required: Vec<String>,
        /// `x-kubernetes-preserve-unknown-fields: true`: unknown keys are kept.
        preserve_unknown: bool,
        /// `x-kubernetes-map-type`.
        map_type: MapType,
    },
    /// A list.
    Array {
        /// The schema of each item.
        items: Arc<Schema>,
        /// `x-kubernetes-list-type` with `x-kubernetes-list-map-keys`.
        list_type: ListType,
    },
    /// A string (with an optional `format`).
    String {
        /// `format`, e.g. `date-time`, `int-or-string`, `byte`.
        format: Option<String>,
    },
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A boolean.
    Boolean,
    /// `x-kubernetes-int-or-string: true`.
    IntOrString,
}

/// `x-kubernetes-list-type`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ListType {
    /// Replaced as a whole (the default).
    #[default]
    Atomic,
    /// A set of scalars, merged item by item.
    Set,
    /// A list of objects identified by these keys, merged item by item.
    Map(Vec<String>),
}

/// `x-kubernetes-map-type`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MapType {
    /// Merged key by key (the default).
    #[default]
    Granular,
    /// Replaced as a whole.
    Atomic,
}

/// OpenAPI constraints a value is validated against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validation {
    /// `enum`.
    pub enumeration: Option<Vec<Value>>,
    /// `minimum` / `exclusiveMinimum`.
    pub minimum: Option<(f64, bool)>,
    /// `maximum` / `exclusiveMaximum`.
    pub maximum: Option<(f64, bool)>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `pattern` (ECMA-262 subset, as Kubernetes accepts it).
    pub pattern: Option<String>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `minProperties`.
    pub min_properties: Option<u64>,
    /// `maxProperties`.
    pub max_properties: Option<u64>,
}

impl Schema {
    /// A schema that accepts anything and merges as a deduced type.
    pub fn any() -> Arc<Schema> {
        Arc::new(Schema::default())
    }

    /// The schema of property `name` of an object node (`additionalProperties`
    /// when it is not a known property); `Any` for untyped nodes.
    pub fn field(&self, name: &str) -> Option<Arc<Schema>> {
        match &self.ty {
            Type::Object {
                properties,
                additional,
                preserve_unknown,
                ..
            } => properties
                .get(name)
                .or(additional.as_ref())
                .cloned()
                .or_else(|| preserve_unknown.then(Schema::any)),
            Type::Any => Some(Schema::any()),
            _ => None,
        }
    }

    /// The item schema of an array node; `Any` for untyped nodes.
    pub fn items(&self) -> Option<Arc<Schema>> {
        match &self.ty {
            Type::Array { items, .. } => Some(items.clone()),
            Type::Any => Some(Schema::any()),
            _ => None,
        }
    }

    /// The list type of an array node (`Atomic` for anything else).
    pub fn list_type(&self) -> ListType {
        match &self.ty {
            Type::Array { list_type, .. } => list_type.clone(),
            _ => ListType::Atomic,
        }
    }

    /// The map type of an object node (`Granular` for anything else).
    pub fn map_type(&self) -> MapType {
        match &self.ty {
            Type::Object { map_type, .. } => map_type.clone(),
            _ => MapType::Granular,
        }
    }
}

pub mod builtin;
pub mod builtin_default;
mod convert;
pub mod crd;
pub mod default;
pub mod field_error;
mod list_types;
pub mod openapi;
pub mod prune;
pub mod structural;
pub mod validate;

pub use builtin::{BuiltinKind, builtin_definitions, builtin_kind, builtin_kinds, builtin_schema};
pub use builtin_default::default_builtin;
pub use crd::{SchemaError, crd_schema};
pub use default::apply_defaults;
pub use field_error::{FieldError, FieldErrorKind};
pub use openapi::{
    SchemaSource, ServedKind, openapi_v2, openapi_v3_group_version, openapi_v3_index,
};
pub use prune::{prune, unknown_fields};
pub use structural::{check_structural, check_structural_at};
pub use validate::validate;
