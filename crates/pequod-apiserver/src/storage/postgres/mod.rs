//! [`Storage`] on PostgreSQL, shared by several API server replicas.
//!
//! Tables: `objects` (the current state), `log` (every write, keyed by its
//! revision) and `meta` (the revision counter and the compaction mark).
//!
//! # Revisions
//!
//! Watches read the log after the last revision they saw, so a revision
//! must never become visible after a higher one: commit order must equal
//! revision order. A `BIGSERIAL` does not give that (two transactions take
//! 7 and 8 and may commit 8 first). Each write transaction instead starts
//! with `UPDATE meta SET value = value + 1 WHERE name = 'revision'
//! RETURNING value`: the row lock serializes writers, so the next writer
//! gets its revision only once the previous one committed (or rolled back,
//! which also undoes its increment: revisions have no gaps). Writes across
//! every replica are therefore serialized, one commit at a time. To keep
//! the lock short, a write is two pipelined round trips (`BEGIN` + counter +
//! read of the key; change + log + notify + `COMMIT`), see
//! `write_pipelined`. Reads use repeatable-read, read-only transactions
//! where they need one snapshot (lists, log reads).
//!
//! # Watches across replicas
//!
//! Every write transaction runs `pg_notify('pequod_events', revision)`,
//! delivered at commit. Each replica `LISTEN`s on a dedicated connection
//! (reconnecting when it drops) and has one follower task that, when
//! notified, when one of its own writes committed, and at least every
//! [`POLL_INTERVAL`] (should a notification be lost), reads the log after
//! the last revision it broadcast, in revision order, and broadcasts those
//! events to its local watchers ([`WatchStream`]). Should the follower find
//! that revisions it had not broadcast yet were compacted away, it cannot
//! deliver them: it ends every local watch (their streams end, as when the
//! storage goes away) so that clients list and watch again.

mod pool;

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinHandle;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{
    AsyncMessage, Client, Config, GenericClient, IsolationLevel, NoTls, Row, SimpleQueryMessage,
};

