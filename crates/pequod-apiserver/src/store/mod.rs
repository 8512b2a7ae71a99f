//! Object semantics on top of [`Storage`]: what kube-apiserver's generic
//! registry does between a decoded request and etcd — metadata, generation,
//! optimistic concurrency, status and scale subresources, patches and
//! server-side apply, defaulting, pruning and validation, finalizers,
//! garbage collection and namespace deletion.

mod admit;
mod builtin_rules;
mod codec;
mod crds;
mod delete;
mod follow;
mod gc;
mod owners;
mod read;
mod watch;
mod write;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::mpsc;

pub use delete::DeleteOptions;
pub use watch::WatchEvents;
pub use write::{PatchKind, Written};

use crate::registry::{Registry, Resource};
use crate::schema::Schema;
use crate::storage::{Key, KeyRange, Storage};

/// Behaviour that differs between deployments of the server.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// No kubelet or controller-manager runs: workload kinds get the status
    /// they would converge to as soon as they are stored.
    pub simulate_workloads: bool,
    /// How often an open watch gets a bookmark when it asked for them.
    pub bookmark_interval: std::time::Duration,
    /// Other servers write to the same storage (PostgreSQL): follow the log
    /// to keep the served CRDs and the garbage collector's index current.
    pub follow_log: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            simulate_workloads: true,
            bookmark_interval: std::time::Duration::from_secs(60),
            follow_log: false,
        }
    }
}

/// The object store the HTTP layer calls.
pub struct Store<S> {
    storage: Arc<S>,
    registry: Arc<Registry>,
    options: StoreOptions,
    schemas: Mutex<HashMap<(String, String, String), Arc<Schema>>>,
    owners: owners::OwnerIndex,
    gc: mpsc::UnboundedSender<gc::Work>,
    gc_rx: Mutex<Option<mpsc::UnboundedReceiver<gc::Work>>>,
    /// The revision the registry and owner index were loaded at: where
    /// following the log starts.
    loaded_at: crate::storage::Revision,
}

impl<S> std::fmt::Debug for Store<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Where an object lives: its resource, namespace and name.
pub(crate) fn key(res: &Resource, ns: Option<&str>, name: &str) -> Key {
    Key::new(&res.group, &res.plural, ns.filter(|_| res.namespaced), name)
}

/// Every object of a resource, in one namespace when given.
pub(crate) fn range(res: &Resource, ns: Option<&str>) -> KeyRange {
    KeyRange::new(&res.group, &res.plural, ns.filter(|_| res.namespaced))
}

impl<S: Storage> Store<S> {
    /// A store over `storage`, loading the CRDs already stored.
    pub async fn open(
        storage: Arc<S>,
        options: StoreOptions,
    ) -> Result<Arc<Self>, crate::api::error::ApiError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let loaded_at = storage
            .revision()
            .await
            .map_err(|e| crate::api::error::ApiError::internal(e.to_string()))?;
        let store = Arc::new(Self {
            storage,
            registry: Arc::new(Registry::new()),
            options,
            schemas: Mutex::new(HashMap::new()),
            owners: owners::OwnerIndex::default(),
            gc: tx,
            gc_rx: Mutex::new(Some(rx)),
            loaded_at,
        });
        store.load_crds().await?;
        store.load_owners().await?;
        store.bootstrap().await?;
        Ok(store)
    }

    /// Creates what every cluster has: the `default`, `kube-system`,
    /// `kube-public` and `kube-node-lease` namespaces.
    async fn bootstrap(&self) -> Result<(), crate::api::error::ApiError> {
        let Some(namespaces) = self.registry.get("", "v1", "namespaces") else {
            return Ok(());
        };
        let opts = Self::internal_write("kube-apiserver");
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let ns = serde_json::json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } });
            match self.create(&namespaces, None, ns, &opts).await {
                Err(e) if e.code != 409 => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    /// The resources served.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The underlying storage.
    pub fn storage(&self) -> &Arc<S> {
        &self.storage
    }

    /// The structural schema of a resource (cached).
    pub(crate) fn schema(&self, res: &Resource) -> Arc<Schema> {
        let id = (res.group.clone(), res.version.clone(), res.plural.clone());
        let mut cache = match self.schemas.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        if let Some(s) = cache.get(&id) {
            return s.clone();
        }
        let schema = match &res.crd_schema {
            Some(v) => crate::schema::crd_schema(v).unwrap_or_else(|_| Schema::any()),
            None => crate::schema::builtin_schema(&res.group, &res.version, &res.kind)
                .unwrap_or_else(Schema::any),
        };
        cache.insert(id, schema.clone());
        schema
    }

    fn forget_schemas(&self, group: &str, plural: &str) {
        let mut cache = match self.schemas.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        cache.retain(|(g, _, p), _| !(g == group && p == plural));
    }

    /// Starts the background work: garbage collection, namespace and CRD
    /// cleanup. Call once, inside a Tokio runtime.
    pub fn spawn_background(self: &Arc<Self>) {
        let rx = match self.gc_rx.lock() {
            Ok(mut g) => g.take(),
            Err(p) => p.into_inner().take(),
        };
        if let Some(rx) = rx {
            let store = self.clone();
            tokio::spawn(async move { store.run_gc(rx).await });
            if self.options.follow_log {
                let store = self.clone();
                tokio::spawn(async move { store.follow_log().await });
            }
        }
    }
}

/// Sets `kind` and `apiVersion` of an object served as `res`.
pub(crate) fn set_type(obj: &mut Value, res: &Resource) {
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(res.api_version()));
        m.insert("kind".into(), Value::String(res.kind.clone()));
    }
}
