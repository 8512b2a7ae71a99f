//! [`Storage`] on one SQLite file: an `objects` table with the current state,
//! a `log` table with every write (its AUTOINCREMENT rowid is the global
//! revision), and the compaction mark in `meta`.
//!
//! Writes go to one connection on a thread of its own, grouped into shared
//! transactions (`writer`), committed with `synchronous=FULL` in WAL mode: an
//! acknowledged write survives `kill -9` and power loss. Reads use a pool of
//! connections, each read one consistent snapshot.

mod writer;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::broadcast;

use super::columns::{check, kind_code, kind_of, to_revision, to_sql};
use super::watch::{LogReader, WatchStream};
use super::{
    Event, EventKind, Key, KeyRange, ListOptions, ListPage, Revision, Storage, StorageError, Stored,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log (
    revision INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    kind INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS log_by_key ON log(key, revision);
CREATE TABLE IF NOT EXISTS objects (
    key TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
";

/// How many committed events a watcher may lag behind before it re-reads
/// the log.
const BROADCAST_CAPACITY: usize = 4096;

/// SQLite-backed storage. Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

struct Inner {
    writer: writer::Writer,
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
    events: broadcast::Sender<Arc<Event>>,
}

/// Read connections: reads run in parallel on the blocking pool.
const READERS: usize = 4;

fn backend(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(e.to_string())
}

fn open(path: &Path) -> Result<Connection, StorageError> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(backend)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(backend)?;
    Ok(conn)
}

impl SqliteStorage {
    /// Opens (creating when missing) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let writer = open(path)?;
        writer.execute_batch(SCHEMA).map_err(backend)?;
        let readers = (0..READERS)
            .map(|_| open(path).map(Mutex::new))
            .collect::<Result<_, _>>()?;
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        Ok(Self {
            inner: Arc::new(Inner {
                writer: writer::Writer::start(writer, events.clone())?,
                readers,
                next_reader: std::sync::atomic::AtomicUsize::new(0),
                events,
            }),
        })
    }

    /// Runs `f` in the writer's next transaction; returns once that
    /// transaction committed (and its event was broadcast).
    async fn write<F>(&self, f: F) -> Result<Stored, StorageError>
    where
        F: FnOnce(&Connection) -> Result<Event, StorageError> + Send + 'static,
    {
        self.inner
            .writer
            .write(Box::new(move |conn| f(conn).map(Some)))
            .await?
            .ok_or_else(|| StorageError::Backend("a write produced no event".into()))
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    {
        read_with(Arc::clone(&self.inner), f).await
    }
}

async fn read_with<T, F>(inner: Arc<Inner>, f: F) -> Result<T, StorageError>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let n = inner
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut conn = inner.readers[n % inner.readers.len()]
            .lock()
            .map_err(backend)?;
        // One read transaction: every statement sees the same snapshot.
        let tx = conn.transaction().map_err(backend)?;
        let result = f(&tx)?;
        tx.commit().map_err(backend)?;
        Ok(result)
    })
    .await
    .map_err(backend)?
}

fn current_revision(tx: &Connection) -> Result<Revision, StorageError> {
    let seq: Option<i64> = tx
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'log'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    Ok(seq.map_or(0, to_revision))
}

