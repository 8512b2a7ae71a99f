//! Structural defaulting of custom resources, as kube-apiserver does it when
//! decoding a request or reading from storage.

use serde_json::Value;

use super::{Schema, Type};

/// Applies schema defaults: an absent property of a present object gets its
/// `default`, then is defaulted itself; list items and `additionalProperties`
/// values are defaulted too. A `null` in a non-nullable field is replaced by
/// its default, or dropped when it has none (kube-apiserver prunes such nulls
/// before defaulting).
pub fn apply_defaults(value: &mut Value, schema: &Schema) {
    match (value, &schema.ty) {
        (
            Value::Object(map),
            Type::Object {
                properties,
                additional,
                ..
            },
        ) => {
            for (name, prop) in properties {
                match map.get(name) {
                    None => {
                        if let Some(d) = &prop.default {
                            map.insert(name.clone(), d.clone());
                        }
                    }
                    Some(Value::Null) if !prop.nullable => match &prop.default {
                        Some(d) => {
                            map.insert(name.clone(), d.clone());
                        }
                        None => {
                            map.remove(name);
                        }
                    },
                    Some(_) => {}
                }
            }
            for (name, v) in map.iter_mut() {
                if let Some(s) = properties.get(name).or(additional.as_ref()) {
                    apply_defaults(v, s);
                }
            }
        }
        (
            Value::Array(items),
            Type::Array {
                items: item_schema, ..
            },
        ) => {
            for item in items.iter_mut() {
                if item.is_null()
                    && !item_schema.nullable
                    && let Some(d) = &item_schema.default
                {
                    *item = d.clone();
                }
                apply_defaults(item, item_schema);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::crd::crd_schema;
    use serde_json::json;

    fn defaulted(mut v: Value) -> Value {
        let schema: Value =
            serde_json::from_str(include_str!("testdata/webservice-schema.json")).unwrap();
        apply_defaults(&mut v, &crd_schema(&schema).unwrap());
        v
    }

    #[test]
    fn fills_absent_fields_recursively() {
        let v = defaulted(json!({"spec": {"image": "x", "env": [{"name": "A"}],
            "routes": [{"host": "a"}, {"host": "b", "tls": false}]}}));
        assert_eq!(
            v,
            json!({"spec": {"image": "x",
                "env": [{"name": "A", "value": ""}],
                "routes": [{"host": "a", "tls": true}, {"host": "b", "tls": false}],
                "replicas": 2, "size": "small", "port": 8080,
                "probe": {"path": "/healthz", "periodSeconds": 10}}})
        );
    }

    #[test]
    fn keeps_given_values_and_absent_parents() {
        // No spec: nothing under it is defaulted.
        assert_eq!(
            defaulted(json!({"metadata": {"name": "a"}})),
            json!({"metadata": {"name": "a"}})
        );
        let v = defaulted(json!({"spec": {"image": "x", "replicas": 5, "probe": {"path": "/p"}}}));
        assert_eq!(v["spec"]["replicas"], 5);
        assert_eq!(
            v["spec"]["probe"],
            json!({"path": "/p", "periodSeconds": 10})
        );
    }

    #[test]
    fn nulls_are_defaulted_or_dropped_unless_nullable() {
        let v =
            defaulted(json!({"spec": {"image": "x", "size": null, "since": null, "note": null}}));
        assert_eq!(v["spec"]["size"], "small");
        assert!(v["spec"].get("since").is_none());
        assert_eq!(v["spec"]["note"], Value::Null);
    }
}
