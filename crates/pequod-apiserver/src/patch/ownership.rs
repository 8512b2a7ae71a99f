//! Moving field ownership after a write: whoever changed a field takes it
//! from the other managers (structured-merge-diff's `Updater.update`).

use serde_json::Value;

use super::fieldset::FieldSet;
use super::managed::{ManagerKey, Managers};
use super::typed::{Comparison, compare};
use crate::schema::Schema;

/// The fields other managers own that a write changed.
pub(crate) type Taken = Vec<(ManagerKey, FieldSet)>;

/// Compares `old` and `new`; every manager but `acting` loses the fields that
/// were removed, and the fields that were added or modified unless they
/// conflict and `force` is false (then nothing changes and the conflicts are
/// returned). Managers left without fields are dropped.
pub(crate) fn reassign(
    old: &Value,
    new: &Value,
    schema: &Schema,
    managers: &mut Managers,
    acting: &ManagerKey,
    ignore: &FieldSet,
    force: bool,
) -> Result<Comparison, Taken> {
    let comparison = compare(old, new, schema).filter(ignore);
    let changed = comparison.modified.union(&comparison.added);
    let taken: Taken = managers
        .iter()
        .filter(|(key, _)| *key != acting)
        .map(|(key, owned)| (key.clone(), owned.set.intersection(&changed)))
        .filter(|(_, set)| !set.is_empty())
        .collect();
    if !force && !taken.is_empty() {
        return Err(taken);
    }
    for (key, set) in &taken {
        if let Some(owned) = managers.get_mut(key) {
            owned.set = owned.set.difference(set);
        }
    }
    if !comparison.removed.is_empty() {
        for (key, owned) in managers.iter_mut() {
            if key != acting {
                owned.set = owned.set.difference(&comparison.removed);
            }
        }
    }
    managers.retain(|_, owned| !owned.set.is_empty());
    Ok(comparison)
}
