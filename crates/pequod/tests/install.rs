//! The kustomize install in `config/`: it renders with `kubectl kustomize`,
//! the real kube-apiserver accepts it (server-side dry run), and the
//! manager's arguments are flags `pequod` really has.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::process::Command;

use pequod_testing::TestCluster;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config");

fn kustomize(cluster: &TestCluster, dir: &str) -> String {
    let out = cluster
        .kubectl()
        .args(["kustomize", &format!("{CONFIG}/{dir}")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kustomize {dir}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn default_install_renders_and_applies() {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let rendered = kustomize(cluster, "default");
    let docs: Vec<serde_json::Value> = rendered
        .split("\n---\n")
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    let deployment = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    assert_eq!(deployment["metadata"]["name"], "pequod-controller-manager");
    assert_eq!(deployment["metadata"]["namespace"], "pequod-system");
    assert_eq!(
        deployment["metadata"]["labels"]["control-plane"],
        "controller-manager"
    );
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    for kind in [
        "CustomResourceDefinition",
        "ClusterRole",
        "ServiceAccount",
        "Service",
        "Namespace",
    ] {
        assert!(
            docs.iter().any(|d| d["kind"] == kind),
            "no {kind} in config/default"
        );
    }

    // Every argument the manager gets is a flag of `pequod run`.
    let help = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let args = container["args"].as_array().unwrap();
    assert_eq!(args[0], "run");
    for arg in &args[1..] {
        let flag = arg.as_str().unwrap().split('=').next().unwrap();
        assert!(
            help.contains(flag),
            "config/manager passes {flag}, which `pequod run` does not have"
        );
    }

    // The API server accepts all of it. The namespace exists for real first:
    // a dry-run create of it would not make it exist for the rest.
    let ns = cluster
        .kubectl()
        .args(["create", "namespace", "pequod-system"])
        .output()
        .unwrap();
    assert!(
        ns.status.success() || String::from_utf8_lossy(&ns.stderr).contains("AlreadyExists"),
        "{}",
        String::from_utf8_lossy(&ns.stderr)
    );
    let out = cluster
        .kubectl()
        .args([
            "apply",
            "--dry-run=server",
            "-k",
            &format!("{CONFIG}/default"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "apply --dry-run=server: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let applied = String::from_utf8(out.stdout).unwrap();
    assert!(
        applied.contains("deployment.apps/pequod-controller-manager"),
        "{applied}"
    );
}

#[test]
fn other_bases_render() {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let alerts = kustomize(cluster, "prometheus");
    for alert in [
        "PequodReconcileErrors",
        "PequodApplyFailures",
        "PequodSlowReconcile",
        "PequodCacheMissRate",
        "PequodControllerDown",
    ] {
        assert!(alerts.contains(alert), "{alert} missing");
    }
    assert!(kustomize(cluster, "rbac/restricted").contains("kind: ClusterRole"));
    let samples = kustomize(cluster, "samples");
    assert!(samples.contains("kind: Transform") && samples.contains("kind: ResourceGraph"));
}
