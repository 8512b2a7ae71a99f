//! How the SQL backends store revisions and event kinds, and the
//! optimistic-concurrency check they share.

use super::{EventKind, Revision, StorageError};

/// A revision read from a signed SQL integer.
pub(crate) fn to_revision(v: i64) -> Revision {
    Revision::try_from(v).unwrap_or(0)
}

/// A revision as a signed SQL integer.
pub(crate) fn to_sql(r: Revision) -> i64 {
    i64::try_from(r).unwrap_or(i64::MAX)
}

/// The code an event kind is stored as.
pub(crate) fn kind_code(kind: &EventKind) -> i16 {
    match kind {
        EventKind::Added => 0,
        EventKind::Modified => 1,
        EventKind::Deleted => 2,
    }
}

/// The event kind a stored code stands for.
pub(crate) fn kind_of(code: i16) -> EventKind {
    match code {
        0 => EventKind::Added,
        1 => EventKind::Modified,
        _ => EventKind::Deleted,
    }
}

/// `Conflict` unless the stored revision is the one the writer read.
pub(crate) fn check(
    key: &str,
    expected: Option<Revision>,
    actual: Revision,
) -> Result<(), StorageError> {
    match expected {
        Some(expected) if expected != actual => Err(StorageError::Conflict {
            key: key.to_owned(),
            expected,
            actual,
        }),
        _ => Ok(()),
    }
}
