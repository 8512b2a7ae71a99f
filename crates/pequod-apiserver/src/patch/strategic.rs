//! Kubernetes strategic merge patch, driven by the structural schema:
//! list-maps merge by their first key, sets merge as sets, other lists are
//! replaced; the `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/` and
//! `$setElementOrder/` directives are honoured and `null` deletes.

use serde_json::{Map, Value};

use super::PatchError;
use super::typed::field_schema;
use crate::schema::{ListType, Schema};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM: &str = "$deleteFromPrimitiveList/";
const SET_ORDER: &str = "$setElementOrder/";

/// Applies a strategic merge patch to `target` (an object).
pub fn strategic_merge_patch(
    target: &Value,
    patch: &Value,
    schema: &Schema,
) -> Result<Value, PatchError> {
    let Value::Object(patch) = patch else {
        return Err(PatchError::Invalid(
            "a strategic merge patch must be a JSON object".to_owned(),
        ));
    };
    let empty = Map::new();
    let original = target.as_object().unwrap_or(&empty);
    Ok(Value::Object(
        merge_map(original, patch, schema)?.unwrap_or_default(),
    ))
}

/// Merges a patch map into an original map; `None` means "delete this map".
fn merge_map(
    original: &Map<String, Value>,
    patch: &Map<String, Value>,
    schema: &Schema,
) -> Result<Option<Map<String, Value>>, PatchError> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        match directive.as_str() {
            Some("replace") => {
                let mut rest = patch.clone();
                rest.remove(DIRECTIVE);
                return merge_map(&Map::new(), &rest, schema);
            }
            Some("delete") => return Ok(None),
            Some("merge") => {}
            _ => {
                return Err(PatchError::Directive(format!(
                    "unknown patch type: {directive} in map: {}",
                    Value::Object(patch.clone())
                )));
            }
        }
    }
    let mut out = original.clone();
    if let Some(keys) = patch.get(RETAIN_KEYS) {
        retain_keys(&mut out, keys, patch)?;
    }
    for (key, values) in patch {
        if let Some(field) = key.strip_prefix(DELETE_FROM) {
            let Value::Array(values) = values else {
                return Err(PatchError::Directive(format!(
                    "{key} must be a list of primitives"
                )));
            };
            if let Some(Value::Array(list)) = out.get_mut(field) {
                list.retain(|item| !values.contains(item));
            }
        }
    }
    for (key, value) in patch {
        if key.starts_with('$') {
            continue;
        }
        if value.is_null() {
            out.remove(key);
            continue;
        }
        let child_schema = field_schema(schema, key).0;
        match merge_value(out.get(key), value, &child_schema)? {
            Some(merged) => out.insert(key.clone(), merged),
            None => out.remove(key),
        };
    }
    for (key, order) in patch {
        let Some(field) = key.strip_prefix(SET_ORDER) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(PatchError::Directive(format!("{key} must be a list")));
        };
        let merge_key = match schema_list_type(schema, field) {
            ListType::Map(keys) => keys.first().cloned(),
            _ => None,
        };
        let server: Vec<Value> = match original.get(field) {
            Some(Value::Array(list)) => list.clone(),
            _ => Vec::new(),
        };
        if let Some(Value::Array(list)) = out.get_mut(field) {
            *list = normalize_order(list, order, &server, merge_key.as_deref());
        }
    }
    Ok(Some(out))
}

fn schema_list_type(schema: &Schema, field: &str) -> ListType {
    field_schema(schema, field).0.list_type()
}

fn retain_keys(
    out: &mut Map<String, Value>,
    keys: &Value,
    patch: &Map<String, Value>,
) -> Result<(), PatchError> {
    let bad = || {
        PatchError::Invalid(
            "invalid patch format for $retainKeys: must be a list of strings".to_owned(),
        )
    };
    let keys: Vec<&str> = keys
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|k| k.as_str().ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    for (key, value) in patch {
        if !key.starts_with('$') && !value.is_null() && !keys.contains(&key.as_str()) {
            return Err(PatchError::Unprocessable(format!(
                "the content of the patch does not match $retainKeys: {key} is not listed"
            )));
        }
    }
    out.retain(|key, _| keys.contains(&key.as_str()));
    Ok(())
}

