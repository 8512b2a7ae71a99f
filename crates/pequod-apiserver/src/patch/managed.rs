//! `metadata.managedFields`: decoding the entries into per-manager field
//! sets and encoding them back in the order kube-apiserver keeps.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::fieldset::FieldSet;
use super::path::PathElement;

/// The operation a managedFields entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Server-side apply.
    Apply,
    /// Any other write: create, update, patch.
    Update,
}

impl Operation {
    /// The wire name, `Apply` or `Update`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// Who owns a field set: appliers are one per manager and subresource,
/// updaters one per manager, apiVersion and subresource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ManagerKey {
    pub manager: String,
    pub operation: Operation,
    /// Empty for appliers: their entry's apiVersion is not part of their identity.
    pub api_version: String,
    pub subresource: String,
}

impl ManagerKey {
    pub(crate) fn apply(manager: &str, subresource: Option<&str>) -> ManagerKey {
        ManagerKey {
            manager: manager.to_owned(),
            operation: Operation::Apply,
            api_version: String::new(),
            subresource: subresource.unwrap_or_default().to_owned(),
        }
    }

    pub(crate) fn update(
        manager: &str,
        api_version: &str,
        subresource: Option<&str>,
    ) -> ManagerKey {
        ManagerKey {
            manager: manager.to_owned(),
            operation: Operation::Update,
            api_version: api_version.to_owned(),
            subresource: subresource.unwrap_or_default().to_owned(),
        }
    }
}

/// One manager's fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Owned {
    pub set: FieldSet,
    pub api_version: String,
    pub time: Option<String>,
}

/// All managers of an object.
pub(crate) type Managers = BTreeMap<ManagerKey, Owned>;

/// How many `Update` entries an object keeps before the oldest are merged.
const MAX_UPDATERS: usize = 10;

/// The manager the oldest `Update` entries are merged into.
const ANCIENT_CHANGES: &str = "ancient-changes";

/// Keeps at most ten `Update` entries, merging the oldest, per apiVersion,
/// into an `ancient-changes` entry, as kube-apiserver does.
pub(crate) fn cap_updaters(managers: &mut Managers) {
    let mut updaters: Vec<ManagerKey> = managers
        .keys()
        .filter(|key| key.operation == Operation::Update)
        .cloned()
        .collect();
    if updaters.len() <= MAX_UPDATERS {
        return;
    }
    updaters.sort_by_cached_key(|key| {
        let time = managers.get(key).and_then(|o| o.time.as_ref());
        (seconds(time), key.manager.clone())
    });
    let mut first_of_version: BTreeMap<String, ManagerKey> = BTreeMap::new();
    let mut remaining = updaters.len();
    for key in updaters {
        if remaining <= MAX_UPDATERS {
            break;
        }
        let Some(owned) = managers.get(&key).cloned() else {
            continue;
        };
        let Some(first) = first_of_version.get(&owned.api_version).cloned() else {
            first_of_version.insert(owned.api_version.clone(), key);
            continue;
        };
        let bucket = ManagerKey::update(ANCIENT_CHANGES, &owned.api_version, None);
        if !managers.contains_key(&bucket)
            && let Some(moved) = managers.remove(&first)
        {
            managers.insert(bucket.clone(), moved);
        }
        let merged = managers
            .get(&bucket)
            .map(|b| b.set.union(&owned.set))
            .unwrap_or_default();
        managers.remove(&key);
        managers.insert(
            bucket,
            Owned {
                set: merged,
                api_version: owned.api_version,
                time: owned.time,
            },
        );
        remaining -= 1;
    }
}

/// Fields never tracked for the acting manager (kube-apiserver's strip set).
pub(crate) fn stripped_fields() -> FieldSet {
    let field = |name: &str| PathElement::Field(name.to_owned());
    let mut paths = vec![
        vec![field("apiVersion")],
        vec![field("kind")],
        vec![field("metadata")],
    ];
    for name in [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ] {
        paths.push(vec![field("metadata"), field(name)]);
    }
    FieldSet::from_paths(paths)
}

/// The reset fields (`[["status"]]`) as a set whose members hide their subtrees.
pub(crate) fn reset_set(paths: &[&[&str]]) -> FieldSet {
    FieldSet::from_paths(paths.iter().map(|path| {
        path.iter()
            .map(|name| PathElement::Field((*name).to_owned()))
            .collect()
    }))
}

/// The object's `metadata.managedFields`, if the key is present.
pub(crate) fn entries_of(object: &Value) -> Option<&Value> {
    object.get("metadata")?.get("managedFields")
}

/// Removes `metadata.managedFields` from an object.
pub(crate) fn strip_entries(object: &mut Value) {
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        metadata.remove("managedFields");
    }
}

/// Decodes managedFields entries.
pub(crate) fn decode(entries: &Value) -> Result<Managers, String> {
    let mut managers = Managers::new();
    let list = match entries {
        Value::Null => return Ok(managers),
        Value::Array(list) => list,
        _ => return Err("managedFields must be a list".to_owned()),
    };
    for entry in list {
        let text = |name: &str| entry.get(name).and_then(Value::as_str).unwrap_or_default();
        let operation = match text("operation") {
            "Apply" => Operation::Apply,
            "Update" => Operation::Update,
            other => return Err(format!("operation must be Apply or Update, got {other:?}")),
        };
        if text("fieldsType") != "FieldsV1" {
            return Err(format!(
                "invalid fieldsType {:?}: only FieldsV1 is supported",
                text("fieldsType")
            ));
        }
        let set = match entry.get("fieldsV1") {
            Some(fields) => FieldSet::from_fields_v1(fields)?,
            None => FieldSet::default(),
        };
        let api_version = text("apiVersion").to_owned();
        let subresource = Some(text("subresource")).filter(|s| !s.is_empty());
        let key = match operation {
            Operation::Apply => ManagerKey::apply(text("manager"), subresource),
            Operation::Update => ManagerKey::update(text("manager"), &api_version, subresource),
        };
        let time = entry.get("time").and_then(Value::as_str).map(str::to_owned);
        if managers
            .insert(
                key,
                Owned {
                    set,
                    api_version,
                    time,
                },
            )
            .is_some()
        {
            return Err(format!("found duplicate manager {:?}", text("manager")));
        }
    }
    Ok(managers)
}

