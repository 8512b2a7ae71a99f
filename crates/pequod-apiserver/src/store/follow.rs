//! Several servers on one storage: what the others write reaches this one's
//! watches through the storage, and its served CRDs and owner index through
//! this follower.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::Store;
use super::codec::decode;
use crate::storage::{Event, EventKind, KeyRange, Storage};

impl<S: Storage> Store<S> {
    /// Applies every write to the registry and the owner index, from the
    /// latest revision on; after a gap (compaction, a lost connection) it
    /// reloads both and goes on.
    pub(crate) async fn follow_log(self: Arc<Self>) {
        // Store::open loaded both as of `loaded_at`; reload only after a gap.
        let mut resume = Some(self.loaded_at);
        loop {
            let from = match resume.take() {
                Some(r) => r,
                None => match self.storage.revision().await {
                    Ok(r) => {
                        // Writes between `r` and the reload are replayed: harmless.
                        if let Err(error) = self.load_crds().await {
                            tracing::warn!(%error, "following the log: reloading CRDs failed");
                        }
                        if let Err(error) = self.load_owners().await {
                            tracing::warn!(%error, "following the log: reloading owners failed");
                        }
                        r
                    }
                    Err(error) => {
                        tracing::warn!(%error, "following the log: reading the revision failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
            };
            match self.storage.watch(&KeyRange::all(), from).await {
                Ok(mut events) => {
                    while let Some(next) = events.next().await {
                        match next {
                            Ok(event) => self.apply_remote(&event).await,
                            Err(error) => {
                                tracing::warn!(%error, "following the log: watch ended");
                                break;
                            }
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "following the log: watch failed"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// One write, possibly another server's: idempotent with this server's
    /// own bookkeeping of it.
    async fn apply_remote(&self, event: &Event) {
        let mut parts = event.object.key.as_str().splitn(3, '/');
        let (Some(group), Some(plural)) = (parts.next(), parts.next()) else {
            return;
        };
        let Some(res) = self.registry.versions_of(group, plural).into_iter().next() else {
            return;
        };
        let Ok(obj) = decode(&event.object, &res) else {
            return;
        };
        let is_crd = group == "apiextensions.k8s.io" && plural == "customresourcedefinitions";
        match event.kind {
            EventKind::Deleted => {
                self.owners.update(&res, Some(&obj), None);
                if is_crd {
                    self.crd_removed(&obj);
                }
            }
            EventKind::Added | EventKind::Modified => {
                self.owners.update(&res, None, Some(&obj));
                if is_crd {
                    self.crd_written(&obj);
                }
            }
        }
    }
}