/// Merges one patch value into the original value of a field.
fn merge_value(
    original: Option<&Value>,
    patch: &Value,
    schema: &Schema,
) -> Result<Option<Value>, PatchError> {
    match patch {
        Value::Object(patch_map) => {
            let empty = Map::new();
            let original_map = original.and_then(Value::as_object).unwrap_or(&empty);
            Ok(merge_map(original_map, patch_map, schema)?.map(Value::Object))
        }
        Value::Array(items) => {
            let original_list = match original {
                Some(Value::Array(list)) => list.as_slice(),
                _ => &[],
            };
            let merged = match schema.list_type() {
                ListType::Map(keys) => match keys.first() {
                    Some(key) => merge_keyed(original_list, items, key, schema)?,
                    None => items.clone(),
                },
                ListType::Set => merge_set(original_list, items),
                ListType::Atomic => items.clone(),
            };
            Ok(Some(Value::Array(merged)))
        }
        other => Ok(Some(other.clone())),
    }
}

fn merge_set(original: &[Value], patch: &[Value]) -> Vec<Value> {
    let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
    for item in original.iter().chain(patch) {
        if !merged.contains(item) {
            merged.push(item.clone());
        }
    }
    normalize_order(&merged, patch, original, None)
}

fn merge_keyed(
    original: &[Value],
    patch: &[Value],
    key: &str,
    schema: &Schema,
) -> Result<Vec<Value>, PatchError> {
    let items = schema.items().unwrap_or_else(Schema::any);
    let mut base = original.to_vec();
    let mut plain = Vec::with_capacity(patch.len());
    let mut replace = false;
    for item in patch {
        let Some(object) = item.as_object() else {
            return Err(PatchError::Unprocessable(format!(
                "list items merged by {key:?} must be objects, got {item}"
            )));
        };
        let key_value = object.get(key);
        match object.get(DIRECTIVE).map(|d| (d, d.as_str())) {
            None => {
                if key_value.is_none() {
                    return Err(missing_key(item, key));
                }
                plain.push(item);
            }
            Some((_, Some("delete"))) => {
                let value = key_value.ok_or_else(|| missing_key(item, key))?;
                base.retain(|o| o.get(key) != Some(value));
            }
            Some((_, Some("replace"))) => replace = true,
            Some((_, Some("merge"))) => {
                return Err(PatchError::Directive(
                    "merging lists cannot yet be specified in the patch".to_owned(),
                ));
            }
            Some((directive, _)) => {
                return Err(PatchError::Directive(format!(
                    "unknown patch type: {directive} in map: {item}"
                )));
            }
        }
    }
    if replace {
        base.clear();
    }
    for item in &plain {
        let value = item.get(key);
        let position = base.iter().position(|o| o.get(key) == value);
        let merged = merge_value(position.map(|i| &base[i]), item, &items)?;
        match (position, merged) {
            (Some(i), Some(merged)) => base[i] = merged,
            (Some(i), None) => {
                base.remove(i);
            }
            (None, Some(merged)) => base.push(merged),
            (None, None) => {}
        }
    }
    if replace {
        return Ok(base);
    }
    let order: Vec<Value> = plain.into_iter().cloned().collect();
    Ok(normalize_order(&base, &order, original, Some(key)))
}

fn missing_key(item: &Value, key: &str) -> PatchError {
    PatchError::Unprocessable(format!(
        "map: {item} does not contain declared merge key: {key}"
    ))
}

/// What identifies a list item: its merge key's value, or itself.
fn identity<'v>(item: &'v Value, key: Option<&str>) -> Option<&'v Value> {
    match key {
        Some(key) => item.get(key),
        None => Some(item),
    }
}

