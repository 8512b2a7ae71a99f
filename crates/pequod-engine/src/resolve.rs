//! From a kind to the API resource that serves it, through discovery.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::Client;
use kube::api::{ApiResource, GroupVersionKind};
use kube::discovery::{ApiCapabilities, Scope};

/// A served kind: how to reach it and whether it lives in namespaces.
#[derive(Debug, Clone)]
pub struct ResolvedKind {
    /// The resource (plural, group, version) serving the kind.
    pub resource: ApiResource,
    /// Whether objects of the kind live in namespaces.
    pub namespaced: bool,
}

/// Resolves kinds by discovery, remembering the answers. A miss asks again,
/// so kinds whose CRDs appear later (even in the same graph) resolve then.
#[derive(Debug, Default)]
pub struct KindResolver {
    cache: Mutex<HashMap<GroupVersionKind, ResolvedKind>>,
}

impl KindResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// The resource serving `gvk`, or the discovery error (a kind that is
    /// not served gives `kube::Error::Discovery`).
    pub async fn resolve(
        &self,
        client: &Client,
        gvk: &GroupVersionKind,
    ) -> Result<ResolvedKind, kube::Error> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(gvk).cloned()) {
            return Ok(hit);
        }
        let (resource, caps): (ApiResource, ApiCapabilities) =
            kube::discovery::pinned_kind(client, gvk).await?;
        let resolved = ResolvedKind {
            resource,
            namespaced: caps.scope == Scope::Namespaced,
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(gvk.clone(), resolved.clone());
        }
        Ok(resolved)
    }

    /// Forgets `gvk`, e.g. after its CRD was deleted.
    pub fn forget(&self, gvk: &GroupVersionKind) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(gvk);
        }
    }
}
