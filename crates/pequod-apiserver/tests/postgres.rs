//! The storage contract on PostgreSQL, against a private server per test:
//! the scenarios of `tests/common/scenarios.rs` (which `tests/storage.rs`
//! runs on SQLite), then what only a shared
//! database has: several replicas, their watches and their writes, and a
//! database that goes away.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use pequod_apiserver::storage::postgres::PostgresStorage;
use pequod_apiserver::storage::{
    EventKind, KeyRange, ListOptions, Revision, Storage, StorageError,
};
use pequod_testing::postgres::PostgresServer;

mod common;
use common::scenarios::*;

/// A private PostgreSQL server for one test; fails the test with why it
/// could not start (binaries missing, ...).
fn start_server() -> PostgresServer {
    PostgresServer::start().unwrap_or_else(|e| panic!("{e}"))
}

async fn postgres() -> (PostgresServer, PostgresStorage) {
    let server = start_server();
    let storage = PostgresStorage::connect(&server.url()).await.unwrap();
    (server, storage)
}

#[tokio::test]
async fn writes_get_increasing_revisions_and_preconditions_on_postgres() {
    let (_pg, s) = postgres().await;
    writes_get_increasing_revisions_and_preconditions(&s).await;
}

#[tokio::test]
async fn pages_are_a_consistent_snapshot_on_postgres() {
    let (_pg, s) = postgres().await;
    pages_are_a_consistent_snapshot(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_replays_then_follows_on_postgres() {
    let (_pg, s) = postgres().await;
    watch_replays_then_follows(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_watcher_loses_nothing_on_postgres() {
    let (_pg, s) = postgres().await;
    a_lagging_watcher_loses_nothing(&s, 5000).await;
}

#[tokio::test]
async fn compaction_keeps_snapshots_and_makes_old_revisions_gone_on_postgres() {
    let (_pg, s) = postgres().await;
    compaction_keeps_snapshots_and_makes_old_revisions_gone(&s).await;
}

#[tokio::test]
async fn keys_order_bytewise_on_postgres() {
    let (_pg, s) = postgres().await;
    keys_order_bytewise(&s).await;
}

#[tokio::test]
async fn acknowledged_writes_survive_reconnect_on_postgres() {
    let pg = start_server();
    let before = {
        let s = PostgresStorage::connect(&pg.url()).await.unwrap();
        for i in 0..20 {
            s.create(&cm("ns", &format!("o{i}")), vec![i])
                .await
                .unwrap();
        }
        s.revision().await.unwrap()
    };
    let s = PostgresStorage::connect(&pg.url()).await.unwrap();
    assert_eq!(s.revision().await.unwrap(), before);
    let all = s
        .list(
            &KeyRange::new("", "configmaps", None),
            &ListOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 20);
    // Revisions go on from where they were.
    let next = s.create(&cm("ns", "new"), vec![]).await.unwrap();
    assert_eq!(next.revision, before + 1);
}

// Replicas: several storages on one database.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_on_one_replica_sees_every_write_of_another_in_order() {
    let pg = start_server();
    let a = PostgresStorage::connect(&pg.url()).await.unwrap();
    let b = PostgresStorage::connect(&pg.url()).await.unwrap();
    let range = KeyRange::new("", "configmaps", None);
    let mut watch = a.watch(&range, 0).await.unwrap();
    let n: u64 = 300;
    let writer = b.clone();
    let writes = tokio::spawn(async move {
        for i in 0..n {
            let key = cm("ns", &format!("o{}", i % 50));
            if i < 50 {
                writer.create(&key, vec![]).await.unwrap();
            } else {
                writer
                    .update(&key, i.to_be_bytes().to_vec(), None)
                    .await
                    .unwrap();
            }
        }
    });
    let started = std::time::Instant::now();
    for expected in 1..=n {
        let e = next_event(&mut watch).await;
        assert_eq!(e.object.revision, expected, "in order, no gaps");
    }
    writes.await.unwrap();
    assert_eq!(a.revision().await.unwrap(), n);
    // The notifications, not the 1 s poll, carried them.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    // Single writes show up long before the next 1 s poll would find them:
    // the notification carried them.
    for i in 0..5 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let t = std::time::Instant::now();
        b.create(&cm("ns", &format!("fast{i}")), vec![])
            .await
            .unwrap();
        let e = next_event(&mut watch).await;
        assert_eq!(e.object.key, cm("ns", &format!("fast{i}")));
        assert!(
            t.elapsed() < Duration::from_millis(400),
            "took {:?}",
            t.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_two_replicas_get_unique_ordered_revisions() {
    let pg = start_server();
    let a = PostgresStorage::connect(&pg.url()).await.unwrap();
    let b = PostgresStorage::connect(&pg.url()).await.unwrap();
    let range = KeyRange::new("", "configmaps", None);
    let mut watch_a = a.watch(&range, 0).await.unwrap();
    let mut watch_b = b.watch(&range, 0).await.unwrap();

    let writers: u8 = 8;
    let per_writer: usize = 60;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let s = if w % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut revisions: Vec<Revision> = Vec::new();
            for i in 0..per_writer {
                // Each writer creates its own keys and also fights over a
                // shared one without a precondition.
                let own = s
                    .create(&cm("ns", &format!("w{w}-{i}")), vec![])
                    .await
                    .unwrap();
                revisions.push(own.revision);
                let shared = match s.update(&cm("ns", "shared"), vec![w], None).await {
                    Ok(o) => o,
                    Err(StorageError::NotFound(_)) => {
                        match s.create(&cm("ns", "shared"), vec![w]).await {
                            Ok(o) => o,
                            Err(StorageError::AlreadyExists(_)) => {
                                s.update(&cm("ns", "shared"), vec![w], None).await.unwrap()
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    Err(e) => panic!("{e}"),
                };
                revisions.push(shared.revision);
            }
            revisions
        }));
    }
    let mut all = BTreeSet::new();
    let mut count = 0;
    for task in tasks {
        let revisions = task.await.unwrap();
        assert!(
            revisions.windows(2).all(|w| w[0] < w[1]),
            "one writer's revisions increase"
        );
        count += revisions.len();
        all.extend(revisions);
    }
    assert_eq!(all.len(), count, "no revision was given twice");
    let total = u64::try_from(count).unwrap();
    assert_eq!(all, (1..=total).collect(), "no gaps");
    assert_eq!(b.revision().await.unwrap(), total);
    // Both replicas' watches see exactly that sequence.
    for watch in [&mut watch_a, &mut watch_b] {
        for expected in 1..=total {
            assert_eq!(next_event(watch).await.object.revision, expected);
        }
    }
    // The shared key's history in the log is consistent: each update's
    // create revision is the key's creation.
    let history = a
        .watch(&KeyRange::prefix(cm("ns", "shared").to_string()), 0)
        .await
        .unwrap();
    let shared: Vec<_> = history
        .take(usize::from(writers) * per_writer)
        .collect()
        .await;
    let first = shared[0].as_ref().unwrap();
    assert_eq!(first.kind, EventKind::Added);
    for e in &shared {
        assert_eq!(
            e.as_ref().unwrap().object.create_revision,
            first.object.revision
        );
    }
}

#[tokio::test]
async fn a_precondition_conflicts_across_replicas() {
    let pg = start_server();
    let a = PostgresStorage::connect(&pg.url()).await.unwrap();
    let b = PostgresStorage::connect(&pg.url()).await.unwrap();
    let created = a.create(&cm("ns", "x"), b"1".to_vec()).await.unwrap();
    // B reads what A wrote.
    assert_eq!(b.get(&cm("ns", "x")).await.unwrap().unwrap(), created);
    let updated = b
        .update(&cm("ns", "x"), b"2".to_vec(), Some(created.revision))
        .await
        .unwrap();
    // A, still holding the first revision, conflicts.
    let err = a
        .update(&cm("ns", "x"), b"3".to_vec(), Some(created.revision))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StorageError::Conflict {
            key: cm("ns", "x").to_string(),
            expected: created.revision,
            actual: updated.revision,
        }
    );
    assert!(matches!(
        a.delete(&cm("ns", "x"), Some(created.revision)).await,
        Err(StorageError::Conflict { .. })
    ));
    assert!(matches!(
        a.create(&cm("ns", "x"), vec![]).await,
        Err(StorageError::AlreadyExists(_))
    ));
    // The failed writes took no revision.
    assert_eq!(a.revision().await.unwrap(), updated.revision);
    assert_eq!(a.get(&cm("ns", "x")).await.unwrap().unwrap().value, b"2");
    // A compaction through one replica is Gone through the other.
    a.compact(updated.revision).await.unwrap();
    assert!(matches!(
        b.watch(&KeyRange::new("", "configmaps", None), 0).await,
        Err(StorageError::Gone { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_database_gives_backend_errors() {
    let mut pg = start_server();
    let s = PostgresStorage::connect(&pg.url()).await.unwrap();
    let range = KeyRange::new("", "configmaps", None);
    s.create(&cm("ns", "a"), vec![]).await.unwrap();
    let mut watch = s.watch(&range, 0).await.unwrap();
    assert_eq!(next_event(&mut watch).await.object.key, cm("ns", "a"));

    pg.stop();

    let limit = Duration::from_secs(20);
    let backend = |what: &str, r: Result<(), StorageError>| match r {
        Err(StorageError::Backend(message)) => {
            assert!(message.contains("postgres"), "{what}: {message}");
        }
        other => panic!("{what}: expected a backend error, got {other:?}"),
    };
    use tokio::time::timeout as t;
    backend(
        "create",
        t(limit, s.create(&cm("ns", "b"), vec![]))
            .await
            .unwrap()
            .map(|_| ()),
    );
    backend(
        "update",
        t(limit, s.update(&cm("ns", "a"), vec![1], None))
            .await
            .unwrap()
            .map(|_| ()),
    );
    backend(
        "delete",
        t(limit, s.delete(&cm("ns", "a"), None))
            .await
            .unwrap()
            .map(|_| ()),
    );
    backend(
        "get",
        t(limit, s.get(&cm("ns", "a"))).await.unwrap().map(|_| ()),
    );
    backend(
        "list",
        t(limit, s.list(&range, &ListOptions::default()))
            .await
            .unwrap()
            .map(|_| ()),
    );
    backend(
        "watch",
        t(limit, s.watch(&range, 0)).await.unwrap().map(|_| ()),
    );
    backend(
        "revision",
        t(limit, s.revision()).await.unwrap().map(|_| ()),
    );
    backend("compact", t(limit, s.compact(1)).await.unwrap());
    // A new replica cannot connect either.
    let url = pg.url();
    backend(
        "connect",
        t(limit, PostgresStorage::connect(&url))
            .await
            .unwrap()
            .map(|_| ()),
    );
    // The open watch neither panics nor reports a write that did not
    // happen.
    assert!(
        tokio::time::timeout(Duration::from_millis(1500), watch.next())
            .await
            .is_err()
    );

    // Once the database is back, the same storage works again: its pool
    // reconnects, its listener and follower too, and the open watch goes on
    // with writes of another replica.
    pg.restart().unwrap();
    let other = PostgresStorage::connect(&pg.url()).await.unwrap();
    let b = other.create(&cm("ns", "b"), vec![]).await.unwrap();
    assert_eq!(b.revision, 2, "the failed writes took no revision");
    let e = next_event(&mut watch).await;
    assert_eq!((e.object.key, e.object.revision), (cm("ns", "b"), 2));
    assert_eq!(s.get(&cm("ns", "b")).await.unwrap().unwrap(), b);
    let c = s.create(&cm("ns", "c"), vec![]).await.unwrap();
    assert_eq!(next_event(&mut watch).await.object, c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_the_database_rejects_leaves_nothing() {
    let (pg, s) = postgres().await;
    // A trigger fails the log insert of one key: the object change before it
    // in the same transaction must not stay either.
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.key LIKE '%/poison' THEN RAISE EXCEPTION 'poisoned key'; END IF;
                 RETURN NEW;
             END $$;
             CREATE TRIGGER poison BEFORE INSERT ON log FOR EACH ROW EXECUTE FUNCTION poison();",
        )
        .await
        .unwrap();
    let range = KeyRange::new("", "configmaps", None);
    let a = s.create(&cm("ns", "a"), b"1".to_vec()).await.unwrap();
    let mut watch = s.watch(&range, a.revision).await.unwrap();
    for _ in 0..3 {
        match s.create(&cm("ns", "poison"), vec![]).await {
            Err(StorageError::Backend(message)) => assert!(message.contains("poisoned key")),
            other => panic!("expected a backend error, got {other:?}"),
        }
    }
    assert!(s.get(&cm("ns", "poison")).await.unwrap().is_none());
    assert_eq!(s.revision().await.unwrap(), a.revision);
    // The connections are fine, and revisions go on without a gap.
    let b = s.update(&cm("ns", "a"), b"2".to_vec(), None).await.unwrap();
    assert_eq!(b.revision, a.revision + 1);
    assert_eq!(next_event(&mut watch).await.object, b);
    let listed = s.list(&range, &ListOptions::default()).await.unwrap();
    assert_eq!(listed.items, vec![b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_missed_compacted_writes_ends_its_watches() {
    let (pg, s) = postgres().await;
    let range = KeyRange::new("", "configmaps", None);
    let a = s.create(&cm("ns", "a"), vec![]).await.unwrap();
    let mut watch = s.watch(&range, 0).await.unwrap();
    assert_eq!(next_event(&mut watch).await.object, a);
    // As if other replicas wrote revisions a+1 ..= a+3 and compacted the
    // first two away before this replica read them.
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(
            "BEGIN;
             UPDATE meta SET value = value + 3 WHERE name = 'revision';
             UPDATE meta SET value = value + 2 WHERE name = 'compacted';
             INSERT INTO objects SELECT '/configmaps/ns/late', value, value, '' FROM meta WHERE name = 'revision';
             INSERT INTO log SELECT value, '/configmaps/ns/late', 0, value, '' FROM meta WHERE name = 'revision';
             SELECT pg_notify('pequod_events', 'x');
             COMMIT;",
        )
        .await
        .unwrap();
    // The watch cannot go on without a gap: it ends, and the client starts
    // over.
    let end = tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .unwrap();
    assert!(end.is_none(), "expected the watch to end, got {end:?}");
    let relisted = s.list(&range, &ListOptions::default()).await.unwrap();
    assert_eq!(relisted.revision, a.revision + 3);
    let mut again = s.watch(&range, relisted.revision).await.unwrap();
    let b = s.create(&cm("ns", "b"), vec![]).await.unwrap();
    assert_eq!(next_event(&mut again).await.object, b);
}
