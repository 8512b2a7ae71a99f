//! What the controller tests share: a test cluster with Pequod's CRDs, and
//! a manager running the controllers a test asks for.

#![allow(dead_code, reason = "each test binary uses part of the helpers")]

use kube::Client;
use pequod_runtime::manager::{Manager, ManagerConfig};
use pequod_testing::{Backend, TestCluster};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The cluster of `backend` with Pequod's CRDs, a client, and a namespace
/// of the test's own named after `prefix`.
pub(crate) async fn setup(
    backend: Backend,
    prefix: &str,
) -> (&'static TestCluster, Client, String) {
    let cluster = TestCluster::of(backend).unwrap();
    let client = cluster.client().await.unwrap();
    cluster
        .apply_crds(&client, &pequod_api::crds())
        .await
        .unwrap();
    let ns = cluster.create_namespace(&client, prefix).await.unwrap();
    (cluster, client, ns)
}

/// A running manager; [`Operator::stop`] shuts it down and checks it
/// stopped cleanly.
pub(crate) struct Operator {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), pequod_runtime::Error>>,
}

/// Starts a manager (no metrics or probe servers) with the controllers
/// `add` puts in it.
pub(crate) async fn start(client: &Client, add: impl FnOnce(&mut Manager)) -> Operator {
    let mut manager = Manager::new(
        client.clone(),
        ManagerConfig {
            metrics_bind_address: "0".into(),
            health_probe_bind_address: "0".into(),
            ..ManagerConfig::default()
        },
    );
    add(&mut manager);
    let running = manager.start().await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(running.wait(async {
        let _ = stopped.await;
    }));
    Operator { stop, task }
}

impl Operator {
    /// Shuts the manager down; panics unless it stops cleanly.
    pub(crate) async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}
