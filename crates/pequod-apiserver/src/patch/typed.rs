//! Schema-guided walks over objects: the field set a value sets, the
//! comparison of two values, the apply merge, and the removal of a field set.
//! They follow structured-merge-diff: granular maps, list-maps keyed by their
//! keys, sets by value, atomic lists and maps as one leaf.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::fieldset::FieldSet;
use super::path::{Path, PathElement, compare_values};
use crate::schema::{ListType, MapType, Schema, Type};

/// How a node is merged and tracked.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Tracked and replaced as a whole.
    Leaf,
    /// Merged key by key.
    Map,
    /// Merged item by item (a set or a list-map).
    List,
}

/// The schema of `name` in an object node, and whether it is a declared
/// property (declared properties are not members of a field set by
/// themselves; map keys are).
pub(crate) fn field_schema(schema: &Schema, name: &str) -> (Arc<Schema>, bool) {
    match &schema.ty {
        Type::Object {
            properties,
            additional,
            ..
        } => match properties.get(name) {
            Some(property) => (property.clone(), true),
            None => (additional.clone().unwrap_or_else(Schema::any), false),
        },
        _ => (Schema::any(), false),
    }
}

/// The schema below a path element.
pub(crate) fn element_schema(schema: &Schema, element: &PathElement) -> Arc<Schema> {
    match element {
        PathElement::Field(name) => field_schema(schema, name).0,
        _ => schema.items().unwrap_or_else(Schema::any),
    }
}

fn shape(schema: &Schema, values: &[Option<&Value>]) -> Shape {
    let present = values.iter().flatten();
    match &schema.ty {
        Type::Object { map_type, .. } if *map_type == MapType::Granular => {
            if present.clone().all(|v| v.is_object()) {
                Shape::Map
            } else {
                Shape::Leaf
            }
        }
        Type::Any if present.clone().all(|v| v.is_object()) => Shape::Map,
        Type::Array { list_type, .. } if *list_type != ListType::Atomic => {
            if present.clone().all(|v| v.is_array()) {
                Shape::List
            } else {
                Shape::Leaf
            }
        }
        _ => Shape::Leaf,
    }
}

fn is_empty_node(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// The path element that identifies a list item.
pub(crate) fn item_element(
    schema: &Schema,
    item: &Value,
    index: usize,
) -> Result<PathElement, String> {
    match schema.list_type() {
        ListType::Map(keys) => {
            let items = schema.items().unwrap_or_else(Schema::any);
            let mut fields = Vec::with_capacity(keys.len());
            for key in keys {
                let value = item
                    .get(&key)
                    .cloned()
                    .or_else(|| items.field(&key).and_then(|s| s.default.clone()))
                    .ok_or_else(|| {
                        format!(
                            "associative list with keys has an element that omits key field {key:?} (and doesn't have default value)"
                        )
                    })?;
                fields.push((key, value));
            }
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(PathElement::Key(fields))
        }
        ListType::Set => Ok(PathElement::Value(item.clone())),
        ListType::Atomic => Ok(PathElement::Index(index)),
    }
}

/// The list's items by path element, first occurrence winning, in order.
fn index_items<'v>(
    schema: &Schema,
    list: Option<&'v Value>,
    strict: bool,
) -> Result<Vec<(PathElement, &'v Value)>, String> {
    let mut out: Vec<(PathElement, &Value)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, item) in list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let element = item_element(schema, item, i).map_err(|e| format!("element {i}: {e}"))?;
        if !seen.insert(element.clone()) {
            if strict {
                return Err(format!("duplicate entries for key {element}"));
            }
            continue;
        }
        out.push((element, item));
    }
    Ok(out)
}

/// The set of fields `value` sets (structured-merge-diff's `ToFieldSet`).
/// `strict` rejects duplicate list-map keys, as apply configurations must.
pub(crate) fn to_field_set(
    value: &Value,
    schema: &Schema,
    strict: bool,
) -> Result<FieldSet, String> {
    let mut set = FieldSet::default();
    collect_fields(value, schema, strict, &mut Vec::new(), &mut set)?;
    Ok(set)
}

