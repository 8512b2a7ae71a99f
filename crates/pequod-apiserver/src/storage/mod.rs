//! Storage for the embedded API server: objects by key, one global
//! monotonic revision (the `resourceVersion`), a history log that watches
//! resume from, and compaction of that log.
//!
//! The model follows etcd as kube-apiserver uses it: every write gets the
//! next revision; `list` reads a consistent snapshot (the latest, or the one
//! a continue token names); `watch` replays the log after a revision and
//! then follows new writes, or fails with [`StorageError::Gone`] once that
//! revision was compacted away. [`sqlite::SqliteStorage`] implements it on
//! one SQLite file; PostgreSQL comes later behind the same trait.

mod columns;
mod key;
pub mod postgres;
pub mod sqlite;
mod watch;

use std::future::Future;

pub use key::{Key, KeyRange};
pub use watch::WatchStream;

/// A revision: the value of `resourceVersion`.
pub type Revision = u64;

/// An object as stored: its key, the revision of its last write and the
/// serialized object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Where the object lives.
    pub key: Key,
    /// The revision of the write that produced this value.
    pub revision: Revision,
    /// The revision that created the object (stays the same across updates).
    pub create_revision: Revision,
    /// The serialized object.
    pub value: Vec<u8>,
}

/// What happened to a key, as a watch reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// The key was created.
    Added,
    /// The key was updated.
    Modified,
    /// The key was deleted; the value is the last one it had.
    Deleted,
}

/// One entry of the history log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The object after the write (before it, for a deletion), with the
    /// write's revision.
    pub object: Stored,
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// The objects, ordered by key.
    pub items: Vec<Stored>,
    /// The snapshot revision the page was read at.
    pub revision: Revision,
    /// Where the next page starts, when there is one: pass it back in
    /// [`ListOptions::continue_from`].
    pub continue_from: Option<Continue>,
}

/// Where a paginated list goes on: the snapshot revision and the last key
/// returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continue {
    /// The snapshot every page of the list is read at.
    pub revision: Revision,
    /// The last key of the previous page.
    pub after: String,
}

/// How to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// At most this many items (all when `None`).
    pub limit: Option<usize>,
    /// Continue a previous list.
    pub continue_from: Option<Continue>,
}

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// `create` of a key that exists.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The key does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A precondition on the revision failed (optimistic concurrency).
    #[error("{key} was modified: expected revision {expected}, found {actual}")]
    Conflict {
        /// The key.
        key: String,
        /// The revision the caller read.
        expected: Revision,
        /// The revision stored now.
        actual: Revision,
    },
    /// The requested revision was compacted away (HTTP 410 Gone).
    #[error("revision {requested} is too old: history starts after {compacted}")]
    Gone {
        /// The revision asked for.
        requested: Revision,
        /// The newest compacted revision.
        compacted: Revision,
    },
    /// The database failed; the operation did not happen.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// The operations the API server needs from its storage.
pub trait Storage: Send + Sync + 'static {
    /// Stores a new object; fails if the key exists.
    fn create(
        &self,
        key: &Key,
        value: Vec<u8>,
    ) -> impl Future<Output = Result<Stored, StorageError>> + Send;

    /// Replaces an object, if its revision is still `expected` when given.
    fn update(
        &self,
        key: &Key,
        value: Vec<u8>,
        expected: Option<Revision>,
    ) -> impl Future<Output = Result<Stored, StorageError>> + Send;

    /// Removes an object, if its revision is still `expected` when given;
    /// returns its last value with the deletion's revision.
    fn delete(
        &self,
        key: &Key,
        expected: Option<Revision>,
    ) -> impl Future<Output = Result<Stored, StorageError>> + Send;

    /// The object at `key`, if any.
    fn get(&self, key: &Key) -> impl Future<Output = Result<Option<Stored>, StorageError>> + Send;

    /// The objects in `range`, at the latest revision or at the snapshot a
    /// continue token names.
    fn list(
        &self,
        range: &KeyRange,
        options: &ListOptions,
    ) -> impl Future<Output = Result<ListPage, StorageError>> + Send;

    /// Every write in `range` after revision `after`, then new writes as
    /// they commit.
    fn watch(
        &self,
        range: &KeyRange,
        after: Revision,
    ) -> impl Future<Output = Result<WatchStream, StorageError>> + Send;

    /// How many objects of `range` follow `from` in its snapshot (the
    /// `remainingItemCount` of a paginated list).
    fn count_after(
        &self,
        range: &KeyRange,
        from: &Continue,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send {
        async move {
            let options = ListOptions {
                limit: None,
                continue_from: Some(from.clone()),
            };
            Ok(self.list(range, &options).await?.items.len() as u64)
        }
    }

    /// The latest revision.
    fn revision(&self) -> impl Future<Output = Result<Revision, StorageError>> + Send;

    /// Forgets the history up to `revision` (keeping what a snapshot at a
    /// later revision needs); watches and lists before it become `Gone`.
    fn compact(&self, revision: Revision) -> impl Future<Output = Result<(), StorageError>> + Send;
}