/// Decodes the live object's entries; undecodable entries are dropped, as
/// kube-apiserver resets managedFields it cannot read.
pub(crate) fn decode_lenient(object: Option<&Value>) -> Managers {
    object
        .and_then(entries_of)
        .and_then(|e| decode(e).ok())
        .unwrap_or_default()
}

fn seconds(time: Option<&String>) -> i64 {
    time.and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| t.as_second())
}

/// Encodes managers as entries, sorted like kube-apiserver: by operation,
/// time, manager, apiVersion, subresource.
pub(crate) fn encode(managers: &Managers) -> Vec<Value> {
    let mut owned: Vec<(&ManagerKey, &Owned)> =
        managers.iter().filter(|(_, o)| !o.set.is_empty()).collect();
    owned.sort_by(|(ka, a), (kb, b)| {
        ka.operation
            .cmp(&kb.operation)
            .then_with(|| seconds(a.time.as_ref()).cmp(&seconds(b.time.as_ref())))
            .then_with(|| ka.manager.cmp(&kb.manager))
            .then_with(|| a.api_version.cmp(&b.api_version))
            .then_with(|| ka.subresource.cmp(&kb.subresource))
    });
    owned
        .into_iter()
        .map(|(key, owned)| {
            let mut entry = Map::new();
            entry.insert("manager".into(), json!(key.manager));
            entry.insert("operation".into(), json!(key.operation.as_str()));
            entry.insert("apiVersion".into(), json!(owned.api_version));
            if let Some(time) = &owned.time {
                entry.insert("time".into(), json!(time));
            }
            entry.insert("fieldsType".into(), json!("FieldsV1"));
            entry.insert("fieldsV1".into(), owned.set.to_fields_v1());
            if !key.subresource.is_empty() {
                entry.insert("subresource".into(), json!(key.subresource));
            }
            Value::Object(entry)
        })
        .collect()
}

/// Writes the managers into `object.metadata.managedFields` (removing the
/// key when there are none).
pub(crate) fn store(object: &mut Value, managers: &Managers) {
    let entries = encode(managers);
    let Value::Object(map) = object else { return };
    if entries.is_empty() {
        if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
            metadata.remove("managedFields");
        }
        return;
    }
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(metadata) = metadata {
        metadata.insert("managedFields".into(), Value::Array(entries));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_sorts_entries() {
        let entries = json!([
            {"manager": "b", "operation": "Update", "apiVersion": "v1", "time": "2026-01-01T00:00:02Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:x": {}}}},
            {"manager": "a", "operation": "Update", "apiVersion": "v1", "time": "2026-01-01T00:00:01Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:y": {}}}},
            {"manager": "z", "operation": "Apply", "apiVersion": "v1", "time": "2026-01-01T00:00:09Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:z": {}}}, "subresource": "status"}
        ]);
        let managers = decode(&entries).unwrap();
        assert_eq!(managers.len(), 3);
        let encoded = encode(&managers);
        let names: Vec<&str> = encoded
            .iter()
            .map(|e| e["manager"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["z", "a", "b"]);
        assert_eq!(encoded[0], entries[2]);
        assert_eq!(encoded[1], entries[1]);
    }

    #[test]
    fn caps_update_entries() {
        let mut managers = Managers::new();
        for i in 0..12 {
            let key = ManagerKey::update(&format!("m{i:02}"), "v1", None);
            let owned = Owned {
                set: FieldSet::from_paths([vec![PathElement::Field(format!("f{i}"))]]),
                api_version: "v1".into(),
                time: Some(format!("2026-01-01T00:00:{i:02}Z")),
            };
            managers.insert(key, owned);
        }
        cap_updaters(&mut managers);
        assert_eq!(managers.len(), 10);
        let bucket = &managers[&ManagerKey::update(ANCIENT_CHANGES, "v1", None)];
        assert_eq!(bucket.set.paths().len(), 3);
        assert_eq!(bucket.time.as_deref(), Some("2026-01-01T00:00:02Z"));
        assert!(!managers.contains_key(&ManagerKey::update("m00", "v1", None)));
        assert!(managers.contains_key(&ManagerKey::update("m03", "v1", None)));
    }

    #[test]
    fn rejects_bad_entries() {
        let bad_op = json!([{"manager": "a", "operation": "Patch", "fieldsType": "FieldsV1", "fieldsV1": {}}]);
        assert!(decode(&bad_op).is_err());
        let bad_type = json!([{"manager": "a", "operation": "Update", "fieldsType": "FieldsV2"}]);
        assert!(decode(&bad_type).is_err());
        let duplicate = json!([
            {"manager": "a", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:a": {}}},
            {"manager": "a", "operation": "Apply", "apiVersion": "v2", "fieldsType": "FieldsV1", "fieldsV1": {"f:b": {}}}
        ]);
        assert!(decode(&duplicate).is_err());
    }
}
