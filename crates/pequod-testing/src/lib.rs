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

/// The checkout the running test belongs to: found from the
/// `CARGO_MANIFEST_DIR` cargo sets when it runs a test, not the one baked in
/// at compile time, since a shared target dir reuses a build across checkouts.
pub fn workspace_root() -> std::path::PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        Into::into,
    );
    start
        .ancestors()
        .find(|dir| dir.join("test/kube-apiserver/run").is_file())
        .map_or(start.clone(), std::path::Path::to_path_buf)
}
