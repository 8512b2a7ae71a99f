//! The instance side: rendering an instance of a generated kind through its
//! platform module into a ResourceGraph (`docs/module-contract.md`), with
//! the objects it references ([`refs`]) and the manifests it fetches
//! ([`fetch`]).

pub mod controller;
pub mod fetch;
pub mod refs;
pub mod render;