use self::pool::{CONNECT_TIMEOUT, Pool};
use super::columns::{check, kind_code, kind_of, to_revision, to_sql};
use super::watch::{LogReader, WatchStream};
use super::{
    Continue, Event, EventKind, Key, KeyRange, ListOptions, ListPage, Revision, Storage,
    StorageError, Stored,
};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS log (
    revision BIGINT PRIMARY KEY,
    key TEXT COLLATE "C" NOT NULL,
    kind SMALLINT NOT NULL,
    create_revision BIGINT NOT NULL,
    value BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS log_by_key ON log (key, revision);
CREATE TABLE IF NOT EXISTS objects (
    key TEXT COLLATE "C" PRIMARY KEY,
    revision BIGINT NOT NULL,
    create_revision BIGINT NOT NULL,
    value BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0)
    ON CONFLICT (name) DO NOTHING;
"#;

/// Serializes schema creation across replicas starting at once
/// (`CREATE TABLE IF NOT EXISTS` races otherwise).
const SCHEMA_LOCK: i64 = 0x7065_716f_6400_0001;

/// The notification channel writes announce their revision on.
const CHANNEL: &str = "pequod_events";

/// How often the follower reads the log without a notification.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How long one storage operation may take before it fails.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// How many committed events a watcher may lag behind before it re-reads
/// the log.
const BROADCAST_CAPACITY: usize = 4096;

/// Log entries the follower reads at once.
const FOLLOW_PAGE: i64 = 1000;

/// PostgreSQL-backed storage. Cheap to clone; clones share connections and
/// watches. Several instances (replicas) may share one database.
#[derive(Clone)]
pub struct PostgresStorage {
    inner: Arc<Inner>,
}

type Events = Arc<Mutex<broadcast::Sender<Arc<Event>>>>;

struct Inner {
    pool: Arc<Pool>,
    events: Events,
    /// Wakes the follower.
    kick: Arc<Notify>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn backend(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("postgres: {e}"))
}

fn pg_error(e: tokio_postgres::Error) -> StorageError {
    match e.as_db_error() {
        Some(db) => StorageError::Backend(format!("postgres: {db}")),
        None => backend(e),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `op` on a pooled connection, within [`OPERATION_TIMEOUT`]. The
/// connection goes back to the pool unless the database failed.
async fn with_conn<T, F>(pool: &Arc<Pool>, op: F) -> Result<T, StorageError>
where
    F: for<'c> FnOnce(&'c mut Client) -> BoxFuture<'c, Result<T, StorageError>>,
{
    let run = async {
        let mut conn = pool.get().await?;
        let result = op(conn.client()?).await;
        if !matches!(result, Err(StorageError::Backend(_))) {
            conn.release();
        }
        result
    };
    tokio::time::timeout(OPERATION_TIMEOUT, run)
        .await
        .map_err(|_| StorageError::Backend("postgres: the operation timed out".into()))?
}

/// What a write does to its key.
enum Write {
    Create(Vec<u8>),
    Update(Vec<u8>, Option<Revision>),
    Delete(Option<Revision>),
}

/// One write in one transaction: takes the next revision (and with it the
/// counter's row lock), applies `write` to `objects`, appends to `log`,
/// notifies, commits; on any failure, rolls back.
async fn write_tx(client: &mut Client, key: Key, write: Write) -> Result<Event, StorageError> {
    let result = write_pipelined(client, key, write).await;
    if result.is_err() {
        // Ends the transaction whatever state it is in (after a failed
        // COMMIT there is none left: a warning, not an error).
        client.batch_execute("ROLLBACK").await.map_err(pg_error)?;
    }
    result
}

/// The statements of a write, pipelined into two round trips: `BEGIN`, the
/// counter and the key's row; then the change, the log entry and the
/// notification in one statement, and `COMMIT`.
///
/// The counter is a statement of its own before the read of the key: under
/// READ COMMITTED each statement reads a snapshot taken when it starts, and
/// the server starts the read only once the counter's row lock was granted,
/// so it sees every write committed before this one. (Reading `objects` in
/// the same statement as the `UPDATE` would use the snapshot from before
/// the wait, and lose updates.)
async fn write_pipelined(client: &Client, key: Key, write: Write) -> Result<Event, StorageError> {
    let k = key.as_str();
    let key_param: [(&(dyn ToSql + Sync), Type); 1] = [(&k, Type::TEXT)];
    let (counter, row) = futures::join!(
        client.simple_query(
            "BEGIN; UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value"
        ),
        client.query_typed(
            "SELECT revision, create_revision, value FROM objects WHERE key = $1",
            &key_param,
        ),
    );
    let revision = counter
        .map_err(pg_error)?
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0)?.parse::<i64>().ok(),
            _ => None,
        })
        .map(to_revision)
        .ok_or_else(|| StorageError::Backend("postgres: the revision counter is missing".into()))?;
    let current = row
        .map_err(pg_error)?
        .first()
        .map(
            |row| -> Result<(Revision, Revision, Vec<u8>), StorageError> {
                Ok((
                    to_revision(row.try_get(0).map_err(pg_error)?),
                    to_revision(row.try_get(1).map_err(pg_error)?),
                    row.try_get(2).map_err(pg_error)?,
                ))
            },
        )
        .transpose()?;
    let (kind, create_revision, value, change) = match write {
        Write::Create(value) => {
            if current.is_some() {
                return Err(StorageError::AlreadyExists(key.to_string()));
            }
            let change = "INSERT INTO objects (key, revision, create_revision, value)
                          VALUES ($1, $2, $3, $4)";
            (EventKind::Added, revision, value, change)
        }
        Write::Update(value, expected) => {
            let Some((actual, create_revision, _)) = current else {
                return Err(StorageError::NotFound(key.to_string()));
            };
            check(k, expected, actual)?;
            let change = "UPDATE objects SET revision = $2, value = $4 WHERE key = $1";
            (EventKind::Modified, create_revision, value, change)
        }
        Write::Delete(expected) => {
            let Some((actual, create_revision, value)) = current else {
                return Err(StorageError::NotFound(key.to_string()));
            };
            check(k, expected, actual)?;
            (
                EventKind::Deleted,
                create_revision,
                value,
                "DELETE FROM objects WHERE key = $1",
            )
        }
    };
    // Data-modifying CTEs run to completion whether or not read.
    let statement = format!(
        "WITH change AS ({change}),
              logged AS (INSERT INTO log (revision, key, kind, create_revision, value)
                         VALUES ($2, $1, $5, $3, $4))
         SELECT pg_notify($6, $7)"
    );
    let rev = to_sql(revision);
    let create = to_sql(create_revision);
    let code = kind_code(&kind);
    let payload = revision.to_string();
    let params: [(&(dyn ToSql + Sync), Type); 7] = [
        (&k, Type::TEXT),
        (&rev, Type::INT8),
        (&create, Type::INT8),
        (&value, Type::BYTEA),
        (&code, Type::INT2),
        (&CHANNEL, Type::TEXT),
        (&payload, Type::TEXT),
    ];
    let (changed, committed) = futures::join!(
        client.query_typed(&statement, &params),
        // Pipelined: should the change fail, the aborted transaction's
        // COMMIT rolls it back.
        client.batch_execute("COMMIT"),
    );
    changed.map_err(pg_error)?;
    committed.map_err(pg_error)?;
    Ok(Event {
        kind,
        object: Stored {
            key,
            revision,
            create_revision,
            value,
        },
    })
}

