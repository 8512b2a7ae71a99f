//! Turning an OpenAPI v3 schema (a CRD's `openAPIV3Schema`, or the
//! definitions k8s-openapi generates for built-in kinds) into [`Schema`]
//! trees: `$ref`s resolved, recursion cut to `Any`, list types attached.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::list_types::{Fact, lookup};
use super::{ListType, MapType, Schema, Type, Validation};

/// Definitions that hold arbitrary JSON although k8s-openapi types them as
/// `object`: structured-merge-diff treats them as untyped.
const FREE_FORM: &[&str] = &[
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
];

/// Converts schema JSON into [`Schema`] trees, memoising definitions.
pub(crate) struct Converter<'a> {
    definitions: &'a Map<String, Value>,
    builtin: bool,
    memo: HashMap<String, Arc<Schema>>,
    stack: Vec<String>,
}

impl<'a> Converter<'a> {
    /// A converter for built-in kinds over k8s-openapi's definitions.
    pub(crate) fn builtin(definitions: &'a Map<String, Value>) -> Self {
        Converter {
            definitions,
            builtin: true,
            memo: HashMap::new(),
            stack: Vec::new(),
        }
    }

    /// A converter for a CRD schema, which has no definitions.
    pub(crate) fn crd(empty: &'a Map<String, Value>) -> Self {
        Converter {
            builtin: false,
            ..Converter::builtin(empty)
        }
    }

    /// The schema of definition `name`; `Any` when unknown or recursive.
    pub(crate) fn definition(&mut self, name: &str) -> Arc<Schema> {
        if let Some(s) = self.memo.get(name) {
            return s.clone();
        }
        // A definition that contains itself (JSONSchemaProps) is cut here.
        if self.stack.iter().any(|n| n == name) {
            return Schema::any();
        }
        let Some(def) = self.definitions.get(name).and_then(Value::as_object) else {
            return Schema::any();
        };
        self.stack.push(name.to_owned());
        let mut schema = if self.builtin && FREE_FORM.contains(&name) {
            Schema {
                description: string(def, "description"),
                ..Schema::default()
            }
        } else {
            self.inline(def, Some(name))
        };
        if let Some(entry) = lookup(name, ".") {
            apply_fact(&mut schema, &entry.fact);
        }
        self.stack.pop();
        let schema = Arc::new(schema);
        self.memo.insert(name.to_owned(), schema.clone());
        schema
    }

    /// The schema of one node.
    pub(crate) fn node(&mut self, value: &Value) -> Arc<Schema> {
        let Some(obj) = value.as_object() else {
            return Schema::any();
        };
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or(reference);
            let target = self.definition(name);
            return match string(obj, "description") {
                Some(d) => {
                    let mut s = (*target).clone();
                    s.description = Some(d);
                    Arc::new(s)
                }
                None => target,
            };
        }
        Arc::new(self.inline(obj, None))
    }

    fn inline(&mut self, obj: &Map<String, Value>, owner: Option<&str>) -> Schema {
        let preserve = flag(obj, "x-kubernetes-preserve-unknown-fields");
        let has_props = obj.contains_key("properties") || obj.contains_key("additionalProperties");
        let ty = if flag(obj, "x-kubernetes-int-or-string") {
            Type::IntOrString
        } else {
            match obj.get("type").and_then(Value::as_str) {
                Some("object") if self.builtin && !has_props => Type::Any,
                Some("object") => self.object(obj, owner, preserve),
                None if has_props => self.object(obj, owner, preserve),
                Some("array") => Type::Array {
                    items: obj.get("items").map_or_else(Schema::any, |i| self.node(i)),
                    list_type: list_type(obj),
                },
                Some("string") => Type::String {
                    format: string(obj, "format"),
                },
                Some("integer") => Type::Integer,
                Some("number") => Type::Number,
                Some("boolean") => Type::Boolean,
                _ => Type::Any,
            }
        };
        Schema {
            ty,
            description: string(obj, "description"),
            // Go decodes `null` into any optional field of a built-in type.
            nullable: self.builtin || flag(obj, "nullable"),
            default: obj.get("default").cloned(),
            validation: validation(obj),
            embedded_resource: flag(obj, "x-kubernetes-embedded-resource"),
        }
    }

    fn object(&mut self, obj: &Map<String, Value>, owner: Option<&str>, preserve: bool) -> Type {
        let mut properties = IndexMap::new();
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (name, value) in props {
                let mut prop = self.node(value);
                if let Some(entry) = owner.and_then(|o| lookup(o, name)) {
                    let mut s = (*prop).clone();
                    apply_fact(&mut s, &entry.fact);
                    prop = Arc::new(s);
                }
                properties.insert(name.clone(), prop);
            }
        }
        let additional = match obj.get("additionalProperties") {
            Some(v @ Value::Object(_)) => Some(self.node(v)),
            Some(Value::Bool(true)) => Some(Schema::any()),
            _ => None,
        };
        let required = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let map_type = match obj.get("x-kubernetes-map-type").and_then(Value::as_str) {
            Some("atomic") => MapType::Atomic,
            _ => MapType::Granular,
        };
        Type::Object {
            properties,
            additional,
            required,
            preserve_unknown: preserve,
            map_type,
        }
    }
}

fn apply_fact(schema: &mut Schema, fact: &Fact) {
    match (&mut schema.ty, fact) {
        (Type::Array { list_type, .. }, Fact::List(lt)) => *list_type = lt.clone(),
        (Type::Object { map_type, .. }, Fact::Map(mt)) => *map_type = mt.clone(),
        _ => {}
    }
}

fn list_type(obj: &Map<String, Value>) -> ListType {
    match obj.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => ListType::Set,
        Some("map") => ListType::Map(
            obj.get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|k| {
                    k.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => ListType::Atomic,
    }
}

fn validation(obj: &Map<String, Value>) -> Validation {
    let uint = |k: &str| obj.get(k).and_then(Value::as_u64);
    let bound = |k: &str, exclusive: &str| {
        obj.get(k)
            .and_then(Value::as_f64)
            .map(|b| (b, flag(obj, exclusive)))
    };
    Validation {
        enumeration: obj.get("enum").and_then(Value::as_array).cloned(),
        minimum: bound("minimum", "exclusiveMinimum"),
        maximum: bound("maximum", "exclusiveMaximum"),
        min_length: uint("minLength"),
        max_length: uint("maxLength"),
        pattern: string(obj, "pattern"),
        min_items: uint("minItems"),
        max_items: uint("maxItems"),
        min_properties: uint("minProperties"),
        max_properties: uint("maxProperties"),
    }
}

fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn flag(obj: &Map<String, Value>, key: &str) -> bool {
    obj.get(key).and_then(Value::as_bool).unwrap_or(false)
}
