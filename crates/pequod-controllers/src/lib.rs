//! Pequod's controllers: Transform, instance, ResourceGraph and action reconcilers.
//!
//! Start with [`resource_graph::run`]: the ResourceGraph controller, which
//! drives every graph through [`pequod_engine::Engine`], keeps a finalizer
//! for ordered deletion, records events and watches the objects graphs own
//! so that changes made by others are seen (and reverted) within seconds.

pub mod action_reconciler;
pub mod actions;
pub mod instance;
pub mod modules;
pub mod resource_graph;
pub mod transform;
pub mod webhooks;
