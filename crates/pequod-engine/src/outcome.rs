//! What a reconcile of a graph produced: its new status, the events to
//! record and when to look again. The engine records nothing itself; the
//! controller turns these into Kubernetes events and metrics.

use std::time::Duration;

use pequod_api::{GraphPhase, ResourceGraphStatus};

use crate::executor::condition;

/// Whether an event reports routine progress or a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Routine progress.
    Normal,
    /// Something needs attention.
    Warning,
}

/// An event about the graph, e.g. `ApplyFailed` or `ReadinessTimeout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    /// Normal or Warning.
    pub type_: EventType,
    /// The event reason (seed 004's names where they exist).
    pub reason: &'static str,
    /// What happened, naming the node and object.
    pub message: String,
}

impl EngineEvent {
    /// A Normal event.
    pub fn normal(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            type_: EventType::Normal,
            reason,
            message: message.into(),
        }
    }

    /// A Warning event.
    pub fn warning(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            type_: EventType::Warning,
            reason,
            message: message.into(),
        }
    }
}

/// One server-side apply: whether it worked and how long it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApplyRecord {
    /// The API server accepted it.
    pub ok: bool,
    /// Its duration in seconds.
    pub seconds: f64,
}

/// The result of [`Engine::reconcile`](crate::Engine::reconcile).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The graph's new status.
    pub status: ResourceGraphStatus,
    /// Events to record on the graph.
    pub events: Vec<EngineEvent>,
    /// Look again after this long (the graph is still progressing).
    pub requeue_after: Option<Duration>,
    /// How many objects were sent to the API server (and accepted).
    pub applied: usize,
    /// Every apply attempted, for metrics.
    pub applies: Vec<ApplyRecord>,
}

impl Outcome {
    /// A graph that cannot be executed at all: nothing is applied and what
    /// the previous status knew (notably the inventory) is kept.
    pub(crate) fn invalid(
        previous: ResourceGraphStatus,
        generation: Option<i64>,
        reason: &'static str,
        message: String,
    ) -> Self {
        let conditions = vec![
            condition(
                &previous,
                "Ready",
                ("False", reason, message.clone()),
                generation,
            ),
            condition(
                &previous,
                "Progressing",
                ("False", reason, message.clone()),
                generation,
            ),
        ];
        Self {
            status: ResourceGraphStatus {
                phase: Some(GraphPhase::Failed),
                observed_generation: generation,
                conditions,
                ..previous
            },
            events: vec![EngineEvent::warning(reason, message)],
            requeue_after: None,
            applied: 0,
            applies: Vec::new(),
        }
    }
}
