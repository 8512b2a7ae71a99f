//! The Transform side: publishing a CUE module's `#Spec` as a generated
//! kind. [`crd::generated_crd`] builds the CRD; [`compat::breaking_changes`]
//! refuses a new schema that would break existing instances.

mod cache;
pub mod compat;
pub mod controller;
pub mod crd;

pub use cache::ModuleCache;
