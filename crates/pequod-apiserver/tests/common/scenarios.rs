//! The storage contract written once over any [`Storage`]: the scenarios
//! `tests/storage.rs` runs on SQLite and `tests/postgres.rs` on PostgreSQL.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use pequod_apiserver::storage::{
    Continue, EventKind, Key, KeyRange, ListOptions, Revision, Storage, StorageError, WatchStream,
};

/// The key of ConfigMap `name` in `ns`.
pub(crate) fn cm(ns: &str, name: &str) -> Key {
    Key::new("", "configmaps", Some(ns), name)
}

/// The next event of `watch`, failing the test after a few seconds.
pub(crate) async fn next_event(watch: &mut WatchStream) -> pequod_apiserver::storage::Event {
    tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("a watch event within 10 s")
        .expect("the watch goes on")
        .expect("no watch error")
}

pub(crate) async fn writes_get_increasing_revisions_and_preconditions<S: Storage>(s: &S) {
    assert_eq!(s.revision().await.unwrap(), 0);
    let a = s.create(&cm("ns", "a"), b"v1".to_vec()).await.unwrap();
    let b = s.create(&cm("ns", "b"), b"v1".to_vec()).await.unwrap();
    assert!(b.revision > a.revision);
    assert_eq!(a.create_revision, a.revision);
    assert_eq!(
        s.create(&cm("ns", "a"), b"again".to_vec())
            .await
            .unwrap_err(),
        StorageError::AlreadyExists(cm("ns", "a").to_string())
    );

    let a2 = s
        .update(&cm("ns", "a"), b"v2".to_vec(), Some(a.revision))
        .await
        .unwrap();
    assert!(a2.revision > b.revision);
    assert_eq!(a2.create_revision, a.revision);
    // A stale precondition is a conflict and changes nothing.
    let err = s
        .update(&cm("ns", "a"), b"v3".to_vec(), Some(a.revision))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::Conflict { expected, actual, .. } if expected == a.revision && actual == a2.revision)
    );
    assert_eq!(s.get(&cm("ns", "a")).await.unwrap().unwrap().value, b"v2");

    let gone = s.delete(&cm("ns", "a"), Some(a2.revision)).await.unwrap();
    assert_eq!(gone.value, b"v2");
    assert!(s.get(&cm("ns", "a")).await.unwrap().is_none());
    assert!(matches!(
        s.delete(&cm("ns", "a"), None).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        s.update(&cm("ns", "a"), vec![], None).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(s.revision().await.unwrap(), gone.revision);
}

pub(crate) async fn pages_are_a_consistent_snapshot<S: Storage>(s: &S) {
    for i in 0..5 {
        s.create(&cm("ns", &format!("o{i}")), vec![i])
            .await
            .unwrap();
    }
    s.create(&cm("other", "x"), vec![9]).await.unwrap();
    let range = KeyRange::new("", "configmaps", Some("ns"));
    let first = s
        .list(
            &range,
            &ListOptions {
                limit: Some(2),
                continue_from: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let token = first.continue_from.clone().unwrap();

    // Writes after the first page do not show in the later pages.
    s.delete(&cm("ns", "o3"), None).await.unwrap();
    s.create(&cm("ns", "o9"), vec![9]).await.unwrap();
    s.update(&cm("ns", "o4"), vec![44], None).await.unwrap();

    let mut names: Vec<String> = first.items.iter().map(|o| o.key.to_string()).collect();
    let mut next = Some(token);
    while let Some(c) = next {
        let page = s
            .list(
                &range,
                &ListOptions {
                    limit: Some(2),
                    continue_from: Some(c),
                },
            )
            .await
            .unwrap();
        assert_eq!(page.revision, first.revision);
        names.extend(page.items.iter().map(|o| o.key.to_string()));
        if let Some(o4) = page.items.iter().find(|o| o.key == cm("ns", "o4")) {
            assert_eq!(o4.value, vec![4], "o4 as it was at the snapshot");
        }
        next = page.continue_from;
    }
    let expected: Vec<String> = (0..5)
        .map(|i| cm("ns", &format!("o{i}")).to_string())
        .collect();
    assert_eq!(names, expected);

    // A fresh list sees the present.
    let now = s.list(&range, &ListOptions::default()).await.unwrap();
    assert_eq!(now.items.len(), 5);
    assert!(now.items.iter().any(|o| o.key == cm("ns", "o9")));
    assert!(now.continue_from.is_none());
}

pub(crate) async fn watch_replays_then_follows<S: Storage + Clone>(s: &S) {
    let a = s.create(&cm("ns", "a"), b"1".to_vec()).await.unwrap();
    s.update(&cm("ns", "a"), b"2".to_vec(), None).await.unwrap();
    s.create(&cm("elsewhere", "z"), b"z".to_vec())
        .await
        .unwrap();

    let mut watch = s
        .watch(&KeyRange::new("", "configmaps", Some("ns")), a.revision)
        .await
        .unwrap();
    let replayed = next_event(&mut watch).await;
    assert_eq!(
        (replayed.kind, replayed.object.value.as_slice()),
        (EventKind::Modified, b"2".as_slice())
    );

    let writer = s.clone();
    tokio::spawn(async move {
        writer
            .create(&cm("elsewhere", "y"), b"y".to_vec())
            .await
            .unwrap();
        writer.delete(&cm("ns", "a"), None).await.unwrap();
    });
    let live = next_event(&mut watch).await;
    assert_eq!(live.kind, EventKind::Deleted);
    assert_eq!(live.object.key, cm("ns", "a"));
    assert_eq!(live.object.value, b"2", "a deletion carries the last value");
}

pub(crate) async fn a_lagging_watcher_loses_nothing<S: Storage>(s: &S, n: usize) {
    let range = KeyRange::new("", "configmaps", None);
    let mut watch = s.watch(&range, 0).await.unwrap();
    // More writes than the broadcast buffer holds, none read meanwhile.
    for i in 0..n {
        s.create(&cm("ns", &format!("o{i:05}")), vec![])
            .await
            .unwrap();
    }
    let mut last = 0;
    for _ in 0..n {
        let e = next_event(&mut watch).await;
        assert!(
            e.object.revision > last,
            "revisions in order, without repeats"
        );
        last = e.object.revision;
    }
    assert_eq!(last, s.revision().await.unwrap());
}

pub(crate) async fn compaction_keeps_snapshots_and_makes_old_revisions_gone<S: Storage>(s: &S) {
    let range = KeyRange::new("", "configmaps", Some("ns"));
    let a = s.create(&cm("ns", "keep"), b"1".to_vec()).await.unwrap();
    s.create(&cm("ns", "drop"), b"1".to_vec()).await.unwrap();
    s.update(&cm("ns", "keep"), b"2".to_vec(), None)
        .await
        .unwrap();
    s.delete(&cm("ns", "drop"), None).await.unwrap();
    let mark = s.revision().await.unwrap();
    s.create(&cm("ns", "late"), b"1".to_vec()).await.unwrap();
    let snapshot = s
        .list(
            &range,
            &ListOptions {
                limit: Some(1),
                continue_from: None,
            },
        )
        .await
        .unwrap();
    s.update(&cm("ns", "keep"), b"3".to_vec(), None)
        .await
        .unwrap();

    s.compact(mark).await.unwrap();

    // Watching or listing before the mark is 410 Gone ...
    assert!(matches!(
        s.watch(&range, a.revision).await,
        Err(StorageError::Gone { .. })
    ));
    assert!(matches!(
        s.list(
            &range,
            &ListOptions {
                limit: None,
                continue_from: Some(Continue {
                    revision: a.revision,
                    after: String::new(),
                }),
            },
        )
        .await,
        Err(StorageError::Gone { .. })
    ));
    // ... while a snapshot after it still reads what it read before.
    let rest = s
        .list(
            &range,
            &ListOptions {
                limit: None,
                continue_from: snapshot.continue_from.clone(),
            },
        )
        .await
        .unwrap();
    let names: Vec<String> = rest.items.iter().map(|o| o.key.to_string()).collect();
    assert_eq!(names, vec![cm("ns", "late").to_string()]);
    // The whole snapshot: "keep" as it was (its write before the mark
    // survived compaction), "drop" still deleted, "late" present.
    let whole = s
        .list(
            &range,
            &ListOptions {
                limit: None,
                continue_from: Some(Continue {
                    revision: snapshot.revision,
                    after: String::new(),
                }),
            },
        )
        .await
        .unwrap();
    let seen: Vec<(String, Vec<u8>)> = whole
        .items
        .iter()
        .map(|o| (o.key.to_string(), o.value.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (cm("ns", "keep").to_string(), b"2".to_vec()),
            (cm("ns", "late").to_string(), b"1".to_vec())
        ]
    );
    // Watching from the mark itself is fine: nothing after it was lost.
    let mut at_mark = s.watch(&range, mark).await.unwrap();
    let first = next_event(&mut at_mark).await;
    assert_eq!(
        (first.kind, first.object.key),
        (EventKind::Added, cm("ns", "late"))
    );
}

/// Keys order bytewise (as Rust strings do), whatever the database's
/// collation: `Z` before `a`, `-` before `.`, and ranges do not leak.
pub(crate) async fn keys_order_bytewise<S: Storage>(s: &S) {
    for name in ["a", "Z", "b.c", "b-c", "_x"] {
        s.create(&cm("ns", name), vec![]).await.unwrap();
    }
    s.create(&cm("ns-2", "a"), vec![]).await.unwrap();
    let range = KeyRange::new("", "configmaps", Some("ns"));
    let mut expected: Vec<String> = ["a", "Z", "b.c", "b-c", "_x"]
        .iter()
        .map(|n| cm("ns", n).to_string())
        .collect();
    expected.sort();
    let all = s.list(&range, &ListOptions::default()).await.unwrap();
    let names: Vec<String> = all.items.iter().map(|o| o.key.to_string()).collect();
    assert_eq!(names, expected);
    // Page by page, at a snapshot in the past too.
    s.create(&cm("ns", "later"), vec![]).await.unwrap();
    let mut paged = Vec::new();
    let mut next = Some(Continue {
        revision: all.revision,
        after: String::new(),
    });
    while let Some(c) = next {
        let page = s
            .list(
                &range,
                &ListOptions {
                    limit: Some(2),
                    continue_from: Some(c),
                },
            )
            .await
            .unwrap();
        paged.extend(page.items.iter().map(|o| o.key.to_string()));
        next = page.continue_from;
    }
    assert_eq!(paged, expected);
}

// The contract on PostgreSQL.
