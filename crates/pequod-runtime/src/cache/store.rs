//! A cache of objects kept as compressed JSON and decoded when read.
//!
//! kube's reflector keeps every object as a Rust value; for objects full of
//! free-form JSON (`serde_json::Value` maps, as unstructured objects and
//! Pequod's graphs are) that costs about nine times the object's JSON size.
//! Here each object is its JSON text compressed against a sample of its
//! kind ([`super::compact`]), so a cache of thousands of objects costs a
//! fraction of their JSON; a read pays one decompression and one decode
//! (microseconds and tens of microseconds for a typical object), which
//! reconciles can afford.

use std::collections::HashSet;
use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::{Arc, RwLock};

use kube::Resource;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher::Event;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use super::compact::Compressed;

/// The writer of a [`Store`] went away before the store was first filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cache's watch ended before it listed its objects")]
pub struct WriterDropped;

/// The cache key: `namespace/name` (`/name` for cluster-scoped objects);
/// neither part may contain a slash.
fn key(namespace: Option<&str>, name: &str) -> String {
    format!("{}/{name}", namespace.unwrap_or(""))
}

/// An object's place in a cache, `namespace/name`: what a controller's work
/// queue holds for each object, one small string whatever the kind (an
/// `ObjectRef` of an unstructured kind carries its whole `ApiResource`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(Arc<str>);

impl ObjectKey {
    /// The key of the object `namespace`/`name`.
    pub fn new(namespace: Option<&str>, name: &str) -> Self {
        Self(key(namespace, name).into())
    }
}

impl<K: Resource> From<&ObjectRef<K>> for ObjectKey {
    fn from(reference: &ObjectRef<K>) -> Self {
        Self::new(reference.namespace.as_deref(), &reference.name)
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Cluster-scoped objects print as their name.
        f.write_str(self.0.strip_prefix('/').unwrap_or(&self.0))
    }
}

