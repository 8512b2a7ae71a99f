//! Caches shared by the controllers of one manager: one watch per kind,
//! namespace and selector, however many controllers read it.
//!
//! [`Cache::informer`] hands out an [`Informer`]: a cache stripped of
//! `managedFields` and a stream of changes per subscriber. Two controllers
//! asking for the same kind get the same informer, and so one watch and one
//! copy of every object. Controllers created while the process runs (as
//! Pequod's instance controllers are) join an informer that is already
//! synced and are sent what it holds.
//!
//! Objects are held by a [`Store`] as compressed JSON and decoded on read;
//! [`reflect`] fills one from any watch, for caches kept outside a manager.

mod compact;
mod informer;
mod store;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::{Arc, Mutex, Weak};

use kube::Resource;
use kube::api::Api;
use kube::runtime::watcher;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use informer::{Informer, Update};
pub use store::{ObjectKey, Store, Writer, WriterDropped, reflect};

/// What makes two watches the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    kind: TypeId,
    url: String,
    labels: Option<String>,
    fields: Option<String>,
}

/// A registered informer, held weakly: it runs only while someone uses it.
struct Entry {
    /// A `Weak<Shared<K>>`.
    weak: Box<dyn Any + Send + Sync>,
    alive: Box<dyn Fn() -> bool + Send + Sync>,
}

/// The informers of one manager. Clones share them.
#[derive(Clone, Default)]
pub struct Cache {
    informers: Arc<Mutex<HashMap<Key, Entry>>>,
}

impl Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("informers", &self.len())
            .finish()
    }
}

impl Cache {
    /// An empty set of informers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The informer of what `api` and `config` select, started on first
    /// use. Later callers share it (and the first caller's `config`).
    pub fn informer<K>(&self, api: Api<K>, config: watcher::Config) -> Informer<K>
    where
        K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
        K::DynamicType: Eq + Hash + Clone + Send + Sync + Unpin,
    {
        let key = Key {
            kind: TypeId::of::<K>(),
            url: api.resource_url().to_owned(),
            labels: config.label_selector.clone(),
            fields: config.field_selector.clone(),
        };
        let Ok(mut informers) = self.informers.lock() else {
            // A poisoned registry: a watch of one's own still works.
            return Informer::start(api, config);
        };
        let existing = informers
            .get(&key)
            .and_then(|entry| entry.weak.downcast_ref::<Weak<informer::Shared<K>>>())
            .and_then(Informer::upgrade);
        if let Some(informer) = existing {
            return informer;
        }
        informers.retain(|_, entry| (entry.alive)());
        let informer = Informer::start(api, config);
        let weak = informer.downgrade();
        let probe = weak.clone();
        informers.insert(
            key,
            Entry {
                weak: Box::new(weak),
                alive: Box::new(move || probe.strong_count() > 0),
            },
        );
        informer
    }

    /// How many informers are in use.
    pub fn len(&self) -> usize {
        self.informers
            .lock()
            .map(|i| i.values().filter(|e| (e.alive)()).count())
            .unwrap_or(0)
    }

    /// Whether no informer is in use.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests;
