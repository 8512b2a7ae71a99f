//! Watches on the objects graphs own. One watch per kind, started the first
//! time a graph owns an object of that kind, serves two purposes: a change
//! made by someone else to a member wakes its graph at once (drift is
//! reverted in seconds), and the watched objects form the cache the engine
//! reads in steady state instead of asking the API server for every node.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use futures::channel::mpsc;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, TypeMeta};
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use pequod_api::ResourceGraph;
use pequod_engine::LiveCache;
use pequod_engine::applyset::PART_OF_LABEL;
use pequod_runtime::cache::{Store, Writer, reflect};
use serde_json::Value;

/// The objects of one watched kind, kept as compact JSON.
struct KindCache {
    store: Store<DynamicObject>,
    synced: Arc<AtomicBool>,
    started: std::time::Instant,
}

/// Maps applyset ids to graphs and keeps one watch (and cache) per member kind.
#[derive(Clone)]
pub(crate) struct MemberWatches {
    client: Client,
    /// One entry per graph: kept small (no uid or resourceVersion).
    owners: Arc<Mutex<HashMap<Box<str>, ObjectRef<ResourceGraph>>>>,
    kinds: Arc<Mutex<HashMap<GroupVersionKind, KindCache>>>,
    trigger: mpsc::UnboundedSender<ObjectRef<ResourceGraph>>,
}

impl MemberWatches {
    /// The watches and the stream of graphs they wake.
    pub(crate) fn new(client: Client) -> (Self, mpsc::UnboundedReceiver<ObjectRef<ResourceGraph>>) {
        let (trigger, wakeups) = mpsc::unbounded();
        let watches = Self {
            client,
            owners: Arc::default(),
            kinds: Arc::default(),
            trigger,
        };
        (watches, wakeups)
    }

    /// Records that `applyset_id` is `graph`'s, and makes sure every kind in
    /// `kinds` is watched.
    pub(crate) fn track(
        &self,
        applyset_id: &str,
        graph: ObjectRef<ResourceGraph>,
        kinds: impl IntoIterator<Item = (GroupVersionKind, ApiResource)>,
    ) {
        if let Ok(mut owners) = self.owners.lock() {
            let mut graph = graph;
            // Only the name is needed to requeue; uid and version strings would be kept per graph.
            graph.extra.uid = None;
            graph.extra.resource_version = None;
            owners.insert(applyset_id.into(), graph);
        }
        let Ok(mut watched) = self.kinds.lock() else {
            return;
        };
        for (gvk, resource) in kinds {
            if watched.contains_key(&gvk) {
                continue;
            }
            let writer = Writer::new();
            let synced = Arc::new(AtomicBool::new(false));
            watched.insert(
                gvk.clone(),
                KindCache {
                    store: writer.as_reader(),
                    synced: Arc::clone(&synced),
                    started: std::time::Instant::now(),
                },
            );
            tokio::spawn(self.clone().watch(gvk, resource, writer, synced));
        }
    }

