//! Test clusters for Pequod's integration tests.
//!
//! Start with [`TestCluster::kube_apiserver`]: the real kube-apiserver and
//! kube-controller-manager of `test/kube-apiserver/`, started once per test
//! binary (or shared by a whole test run through
//! `PEQUOD_TEST_KUBE_APISERVER_KUBECONFIG`) and reused by every test in it.
//! Tests isolate themselves with [`TestCluster::create_namespace`] and
//! [`unique_name`]; each test asks for its own [`kube::Client`] because a
//! client belongs to the async runtime that made it.

mod cluster;
mod embedded;
mod error;
pub mod fixtures;
mod harness;
mod kubectl;
pub mod kubelet;
pub mod measure;
mod names;
mod oracle;
mod wait;

pub use cluster::{Backend, KUBE_APISERVER_KUBECONFIG_ENV, TestCluster};
pub use error::Error;
pub use names::unique_name;
pub use oracle::cue_oracle;
pub use wait::eventually;