impl Debug for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A read handle on a cache filled by a [`Writer`]. Clones share it.
pub struct Store<K> {
    objects: Arc<RwLock<Compressed>>,
    ready: watch::Receiver<bool>,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Store<K> {
    fn clone(&self) -> Self {
        Self {
            objects: Arc::clone(&self.objects),
            ready: self.ready.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> Debug for Store<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("objects", &self.len())
            .field("bytes", &self.bytes())
            .finish()
    }
}

impl<K> Store<K> {
    /// How many objects are cached.
    pub fn len(&self) -> usize {
        self.objects.read().map_or(0, |o| o.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the cache holds in bytes: keys, compressed objects and the
    /// dictionary they share.
    pub fn bytes(&self) -> usize {
        self.objects.read().map_or(0, |o| o.bytes())
    }

    /// Whether the first list has been stored.
    pub fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }

    /// Waits until the first list has been stored.
    pub async fn wait_until_ready(&self) -> Result<(), WriterDropped> {
        let mut ready = self.ready.clone();
        ready
            .wait_for(|ready| *ready)
            .await
            .map(|_| ())
            .map_err(|_| WriterDropped)
    }

    /// The object at `namespace`/`name`, decoded as `T` (the cached kind, or
    /// any type its JSON fits, such as `serde_json::Value`). An object that
    /// does not decode as `T` reads as absent.
    pub fn get_as<T: DeserializeOwned>(&self, namespace: Option<&str>, name: &str) -> Option<T> {
        self.decode(&key(namespace, name))
    }

    fn decode<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let json = self.objects.read().ok()?.get(key)?;
        serde_json::from_slice(&json).ok()
    }
}

impl<K> Store<K>
where
    K: Resource + DeserializeOwned,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    /// The cached object `reference` names.
    pub fn get(&self, reference: &ObjectRef<K>) -> Option<Arc<K>> {
        self.get_as(reference.namespace.as_deref(), &reference.name)
            .map(Arc::new)
    }

    /// The cached object at `key`.
    pub fn get_key(&self, key: &ObjectKey) -> Option<Arc<K>> {
        self.decode(&key.0).map(Arc::new)
    }

    /// Every cached object.
    pub fn state(&self) -> Vec<Arc<K>> {
        let Ok(objects) = self.objects.read() else {
            return Vec::new();
        };
        objects
            .values()
            .filter_map(|json| serde_json::from_slice(&json).ok())
            .map(Arc::new)
            .collect()
    }
}

/// Fills a [`Store`] from a watch's events. A relist's objects are stored as
/// they come, and what it did not list is dropped when it completes.
///
/// (kube's reflector buffers a relist and swaps it in at the end; but the
/// keys a relist emits are reconciled at once, and a worker reading an
/// object created while the watch was down would find it missing until the
/// swap, and drop its key for good.)
pub struct Writer<K> {
    store: Store<K>,
    ready: watch::Sender<bool>,
    /// The keys the relist in progress has stored.
    relist: Option<HashSet<Box<str>>>,
    /// Objects written so far, and at which count the object written
    /// becomes the dictionary.
    written: usize,
    next_sample: usize,
}

/// The dictionary is re-learnt at the 1st, 8th, 64th, 512th and 4096th
/// object written: later objects have been through more of their life
/// (statuses, annotations) and so are better samples; the schedule bounds
/// the re-encoding to a few passes over the cache.
const SAMPLE_GROWTH: usize = 8;
const LAST_SAMPLE: usize = 4096;

impl<K> Debug for Writer<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl<K> Default for Writer<K> {
    fn default() -> Self {
        let (ready, receiver) = watch::channel(false);
        Self {
            store: Store {
                objects: Arc::default(),
                ready: receiver,
                kind: PhantomData,
            },
            ready,
            relist: None,
            written: 0,
            next_sample: 1,
        }
    }
}

impl<K> Writer<K>
where
    K: Resource + Serialize,
{
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// A read handle on the cache.
    pub fn as_reader(&self) -> Store<K> {
        self.store.clone()
    }

    /// Applies one watch event.
    pub fn apply(&mut self, event: &Event<K>) {
        match event {
            Event::Init => {
                self.relist = Some(HashSet::new());
            }
            Event::InitApply(object) => self.write(object),
            Event::InitDone => {
                let listed = self.relist.take().unwrap_or_default();
                if let Ok(mut objects) = self.store.objects.write() {
                    objects.retain(|key| listed.contains(key));
                }
                self.ready.send_replace(true);
            }
            Event::Apply(object) => self.write(object),
            Event::Delete(object) => {
                let meta = object.meta();
                if let (Some(name), Ok(mut objects)) =
                    (meta.name.as_deref(), self.store.objects.write())
                {
                    objects.remove(key(meta.namespace.as_deref(), name).as_str());
                }
            }
        }
    }

    /// Stores `object`, noting it as listed during a relist.
    fn write(&mut self, object: &K) {
        let meta = object.meta();
        let Some(name) = meta.name.as_deref() else {
            return;
        };
        let Ok(json) = serde_json::to_vec(object) else {
            return;
        };
        let key = key(meta.namespace.as_deref(), name).into_boxed_str();
        self.written += 1;
        let sample = self.written == self.next_sample && self.next_sample <= LAST_SAMPLE;
        if sample {
            self.next_sample *= SAMPLE_GROWTH;
        }
        if let Some(listed) = &mut self.relist {
            listed.insert(key.clone());
        }
        if sample && let Ok(mut objects) = self.store.objects.write() {
            objects.learn(&json);
        }
        // Compressed under the read lock, so readers wait only for the insert.
        let Some(bytes) = self.store.objects.read().ok().map(|o| o.compress(&json)) else {
            return;
        };
        if let Ok(mut objects) = self.store.objects.write() {
            objects.insert_compressed(key, bytes);
        }
    }
}

/// Passes a watch's events through, applying each to `writer` first.
pub fn reflect<K, E, S>(
    mut writer: Writer<K>,
    events: S,
) -> impl futures::Stream<Item = Result<Event<K>, E>> + Send
where
    K: Resource + Serialize + Send + 'static,
    S: futures::Stream<Item = Result<Event<K>, E>> + Send,
{
    use futures::StreamExt;
    events.map(move |event| {
        if let Ok(event) = &event {
            writer.apply(event);
        }
        event
    })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::ObjectMeta;
    use kube::runtime::watcher::Event;

    use super::{Store, Writer};

    fn config_map(namespace: &str, name: &str, value: &str) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some(namespace.into()),
                ..ObjectMeta::default()
            },
            data: Some([("k".to_owned(), value.to_owned())].into()),
            ..ConfigMap::default()
        }
    }

    fn value(store: &Store<ConfigMap>, namespace: &str, name: &str) -> Option<String> {
        let reference = kube::runtime::reflector::ObjectRef::new(name).within(namespace);
        store
            .get(&reference)
            .and_then(|c| c.data.as_ref().and_then(|d| d.get("k").cloned()))
    }

    #[tokio::test]
    async fn relists_store_as_they_come_and_drop_the_unlisted_when_done() {
        let mut writer = Writer::<ConfigMap>::new();
        let store = writer.as_reader();
        assert!(!store.is_ready());
        writer.apply(&Event::Init);
        writer.apply(&Event::InitApply(config_map("a", "one", "1")));
        // Readable at once, but not ready until the list completes.
        assert_eq!(value(&store, "a", "one").as_deref(), Some("1"));
        assert!(!store.is_ready());
        writer.apply(&Event::InitDone);
        store.wait_until_ready().await.unwrap();
        assert_eq!(value(&store, "a", "one").as_deref(), Some("1"));
        // Same name in another namespace is another object.
        assert_eq!(value(&store, "b", "one"), None);

        writer.apply(&Event::Apply(config_map("a", "one", "2")));
        writer.apply(&Event::Apply(config_map("a", "two", "3")));
        assert_eq!(value(&store, "a", "one").as_deref(), Some("2"));
        assert_eq!(store.len(), 2);

        // A relist: what it lists is readable as soon as it comes (a key
        // it emits finds its object), what was deleted while the watch was
        // down stays until the list is complete, then goes.
        writer.apply(&Event::Init);
        writer.apply(&Event::InitApply(config_map("a", "two", "4")));
        writer.apply(&Event::InitApply(config_map("a", "three", "5")));
        assert_eq!(value(&store, "a", "three").as_deref(), Some("5"));
        assert_eq!(value(&store, "a", "one").as_deref(), Some("2"));
        writer.apply(&Event::InitDone);
        assert_eq!(value(&store, "a", "three").as_deref(), Some("5"));
        writer.apply(&Event::Delete(config_map("a", "three", "5")));
        assert_eq!(value(&store, "a", "one"), None);
        assert_eq!(value(&store, "a", "two").as_deref(), Some("4"));

        writer.apply(&Event::Delete(config_map("a", "two", "4")));
        assert!(store.state().is_empty());
        // What is kept is the compressed entries and the dictionary: the
        // first object's JSON.
        let sample = serde_json::to_vec(&config_map("a", "one", "1")).unwrap();
        assert_eq!(store.bytes(), sample.len());
    }

    #[tokio::test]
    async fn every_object_reads_back_across_dictionary_changes() {
        let mut writer = Writer::<ConfigMap>::new();
        let store = writer.as_reader();
        writer.apply(&Event::Init);
        for i in 0..5 {
            writer.apply(&Event::InitApply(config_map("a", &format!("o{i}"), "0")));
        }
        writer.apply(&Event::InitDone);
        // Past the 8th and 64th writes: the dictionary is learnt again and
        // what was stored before is re-encoded.
        for i in 0..100 {
            writer.apply(&Event::Apply(config_map(
                "a",
                &format!("o{i}"),
                &i.to_string(),
            )));
        }
        for i in 0..100 {
            assert_eq!(value(&store, "a", &format!("o{i}")), Some(i.to_string()));
        }
        // A relist keeps what it lists, across a dictionary change.
        writer.apply(&Event::Init);
        for i in 0..70 {
            writer.apply(&Event::InitApply(config_map("a", &format!("o{i}"), "r")));
        }
        writer.apply(&Event::InitDone);
        assert_eq!(store.len(), 70);
        assert!(
            store
                .state()
                .iter()
                .all(|c| c.data.as_ref().unwrap()["k"] == "r")
        );
    }

    #[tokio::test]
    async fn a_writer_gone_before_its_list_is_an_error() {
        let writer = Writer::<ConfigMap>::new();
        let store = writer.as_reader();
        drop(writer);
        assert!(store.wait_until_ready().await.is_err());
    }
}