fn collect_fields(
    value: &Value,
    schema: &Schema,
    strict: bool,
    path: &mut Vec<PathElement>,
    set: &mut FieldSet,
) -> Result<(), String> {
    match shape(schema, &[Some(value)]) {
        Shape::Leaf => set.insert(path),
        Shape::Map => {
            for (key, child) in value.as_object().into_iter().flatten() {
                let (child_schema, declared) = field_schema(schema, key);
                path.push(PathElement::Field(key.clone()));
                collect_fields(child, &child_schema, strict, path, set)?;
                let empty_map = child.as_object().is_some_and(Map::is_empty);
                if child.is_null() || empty_map || !declared {
                    set.insert(path);
                }
                path.pop();
            }
        }
        Shape::List => {
            let items = schema.items().unwrap_or_else(Schema::any);
            let indexed = index_items(schema, Some(value), strict)
                .map_err(|e| format!("{}: {e}", Path(path.clone())))?;
            for (element, item) in indexed {
                path.push(element);
                collect_fields(item, &items, strict, path, set)?;
                set.insert(path);
                path.pop();
            }
        }
    }
    Ok(())
}

/// What changed between two versions of an object.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Comparison {
    /// Paths only in the new version.
    pub added: FieldSet,
    /// Leaves present in both with different values.
    pub modified: FieldSet,
    /// Paths only in the old version.
    pub removed: FieldSet,
}

impl Comparison {
    /// Drops the paths under `ignore` (reset fields).
    pub(crate) fn filter(self, ignore: &FieldSet) -> Comparison {
        Comparison {
            added: self.added.recursive_difference(ignore),
            modified: self.modified.recursive_difference(ignore),
            removed: self.removed.recursive_difference(ignore),
        }
    }
}

/// Compares two versions of an object (structured-merge-diff's `Compare`).
pub(crate) fn compare(old: &Value, new: &Value, schema: &Schema) -> Comparison {
    let mut comparison = Comparison::default();
    compare_node(
        Some(old),
        Some(new),
        schema,
        &mut Vec::new(),
        &mut comparison,
    );
    comparison
}

fn compare_node(
    old: Option<&Value>,
    new: Option<&Value>,
    schema: &Schema,
    path: &mut Vec<PathElement>,
    out: &mut Comparison,
) {
    let empty = is_empty_node(old) && is_empty_node(new);
    let shape = if empty {
        Shape::Leaf
    } else {
        shape(schema, &[old, new])
    };
    match shape {
        Shape::Leaf => {
            match (old, new) {
                (None, Some(_)) => out.added.insert(path),
                (Some(_), None) => out.removed.insert(path),
                // Numbers compare by value (1 == 1.0), as structured-merge-diff does.
                (Some(a), Some(b)) if compare_values(a, b).is_ne() => out.modified.insert(path),
                _ => {}
            }
            return;
        }
        Shape::Map => {
            let old_map = old.and_then(Value::as_object);
            let new_map = new.and_then(Value::as_object);
            let mut keys: Vec<&String> = old_map.into_iter().flat_map(Map::keys).collect();
            for key in new_map.into_iter().flat_map(Map::keys) {
                if !old_map.is_some_and(|m| m.contains_key(key)) {
                    keys.push(key);
                }
            }
            for key in keys {
                let child_schema = field_schema(schema, key).0;
                path.push(PathElement::Field(key.clone()));
                let (a, b) = (
                    old_map.and_then(|m| m.get(key)),
                    new_map.and_then(|m| m.get(key)),
                );
                compare_node(a, b, &child_schema, path, out);
                path.pop();
            }
        }
        Shape::List => {
            let items = schema.items().unwrap_or_else(Schema::any);
            let old_items = index_items(schema, old, false).unwrap_or_default();
            let new_items = index_items(schema, new, false).unwrap_or_default();
            let old_by: BTreeMap<&PathElement, &Value> =
                old_items.iter().map(|(e, v)| (e, *v)).collect();
            let new_by: BTreeMap<&PathElement, &Value> =
                new_items.iter().map(|(e, v)| (e, *v)).collect();
            let mut elements: Vec<&PathElement> = old_by.keys().copied().collect();
            elements.extend(new_by.keys().copied().filter(|e| !old_by.contains_key(e)));
            for element in elements {
                path.push(element.clone());
                let (a, b) = (old_by.get(element).copied(), new_by.get(element).copied());
                compare_node(a, b, &items, path, out);
                path.pop();
            }
        }
    }
    match (old, new) {
        (None, Some(_)) => out.added.insert(path),
        (Some(_), None) => out.removed.insert(path),
        _ => {}
    }
}

