//! The instance side: rendering an instance of a generated kind through its
//! platform module into a ResourceGraph (`docs/module-contract.md`).

pub mod controller;
pub mod render;
