//! Leader election with several candidates on the real kube-apiserver.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use pequod_runtime::leader::{LeaderElection, LeaderElectionConfig};
use pequod_runtime::metrics::Metrics;
use pequod_testing::TestCluster;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

async fn setup(prefix: &str) -> (Client, String) {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    let ns = cluster.create_namespace(&client, prefix).await.unwrap();
    (client, ns)
}

fn fast(ns: &str, identity: &str) -> LeaderElectionConfig {
    LeaderElectionConfig {
        lease_duration: Duration::from_secs(3),
        renew_deadline: Duration::from_secs(2),
        retry_period: Duration::from_millis(200),
        ..LeaderElectionConfig::new(ns, "pequod-leader", identity)
    }
}

struct Candidate {
    leading: watch::Receiver<bool>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

fn start(client: Client, config: LeaderElectionConfig, metrics: Option<Metrics>) -> Candidate {
    let mut election = LeaderElection::new(client, config);
    if let Some(m) = metrics {
        election = election.metrics(m);
    }
    let leading = election.subscribe();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        election
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Candidate {
        leading,
        stop,
        task,
    }
}

/// Waits (up to `limit`) for `rx` to read `want`; returns how long it took.
async fn until(rx: &mut watch::Receiver<bool>, want: bool, limit: Duration) -> Duration {
    let start = Instant::now();
    tokio::time::timeout(limit, rx.wait_for(|v| *v == want))
        .await
        .unwrap_or_else(|_| panic!("not {want} within {limit:?}"))
        .unwrap();
    start.elapsed()
}

async fn holder(client: &Client, ns: &str) -> Option<String> {
    let lease = Api::<Lease>::namespaced(client.clone(), ns)
        .get("pequod-leader")
        .await
        .unwrap();
    lease.spec.and_then(|s| s.holder_identity)
}

#[tokio::test]
async fn one_leads_and_a_release_hands_over_at_once() {
    let (client, ns) = setup("rt-lease-release").await;
    let metrics = Metrics::new();
    let mut a = start(client.clone(), fast(&ns, "a"), Some(metrics.clone()));
    until(&mut a.leading, true, Duration::from_secs(10)).await;
    assert!(
        metrics
            .encode()
            .contains(r#"leader_election_master_status{name="pequod-leader"} 1"#)
    );
    let mut b = start(client.clone(), fast(&ns, "b"), None);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!*b.leading.borrow(), "exactly one leads");
    assert!(*a.leading.borrow());
    assert_eq!(holder(&client, &ns).await.as_deref(), Some("a"));

    a.stop.send(()).unwrap();
    a.task.await.unwrap();
    assert!(!*a.leading.borrow());
    assert!(
        metrics
            .encode()
            .contains(r#"leader_election_master_status{name="pequod-leader"} 0"#)
    );
    // Released: b takes over at its next retries, well before the 3 s lease
    // would have expired.
    let took = until(&mut b.leading, true, Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(holder(&client, &ns).await.as_deref(), Some("b"));
    b.stop.send(()).unwrap();
    b.task.await.unwrap();
    assert_eq!(holder(&client, &ns).await, None, "released on shutdown");
}

#[tokio::test]
async fn a_crashed_leader_is_replaced_after_its_lease_expires() {
    let (client, ns) = setup("rt-lease-crash").await;
    let mut a = start(client.clone(), fast(&ns, "a"), None);
    until(&mut a.leading, true, Duration::from_secs(10)).await;
    let mut b = start(client.clone(), fast(&ns, "b"), None);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // No release: as if killed.
    a.task.abort();
    let crashed = Instant::now();
    until(&mut b.leading, true, Duration::from_secs(15)).await;
    let took = crashed.elapsed();
    assert!(
        took >= Duration::from_millis(2500),
        "took over after {took:?}, before expiry"
    );
    assert_eq!(holder(&client, &ns).await.as_deref(), Some("b"));
    drop(a.stop);
    b.stop.send(()).unwrap();
    b.task.await.unwrap();
}

#[tokio::test]
async fn a_leader_that_sees_another_holder_stops_at_once() {
    let (client, ns) = setup("rt-lease-stolen").await;
    let mut a = start(client.clone(), fast(&ns, "a"), None);
    until(&mut a.leading, true, Duration::from_secs(10)).await;
    let now = MicroTime(k8s_openapi::jiff::Timestamp::now());
    Api::<Lease>::namespaced(client.clone(), &ns)
        .patch(
            "pequod-leader",
            &PatchParams::default(),
            &Patch::Merge(
                serde_json::json!({"spec": {"holderIdentity": "intruder", "renewTime": now}}),
            ),
        )
        .await
        .unwrap();
    until(&mut a.leading, false, Duration::from_secs(2)).await;
    a.stop.send(()).unwrap();
    a.task.await.unwrap();
    assert_eq!(
        holder(&client, &ns).await.as_deref(),
        Some("intruder"),
        "not ours to release"
    );
}

/// A TCP relay to the API server that can be cut.
async fn relay(target: String) -> (String, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (cut, mut cut_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut links = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut cut_rx => break,
                accepted = listener.accept() => {
                    let (mut inbound, _) = accepted.unwrap();
                    let target = target.clone();
                    links.spawn(async move {
                        let mut outbound = TcpStream::connect(target).await.unwrap();
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    });
                }
            }
        }
        links.shutdown().await;
    });
    (addr.to_string(), cut)
}

#[tokio::test]
async fn a_leader_that_cannot_renew_stops_at_the_deadline() {
    let (_, ns) = setup("rt-lease-cut").await;
    let mut config = TestCluster::kube_apiserver()
        .unwrap()
        .config()
        .await
        .unwrap();
    let authority = config.cluster_url.authority().unwrap().to_string();
    let (relayed, cut) = relay(authority.clone()).await;
    config.cluster_url = config
        .cluster_url
        .to_string()
        .replace(&authority, &relayed)
        .parse()
        .unwrap();
    let client = Client::try_from(config).unwrap();
    let mut a = start(client, fast(&ns, "a"), None);
    until(&mut a.leading, true, Duration::from_secs(10)).await;
    cut.send(()).unwrap();
    let cut_at = Instant::now();
    until(&mut a.leading, false, Duration::from_secs(10)).await;
    let after = cut_at.elapsed();
    // The last renewal was at most one retry period before the cut.
    assert!(
        after >= Duration::from_millis(1700),
        "gave up after {after:?}"
    );
    a.stop.send(()).unwrap();
    a.task.await.unwrap();
}
