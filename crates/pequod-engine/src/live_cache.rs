//! A cache of live objects the engine may read instead of the API server.
//!
//! Reading every node from the API server on every reconcile bounds a
//! steady-state reconcile by round trips. A controller that watches the
//! objects graphs own can hand the engine its cache; the engine trusts it
//! only when the cached object looks unchanged, and reads the API server
//! whenever the cache has nothing or shows a difference (possible drift, a
//! candidate for adoption), so a stale cache costs a request, never a wrong
//! decision.

use kube::api::ApiResource;
use serde_json::Value;

/// Live objects by resource, namespace and name.
pub trait LiveCache: Send + Sync {
    /// The cached object, or `None` when it is not cached (or the cache of
    /// its kind is not synced yet).
    fn cached(&self, resource: &ApiResource, namespace: Option<&str>, name: &str) -> Option<Value>;
}
