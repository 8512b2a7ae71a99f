//! The manager: leader-gated controllers, probes and metrics, shutdown.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::http_get;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client};
use pequod_runtime::Error;
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::leader::LeaderElectionConfig;
use pequod_runtime::manager::{Manager, ManagerConfig};
use pequod_testing::TestCluster;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

async fn setup(prefix: &str) -> (Client, String) {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    let ns = cluster.create_namespace(&client, prefix).await.unwrap();
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("watched".to_owned()),
            labels: Some(BTreeMap::from([(
                "runtime-test".to_owned(),
                "true".to_owned(),
            )])),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    Api::<ConfigMap>::namespaced(client.clone(), &ns)
        .create(&PostParams::default(), &cm)
        .await
        .unwrap();
    (client, ns)
}

fn config(ns: &str, identity: &str) -> ManagerConfig {
    ManagerConfig {
        metrics_bind_address: "127.0.0.1:0".to_owned(),
        health_probe_bind_address: "127.0.0.1:0".to_owned(),
        leader_election: Some(LeaderElectionConfig {
            lease_duration: Duration::from_secs(3),
            renew_deadline: Duration::from_secs(2),
            retry_period: Duration::from_millis(200),
            ..LeaderElectionConfig::new(ns, "manager-lease", identity)
        }),
        shutdown_timeout: Duration::from_secs(5),
    }
}

struct Started {
    reconciles: Arc<AtomicUsize>,
    metrics: std::net::SocketAddr,
    health: std::net::SocketAddr,
    leading: tokio::sync::watch::Receiver<bool>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), Error>>,
}

/// A manager with one ConfigMap controller that reconciles every 50 ms.
async fn start(client: Client, ns: &str, identity: &str) -> Started {
    let reconciles = Arc::new(AtomicUsize::new(0));
    let mut manager = Manager::new(client.clone(), config(ns, identity));
    let api = Api::<ConfigMap>::namespaced(client, ns);
    let counter = reconciles.clone();
    manager.add(
        Controller::new(api, watcher::Config::default().labels("runtime-test")).name("cms"),
        move |_, _: Arc<()>| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, String>(Action::requeue(Duration::from_millis(50))) }
        },
        Arc::new(()),
    );
    let running = manager.start().await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    Started {
        reconciles,
        metrics: running.metrics_addr().unwrap(),
        health: running.health_addr().unwrap(),
        leading: running.leading(),
        stop,
        task: tokio::spawn(running.wait(async {
            let _ = stopped.await;
        })),
    }
}

async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn only_the_leader_reconciles_and_shutdown_hands_over() {
    let (client, ns) = setup("rt-manager").await;
    let a = start(client.clone(), &ns, "a").await;
    eventually("a reconciles", || a.reconciles.load(Ordering::SeqCst) > 0).await;
    let b = start(client.clone(), &ns, "b").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        b.reconciles.load(Ordering::SeqCst),
        0,
        "the standby does not reconcile"
    );
    assert!(*a.leading.borrow() && !*b.leading.borrow());

    let (status, _, body) = http_get(a.health, "/readyz?verbose").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("[+]informers-synced ok") && body.contains("[+]leader-or-standby ok"));
    assert_eq!(
        http_get(b.health, "/readyz").await.0,
        200,
        "a standby is ready"
    );
    assert_eq!(http_get(b.health, "/healthz").await.0, 200);
    let (_, _, text) = http_get(a.metrics, "/metrics").await;
    assert!(text.contains(r#"leader_election_master_status{name="manager-lease"} 1"#));
    assert!(text.contains(
        r#"controller_runtime_reconcile_total{controller="cms",result="requeue_after"}"#
    ));
    assert!(text.contains(r#"workqueue_depth{name="cms"}"#));
    let (_, _, text) = http_get(b.metrics, "/metrics").await;
    assert!(text.contains(r#"leader_election_master_status{name="manager-lease"} 0"#));

    a.stop.send(()).unwrap();
    a.task.await.unwrap().unwrap();
    let stopped_at = a.reconciles.load(Ordering::SeqCst);
    eventually("b takes over", || b.reconciles.load(Ordering::SeqCst) > 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        a.reconciles.load(Ordering::SeqCst),
        stopped_at,
        "a stopped reconciling"
    );
    b.stop.send(()).unwrap();
    b.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_lost_lease_stops_reconciling_at_once() {
    let (client, ns) = setup("rt-manager-lost").await;
    let a = start(client.clone(), &ns, "a").await;
    eventually("a reconciles", || a.reconciles.load(Ordering::SeqCst) > 0).await;
    let now = MicroTime(k8s_openapi::jiff::Timestamp::now());
    Api::<Lease>::namespaced(client, &ns)
        .patch(
            "manager-lease",
            &PatchParams::default(),
            &Patch::Merge(
                serde_json::json!({"spec": {"holderIdentity": "intruder", "renewTime": now}}),
            ),
        )
        .await
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), a.task)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&ended, Err(Error::LeadershipLost { lease }) if lease == "manager-lease"),
        "{ended:?}"
    );
    let after = a.reconciles.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.reconciles.load(Ordering::SeqCst), after);
    drop(a.stop);
}

/// Two controllers of one manager read one shared informer: one watch, one
/// cache, and each reconciles every object.
#[tokio::test]
async fn controllers_share_one_informer() {
    let (client, ns) = setup("shared").await;
    let mut manager = Manager::new(
        client.clone(),
        ManagerConfig {
            metrics_bind_address: "0".to_owned(),
            health_probe_bind_address: "0".to_owned(),
            ..ManagerConfig::default()
        },
    );
    let api = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    let config = || watcher::Config::default().labels("runtime-test");
    let counts: Vec<Arc<AtomicUsize>> = (0..2).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    for (i, count) in counts.iter().enumerate() {
        let informer = manager.cache().informer(api.clone(), config());
        let count = count.clone();
        manager.add(
            Controller::for_informer(informer, ()).name(format!("shared-{i}")),
            move |_, _: Arc<()>| {
                count.fetch_add(1, Ordering::SeqCst);
                async { Ok::<_, String>(Action::await_change()) }
            },
            Arc::new(()),
        );
    }
    assert_eq!(manager.cache().len(), 1, "one informer for both");
    let cache = manager.cache().clone();
    let running = manager.start().await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(running.wait(async {
        let _ = stopped.await;
    }));
    eventually("both controllers to reconcile the object", || {
        counts.iter().all(|c| c.load(Ordering::SeqCst) >= 1)
    })
    .await;
    let store = cache.informer(api, config()).store();
    assert_eq!(store.state().len(), 1);
    assert!(
        store.state()[0].metadata.managed_fields.is_none(),
        "the shared cache keeps no managedFields"
    );
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}