async fn meta_value(c: &impl GenericClient, name: &str) -> Result<Revision, StorageError> {
    let row = c
        .query_typed_opt(
            "SELECT value FROM meta WHERE name = $1",
            &[(&name, Type::TEXT)],
        )
        .await
        .map_err(pg_error)?;
    match row {
        Some(row) => Ok(to_revision(row.try_get(0).map_err(pg_error)?)),
        None => Ok(0),
    }
}

fn stored(row: &Row) -> Result<Stored, StorageError> {
    Ok(Stored {
        key: Key::from_encoded(row.try_get(0).map_err(pg_error)?),
        revision: to_revision(row.try_get(1).map_err(pg_error)?),
        create_revision: to_revision(row.try_get(2).map_err(pg_error)?),
        value: row.try_get(3).map_err(pg_error)?,
    })
}

/// A log row selected as `revision, key, create_revision, value, kind`.
fn event(row: &Row) -> Result<Event, StorageError> {
    Ok(Event {
        kind: kind_of(row.try_get(4).map_err(pg_error)?),
        object: Stored {
            revision: to_revision(row.try_get(0).map_err(pg_error)?),
            key: Key::from_encoded(row.try_get(1).map_err(pg_error)?),
            create_revision: to_revision(row.try_get(2).map_err(pg_error)?),
            value: row.try_get(3).map_err(pg_error)?,
        },
    })
}

/// Starts a read-only transaction on one snapshot.
async fn snapshot(client: &mut Client) -> Result<tokio_postgres::Transaction<'_>, StorageError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg_error)
}

/// The log after `after` in `range`, or `Gone` when it was compacted.
async fn read_log(
    pool: &Arc<Pool>,
    range: KeyRange,
    after: Revision,
) -> Result<Vec<Event>, StorageError> {
    with_conn(pool, move |client| {
        Box::pin(async move {
            let tx = snapshot(client).await?;
            let compacted = meta_value(&tx, "compacted").await?;
            if after < compacted {
                return Err(StorageError::Gone {
                    requested: after,
                    compacted,
                });
            }
            let rows = tx
                .query_typed(
                    "SELECT revision, key, create_revision, value, kind FROM log
                     WHERE revision > $1 AND key >= $2 AND key < $3 ORDER BY revision",
                    &[
                        (&to_sql(after), Type::INT8),
                        (&range.start(), Type::TEXT),
                        (&range.end(), Type::TEXT),
                    ],
                )
                .await
                .map_err(pg_error)?;
            let events = rows.iter().map(event).collect::<Result<Vec<_>, _>>()?;
            tx.commit().await.map_err(pg_error)?;
            Ok(events)
        })
    })
    .await
}

impl PostgresStorage {
    /// Connects to the database at `url` (a `postgres://` URL or a
    /// `key=value` connection string), creating the schema when missing,
    /// and starts following the writes of every replica.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let config = Config::from_str(url).map_err(backend)?;
        let pool = Arc::new(Pool::new(config));
        let last = with_conn(&pool, |client| {
            Box::pin(async move {
                let tx = client.transaction().await.map_err(pg_error)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
                    .await
                    .map_err(pg_error)?;
                tx.batch_execute(SCHEMA).await.map_err(pg_error)?;
                let revision = meta_value(&tx, "revision").await?;
                tx.commit().await.map_err(pg_error)?;
                Ok(revision)
            })
        })
        .await?;
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        let events: Events = Arc::new(Mutex::new(sender));
        let kick = Arc::new(Notify::new());
        let follower = tokio::spawn(follow(
            Arc::clone(&pool),
            Arc::clone(&events),
            Arc::clone(&kick),
            last,
        ));
        let listener = tokio::spawn(listen(pool.config().clone(), Arc::clone(&kick)));
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                events,
                kick,
                tasks: vec![follower, listener],
            }),
        })
    }

    async fn write(&self, key: &Key, write: Write) -> Result<Stored, StorageError> {
        let key = key.clone();
        let event = with_conn(&self.inner.pool, move |client| {
            Box::pin(write_tx(client, key, write))
        })
        .await?;
        // The follower broadcasts it, in revision order with everyone's.
        self.inner.kick.notify_one();
        Ok(event.object)
    }
}