fn position_in(list: &[Value], item: &Value, key: Option<&str>) -> Option<usize> {
    let id = identity(item, key)?;
    list.iter().position(|o| identity(o, key) == Some(id))
}

/// Orders a merged list as kube-apiserver does: items named by the patch
/// (or `$setElementOrder`) in that order, server-only items in their server
/// order, interleaved so that both relative orders hold.
fn normalize_order(
    merged: &[Value],
    order: &[Value],
    server: &[Value],
    key: Option<&str>,
) -> Vec<Value> {
    let (mut named, mut server_only): (Vec<&Value>, Vec<&Value>) = merged
        .iter()
        .partition(|item| position_in(order, item, key).is_some());
    named.sort_by_key(|item| position_in(order, item, key));
    server_only.sort_by_key(|item| position_in(server, item, key).unwrap_or(usize::MAX));
    let mut out = Vec::with_capacity(merged.len());
    let (mut i, mut j) = (0, 0);
    while i < server_only.len() || j < named.len() {
        let take_server = if i >= server_only.len() {
            false
        } else if j >= named.len() {
            true
        } else {
            match (
                position_in(server, server_only[i], key),
                position_in(server, named[j], key),
            ) {
                (Some(a), Some(b)) => a < b,
                _ => false,
            }
        };
        if take_server {
            out.push(server_only[i].clone());
            i += 1;
        } else {
            out.push(named[j].clone());
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use indexmap::IndexMap;
    use serde_json::json;

    use super::*;
    use crate::schema::{MapType, Type};

    fn node(ty: Type) -> Arc<Schema> {
        Arc::new(Schema {
            ty,
            ..Schema::default()
        })
    }

    fn object(properties: &[(&str, Arc<Schema>)]) -> Arc<Schema> {
        node(Type::Object {
            properties: properties
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect::<IndexMap<_, _>>(),
            additional: None,
            required: Vec::new(),
            preserve_unknown: false,
            map_type: MapType::Granular,
        })
    }

    fn list(items: Arc<Schema>, list_type: ListType) -> Arc<Schema> {
        node(Type::Array { items, list_type })
    }

    fn pod() -> Arc<Schema> {
        let string = node(Type::String { format: None });
        let container = object(&[
            ("name", string.clone()),
            ("image", string.clone()),
            ("args", list(string.clone(), ListType::Atomic)),
        ]);
        object(&[
            (
                "metadata",
                object(&[
                    ("labels", Schema::any()),
                    ("finalizers", list(string, ListType::Set)),
                ]),
            ),
            (
                "spec",
                object(&[
                    (
                        "containers",
                        list(container, ListType::Map(vec!["name".into()])),
                    ),
                    ("strategy", Schema::any()),
                ]),
            ),
        ])
    }

    fn pod_with(containers: Value) -> Value {
        json!({"metadata": {"labels": {"a": "1", "b": "2"}, "finalizers": ["x", "y", "z"]}, "spec": {"containers": containers}})
    }

    fn names(out: &Value) -> Vec<&str> {
        out["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect()
    }

    fn smp(target: &Value, patch: Value) -> Result<Value, PatchError> {
        strategic_merge_patch(target, &patch, &pod())
    }

    fn abc() -> Value {
        pod_with(
            json!([{"name": "a", "image": "ia"}, {"name": "b", "image": "ib"}, {"name": "c", "image": "ic"}]),
        )
    }

    #[test]
    fn list_maps_merge_by_key() {
        let out = smp(
            &abc(),
            json!({"spec": {"containers": [{"name": "b", "image": "ib2"}, {"name": "d"}]}}),
        )
        .unwrap();
        // kube-apiserver's interleaving puts a new item right after the last
        // patched one it follows in the patch, before later server-only items.
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "a", "image": "ia"}, {"name": "b", "image": "ib2"}, {"name": "d"}, {"name": "c", "image": "ic"}])
        );
        let appended = smp(
            &abc(),
            json!({"spec": {"containers": [{"name": "c", "image": "ic2"}, {"name": "d"}]}}),
        )
        .unwrap();
        assert_eq!(names(&appended), ["a", "b", "c", "d"]);
    }

    #[test]
    fn patch_order_wins_over_server_order() {
        let out = smp(
            &abc(),
            json!({"spec": {"containers": [{"name": "c"}, {"name": "a"}]}}),
        )
        .unwrap();
        assert_eq!(names(&out), ["b", "c", "a"]);
    }

    #[test]
    fn set_element_order_reorders() {
        let patch = json!({"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "b"}, {"name": "a"}]}});
        assert_eq!(names(&smp(&abc(), patch).unwrap()), ["c", "b", "a"]);
    }

    #[test]
    fn list_item_directives() {
        let delete = json!({"spec": {"containers": [{"name": "b", "$patch": "delete"}]}});
        assert_eq!(names(&smp(&abc(), delete).unwrap()), ["a", "c"]);
        let replace = json!({"spec": {"containers": [{"name": "z"}, {"$patch": "replace"}]}});
        assert_eq!(
            smp(&abc(), replace).unwrap()["spec"]["containers"],
            json!([{"name": "z"}])
        );
        let merge = json!({"spec": {"containers": [{"name": "a", "$patch": "merge"}]}});
        assert!(matches!(smp(&abc(), merge), Err(PatchError::Directive(_))));
        let no_key = json!({"spec": {"containers": [{"image": "x"}]}});
        assert!(matches!(
            smp(&abc(), no_key),
            Err(PatchError::Unprocessable(_))
        ));
    }

    #[test]
    fn map_directives() {
        let replace = json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}});
        assert_eq!(
            smp(&abc(), replace).unwrap()["metadata"]["labels"],
            json!({"c": "3"})
        );
        let delete = json!({"metadata": {"labels": {"$patch": "delete"}}});
        assert!(
            smp(&abc(), delete).unwrap()["metadata"]
                .get("labels")
                .is_none()
        );
        let unknown = json!({"metadata": {"labels": {"$patch": "explode"}}});
        assert!(matches!(
            smp(&abc(), unknown),
            Err(PatchError::Directive(_))
        ));
    }

    #[test]
    fn retain_keys_clears_other_keys() {
        let mut target = abc();
        target["spec"]["strategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}});
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
        assert_eq!(
            smp(&target, patch).unwrap()["spec"]["strategy"],
            json!({"type": "Recreate"})
        );
        let mismatch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "other": 1}}});
        assert!(matches!(
            smp(&target, mismatch),
            Err(PatchError::Unprocessable(_))
        ));
    }

    #[test]
    fn primitive_sets() {
        let add = json!({"metadata": {"finalizers": ["w", "x"]}});
        assert_eq!(
            smp(&abc(), add).unwrap()["metadata"]["finalizers"],
            json!(["w", "x", "y", "z"])
        );
        let delete = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["y"]}});
        assert_eq!(
            smp(&abc(), delete).unwrap()["metadata"]["finalizers"],
            json!(["x", "z"])
        );
    }

    #[test]
    fn nulls_delete_and_atomic_lists_replace() {
        let mut target = abc();
        target["spec"]["containers"][0]["args"] = json!(["1", "2"]);
        let patch = json!({
            "metadata": {"labels": {"a": null}},
            "spec": {"containers": [{"name": "a", "args": ["3"], "image": null}]}
        });
        let out = smp(&target, patch).unwrap();
        assert_eq!(out["metadata"]["labels"], json!({"b": "2"}));
        assert_eq!(
            out["spec"]["containers"][0],
            json!({"name": "a", "args": ["3"]})
        );
    }

    #[test]
    fn rejects_non_object_patches() {
        assert!(matches!(
            smp(&abc(), json!([1])),
            Err(PatchError::Invalid(_))
        ));
    }
}
