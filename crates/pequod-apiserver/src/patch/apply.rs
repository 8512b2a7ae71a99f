//! Server-side apply: merging an applied configuration into the live object,
//! detecting conflicts with other managers, pruning the fields the manager
//! stopped applying, and recording its new field set.

use std::fmt;

use serde_json::{Value, json};

use super::fieldset::FieldSet;
use super::managed::{self, ManagerKey, Managers, Operation, Owned};
use super::ownership::reassign;
use super::typed::{ensure_named_fields, merge, remove, to_field_set};
use super::update::{Update, track_update};
use crate::schema::Schema;

/// The manager that owns the fields of an object applied to for the first
/// time while it had no managed fields.
const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// A server-side apply request.
#[derive(Debug, Clone, Copy)]
pub struct Apply<'a> {
    /// The stored object, `None` when the apply creates it.
    pub live: Option<&'a Value>,
    /// The applied configuration (the request body).
    pub config: &'a Value,
    /// The field manager (`fieldManager` query parameter).
    pub manager: &'a str,
    /// `force=true`: take conflicting fields from their owners.
    pub force: bool,
    /// The kind's schema.
    pub schema: &'a Schema,
    /// The write's time, RFC 3339 (`2026-11-22T23:46:15Z`).
    pub now: &'a str,
    /// The request's `group/version`.
    pub api_version: &'a str,
    /// The subresource written (`status`), `None` for the main resource.
    pub subresource: Option<&'a str>,
    /// Fields this endpoint resets and whose ownership is never tracked:
    /// `[["status"]]` on the main resource of a kind with a status
    /// subresource, `[["spec"]]` (and the like) on `status`. The caller
    /// resets their values.
    pub reset_fields: &'a [&'a [&'a str]],
}

/// A field another manager owns and the apply would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The owning manager.
    pub manager: String,
    /// How the owner wrote the field.
    pub operation: Operation,
    /// The owner's entry apiVersion.
    pub api_version: String,
    /// The owner's subresource, if any.
    pub subresource: Option<String>,
    /// The field, e.g. `.spec.replicas` or `.spec.containers[name="web"].image`.
    pub field: String,
}

impl Conflict {
    /// The owner as kube-apiserver prints it: `"mgr"`, `"mgr" using apps/v1`
    /// for updaters, with ` with subresource "status"` when set.
    pub fn owner(&self) -> String {
        let mut out = format!("{:?}", self.manager);
        if let Some(subresource) = &self.subresource {
            out.push_str(&format!(" with subresource {subresource:?}"));
        }
        if self.operation == Operation::Update {
            out.push_str(&format!(" using {}", self.api_version));
        }
        out
    }
}

/// Why an apply failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    /// Fields owned by other managers would change (HTTP 409).
    #[error("{}", conflict_message(.0))]
    Conflicts(Vec<Conflict>),
    /// The configuration is not acceptable (HTTP 400/422).
    #[error("{0}")]
    Invalid(String),
}

impl ApplyError {
    /// The `details.causes` of the 409 Status, one per conflict.
    pub fn causes(&self) -> Vec<Value> {
        match self {
            ApplyError::Conflicts(conflicts) => conflict_causes(conflicts),
            ApplyError::Invalid(_) => Vec::new(),
        }
    }
}

/// The `details.causes` of an apply conflict Status:
/// `{"reason":"FieldManagerConflict","message":"conflict with \"m\"","field":".spec.replicas"}`.
pub fn conflict_causes(conflicts: &[Conflict]) -> Vec<Value> {
    conflicts
        .iter()
        .map(|c| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {}", c.owner()),
                "field": c.field,
            })
        })
        .collect()
}

fn conflict_message(conflicts: &[Conflict]) -> String {
    struct Message<'a>(&'a [Conflict]);
    impl fmt::Display for Message<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            if let [only] = self.0 {
                return write!(
                    f,
                    "Apply failed with 1 conflict: conflict with {}: {}",
                    only.owner(),
                    only.field
                );
            }
            write!(f, "Apply failed with {} conflicts: ", self.0.len())?;
            let mut owners: Vec<String> = self.0.iter().map(Conflict::owner).collect();
            owners.sort();
            owners.dedup();
            for (i, owner) in owners.iter().enumerate() {
                if i > 0 {
                    f.write_str("\n")?;
                }
                write!(f, "conflicts with {owner}:")?;
                for conflict in self.0.iter().filter(|c| c.owner() == *owner) {
                    write!(f, "\n- {}", conflict.field)?;
                }
            }
            Ok(())
        }
    }
    Message(conflicts).to_string()
}

