//! Pruning of unknown fields, and finding them without pruning (for
//! `fieldValidation=Strict|Warn`, where kube-apiserver reports
//! `unknown field "spec.foo"`).

use serde_json::Value;

use super::validate::{child, index};
use super::{Schema, Type};

/// Keys an embedded resource always keeps.
const EMBEDDED_KEYS: &[&str] = &["apiVersion", "kind", "metadata"];

/// Removes every field the schema does not know (outside
/// `x-kubernetes-preserve-unknown-fields` and untyped nodes) and returns the
/// removed fields' paths, e.g. `spec.containers[0].foo`.
pub fn prune(value: &mut Value, schema: &Schema) -> Vec<String> {
    let mut pruned = Vec::new();
    walk(value, schema, "", &mut pruned);
    pruned
}

/// The paths [`prune`] would remove, leaving `value` as it is.
pub fn unknown_fields(value: &Value, schema: &Schema) -> Vec<String> {
    let mut found = Vec::new();
    find(value, schema, "", &mut found);
    found
}

fn walk(value: &mut Value, schema: &Schema, path: &str, out: &mut Vec<String>) {
    match (value, &schema.ty) {
        (
            Value::Object(map),
            Type::Object {
                properties,
                additional,
                preserve_unknown,
                ..
            },
        ) => {
            let mut unknown = Vec::new();
            for (name, v) in map.iter_mut() {
                let p = child(path, name);
                match properties.get(name).or(additional.as_ref()) {
                    Some(s) => walk(v, s, &p, out),
                    None if *preserve_unknown => {}
                    None if schema.embedded_resource && EMBEDDED_KEYS.contains(&name.as_str()) => {}
                    None => unknown.push(name.clone()),
                }
            }
            for name in unknown {
                map.shift_remove(&name);
                out.push(child(path, &name));
            }
        }
        (
            Value::Array(items),
            Type::Array {
                items: item_schema, ..
            },
        ) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, item_schema, &index(path, i), out);
            }
        }
        _ => {}
    }
}

fn find(value: &Value, schema: &Schema, path: &str, out: &mut Vec<String>) {
    match (value, &schema.ty) {
        (
            Value::Object(map),
            Type::Object {
                properties,
                additional,
                preserve_unknown,
                ..
            },
        ) => {
            for (name, v) in map {
                let p = child(path, name);
                match properties.get(name).or(additional.as_ref()) {
                    Some(s) => find(v, s, &p, out),
                    None if *preserve_unknown => {}
                    None if schema.embedded_resource && EMBEDDED_KEYS.contains(&name.as_str()) => {}
                    None => out.push(p),
                }
            }
        }
        (
            Value::Array(items),
            Type::Array {
                items: item_schema, ..
            },
        ) => {
            for (i, item) in items.iter().enumerate() {
                find(item, item_schema, &index(path, i), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin::builtin_schema;
    use crate::schema::crd::crd_schema;
    use serde_json::json;

    fn web_service() -> std::sync::Arc<Schema> {
        let schema: Value =
            serde_json::from_str(include_str!("testdata/webservice-schema.json")).unwrap();
        crd_schema(&schema).unwrap()
    }

    #[test]
    fn prunes_unknown_fields_and_reports_their_paths() {
        let mut v = json!({"apiVersion": "platform.pequod.dev/v1", "kind": "WebService",
            "metadata": {"name": "a", "bogus": 1},
            "spec": {"image": "x", "foo": 1, "env": [{"name": "A", "junk": true}],
                "extra": {"kept": {"deep": 1}},
                "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}},
                "resources": {"cpu": "1"}},
            "status": {"phase": "Ready", "what": 1},
            "top": 1});
        let expected = vec![
            "metadata.bogus",
            "spec.foo",
            "spec.env[0].junk",
            "status.what",
            "top",
        ];
        let mut found = unknown_fields(&v, &web_service());
        found.sort();
        let mut sorted = expected.clone();
        sorted.sort();
        assert_eq!(found, sorted);
        let mut pruned = prune(&mut v, &web_service());
        pruned.sort();
        assert_eq!(pruned, sorted);
        assert_eq!(
            v,
            json!({"apiVersion": "platform.pequod.dev/v1", "kind": "WebService",
                "metadata": {"name": "a"},
                "spec": {"image": "x", "env": [{"name": "A"}], "extra": {"kept": {"deep": 1}},
                    "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}},
                    "resources": {"cpu": "1"}},
                "status": {"phase": "Ready"}})
        );
    }

    #[test]
    fn builtin_deployment_unknown_fields() {
        let d: Value = serde_json::from_str(include_str!("testdata/deployment.json")).unwrap();
        let schema = builtin_schema("apps", "v1", "Deployment").unwrap();
        assert_eq!(unknown_fields(&d, &schema), Vec::<String>::new());
        let mut bad = d.clone();
        bad["spec"]["replica"] = json!(3);
        bad["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = json!("x");
        assert_eq!(
            unknown_fields(&bad, &schema),
            vec![
                "spec.template.spec.containers[0].imagePolicy",
                "spec.replica"
            ]
        );
    }

    #[test]
    fn builtin_service_unknown_fields() {
        let s: Value = serde_json::from_str(include_str!("testdata/service.json")).unwrap();
        let schema = builtin_schema("", "v1", "Service").unwrap();
        assert_eq!(unknown_fields(&s, &schema), Vec::<String>::new());
    }
}
