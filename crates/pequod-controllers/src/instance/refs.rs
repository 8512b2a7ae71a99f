//! References (`references.<id>` → `refs.<id>`): objects a module reads.
//! Each referenced kind is watched through the manager's shared cache, and
//! a change of a referenced object re-renders every instance referring to
//! it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use futures::stream::BoxStream;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use pequod_engine::KindResolver;
use pequod_runtime::cache::{Cache, Informer};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::render::Reference;

/// A referenced object: its resource, namespace and name.
type Key = (String, String, Option<String>, String);

/// What resolving an instance's references found.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The objects found, by reference id (`refs`).
    pub found: Map<String, Value>,
    /// The references not found, described for a condition.
    pub missing: Vec<String>,
}

/// The watches behind references, and who refers to what.
pub struct RefWatches {
    client: Client,
    cache: Cache,
    instances: ApiResource,
    /// Referenced object → the instances referring to it.
    referrers: Arc<Mutex<HashMap<Key, HashSet<ObjectRef<DynamicObject>>>>>,
    /// Instance → what it referred to last time (to forget stale links).
    referred: Mutex<HashMap<ObjectRef<DynamicObject>, Vec<Key>>>,
    /// Referenced resources watched so far, by API path.
    informers: Mutex<HashMap<String, Informer<DynamicObject>>>,
    wake: mpsc::UnboundedSender<ObjectRef<DynamicObject>>,
}

impl RefWatches {
    /// Watches for instances of `instances`; the stream names instances to
    /// reconcile because something they refer to changed.
    pub fn new(
        client: Client,
        cache: Cache,
        instances: ApiResource,
    ) -> (Self, BoxStream<'static, ObjectRef<DynamicObject>>) {
        let (wake, woken) = mpsc::unbounded_channel();
        let stream =
            futures::stream::unfold(
                woken,
                |mut rx| async move { rx.recv().await.map(|r| (r, rx)) },
            )
            .boxed();
        let watches = Self {
            client,
            cache,
            instances,
            referrers: Arc::default(),
            referred: Mutex::default(),
            informers: Mutex::default(),
            wake,
        };
        (watches, stream)
    }

    /// Reads what `instance` refers to (from the shared caches), and
    /// remembers the links so changes come back as reconciles.
    pub async fn resolve(
        &self,
        resolver: &KindResolver,
        instance: &DynamicObject,
        references: &[(String, Reference)],
    ) -> Result<Resolved, kube::Error> {
        let me = ObjectRef::from_obj_with(instance, self.instances.clone());
        let mut resolved = Resolved::default();
        let mut keys = Vec::new();
        for (id, reference) in references {
            let (group, version) = reference
                .api_version
                .split_once('/')
                .unwrap_or(("", &reference.api_version));
            let gvk = GroupVersionKind::gvk(group, version, &reference.kind);
            let describe = || {
                let ns = reference
                    .namespace
                    .as_deref()
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default();
                format!("{} {ns}{} ({id})", reference.kind, reference.name)
            };
            let kind = match resolver.resolve(&self.client, &gvk).await {
                Ok(kind) => kind,
                Err(_) => {
                    resolved
                        .missing
                        .push(format!("{}: the kind is not served", describe()));
                    continue;
                }
            };
            let namespace = kind.namespaced.then(|| {
                reference
                    .namespace
                    .clone()
                    .or_else(|| instance.namespace())
                    .unwrap_or_else(|| "default".to_owned())
            });
            let key: Key = (
                reference.api_version.clone(),
                reference.kind.clone(),
                namespace.clone(),
                reference.name.clone(),
            );
            keys.push(key);
            let informer = self.informer(&kind.resource);
            // The first reference to a kind waits for its cache to fill (a
            // watch that cannot start, e.g. for want of RBAC, does not hang
            // the reconcile).
            let synced = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                informer.store().wait_until_ready(),
            )
            .await;
            if !matches!(synced, Ok(Ok(()))) {
                resolved.missing.push(describe());
                continue;
            }
            match informer
                .store()
                .get_as::<Value>(namespace.as_deref(), &reference.name)
            {
                Some(value) => {
                    resolved.found.insert(id.clone(), value);
                }
                None => resolved.missing.push(match &namespace {
                    Some(ns) => format!("{} {ns}/{} ({id})", reference.kind, reference.name),
                    None => describe(),
                }),
            }
        }
        self.link(me, keys);
        Ok(resolved)
    }

    /// Forgets an instance's links (it is gone).
    pub fn forget(&self, instance: &DynamicObject) {
        let me = ObjectRef::from_obj_with(instance, self.instances.clone());
        self.link(me, Vec::new());
    }

    fn link(&self, me: ObjectRef<DynamicObject>, keys: Vec<Key>) {
        let (Ok(mut referred), Ok(mut referrers)) = (self.referred.lock(), self.referrers.lock())
        else {
            return;
        };
        for old in referred.remove(&me).unwrap_or_default() {
            if let Some(set) = referrers.get_mut(&old) {
                set.remove(&me);
                if set.is_empty() {
                    referrers.remove(&old);
                }
            }
        }
        for key in &keys {
            referrers.entry(key.clone()).or_default().insert(me.clone());
        }
        if !keys.is_empty() {
            referred.insert(me, keys);
        }
    }

    /// The shared informer of `resource`, subscribed to on first use.
    fn informer(&self, resource: &ApiResource) -> Informer<DynamicObject> {
        let api: Api<DynamicObject> = Api::all_with(self.client.clone(), resource);
        let path = api.resource_url().to_owned();
        let Ok(mut informers) = self.informers.lock() else {
            return self.cache.informer(api, watcher::Config::default());
        };
        if let Some(informer) = informers.get(&path) {
            return informer.clone();
        }
        let informer = self.cache.informer(api, watcher::Config::default());
        let mut changes = informer.subscribe();
        let referrers = Arc::clone(&self.referrers);
        let wake = self.wake.clone();
        let (api_version, kind) = (resource.api_version.clone(), resource.kind.clone());
        tokio::spawn(async move {
            while let Some(object) = changes.next().await {
                let key: Key = (
                    api_version.clone(),
                    kind.clone(),
                    object.namespace(),
                    object.name_any(),
                );
                let targets: Vec<ObjectRef<DynamicObject>> = referrers
                    .lock()
                    .map(|r| r.get(&key).map(|s| s.iter().cloned().collect()))
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                for target in targets {
                    // The instance controller is gone: so is the need to watch.
                    if wake.send(target).is_err() {
                        return;
                    }
                }
            }
        });
        informers.insert(path, informer.clone());
        informer
    }
}

impl std::fmt::Debug for RefWatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefWatches")
            .field("instances", &self.instances.kind)
            .finish_non_exhaustive()
    }
}