/// Merges an apply configuration into the live object: the configuration
/// wins on every leaf it sets; list-maps and sets merge item by item.
/// A `null` in the configuration removes the field unless it is nullable.
pub(crate) fn merge(live: &Value, config: &Value, schema: &Schema) -> Value {
    match shape(schema, &[Some(live), Some(config)]) {
        Shape::Leaf => config.clone(),
        Shape::Map => {
            let (Some(live_map), Some(config_map)) = (live.as_object(), config.as_object()) else {
                return config.clone();
            };
            let mut out = Map::new();
            for (key, live_value) in live_map {
                let (child_schema, _) = field_schema(schema, key);
                match config_map.get(key) {
                    Some(Value::Null) if !child_schema.nullable => {}
                    Some(value) => {
                        out.insert(key.clone(), merge(live_value, value, &child_schema));
                    }
                    None => {
                        out.insert(key.clone(), live_value.clone());
                    }
                }
            }
            for (key, value) in config_map {
                let (child_schema, _) = field_schema(schema, key);
                if live_map.contains_key(key) || (value.is_null() && !child_schema.nullable) {
                    continue;
                }
                out.insert(key.clone(), without_nulls(value, &child_schema));
            }
            Value::Object(out)
        }
        Shape::List => merge_list(live, config, schema),
    }
}

/// A new value from a configuration, minus its `null` (unset) fields.
fn without_nulls(value: &Value, schema: &Schema) -> Value {
    match value {
        Value::Object(map) if shape(schema, &[Some(value)]) == Shape::Map => Value::Object(
            map.iter()
                .filter_map(|(key, child)| {
                    let (child_schema, _) = field_schema(schema, key);
                    (!child.is_null() || child_schema.nullable)
                        .then(|| (key.clone(), without_nulls(child, &child_schema)))
                })
                .collect(),
        ),
        _ => value.clone(),
    }
}

fn merge_list(live: &Value, config: &Value, schema: &Schema) -> Value {
    let items = schema.items().unwrap_or_else(Schema::any);
    let (Ok(lhs), Ok(rhs)) = (
        index_items(schema, Some(live), false),
        index_items(schema, Some(config), false),
    ) else {
        return config.clone();
    };
    let lhs_by: BTreeMap<&PathElement, &Value> = lhs.iter().map(|(e, v)| (e, *v)).collect();
    let rhs_by: BTreeMap<&PathElement, &Value> = rhs.iter().map(|(e, v)| (e, *v)).collect();
    let merged_item = |element: &PathElement| -> Value {
        match (lhs_by.get(element), rhs_by.get(element)) {
            (Some(l), Some(r)) => merge(l, r, &items),
            (Some(l), None) => (*l).clone(),
            (None, Some(r)) => without_nulls(r, &items),
            (None, None) => Value::Null,
        }
    };
    // The configuration's order wins for the items it holds; live-only items
    // stay next to the live neighbours they had (structured-merge-diff's
    // interleaving).
    let mut shared = rhs
        .iter()
        .map(|(e, _)| e)
        .filter(|e| lhs_by.contains_key(e));
    let mut next_shared = shared.next();
    let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
    let (mut l, mut r) = (0, 0);
    while l < lhs.len() || r < rhs.len() {
        if l < lhs.len() && r < rhs.len() {
            let element = &lhs[l].0;
            if *element == rhs[r].0 {
                out.push(merged_item(element));
                l += 1;
                r += 1;
                next_shared = shared.next();
                continue;
            }
            if rhs_by.contains_key(element) && next_shared.is_some_and(|s| s != element) {
                l += 1;
                continue;
            }
        }
        if l < lhs.len() && !rhs_by.contains_key(&lhs[l].0) {
            out.push(merged_item(&lhs[l].0));
            l += 1;
            continue;
        }
        if r < rhs.len() {
            let element = &rhs[r].0;
            out.push(merged_item(element));
            r += 1;
            if next_shared == Some(element) {
                next_shared = shared.next();
            }
        } else {
            // Only live items already emitted with their configuration twin remain.
            l += 1;
        }
    }
    Value::Array(out)
}

/// `value` without the members of `set` (structured-merge-diff's `RemoveItems`).
pub(crate) fn remove(value: &Value, set: &FieldSet, schema: &Schema) -> Value {
    if set.is_empty() {
        return value.clone();
    }
    match shape(schema, &[Some(value)]) {
        Shape::Leaf => value.clone(),
        Shape::Map => {
            let Some(map) = value.as_object() else {
                return value.clone();
            };
            let mut out = Map::new();
            for (key, child) in map {
                let element = PathElement::Field(key.clone());
                if set.has_member(&element) {
                    continue;
                }
                let kept = match set.child(&element) {
                    Some(below) => remove(child, below, &field_schema(schema, key).0),
                    None => child.clone(),
                };
                out.insert(key.clone(), kept);
            }
            Value::Object(out)
        }
        Shape::List => {
            let items = schema.items().unwrap_or_else(Schema::any);
            let list = value.as_array().into_iter().flatten().enumerate();
            let kept = list.filter_map(|(i, item)| match item_element(schema, item, i) {
                Ok(element) if set.has_member(&element) => None,
                Ok(element) => Some(match set.child(&element) {
                    Some(below) => remove(item, below, &items),
                    None => item.clone(),
                }),
                Err(_) => Some(item.clone()),
            });
            Value::Array(kept.collect())
        }
    }
}

