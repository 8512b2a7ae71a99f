//! Pequod's engine: the graph model, DAG waves, readiness rules and apply/prune/delete
//! against any Kubernetes API through `kube::Client`.
//!
//! Start with [`dag::Dag`], built from `(id, dependsOn)` pairs: it rejects duplicate ids,
//! unknown or self dependencies and cycles (naming the cycle), and hands out the apply
//! [`waves`](dag::Dag::waves) and their reverse for deletion. Then
//! [`readiness::evaluate`] decides whether a live object is ready, with rules equivalent
//! to kstatus for the built-in kinds and the generic `Ready`-condition rule for the rest;
//! [`readiness::ReadinessOverride`] is where a node's `readyWhen` plugs in.
//!
//! Both modules are pure: no cluster, no clock, no I/O.

pub mod dag;
pub mod readiness;
