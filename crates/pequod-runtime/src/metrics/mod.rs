//! Prometheus metrics: one [`Metrics`] registry holding the controller-runtime
//! compatible families and Pequod's own, with typed handles to record them.
//!
//! The families are registered once; handles ([`ControllerMetrics`],
//! [`QueueMetrics`], [`PequodMetrics`]) are cheap clones sharing the same
//! atomics. [`Metrics::encode`] renders the text exposition.

mod families;
mod pequod;

use std::sync::Arc;

use prometheus_client::encoding::text;
use prometheus_client::registry::Registry;

pub use families::{ControllerMetrics, QueueMetrics, ReconcileResult};
pub use pequod::{ApplyResult, PequodMetrics};

use families::{ControllerFamilies, LeaderFamilies, QueueFamilies};

/// The content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A metrics registry with every family of the runtime registered.
///
/// Cloning shares the registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    controllers: ControllerFamilies,
    queues: QueueFamilies,
    leader: LeaderFamilies,
    pequod: PequodMetrics,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry holding the runtime's families.
    pub fn new() -> Self {
        Self::with_registry(Registry::default())
    }

    /// Adds the runtime's families to `registry`, which may already hold the
    /// caller's own metrics, and takes it over.
    pub fn with_registry(mut registry: Registry) -> Self {
        let controllers = ControllerFamilies::register(&mut registry);
        let queues = QueueFamilies::register(&mut registry);
        let leader = LeaderFamilies::register(&mut registry);
        let pequod = PequodMetrics::register(&mut registry);
        Self {
            inner: Arc::new(Inner {
                registry,
                controllers,
                queues,
                leader,
                pequod,
            }),
        }
    }

    /// The `controller_runtime_*` handles of the controller named `name`.
    pub fn controller(&self, name: &str) -> ControllerMetrics {
        self.inner.controllers.for_controller(name)
    }

    /// The `workqueue_*` handles of the queue named `name`.
    pub fn queue(&self, name: &str) -> QueueMetrics {
        self.inner.queues.for_queue(name)
    }

    /// Sets `leader_election_master_status{name}`: 1 while leading, else 0.
    pub fn set_leader(&self, name: &str, leading: bool) {
        self.inner.leader.set(name, leading);
    }

    /// Pequod's own `pequod_*` metrics.
    pub fn pequod(&self) -> &PequodMetrics {
        &self.inner.pequod
    }

    /// The whole registry in the text exposition format (OpenMetrics, which
    /// Prometheus scrapes natively); see [`CONTENT_TYPE`].
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = text::encode(&mut out, &self.inner.registry);
        out
    }
}

#[cfg(test)]
mod tests;