/// Broadcasts every committed write, in revision order, starting after
/// `last`.
async fn follow(pool: Arc<Pool>, events: Events, kick: Arc<Notify>, mut last: Revision) {
    loop {
        tokio::select! {
            () = kick.notified() => {}
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
        loop {
            match read_after(&pool, last).await {
                Ok((current, page)) => {
                    let full = page.len() >= usize::try_from(FOLLOW_PAGE).unwrap_or(usize::MAX);
                    // Revisions have no gaps: a missing one was compacted
                    // away before this replica saw it.
                    let mut gap = page.is_empty() && current > last;
                    let sender = lock(&events).clone();
                    for event in page {
                        if event.object.revision != last.saturating_add(1) {
                            gap = true;
                            break;
                        }
                        last = event.object.revision;
                        let _ = sender.send(Arc::new(event));
                    }
                    drop(sender);
                    if gap {
                        // The local watches cannot go on without a hole:
                        // end them (their clients list and watch again).
                        tracing::warn!(
                            last,
                            current,
                            "postgres: writes were compacted before this replica broadcast them; ending its watches"
                        );
                        let (fresh, _) = broadcast::channel(BROADCAST_CAPACITY);
                        *lock(&events) = fresh;
                        last = current;
                        break;
                    }
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, "postgres: reading the log failed; retrying");
                    break;
                }
            }
        }
    }
}

/// The current revision and the next page of the whole log after `after`.
async fn read_after(
    pool: &Arc<Pool>,
    after: Revision,
) -> Result<(Revision, Vec<Event>), StorageError> {
    with_conn(pool, move |client| {
        Box::pin(async move {
            let tx = snapshot(client).await?;
            let current = meta_value(&tx, "revision").await?;
            let rows = tx
                .query_typed(
                    "SELECT revision, key, create_revision, value, kind FROM log
                     WHERE revision > $1 ORDER BY revision LIMIT $2",
                    &[(&to_sql(after), Type::INT8), (&FOLLOW_PAGE, Type::INT8)],
                )
                .await
                .map_err(pg_error)?;
            let events = rows.iter().map(event).collect::<Result<Vec<_>, _>>()?;
            tx.commit().await.map_err(pg_error)?;
            Ok((current, events))
        })
    })
    .await
}

/// Listens for other replicas' writes and wakes the follower; reconnects
/// when the connection drops.
async fn listen(config: Config, kick: Arc<Notify>) {
    loop {
        if let Err(e) = listen_once(&config, &kick).await {
            tracing::debug!(error = %e, "postgres: LISTEN connection lost; reconnecting");
        }
        // Whatever was announced while not listening is in the log.
        kick.notify_one();
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

async fn listen_once(config: &Config, kick: &Notify) -> Result<(), StorageError> {
    let (client, mut connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls))
        .await
        .map_err(|_| StorageError::Backend("postgres: timed out connecting".into()))?
        .map_err(pg_error)?;
    let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
    let drive = async {
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => kick.notify_one(),
                Ok(_) => {}
                Err(e) => return Err(pg_error(e)),
            }
        }
        Ok(())
    };
    let subscribe = async {
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .await
            .map_err(pg_error)?;
        kick.notify_one();
        std::future::pending::<Result<(), StorageError>>().await
    };
    tokio::select! {
        r = drive => r,
        r = subscribe => r,
    }
}

impl Storage for PostgresStorage {
    async fn create(&self, key: &Key, value: Vec<u8>) -> Result<Stored, StorageError> {
        self.write(key, Write::Create(value)).await
    }

    async fn update(
        &self,
        key: &Key,
        value: Vec<u8>,
        expected: Option<Revision>,
    ) -> Result<Stored, StorageError> {
        self.write(key, Write::Update(value, expected)).await
    }

    async fn delete(&self, key: &Key, expected: Option<Revision>) -> Result<Stored, StorageError> {
        self.write(key, Write::Delete(expected)).await
    }

