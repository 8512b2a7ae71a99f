//! One watch of one kind, fanned out: a shared cache (a compact [`Store`])
//! and any number of subscribers, each with a channel of its own.
//!
//! Subscribers never slow each other down: every one has an unbounded
//! channel, so one that stops reading (a controller that is shutting down,
//! one created but not yet polled) holds back nobody — unlike a bounded
//! dispatcher, where the slowest reader stalls the watch for all. A
//! subscriber that subscribes late is first sent every object already
//! cached.

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::{Arc, Mutex, Weak};

use futures::StreamExt;
use futures::stream::BoxStream;
use kube::Resource;
use kube::api::Api;
use kube::runtime::{WatchStreamExt, watcher};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use super::store::{self, Store, Writer};

/// What subscribers receive: an object that was added, changed or deleted
/// (its last state).
pub type Update<K> = Arc<K>;

pub(super) struct Shared<K>
where
    K: Resource + 'static,
{
    store: Store<K>,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<Update<K>>>>,
}

/// A shared watch of one kind: its cache and its stream of changes.
///
/// Clones share the watch. It runs while any clone (or a subscription)
/// lives; [`super::Cache`] hands out the same informer to everyone asking
/// for the same kind, namespace and selectors.
pub struct Informer<K>
where
    K: Resource + 'static,
{
    shared: Arc<Shared<K>>,
}

impl<K> Clone for Informer<K>
where
    K: Resource + 'static,
{
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K> Debug for Informer<K>
where
    K: Resource + Clone + DeserializeOwned + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Informer")
            .field("cached", &self.shared.store.len())
            .field("subscribers", &self.subscriber_count())
            .finish()
    }
}

impl<K> Informer<K>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync + Unpin,
{
    /// Starts watching what `api` and `config` select, into a cache with
    /// `managedFields` stripped.
    pub(super) fn start(api: Api<K>, config: watcher::Config) -> Self {
        let writer = Writer::new();
        let shared = Arc::new(Shared {
            store: writer.as_reader(),
            subscribers: Mutex::new(Vec::new()),
        });
        tokio::spawn(run(api, config, writer, Arc::downgrade(&shared)));
        Self { shared }
    }
}

impl<K> Informer<K>
where
    K: Resource + Clone + DeserializeOwned + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    /// The shared cache.
    pub fn store(&self) -> Store<K> {
        self.shared.store.clone()
    }

    /// Every change from now on, preceded by every object already cached.
    /// The stream ends when the informer is gone.
    pub fn subscribe(&self) -> BoxStream<'static, Update<K>>
    where
        K: Send + Sync,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        // Registered before the replay: an object changing in between is
        // sent twice, never missed.
        if let Ok(mut subscribers) = self.shared.subscribers.lock() {
            subscribers.push(tx.clone());
        }
        for object in self.shared.store.state() {
            let _ = tx.send(object);
        }
        drop(tx);
        // The stream keeps the informer alive while someone reads it.
        let keep = self.clone();
        futures::stream::unfold((rx, keep), |(mut rx, keep)| async move {
            rx.recv().await.map(|object| (object, (rx, keep)))
        })
        .boxed()
    }

    /// How many subscriptions are open.
    pub fn subscriber_count(&self) -> usize {
        self.shared
            .subscribers
            .lock()
            .map(|s| s.iter().filter(|tx| !tx.is_closed()).count())
            .unwrap_or(0)
    }

    pub(super) fn downgrade(&self) -> Weak<Shared<K>> {
        Arc::downgrade(&self.shared)
    }

    pub(super) fn upgrade(weak: &Weak<Shared<K>>) -> Option<Self> {
        weak.upgrade().map(|shared| Self { shared })
    }
}

/// The watch: objects into the cache, then to every subscriber; ends once
/// no informer handle is left.
async fn run<K>(api: Api<K>, config: watcher::Config, writer: Writer<K>, shared: Weak<Shared<K>>)
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync + Unpin,
{
    let watch = watcher(api, config)
        .default_backoff()
        .modify(|obj: &mut K| obj.meta_mut().managed_fields = None);
    let mut events = store::reflect(writer, watch).touched_objects().boxed();
    while let Some(event) = events.next().await {
        let Some(shared) = shared.upgrade() else {
            break;
        };
        match event {
            Ok(object) => {
                let object = Arc::new(object);
                if let Ok(mut subscribers) = shared.subscribers.lock() {
                    subscribers.retain(|tx| tx.send(Arc::clone(&object)).is_ok());
                }
            }
            Err(error) => tracing::warn!(%error, "shared watch failed; retrying with backoff"),
        }
    }
}
