//! `pequod run` as an operator would start it, driven with the real
//! `kubectl` against the real kube-apiserver.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pequod_testing::TestCluster;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/resourcegraph.yaml"
);

/// A free loopback port (the kernel picks; nothing holds it afterwards).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP GET on loopback: status code and body.
fn http_get(port: u16, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn run_applies_a_graph_and_stops_on_sigterm() {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let (metrics_port, health_port) = (free_port(), free_port());
    let mut pequod = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .args(["run", "--zap-encoder", "console"])
        .arg(format!("--metrics-bind-address=127.0.0.1:{metrics_port}"))
        .arg("--webhook-port=0")
        .arg(format!(
            "--health-probe-bind-address=127.0.0.1:{health_port}"
        ))
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the log as it comes so pequod never blocks on a full pipe.
    let mut stderr = pequod.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut log = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut log);
        log
    });

    let kubectl = |args: &[&str]| {
        let out = cluster.kubectl().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let ns = format!("run-{}", std::process::id());
    kubectl(&["create", "namespace", &ns]);
    // The CRDs are installed by `pequod run` itself; apply once they are served.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = cluster
            .kubectl()
            .args(["apply", "-n", &ns, "-f", EXAMPLE])
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "apply: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    kubectl(&[
        "wait",
        "-n",
        &ns,
        "--for=condition=Ready",
        "resourcegraph/reader",
        "--timeout=60s",
    ]);
    let binding = kubectl(&[
        "get",
        "-n",
        &ns,
        "rolebinding",
        "reader-reads-config",
        "-o",
        "jsonpath={.roleRef.name}",
    ]);
    assert_eq!(binding, "config-reader");
    let columns = kubectl(&["get", "-n", &ns, "resourcegraph", "reader"]);
    assert!(columns.contains("Ready"), "{columns}");

    // The probes and the metrics of what just happened.
    assert_eq!(http_get(health_port, "/healthz").0, 200);
    let (status, readyz) = http_get(health_port, "/readyz?verbose");
    assert_eq!(status, 200, "{readyz}");
    let (status, metrics) = http_get(metrics_port, "/metrics");
    assert_eq!(status, 200);
    for name in [
        "controller_runtime_reconcile_total{controller=\"resourcegraph\",result=\"requeue_after\"}",
        "controller_runtime_max_concurrent_reconciles{controller=\"resourcegraph\"} 4",
        "workqueue_adds_total{name=\"resourcegraph\"}",
        "pequod_reconcile_total{controller=\"resourcegraph\",result=",
        "pequod_apply_total{result=\"success\"}",
        "pequod_dag_execution_duration_seconds_count",
        "pequod_dag_nodes_total{namespace=",
    ] {
        assert!(
            metrics.contains(name),
            "{name} missing from /metrics:\n{metrics}"
        );
    }

    // Deleting the graph removes what it made, but the orphan stays.
    kubectl(&["delete", "-n", &ns, "resourcegraph/reader", "--timeout=60s"]);
    let left = kubectl(&[
        "get",
        "-n",
        &ns,
        "serviceaccount,role,rolebinding,configmap",
        "-o",
        "name",
    ]);
    assert!(left.contains("configmap/reader-settings"), "{left}");
    assert!(
        !left.contains("rolebinding.rbac.authorization.k8s.io/reader-reads-config"),
        "{left}"
    );
    assert!(
        !left.contains("role.rbac.authorization.k8s.io/config-reader"),
        "{left}"
    );

    // SIGTERM: pequod finishes and exits cleanly.
    let pid = pequod.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = pequod.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "pequod did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = log.join().unwrap();
    assert!(status.success(), "pequod run exited with {status}:\n{log}");
    assert!(log.contains("installed"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}