    async fn get(&self, key: &Key) -> Result<Option<Stored>, StorageError> {
        let key = key.clone();
        with_conn(&self.inner.pool, move |client| {
            Box::pin(async move {
                let row = client
                    .query_typed_opt(
                        "SELECT key, revision, create_revision, value FROM objects WHERE key = $1",
                        &[(&key.as_str(), Type::TEXT)],
                    )
                    .await
                    .map_err(pg_error)?;
                row.as_ref().map(stored).transpose()
            })
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
        with_conn(&self.inner.pool, move |client| {
            Box::pin(async move {
                let tx = snapshot(client).await?;
                let latest = meta_value(&tx, "revision").await?;
                let (snapshot, after) = match &options.continue_from {
                    Some(c) => (c.revision, c.after.clone()),
                    None => (latest, String::new()),
                };
                // One more than asked tells whether another page follows;
                // LIMIT NULL is no limit.
                let limit: Option<i64> = options
                    .limit
                    .map(|l| i64::try_from(l.saturating_add(1)).unwrap_or(i64::MAX));
                let rows = if snapshot >= latest {
                    tx.query_typed(
                        "SELECT key, revision, create_revision, value FROM objects
                         WHERE key >= $1 AND key < $2 AND key > $3 ORDER BY key LIMIT $4",
                        &[
                            (&range.start(), Type::TEXT),
                            (&range.end(), Type::TEXT),
                            (&after, Type::TEXT),
                            (&limit, Type::INT8),
                        ],
                    )
                    .await
                    .map_err(pg_error)?
                } else {
                    let compacted = meta_value(&tx, "compacted").await?;
                    if snapshot < compacted {
                        return Err(StorageError::Gone {
                            requested: snapshot,
                            compacted,
                        });
                    }
                    // The state at `snapshot`: each key's last write up to
                    // it, unless that write was a deletion.
                    tx.query_typed(
                        "SELECT key, revision, create_revision, value FROM (
                             SELECT DISTINCT ON (key) key, revision, create_revision, value, kind
                             FROM log
                             WHERE key >= $1 AND key < $2 AND key > $3 AND revision <= $4
                             ORDER BY key, revision DESC
                         ) last WHERE kind <> 2 ORDER BY key LIMIT $5",
                        &[
                            (&range.start(), Type::TEXT),
                            (&range.end(), Type::TEXT),
                            (&after, Type::TEXT),
                            (&to_sql(snapshot), Type::INT8),
                            (&limit, Type::INT8),
                        ],
                    )
                    .await
                    .map_err(pg_error)?
                };
                let mut items = rows.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
                tx.commit().await.map_err(pg_error)?;
                let continue_from = match options.limit {
                    Some(l) if items.len() > l => {
                        items.truncate(l);
                        items.last().map(|last| Continue {
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
        })
        .await
    }

    async fn watch(&self, range: &KeyRange, after: Revision) -> Result<WatchStream, StorageError> {
        // Subscribe first: whatever is broadcast while the backlog is read
        // is in the receiver, and the stream skips what the backlog had.
        let receiver = lock(&self.inner.events).subscribe();
        let backlog = read_log(&self.inner.pool, range.clone(), after).await?;
        let pool = Arc::clone(&self.inner.pool);
        let read: LogReader = Arc::new(move |range: KeyRange, after: Revision| {
            let pool = Arc::clone(&pool);
            Box::pin(async move { read_log(&pool, range, after).await })
        });
        Ok(WatchStream::new(
            range.clone(),
            backlog,
            after,
            receiver,
            read,
        ))
    }

    async fn revision(&self) -> Result<Revision, StorageError> {
        with_conn(&self.inner.pool, |client| {
            Box::pin(async move { meta_value(&*client, "revision").await })
        })
        .await
    }

    async fn compact(&self, revision: Revision) -> Result<(), StorageError> {
        with_conn(&self.inner.pool, move |client| {
            Box::pin(async move {
                let tx = client.transaction().await.map_err(pg_error)?;
                // The counter's row lock: no write commits meanwhile.
                let current: i64 = tx
                    .query_one(
                        "SELECT value FROM meta WHERE name = 'revision' FOR UPDATE",
                        &[],
                    )
                    .await
                    .map_err(pg_error)?
                    .try_get(0)
                    .map_err(pg_error)?;
                let c = to_sql(revision).min(current);
                // Keep, per key, the last write at or before the mark unless
                // it is a deletion: a snapshot at any later revision still
                // sees it.
                tx.execute(
                    "DELETE FROM log WHERE revision <= $1 AND (kind = 2 OR revision <
                         (SELECT MAX(m.revision) FROM log m WHERE m.key = log.key AND m.revision <= $1))",
                    &[&c],
                )
                .await
                .map_err(pg_error)?;
                tx.execute(
                    "UPDATE meta SET value = GREATEST(value, $1) WHERE name = 'compacted'",
                    &[&c],
                )
                .await
                .map_err(pg_error)?;
                tx.commit().await.map_err(pg_error)?;
                Ok(())
            })
        })
        .await
    }
}