fn compacted_revision(tx: &Connection) -> Result<Revision, StorageError> {
    let value: Option<i64> = tx
        .query_row("SELECT value FROM meta WHERE name = 'compacted'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?;
    Ok(value.map_or(0, to_revision))
}

/// The current row of `key`: (revision, create_revision, value).
fn current(
    tx: &Connection,
    key: &str,
) -> Result<Option<(Revision, Revision, Vec<u8>)>, StorageError> {
    tx.query_row(
        "SELECT revision, create_revision, value FROM objects WHERE key = ?1",
        [key],
        |r| Ok((to_revision(r.get(0)?), to_revision(r.get(1)?), r.get(2)?)),
    )
    .optional()
    .map_err(backend)
}

/// Appends a log entry (the next revision) and returns it as the event it
/// is; `create` is the key's creation revision, `None` for a creation.
fn append(
    tx: &Connection,
    key: Key,
    kind: EventKind,
    create: Option<Revision>,
    value: Vec<u8>,
) -> Result<Event, StorageError> {
    tx.execute(
        "INSERT INTO log (key, kind, create_revision, value) VALUES (?1, ?2, ?3, ?4)",
        params![
            key.as_str(),
            i64::from(kind_code(&kind)),
            create.map_or(0, to_sql),
            value
        ],
    )
    .map_err(backend)?;
    let revision = to_revision(tx.last_insert_rowid());
    if create.is_none() {
        tx.execute(
            "UPDATE log SET create_revision = ?1 WHERE revision = ?1",
            [to_sql(revision)],
        )
        .map_err(backend)?;
    }
    Ok(Event {
        kind,
        object: Stored {
            key,
            revision,
            create_revision: create.unwrap_or(revision),
            value,
        },
    })
}

fn read_log(
    tx: &Connection,
    range: &KeyRange,
    after: Revision,
) -> Result<Vec<Event>, StorageError> {
    let compacted = compacted_revision(tx)?;
    if after < compacted {
        return Err(StorageError::Gone {
            requested: after,
            compacted,
        });
    }
    let mut stmt = tx
        .prepare_cached(
            "SELECT revision, key, kind, create_revision, value FROM log
             WHERE revision > ?1 AND key >= ?2 AND key < ?3 ORDER BY revision",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![to_sql(after), range.start(), range.end()], |r| {
            Ok(Event {
                kind: kind_of(r.get::<_, i16>(2)?),
                object: Stored {
                    revision: to_revision(r.get(0)?),
                    key: Key::from_encoded(r.get(1)?),
                    create_revision: to_revision(r.get(3)?),
                    value: r.get(4)?,
                },
            })
        })
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

impl Storage for SqliteStorage {
    async fn create(&self, key: &Key, value: Vec<u8>) -> Result<Stored, StorageError> {
        let key = key.clone();
        self.write(move |tx| {
            if current(tx, key.as_str())?.is_some() {
                return Err(StorageError::AlreadyExists(key.to_string()));
            }
            let event = append(tx, key, EventKind::Added, None, value)?;
            let o = &event.object;
            tx.execute(
                "INSERT INTO objects (key, revision, create_revision, value) VALUES (?1, ?2, ?2, ?3)",
                params![o.key.as_str(), to_sql(o.revision), o.value],
            )
            .map_err(backend)?;
            Ok(event)
        })
        .await
    }

    async fn update(
        &self,
        key: &Key,
        value: Vec<u8>,
        expected: Option<Revision>,
    ) -> Result<Stored, StorageError> {
        let key = key.clone();
        self.write(move |tx| {
            let Some((actual, create_revision, _)) = current(tx, key.as_str())? else {
                return Err(StorageError::NotFound(key.to_string()));
            };
            check(key.as_str(), expected, actual)?;
            let event = append(tx, key, EventKind::Modified, Some(create_revision), value)?;
            let o = &event.object;
            tx.execute(
                "UPDATE objects SET revision = ?2, value = ?3 WHERE key = ?1",
                params![o.key.as_str(), to_sql(o.revision), o.value],
            )
            .map_err(backend)?;
            Ok(event)
        })
        .await
    }

    async fn delete(&self, key: &Key, expected: Option<Revision>) -> Result<Stored, StorageError> {
        let key = key.clone();
        self.write(move |tx| {
            let Some((actual, create_revision, value)) = current(tx, key.as_str())? else {
                return Err(StorageError::NotFound(key.to_string()));
            };
            check(key.as_str(), expected, actual)?;
            let event = append(tx, key, EventKind::Deleted, Some(create_revision), value)?;
            tx.execute(
                "DELETE FROM objects WHERE key = ?1",
                [event.object.key.as_str()],
            )
            .map_err(backend)?;
            Ok(event)
        })
        .await
    }

    async fn get(&self, key: &Key) -> Result<Option<Stored>, StorageError> {
        let key = key.clone();
        self.read(move |tx| {
            Ok(
                current(tx, key.as_str())?.map(|(revision, create_revision, value)| Stored {
                    key,
                    revision,
                    create_revision,
                    value,
                }),
            )
        })
        .await
    }

    async fn list(
        &self,
        range: &KeyRange,
        options: &ListOptions,
    ) -> Result<ListPage, StorageError> {
        let range = range.clone();
        let options = options.clone();
        self.read(move |tx| {
            let latest = current_revision(tx)?;
            let (snapshot, after) = match &options.continue_from {
                Some(c) => (c.revision, c.after.clone()),
                None => (latest, String::new()),
            };
            // One more than asked tells whether another page follows.
            let limit = options.limit.map_or(-1, |l| {
                i64::try_from(l.saturating_add(1)).unwrap_or(i64::MAX)
            });
            let map = |r: &rusqlite::Row<'_>| {
                Ok(Stored {
                    key: Key::from_encoded(r.get(0)?),
                    revision: to_revision(r.get(1)?),
                    create_revision: to_revision(r.get(2)?),
                    value: r.get(3)?,
                })
            };
            let mut items: Vec<Stored> = if snapshot >= latest {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT key, revision, create_revision, value FROM objects
                         WHERE key >= ?1 AND key < ?2 AND key > ?3 ORDER BY key LIMIT ?4",
                    )
                    .map_err(backend)?;
                stmt.query_map(params![range.start(), range.end(), after, limit], map)
                    .map_err(backend)?
                    .collect::<Result<_, _>>()
                    .map_err(backend)?
            } else {
                let compacted = compacted_revision(tx)?;
                if snapshot < compacted {
                    return Err(StorageError::Gone {
                        requested: snapshot,
                        compacted,
                    });
                }
                // The state at `snapshot`: each key's last write up to it,
                // unless that write was a deletion.
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT l.key, l.revision, l.create_revision, l.value FROM log l
                         WHERE l.key >= ?1 AND l.key < ?2 AND l.key > ?3 AND l.kind != 2
                           AND l.revision = (SELECT MAX(m.revision) FROM log m
                                             WHERE m.key = l.key AND m.revision <= ?4)
                         ORDER BY l.key LIMIT ?5",
                    )
                    .map_err(backend)?;
                stmt.query_map(
                    params![range.start(), range.end(), after, to_sql(snapshot), limit],
                    map,
                )
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
            };
            let continue_from = match options.limit {
                Some(l) if items.len() > l => {
                    items.truncate(l);
                    items.last().map(|last| super::Continue {
                        revision: snapshot,
                        after: last.key.to_string(),
                    })
                }
                _ => None,
            };
            Ok(ListPage {
                items,
                revision: snapshot,
                continue_from,
            })
        })
        .await
    }

    async fn count_after(
        &self,
        range: &KeyRange,
        from: &super::Continue,
    ) -> Result<u64, StorageError> {
        let (range, from) = (range.clone(), from.clone());
        self.read(move |tx| {
            let count: i64 = if from.revision >= current_revision(tx)? {
                tx.query_row(
                    "SELECT COUNT(*) FROM objects WHERE key >= ?1 AND key < ?2 AND key > ?3",
                    params![range.start(), range.end(), from.after],
                    |r| r.get(0),
                )
            } else {
                tx.query_row(
                    "SELECT COUNT(*) FROM log l
                     WHERE l.key >= ?1 AND l.key < ?2 AND l.key > ?3 AND l.kind != 2
                       AND l.revision = (SELECT MAX(m.revision) FROM log m
                                         WHERE m.key = l.key AND m.revision <= ?4)",
                    params![
                        range.start(),
                        range.end(),
                        from.after,
                        to_sql(from.revision)
                    ],
                    |r| r.get(0),
                )
            }
            .map_err(backend)?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
        .await
    }

    async fn watch(&self, range: &KeyRange, after: Revision) -> Result<WatchStream, StorageError> {
        // Subscribe first: whatever commits while the backlog is read is
        // in the receiver, and the stream skips what the backlog had.
        let receiver = self.inner.events.subscribe();
        let backlog_range = range.clone();
        let backlog = self
            .read(move |tx| read_log(tx, &backlog_range, after))
            .await?;
        let inner = Arc::clone(&self.inner);
        let read_log: LogReader = Arc::new(move |range: KeyRange, after: Revision| {
            let inner = Arc::clone(&inner);
            Box::pin(async move { read_with(inner, move |tx| read_log(tx, &range, after)).await })
        });
        Ok(WatchStream::new(
            range.clone(),
            backlog,
            after,
            receiver,
            read_log,
        ))
    }

    async fn revision(&self) -> Result<Revision, StorageError> {
        self.read(current_revision).await
    }

    async fn compact(&self, revision: Revision) -> Result<(), StorageError> {
        self.inner
            .writer
            .write(Box::new(move |tx| {
                let c = to_sql(revision.min(current_revision(tx)?));
                // Keep, per key, the last write at or before the mark unless it
                // is a deletion: a snapshot at any later revision still sees it.
                tx.execute(
                    "DELETE FROM log WHERE revision <= ?1 AND (kind = 2 OR revision <
                         (SELECT MAX(m.revision) FROM log m WHERE m.key = log.key AND m.revision <= ?1))",
                    [c],
                )
                .map_err(backend)?;
                tx.execute(
                    "INSERT INTO meta (name, value) VALUES ('compacted', ?1)
                     ON CONFLICT(name) DO UPDATE SET value = MAX(value, excluded.value)",
                    [c],
                )
                .map_err(backend)?;
                Ok(None)
            }))
            .await
            .map(|_| ())
    }
}
