//! CRD schemas: converting a version's `openAPIV3Schema` into a [`Schema`]
//! with the implicit `apiVersion`, `kind` and `metadata` kube-apiserver adds
//! (the checks run when a CRD is created live in [`super::structural`]).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::builtin::object_meta_schema;
use super::convert::Converter;
use super::{Schema, Type};

/// Why a CRD schema cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SchemaError {
    /// `openAPIV3Schema` is not a JSON object.
    #[error("openAPIV3Schema must be an object")]
    NotAnObject,
    /// The root of the schema is typed, but not as an object.
    #[error("openAPIV3Schema.type: must be object at the root, not {0:?}")]
    RootNotObject(String),
}

/// Converts a CRD version's `openAPIV3Schema` into a [`Schema`], adding
/// `apiVersion`, `kind` and `metadata` (`ObjectMeta`, keeping any `name` /
/// `generateName` constraints the CRD gives) at the root.
pub fn crd_schema(openapi_v3_schema: &Value) -> Result<Arc<Schema>, SchemaError> {
    let Some(root) = openapi_v3_schema.as_object() else {
        return Err(SchemaError::NotAnObject);
    };
    if let Some(ty) = root.get("type").and_then(Value::as_str)
        && ty != "object"
    {
        return Err(SchemaError::RootNotObject(ty.to_owned()));
    }
    let empty = Map::new();
    let mut converter = Converter::crd(&empty);
    let mut schema = (*converter.node(openapi_v3_schema)).clone();
    let user_metadata = root
        .get("properties")
        .and_then(|p| p.get("metadata"))
        .map(|m| converter.node(m));
    if !matches!(schema.ty, Type::Object { .. }) {
        schema.ty = Type::Object {
            properties: Default::default(),
            additional: None,
            required: Vec::new(),
            preserve_unknown: false,
            map_type: Default::default(),
        };
    }
    if let Type::Object { properties, .. } = &mut schema.ty {
        for name in ["apiVersion", "kind"] {
            properties.entry(name.to_owned()).or_insert_with(|| {
                Arc::new(Schema {
                    ty: Type::String { format: None },
                    ..Schema::default()
                })
            });
        }
        properties.insert("metadata".to_owned(), metadata(user_metadata.as_deref()));
    }
    Ok(Arc::new(schema))
}

/// `ObjectMeta`, with the `name`/`generateName` constraints a CRD may add.
fn metadata(user: Option<&Schema>) -> Arc<Schema> {
    let base = object_meta_schema();
    let Some(Type::Object {
        properties: user_props,
        ..
    }) = user.map(|u| &u.ty)
    else {
        return base;
    };
    let mut meta = (*base).clone();
    if let Type::Object { properties, .. } = &mut meta.ty {
        for name in ["name", "generateName"] {
            if let (Some(u), Some(p)) = (user_props.get(name), properties.get_mut(name)) {
                let mut merged = (**p).clone();
                merged.validation = u.validation.clone();
                *p = Arc::new(merged);
            }
        }
    }
    Arc::new(meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ListType, MapType};
    use serde_json::json;

    fn web_service() -> Value {
        serde_json::from_str(include_str!("testdata/webservice-schema.json")).unwrap()
    }

    #[test]
    fn converts_the_webservice_schema() {
        let s = crd_schema(&web_service()).unwrap();
        let spec = s.field("spec").unwrap();
        assert_eq!(spec.field("port").unwrap().ty, Type::IntOrString);
        assert_eq!(spec.field("replicas").unwrap().default, Some(json!(2)));
        assert_eq!(
            spec.field("replicas").unwrap().validation.minimum,
            Some((1.0, false))
        );
        assert_eq!(
            spec.field("env").unwrap().list_type(),
            ListType::Map(vec!["name".into()])
        );
        assert_eq!(spec.field("tags").unwrap().list_type(), ListType::Set);
        assert_eq!(spec.field("resources").unwrap().map_type(), MapType::Atomic);
        assert_eq!(
            spec.field("resources").unwrap().field("cpu").unwrap().ty,
            Type::IntOrString
        );
        assert!(spec.field("note").unwrap().nullable);
        assert!(spec.field("template").unwrap().embedded_resource);
        // Unknown keys under preserve-unknown-fields are untyped.
        assert_eq!(
            spec.field("extra").unwrap().field("x").unwrap().ty,
            Type::Any
        );
        // Implicit root fields.
        assert_eq!(
            s.field("apiVersion").unwrap().ty,
            Type::String { format: None }
        );
        let meta = s.field("metadata").unwrap();
        assert_eq!(meta.field("finalizers").unwrap().list_type(), ListType::Set);
        assert!(s.field("nope").is_none());
    }

    #[test]
    fn metadata_name_constraints_are_kept() {
        let s = crd_schema(&json!({"type": "object", "properties": {
            "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}}
        }}))
        .unwrap();
        let name = s.field("metadata").unwrap().field("name").unwrap();
        assert_eq!(name.validation.max_length, Some(10));
        assert!(s.field("metadata").unwrap().field("labels").is_some());
    }

    #[test]
    fn rejects_non_objects() {
        assert_eq!(crd_schema(&json!("x")), Err(SchemaError::NotAnObject));
        assert_eq!(
            crd_schema(&json!({"type": "string"})),
            Err(SchemaError::RootNotObject("string".into()))
        );
    }
}
