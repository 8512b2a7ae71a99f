//! The storage contract, on SQLite: revisions, optimistic concurrency,
//! snapshot pagination, watches that resume and survive lag, compaction and
//! `410 Gone` (the scenarios of `tests/common/scenarios.rs`, which
//! `tests/postgres.rs` runs on PostgreSQL), and durability across reopen.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::PathBuf;

use pequod_apiserver::storage::sqlite::SqliteStorage;
use pequod_apiserver::storage::{KeyRange, ListOptions, Storage};

mod common;
use common::scenarios::{self, cm};

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pequod-storage-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("pequod.db")
}

fn sqlite(name: &str) -> SqliteStorage {
    SqliteStorage::open(&temp_db(name)).unwrap()
}

#[tokio::test]
async fn writes_get_increasing_revisions_and_preconditions() {
    scenarios::writes_get_increasing_revisions_and_preconditions(&sqlite("crud")).await;
}

#[tokio::test]
async fn pages_are_a_consistent_snapshot() {
    scenarios::pages_are_a_consistent_snapshot(&sqlite("pages")).await;
}

#[tokio::test]
async fn watch_replays_then_follows() {
    scenarios::watch_replays_then_follows(&sqlite("watch")).await;
}

#[tokio::test]
async fn a_lagging_watcher_loses_nothing() {
    scenarios::a_lagging_watcher_loses_nothing(&sqlite("lag"), 5000).await;
}

#[tokio::test]
async fn compaction_keeps_snapshots_and_makes_old_revisions_gone() {
    scenarios::compaction_keeps_snapshots_and_makes_old_revisions_gone(&sqlite("compact")).await;
}

#[tokio::test]
async fn keys_order_bytewise() {
    scenarios::keys_order_bytewise(&sqlite("keys")).await;
}

#[tokio::test]
async fn acknowledged_writes_survive_reopen() {
    let path = temp_db("reopen");
    let before = {
        let s = SqliteStorage::open(&path).unwrap();
        for i in 0..20 {
            s.create(&cm("ns", &format!("o{i}")), vec![i])
                .await
                .unwrap();
        }
        s.revision().await.unwrap()
    };
    let s = SqliteStorage::open(&path).unwrap();
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
