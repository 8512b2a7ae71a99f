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
pub mod postgres;
mod wait;

pub use cluster::{Backend, KUBE_APISERVER_KUBECONFIG_ENV, TestCluster};
pub use error::Error;
pub use kubectl::kubectl_for;
pub use names::unique_name;
pub use oracle::cue_oracle;
pub use wait::eventually;

/// Expands each named `async fn(Backend)` scenario of the calling module into
/// a module of the same name with one `#[tokio::test]` per backend
/// (`kube_apiserver`, `embedded`), so one test proves a behaviour on both.
#[macro_export]
macro_rules! on_every_backend {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn kube_apiserver() {
                super::$test($crate::Backend::KubeApiserver).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                super::$test($crate::Backend::Embedded).await;
            }
        }
    )*};
}
