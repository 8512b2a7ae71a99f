//! Ownership after a non-apply write (create, update, patch): the writer
//! takes the fields it changed, recorded as an `Update` entry.

use serde_json::{Map, Value, json};

use super::managed::{self, ManagerKey, Managers, Operation, Owned};
use super::ownership::reassign;
use crate::schema::Schema;

/// A non-apply write whose managedFields must be recorded.
#[derive(Debug, Clone, Copy)]
pub struct Update<'a> {
    /// The stored object before the write, `None` for a create.
    pub old: Option<&'a Value>,
    /// The field manager (`fieldManager`, or derived from the user agent).
    pub manager: &'a str,
    /// The kind's schema.
    pub schema: &'a Schema,
    /// The write's time, RFC 3339.
    pub now: &'a str,
    /// The request's `group/version`.
    pub api_version: &'a str,
    /// The subresource written (`status`), `None` for the main resource.
    pub subresource: Option<&'a str>,
    /// Fields this endpoint resets and whose ownership is never tracked.
    pub reset_fields: &'a [&'a [&'a str]],
}

/// Updates `new`'s `metadata.managedFields` after a write: the manager owns
/// what it added or changed, other managers lose it (no conflicts for
/// updates), and entries left empty are removed.
///
/// Managed fields sent in `new` replace the stored ones (an empty list, or a
/// list with one empty entry, clears them), except on subresources, which
/// always keep the stored ones. As in kube-apiserver, an existing object
/// without managed fields stays untracked until its next apply.
pub fn record_update(req: &Update<'_>, new: &mut Value) {
    let mut managers = starting_managers(req, new);
    managed::strip_entries(new);
    if managers.is_empty() && req.old.is_some() {
        return;
    }
    let mut old = req.old.cloned().unwrap_or_else(|| json!({}));
    managed::strip_entries(&mut old);
    track_update(req, &old, new, &mut managers);
    managed::cap_updaters(&mut managers);
    managed::store(new, &managers);
}

/// Records the write from `old` to `new` (both without managedFields) as an
/// `Update` by `req.manager` in `managers`.
pub(crate) fn track_update(req: &Update<'_>, old: &Value, new: &Value, managers: &mut Managers) {
    let ignore = managed::reset_set(req.reset_fields);
    // The write's own fields are computed under a name no entry can have,
    // then merged into the manager's entry, as kube-apiserver does.
    let current = ManagerKey {
        manager: String::new(),
        operation: Operation::Update,
        api_version: "\u{0}current-operation".to_owned(),
        subresource: String::new(),
    };
    let Ok(comparison) = reassign(old, new, req.schema, managers, &current, &ignore, true) else {
        return;
    };
    let taken = comparison
        .modified
        .union(&comparison.added)
        .recursive_difference(&ignore)
        .difference(&managed::stripped_fields());
    if taken.is_empty() {
        return;
    }
    let key = ManagerKey::update(req.manager, req.api_version, req.subresource);
    let set = match managers.get(&key) {
        Some(previous) => previous.set.union(&taken),
        None => taken,
    };
    let owned = Owned {
        set,
        api_version: req.api_version.to_owned(),
        time: Some(req.now.to_owned()),
    };
    managers.insert(key, owned);
}

fn starting_managers(req: &Update<'_>, new: &Value) -> Managers {
    let stored = || managed::decode_lenient(req.old);
    if req.subresource.is_some() {
        return stored();
    }
    match managed::entries_of(new) {
        None | Some(Value::Null) => stored(),
        Some(Value::Array(list)) if is_reset(list) => Managers::new(),
        Some(entries) => match managed::decode(entries) {
            Ok(managers) if !managers.is_empty() => managers,
            _ => stored(),
        },
    }
}

fn is_reset(list: &[Value]) -> bool {
    match list {
        [] => true,
        [only] => only.as_object().is_some_and(Map::is_empty),
        _ => false,
    }
}