/// Applies `req.config` to `req.live`: returns the new object with
/// `metadata.managedFields` updated, or the conflicts. Applying the same
/// configuration twice changes nothing, not even the entry's time.
pub fn apply(req: &Apply<'_>) -> Result<Value, ApplyError> {
    check_config(req)?;
    let mut live = req.live.cloned().unwrap_or_else(|| json!({}));
    let mut managers = managed::decode_lenient(req.live);
    managed::strip_entries(&mut live);
    if managers.is_empty() && req.live.is_some() {
        // kube-apiserver gives the fields of an untracked object to
        // `before-first-apply`, so that the first apply can conflict with them.
        let before = Update {
            old: None,
            manager: BEFORE_FIRST_APPLY,
            schema: req.schema,
            now: req.now,
            api_version: req.api_version,
            subresource: req.subresource,
            reset_fields: req.reset_fields,
        };
        track_update(&before, &json!({}), &live, &mut managers);
    }
    let ignore = managed::reset_set(req.reset_fields);
    let key = ManagerKey::apply(req.manager, req.subresource);
    let last = managers.remove(&key);

    let merged = merge(&live, req.config, req.schema);
    let applied = to_field_set(req.config, req.schema, true)
        .map_err(ApplyError::Invalid)?
        .recursive_difference(&ignore);
    managers.insert(
        key.clone(),
        Owned {
            set: applied,
            api_version: req.api_version.to_owned(),
            time: last.as_ref().and_then(|l| l.time.clone()),
        },
    );
    let last_set = last.map(|l| l.set).unwrap_or_default();
    let object = prune(&merged, &managers, &last_set, req.schema).map_err(ApplyError::Invalid)?;

    reassign(
        &live,
        &object,
        req.schema,
        &mut managers,
        &key,
        &ignore,
        req.force,
    )
    .map_err(|taken| ApplyError::Conflicts(conflicts(taken, &managers)))?;
    if let Some(owned) = managers.get_mut(&key) {
        owned.set = owned.set.difference(&managed::stripped_fields());
        // kube-apiserver stamps the time only when the object changed.
        if object != live {
            owned.time = Some(req.now.to_owned());
        }
    }
    managed::cap_updaters(&mut managers);
    let mut out = object;
    managed::store(&mut out, &managers);
    Ok(out)
}

fn check_config(req: &Apply<'_>) -> Result<(), ApplyError> {
    if !req.config.is_object() {
        return Err(ApplyError::Invalid(
            "the applied configuration must be an object".to_owned(),
        ));
    }
    if managed::entries_of(req.config).is_some_and(|e| !e.is_null()) {
        return Err(ApplyError::Invalid(
            "metadata.managedFields must be nil".to_owned(),
        ));
    }
    match req.config.get("apiVersion").and_then(Value::as_str) {
        Some(version) if version == req.api_version => Ok(()),
        Some(version) => Err(ApplyError::Invalid(format!(
            "Incorrect version specified in apply patch. Specified patch version: {version}, expected: {}",
            req.api_version
        ))),
        None => Err(ApplyError::Invalid("apiVersion must be set".to_owned())),
    }
}

fn conflicts(taken: super::ownership::Taken, managers: &Managers) -> Vec<Conflict> {
    let mut out = Vec::new();
    for (key, set) in taken {
        let api_version = managers
            .get(&key)
            .map(|o| o.api_version.clone())
            .unwrap_or_default();
        for path in set.paths() {
            out.push(Conflict {
                manager: key.manager.clone(),
                operation: key.operation,
                api_version: api_version.clone(),
                subresource: Some(key.subresource.clone()).filter(|s| !s.is_empty()),
                field: path.to_string(),
            });
        }
    }
    out
}

/// Removes what the manager applied last time and no longer applies, unless
/// another manager (or the new configuration) owns it; structs emptied that
/// way go too (structured-merge-diff's `prune`).
fn prune(
    merged: &Value,
    managers: &Managers,
    last: &FieldSet,
    schema: &Schema,
) -> Result<Value, String> {
    if last.is_empty() {
        return Ok(merged.clone());
    }
    let last = ensure_named_fields(last, schema);
    let managed = managers
        .values()
        .fold(FieldSet::default(), |all, owned| all.union(&owned.set));
    let managed = ensure_named_fields(&managed, schema);
    let fields = |value: &Value| -> Result<FieldSet, String> {
        Ok(ensure_named_fields(
            &to_field_set(value, schema, false)?,
            schema,
        ))
    };
    let merged_set = fields(merged)?;
    let pruned = remove(merged, &last, schema);
    // Add back what anybody still owns.
    let pruned = remove(
        merged,
        &merged_set.difference(&fields(&pruned)?.union(&managed)),
        schema,
    );
    // Add back what the manager did not own (unowned leftovers of a pruned struct).
    let gone = merged_set.difference(&fields(&pruned)?).intersection(&last);
    Ok(remove(merged, &gone, schema))
}
