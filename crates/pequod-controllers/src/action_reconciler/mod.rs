//! Action reconcilers: objects of a kind reconciled by running an action
//! (seed 001, no8s), with a lifecycle in `status`, conditions, outputs,
//! backoff, resyncs for drift, a finalizer for the destroy action, and one
//! Reconciliation record per attempt.

pub mod controller;
pub mod history;
pub mod lifecycle;
pub mod resource;
