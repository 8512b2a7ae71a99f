//! Pequod's engine: the graph model, DAG waves, readiness rules and
//! apply/prune/delete against any Kubernetes API through `kube::Client`.
//!
//! Start with [`Engine`]: [`Engine::reconcile`] drives a
//! [`ResourceGraph`](pequod_api::ResourceGraph) one step toward its desired
//! state (waves from [`dag::Dag`], server-side apply, readiness from
//! [`readiness`], adoption, drift correction, pruning) and returns an
//! [`Outcome`]: the graph's new status, events and when to look again.
//! [`Engine::delete`] takes a graph down in reverse wave order. The engine
//! never knows which server it talks to, records nothing itself and never
//! panics on bad input: an invalid graph is a `Failed` status with nothing
//! applied.
//!
//! [`dag`] and [`readiness`] are pure (no cluster, no clock, no I/O) and
//! usable on their own.

mod adoption;
pub mod applyset;
pub mod dag;
mod delete;
pub mod duration;
mod executor;
pub mod hash;
mod live_cache;
mod outcome;
mod prune;
pub mod readiness;
mod resolve;
mod target;

pub use adoption::{AdoptionDecision, decide as decide_adoption};
pub use executor::{Engine, EngineConfig};
pub use live_cache::LiveCache;
pub use outcome::{ApplyRecord, EngineEvent, EventType, Outcome};
pub use resolve::{KindResolver, ResolvedKind};
pub use target::{Target, TargetError};