    /// Forgets a deleted graph.
    /// Waits until the watches started less than `patience` ago have
    /// listed their objects, so that the reconciles right after a start
    /// read members from the cache instead of one GET each. A watch that
    /// cannot list (no RBAC for its kind) delays nobody past `patience`.
    pub(crate) async fn wait_synced(&self, patience: std::time::Duration) {
        loop {
            let waiting = self.kinds.lock().is_ok_and(|kinds| {
                kinds
                    .values()
                    .any(|c| !c.synced.load(Ordering::Acquire) && c.started.elapsed() < patience)
            });
            if !waiting {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub(crate) fn forget(&self, applyset_id: &str) {
        if let Ok(mut owners) = self.owners.lock() {
            owners.remove(applyset_id);
        }
    }

    async fn watch(
        self,
        gvk: GroupVersionKind,
        resource: ApiResource,
        writer: Writer<DynamicObject>,
        synced: Arc<AtomicBool>,
    ) {
        let api: Api<DynamicObject> = Api::all_with(self.client.clone(), &resource);
        let config = watcher::Config::default().labels(PART_OF_LABEL);
        // managedFields are most of an object's size and never read here.
        // Items of a list carry no apiVersion and kind; the engine compares
        // whole objects, so they are put back.
        let types = TypeMeta {
            api_version: resource.api_version.clone(),
            kind: resource.kind.clone(),
        };
        let stream = watcher::watcher(api, config).modify(move |o| {
            o.metadata.managed_fields = None;
            o.types = Some(types.clone());
        });
        let mut events = reflect(writer, stream).boxed();
        tracing::debug!(kind = %gvk.kind, group = %gvk.group, "watching graph members");
        while let Some(event) = events.next().await {
            let object = match event {
                Ok(Event::Apply(o) | Event::Delete(o) | Event::InitApply(o)) => o,
                Ok(Event::InitDone) => {
                    synced.store(true, Ordering::Release);
                    continue;
                }
                Ok(Event::Init) => continue,
                Err(e) => {
                    // The watcher retries by itself; a kind whose CRD went away
                    // keeps failing until it comes back, which is harmless.
                    tracing::debug!(kind = %gvk.kind, error = %e, "member watch error");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            let Some(id) = object.labels().get(PART_OF_LABEL) else {
                continue;
            };
            let owner = self
                .owners
                .lock()
                .ok()
                .and_then(|o| o.get(id.as_str()).cloned());
            if let Some(graph) = owner
                && self.trigger.unbounded_send(graph).is_err()
            {
                return; // the controller is gone
            }
        }
    }
}

impl LiveCache for MemberWatches {
    fn cached(&self, resource: &ApiResource, namespace: Option<&str>, name: &str) -> Option<Value> {
        let gvk = GroupVersionKind::gvk(&resource.group, &resource.version, &resource.kind);
        let kinds = self.kinds.lock().ok()?;
        let cache = kinds
            .get(&gvk)
            .filter(|c| c.synced.load(Ordering::Acquire))?;
        cache.store.get_as(namespace, name)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test fails by panicking"
    )]

    use std::time::Duration;

    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::Api;
    use kube::api::{ApiResource, GroupVersionKind, PostParams};
    use kube::runtime::reflector::ObjectRef;
    use pequod_engine::LiveCache;
    use pequod_engine::applyset::PART_OF_LABEL;
    use pequod_testing::{Backend, TestCluster, eventually, on_every_backend};
    use serde_json::json;

    use super::MemberWatches;

    /// The engine trusts a cached member only when it equals what it saw
    /// applied, whole: an object listed without its apiVersion and kind (as
    /// list items come) sent every steady-state reconcile to the server.
    async fn cached_members_are_whole_objects(backend: Backend) {
        let cluster = TestCluster::of(backend).unwrap();
        let client = cluster.client().await.unwrap();
        let ns = cluster.create_namespace(&client, "members").await.unwrap();
        let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
        let listed: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": "listed", "labels": {PART_OF_LABEL: "applyset-x"}},
            "data": {"a": "1"}
        }))
        .unwrap();
        config_maps
            .create(&PostParams::default(), &listed)
            .await
            .unwrap();

        let (members, _wakeups) = MemberWatches::new(client.clone());
        let resource = ApiResource::erase::<ConfigMap>(&());
        let graph = ObjectRef::new("graph").within(&ns);
        members.track(
            "applyset-x",
            graph,
            [(
                GroupVersionKind::gvk("", "v1", "ConfigMap"),
                resource.clone(),
            )],
        );
        members.wait_synced(Duration::from_secs(10)).await;
        let mut watched = listed.clone();
        watched.metadata.name = Some("watched".into());
        config_maps
            .create(&PostParams::default(), &watched)
            .await
            .unwrap();

        for name in ["listed", "watched"] {
            let object = eventually(
                "the member in the cache",
                Duration::from_secs(10),
                || async { members.cached(&resource, Some(&ns), name) },
            )
            .await;
            assert_eq!(object["apiVersion"], "v1", "{name}");
            assert_eq!(object["kind"], "ConfigMap", "{name}");
            assert_eq!(object["data"]["a"], "1");
            assert!(object["metadata"].get("managedFields").is_none());
        }
    }

    on_every_backend!(cached_members_are_whole_objects);
}
