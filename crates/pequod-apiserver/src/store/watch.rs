//! Watches: synthetic ADDED events for the current state when asked, then
//! every write after a revision, filtered by selectors the way the real
//! watch cache filters (an object leaving the selection is DELETED for the
//! watcher), with bookmarks and a timeout.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::codec::decode;
use super::read::{Selectors, parse_rv};
use super::{Store, range};
use crate::api::error::ApiError;
use crate::api::query::ListQuery;
use crate::registry::Resource;
use crate::storage::{Continue, EventKind, ListOptions, Revision, Storage, StorageError};

/// The events of a watch, each a `{"type": …, "object": …}` document.
pub type WatchEvents = Pin<Box<dyn Stream<Item = Value> + Send>>;

fn event(kind: &str, object: Value) -> Value {
    json!({ "type": kind, "object": object })
}

fn bookmark(res: &Resource, revision: Revision, initial_end: bool) -> Value {
    let mut meta = json!({ "resourceVersion": revision.to_string(), "creationTimestamp": null });
    if initial_end {
        meta["annotations"] = json!({ "k8s.io/initial-events-end": "true" });
    }
    event(
        "BOOKMARK",
        json!({ "kind": res.kind, "apiVersion": res.api_version(), "metadata": meta }),
    )
}

impl<S: Storage> Store<S> {
    /// Opens a watch.
    pub async fn watch(
        self: &Arc<Self>,
        res: Arc<Resource>,
        ns: Option<String>,
        q: ListQuery,
    ) -> Result<WatchEvents, ApiError> {
        let selectors = Selectors::parse(&res, &q)?;
        let (tx, rx) = mpsc::channel::<Value>(256);
        let rv = q.resource_version.as_deref().filter(|rv| !rv.is_empty());
        let initial = q.send_initial_events || matches!(rv, None | Some("0"));
        let start = match rv {
            Some(rv) if rv != "0" => Some(parse_rv(rv)?),
            _ => None,
        };
        let store = self.clone();
        let timeout = Duration::from_secs(
            q.timeout_seconds
                .unwrap_or_else(|| 1800 + u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 7),
        );
        tokio::spawn(async move {
            let work = async {
                // The snapshot the watch starts from, and what is visible in it.
                // What a selector watch currently shows, by key: what DELETED carries
                // when an object leaves the selection.
                let mut visible: HashMap<String, Value> = HashMap::new();
                let (from, snapshot) = if initial || start.is_none() {
                    let page = store
                        .storage
                        .list(&range(&res, ns.as_deref()), &ListOptions::default())
                        .await;
                    match page {
                        Ok(p) => (p.revision, Some(p.items)),
                        Err(e) => return Err(e),
                    }
                } else {
                    let from = start.unwrap_or_default();
                    let snapshot = if selectors.is_empty() {
                        None
                    } else {
                        Some(
                            store
                                .storage
                                .list(
                                    &range(&res, ns.as_deref()),
                                    &ListOptions {
                                        limit: None,
                                        continue_from: Some(Continue {
                                            revision: from,
                                            after: String::new(),
                                        }),
                                    },
                                )
                                .await?
                                .items,
                        )
                    };
                    (from, snapshot)
                };
                let mut stream = store
                    .storage
                    .watch(&range(&res, ns.as_deref()), from)
                    .await?;
                if let Some(items) = snapshot {
                    for stored in items {
                        let Ok(obj) = decode(&stored, &res) else {
                            continue;
                        };
                        if selectors.matches(&obj) {
                            if !selectors.is_empty() {
                                visible.insert(stored.key.as_str().to_owned(), obj.clone());
                            }
                            if initial && tx.send(event("ADDED", obj)).await.is_err() {
                                return Ok(());
                            }
                        }
                    }
                }
                if q.send_initial_events
                    && q.allow_bookmarks
                    && tx.send(bookmark(&res, from, true)).await.is_err()
                {
                    return Ok(());
                }
                let mut last = from;
                let mut ticks = tokio::time::interval(store.options.bookmark_interval);
                ticks.tick().await;
                // Like kube-apiserver, a last bookmark shortly before the
                // watch times out, so the client resumes from a fresh revision.
                let last_call = tokio::time::sleep(timeout.saturating_sub(Duration::from_secs(2)));
                tokio::pin!(last_call);
                let mut last_call_done = false;
                loop {
                    tokio::select! {
                        next = stream.next() => {
                            let Some(next) = next else { return Ok(()) };
                            let ev = next?;
                            last = ev.object.revision;
                            let Ok(obj) = decode(&ev.object, &res) else { continue };
                            let key = ev.object.key.as_str().to_owned();
                            let matches = selectors.matches(&obj);
                            let revision = ev.object.revision.to_string();
                            let (kind, obj) = if selectors.is_empty() {
                                let kind = match ev.kind {
                                    EventKind::Added => "ADDED",
                                    EventKind::Modified => "MODIFIED",
                                    EventKind::Deleted => "DELETED",
                                };
                                (Some(kind), obj)
                            } else {
                                let before = visible.remove(&key);
                                match (ev.kind, before, matches) {
                                    (EventKind::Deleted, Some(_), _) | (EventKind::Deleted, None, true) => (Some("DELETED"), obj),
                                    (EventKind::Deleted, None, false) => (None, obj),
                                    (_, Some(_), true) => {
                                        visible.insert(key, obj.clone());
                                        (Some("MODIFIED"), obj)
                                    }
                                    (_, None, true) => {
                                        visible.insert(key, obj.clone());
                                        (Some("ADDED"), obj)
                                    }
                                    // Left the selection: the last version it matched in,
                                    // at the revision of the change.
                                    (_, Some(mut last), false) => {
                                        crate::api::meta::metadata_mut(&mut last)
                                            .insert("resourceVersion".into(), Value::String(revision));
                                        (Some("DELETED"), last)
                                    }
                                    (_, None, false) => (None, obj),
                                }
                            };
                            if let Some(kind) = kind
                                && tx.send(event(kind, obj)).await.is_err()
                            {
                                return Ok(());
                            }
                        }
                        _ = ticks.tick() => {
                            if q.allow_bookmarks && tx.send(bookmark(&res, last, false)).await.is_err() {
                                return Ok(());
                            }
                        }
                        () = &mut last_call, if !last_call_done => {
                            last_call_done = true;
                            if q.allow_bookmarks && tx.send(bookmark(&res, last, false)).await.is_err() {
                                return Ok(());
                            }
                        }
                        () = tx.closed() => return Ok(()),
                    }
                }
            };
            let result: Result<(), StorageError> = match tokio::time::timeout(timeout, work).await {
                Ok(r) => r,
                Err(_) => Ok(()),
            };
            if let Err(e) = result {
                let status = ApiError::from_storage(e, res.subject(), "").status();
                let _ = tx.send(event("ERROR", status)).await;
            }
        });
        Ok(Box::pin(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|v| (v, rx))
        })))
    }
}