/// Adds, as members, the declared properties that have members below them,
/// so that removing a set also removes the structs it emptied.
pub(crate) fn ensure_named_fields(set: &FieldSet, schema: &Schema) -> FieldSet {
    let mut members: std::collections::BTreeSet<PathElement> = set.members().cloned().collect();
    let mut children = BTreeMap::new();
    for (element, child) in set.children() {
        if let PathElement::Field(name) = element
            && field_schema(schema, name).1
        {
            members.insert(element.clone());
        }
        let below = ensure_named_fields(child, &element_schema(schema, element));
        children.insert(element.clone(), below);
    }
    FieldSet::from_parts(members, children)
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;
    use serde_json::json;

    use super::*;
    use crate::schema::MapType;

    fn field(name: &str) -> PathElement {
        PathElement::Field(name.to_owned())
    }

    fn keyed_list() -> Schema {
        let item = Arc::new(Schema {
            ty: Type::Object {
                properties: IndexMap::from([("name".to_owned(), Schema::any())]),
                additional: None,
                required: Vec::new(),
                preserve_unknown: true,
                map_type: MapType::Granular,
            },
            ..Schema::default()
        });
        Schema {
            ty: Type::Array {
                items: item,
                list_type: ListType::Map(vec!["name".into()]),
            },
            ..Schema::default()
        }
    }

    #[test]
    fn compare_reports_new_maps_and_leaves() {
        let old = json!({"a": {"x": 1}, "c": 1});
        let new = json!({"a": {"x": 2, "y": {"z": 1}}, "b": 1});
        let c = compare(&old, &new, &Schema::default());
        assert_eq!(
            c.modified,
            FieldSet::from_paths([vec![field("a"), field("x")]])
        );
        assert_eq!(
            c.added,
            FieldSet::from_paths([
                vec![field("a"), field("y")],
                vec![field("a"), field("y"), field("z")],
                vec![field("b")],
            ])
        );
        assert_eq!(c.removed, FieldSet::from_paths([vec![field("c")]]));
    }

    #[test]
    fn merge_keeps_live_only_items_next_to_their_neighbours() {
        let live = json!([{"name": "a"}, {"name": "b"}, {"name": "c", "v": 1}]);
        let config = json!([{"name": "c", "w": 2}, {"name": "a"}]);
        let merged = merge(&live, &config, &keyed_list());
        assert_eq!(
            merged,
            json!([{"name": "b"}, {"name": "c", "v": 1, "w": 2}, {"name": "a"}])
        );
    }

    #[test]
    fn remove_drops_members_and_keeps_the_rest() {
        let value = json!([{"name": "a", "v": 1}, {"name": "b", "v": 2}]);
        let key = |n: &str| PathElement::Key(vec![("name".into(), json!(n))]);
        let set = FieldSet::from_paths([vec![key("a")], vec![key("b"), field("v")]]);
        assert_eq!(remove(&value, &set, &keyed_list()), json!([{"name": "b"}]));
    }

    #[test]
    fn to_field_set_rejects_duplicate_keys_only_when_strict() {
        let value = json!([{"name": "a"}, {"name": "a"}]);
        assert!(to_field_set(&value, &keyed_list(), true).is_err());
        assert!(to_field_set(&value, &keyed_list(), false).is_ok());
        let schema = Schema {
            ty: Type::Object {
                properties: IndexMap::from([("items".to_owned(), Arc::new(keyed_list()))]),
                additional: None,
                required: Vec::new(),
                preserve_unknown: false,
                map_type: MapType::Granular,
            },
            ..Schema::default()
        };
        let err = to_field_set(&json!({"items": [{"v": 1}]}), &schema, true).unwrap_err();
        assert_eq!(
            err,
            r#".items: element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#
        );
        let err = to_field_set(
            &json!({"items": [{"name": "a"}, {"name": "a"}]}),
            &schema,
            true,
        );
        assert_eq!(
            err.unwrap_err(),
            r#".items: duplicate entries for key [name="a"]"#
        );
    }
}
