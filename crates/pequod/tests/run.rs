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

#[test]
fn run_applies_a_graph_and_stops_on_sigterm() {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let mut pequod = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .args(["run", "--zap-encoder", "console"])
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
