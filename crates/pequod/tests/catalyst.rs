#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]
//! The `examples/catalyst` walk-through on `pequod up`, with kubectl: the
//! Project and Environment kinds are installed at start; a pull-request
//! Environment becomes Ready with its URL in its namespace; deleting it
//! removes the namespace.

mod common;

use std::time::Duration;

use common::{DataDir, Up, eventually};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/catalyst");

#[test]
fn catalyst_walkthrough() {
    let dir = DataDir::new("up-catalyst");
    let up = Up::start(&dir, &[]);
    let k = up.kubectl();
    k.ok(&["apply", "-f", &format!("{EXAMPLE}/namespace.yaml")], None);
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .unwrap();
    let project = std::fs::read_to_string(format!("{EXAMPLE}/project.yaml"))
        .unwrap()
        .replace("/path/to/pequod", root.to_str().unwrap());
    k.eventually_ok(&["apply", "-f", "-"], Some(&project));
    k.eventually_ok(
        &["apply", "-f", &format!("{EXAMPLE}/environment-pr.yaml")],
        None,
    );
    k.ok(
        &[
            "wait",
            "--for=condition=Ready",
            "environment/pr-123",
            "-n",
            "my-team",
            "--timeout=90s",
        ],
        None,
    );
    let env = k.json(&["get", "environment", "pr-123", "-n", "my-team"]);
    assert_eq!(env["status"]["phase"], "Ready");
    assert_eq!(env["status"]["url"], "https://pr-123.preview.example.com");
    let ns = "my-team-my-project-pr-123";
    let namespace = k.json(&["get", "namespace", ns]);
    assert_eq!(
        namespace["metadata"]["labels"]["catalyst.dev/branch"],
        "feature-login"
    );
    let image = k.ok(
        &[
            "get",
            "deployment",
            "app",
            "-n",
            ns,
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ],
        None,
    );
    assert!(
        image.ends_with(":a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"),
        "{image}"
    );
    k.ok(&["get", "job", "-n", ns, "build-a1b2c3d4e5f6"], None);

    k.ok(
        &["delete", "-f", &format!("{EXAMPLE}/environment-pr.yaml")],
        None,
    );
    eventually(Duration::from_secs(60), "the namespace to go", || {
        k.gone(&["namespace", ns])
    });
    up.terminate();
}
