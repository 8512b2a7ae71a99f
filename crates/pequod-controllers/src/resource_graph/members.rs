//! Watches on the objects graphs own, so a change made by someone else to a
//! member wakes its graph at once. One metadata-only watch per kind,
//! started the first time a graph owns an object of that kind.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use futures::channel::mpsc;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use pequod_api::ResourceGraph;
use pequod_engine::applyset::PART_OF_LABEL;

/// Maps applyset ids to graphs and keeps one watch per member kind.
#[derive(Clone)]
pub(crate) struct MemberWatches {
    client: Client,
    owners: Arc<Mutex<HashMap<String, ObjectRef<ResourceGraph>>>>,
    watched: Arc<Mutex<HashSet<GroupVersionKind>>>,
    trigger: mpsc::UnboundedSender<ObjectRef<ResourceGraph>>,
}

impl MemberWatches {
    /// The watches and the stream of graphs they wake.
    pub(crate) fn new(client: Client) -> (Self, mpsc::UnboundedReceiver<ObjectRef<ResourceGraph>>) {
        let (trigger, wakeups) = mpsc::unbounded();
        let watches = Self {
            client,
            owners: Arc::default(),
            watched: Arc::default(),
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
            owners.insert(applyset_id.to_owned(), graph);
        }
        for (gvk, resource) in kinds {
            let new = self.watched.lock().is_ok_and(|mut w| w.insert(gvk.clone()));
            if new {
                tokio::spawn(self.clone().watch(gvk, resource));
            }
        }
    }

    /// Forgets a deleted graph.
    pub(crate) fn forget(&self, applyset_id: &str) {
        if let Ok(mut owners) = self.owners.lock() {
            owners.remove(applyset_id);
        }
    }

    async fn watch(self, gvk: GroupVersionKind, resource: ApiResource) {
        // Metadata only: the label is all that is needed, and it keeps the
        // watch cheap whatever the size of the objects.
        let api: Api<PartialObjectMeta<DynamicObject>> =
            Api::all_with(self.client.clone(), &resource);
        let config = watcher::Config::default().labels(PART_OF_LABEL);
        let mut events = watcher::watcher(api, config).boxed();
        tracing::debug!(kind = %gvk.kind, group = %gvk.group, "watching graph members");
        while let Some(event) = events.next().await {
            let object = match event {
                Ok(Event::Apply(o) | Event::Delete(o) | Event::InitApply(o)) => o,
                Ok(Event::Init | Event::InitDone) => continue,
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
            let owner = self.owners.lock().ok().and_then(|o| o.get(id).cloned());
            if let Some(graph) = owner
                && self.trigger.unbounded_send(graph).is_err()
            {
                return; // the controller is gone
            }
        }
    }
}
