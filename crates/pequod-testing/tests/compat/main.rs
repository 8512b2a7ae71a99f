//! The API compatibility suite: one set of Kubernetes API behaviour tests
//! run against every server Pequod's tests know, so that the embedded API
//! server is held to what the real kube-apiserver does.
//!
//! Each test is an `async fn(Ctx)` in the module of its area; [`backends!`]
//! turns it into one `#[tokio::test]` per backend, named
//! `<area>::<test>::<backend>` (`cargo test --test compat kube_apiserver`
//! runs one backend).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::time::Duration;

use kube::Client;
use pequod_testing::{Error, TestCluster, unique_name};

/// Expands each named `async fn(Ctx)` of the calling module into a module of
/// the same name holding one `#[tokio::test]` per backend.
macro_rules! backends {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn kube_apiserver() {
                let ctx = crate::Ctx::new(pequod_testing::TestCluster::kube_apiserver()).await;
                super::$test(ctx).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let ctx = crate::Ctx::new(pequod_testing::TestCluster::embedded()).await;
                super::$test(ctx).await;
            }
        }
    )*};
}

mod apply;
mod crd;
mod crud;
mod discovery;
mod errors;
mod gc;
mod kubectl;
mod list_watch;
mod patch;
mod raw;
mod semantics;
mod widget;

/// How long anything asynchronous (GC, namespace deletion, CRD
/// establishment) may take before a test fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What every test gets: the cluster under test and a client for it.
struct Ctx {
    cluster: &'static TestCluster,
    client: Client,
}

impl Ctx {
    async fn new(cluster: Result<&'static TestCluster, Error>) -> Self {
        let cluster = cluster.expect("test cluster");
        let client = cluster.client().await.expect("client");
        Self { cluster, client }
    }

    /// A fresh namespace for this test.
    async fn namespace(&self, prefix: &str) -> String {
        self.cluster
            .create_namespace(&self.client, prefix)
            .await
            .expect("namespace")
    }
}

/// An API group no other test uses, so tests never share a CRD.
fn unique_group() -> String {
    format!("{}.compat.pequod.io", unique_name("g"))
}

/// The `metav1.Status` of a failed call, or a panic naming what succeeded.
fn api_error<T: std::fmt::Debug>(result: kube::Result<T>) -> Box<kube::core::Status> {
    match result {
        Err(kube::Error::Api(status)) => status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Retries a command until it succeeds and returns its stdout: for kubectl
/// calls that wait on discovery catching up with a new CRD.
async fn eventually_ok<F: Future<Output = std::process::Output>>(
    mut attempt: impl FnMut() -> F,
) -> String {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let out = attempt().await;
        if out.status.success() {
            return String::from_utf8(out.stdout).unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still failing after {TIMEOUT:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
