//! The Kubernetes API protocol: errors, names, request paths and query
//! parameters, object metadata.

pub mod error;
pub mod meta;
pub mod names;
pub mod query;
pub mod request;
