//! Leader election with real processes: of two `pequod run --leader-elect`,
//! exactly one reconciles; SIGTERM hands the Lease over at once; SIGKILL
//! hands it over once the Lease expires.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pequod_testing::{TestCluster, unique_name};

struct Replica {
    child: Child,
    metrics_port: u16,
}

impl Replica {
    fn start(cluster: &TestCluster, lease: &str) -> Self {
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let metrics_port = free();
        let child = Command::new(env!("CARGO_BIN_EXE_pequod"))
            .args([
                "run",
                "--leader-elect",
                "--leader-election-namespace=default",
            ])
            .arg(format!("--leader-election-id={lease}"))
            // Short timings keep the test quick; the defaults are 15s/10s/2s.
            .args([
                "--leader-elect-lease-duration=4s",
                "--leader-elect-renew-deadline=3s",
                "--leader-elect-retry-period=500ms",
            ])
            .arg(format!("--metrics-bind-address=127.0.0.1:{metrics_port}"))
            .arg("--webhook-port=0")
            .arg(format!("--health-probe-bind-address=127.0.0.1:{}", free()))
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child,
            metrics_port,
        }
    }

    /// Whether this replica says it leads (`leader_election_master_status`).
    fn leads(&self) -> Option<bool> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.metrics_port)).ok()?;
        write!(stream, "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
        let mut body = String::new();
        stream.read_to_string(&mut body).ok()?;
        let line = body
            .lines()
            .find(|l| l.starts_with("leader_election_master_status{"))?;
        Some(line.trim_end().ends_with(" 1"))
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until exactly one of `replicas` leads and returns its index.
fn one_leader(replicas: &[&Replica], within: Duration) -> usize {
    let deadline = Instant::now() + within;
    loop {
        let views: Vec<Option<bool>> = replicas.iter().map(|r| r.leads()).collect();
        let leaders: Vec<usize> = views
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == Some(true))
            .map(|(i, _)| i)
            .collect();
        if leaders.len() == 1 && views.iter().all(Option::is_some) {
            return leaders[0];
        }
        assert!(leaders.len() <= 1, "two leaders at once: {views:?}");
        assert!(
            Instant::now() < deadline,
            "no single leader within {within:?}: {views:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn exactly_one_leads_and_the_lease_moves_on_sigterm_and_sigkill() {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let lease = unique_name("pequod-leader");
    let a = Replica::start(cluster, &lease);
    let b = Replica::start(cluster, &lease);

    let first = one_leader(&[&a, &b], Duration::from_secs(60));
    let (leader, standby) = if first == 0 { (a, b) } else { (b, a) };
    // It stays that way: the standby never takes over while the leader renews.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(leader.leads(), Some(true));
    assert_eq!(standby.leads(), Some(false));

    // SIGTERM releases the Lease: the standby leads well before it would expire.
    let released = Instant::now();
    leader.signal("TERM");
    let deadline = released + Duration::from_secs(3);
    while standby.leads() != Some(true) {
        assert!(
            Instant::now() < deadline,
            "standby did not take over within 3s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let handover = released.elapsed();
    drop(leader);

    // SIGKILL cannot release: a new replica waits for the Lease to expire.
    let c = Replica::start(cluster, &lease);
    assert_eq!(one_leader(&[&standby, &c], Duration::from_secs(30)), 0);
    let killed = Instant::now();
    standby.signal("KILL");
    let deadline = killed + Duration::from_secs(4 + 1 + 5);
    while c.leads() != Some(true) {
        assert!(
            Instant::now() < deadline,
            "no takeover within lease duration + retry after SIGKILL"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "handover after SIGTERM {handover:?}, after SIGKILL {:?} (lease 4s)",
        killed.elapsed()
    );
}
