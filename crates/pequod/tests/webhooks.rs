//! `pequod run`'s validating admission webhooks on a real kube-apiserver of
//! the test's own (a webhook configuration is cluster-wide): `kubectl
//! apply` of a Transform whose module does not compile, and of an instance
//! its module's policy rejects, fails with the module's message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use pequod_testing::TestCluster;

const TIMEOUT: Duration = Duration::from_secs(90);

/// Stops `pequod run` however the test ends.
struct Pequod(Child);

impl Drop for Pequod {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn kubectl(cluster: &TestCluster, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = cluster
        .kubectl()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// Retries `kubectl apply -f -` until `done` accepts its output (the webhook
/// configuration and the generated kind arrive asynchronously).
fn apply_until(cluster: &TestCluster, manifest: &str, done: impl Fn(&Output) -> bool) -> Output {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let out = kubectl(cluster, &["apply", "-f", "-"], Some(manifest));
        if done(&out) {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "kubectl apply never gave the expected answer; last: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const BROKEN_TRANSFORM: &str = r#"
apiVersion: pequod.io/v1alpha1
kind: Transform
metadata:
  name: broken
spec:
  cueRef:
    type: Inline
    inline: |
      #Spec: {
        image: string
  group: broken.webhook.test.pequod.io
  version: v1alpha1
  kind: Broken
"#;

const WEBSERVICE_TRANSFORM: &str = r#"
apiVersion: pequod.io/v1alpha1
kind: Transform
metadata:
  name: webservice
spec:
  cueRef:
    type: Embedded
    ref: webservice
  group: platform.webhook.test.pequod.io
  version: v1alpha1
  kind: WebService
"#;

fn webservice(image: &str) -> String {
    format!(
        r#"
apiVersion: platform.webhook.test.pequod.io/v1alpha1
kind: WebService
metadata:
  name: shop
  namespace: default
spec:
  image: {image}
  resources:
    limits: {{cpu: 500m, memory: 256Mi}}
"#
    )
}

#[test]
fn invalid_transforms_and_policy_violations_are_refused_at_apply_time() {
    let cluster = TestCluster::private_kube_apiserver().unwrap();
    let port = free_port();
    let _pequod = Pequod(
        Command::new(env!("CARGO_BIN_EXE_pequod"))
            .args(["run", "--zap-encoder", "console"])
            .args(["--metrics-bind-address=0", "--health-probe-bind-address=0"])
            .arg(format!("--webhook-port={port}"))
            .arg(format!("--webhook-url=https://127.0.0.1:{port}"))
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );

    // A module that does not parse: refused, with the parser's position.
    let refused = apply_until(&cluster, BROKEN_TRANSFORM, |out| {
        stderr(out).contains("admission webhook \"transforms.pequod.io\" denied the request")
    });
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("Transform broken"), "{message}");
    assert!(message.contains("inline.cue:"), "{message}");
    let listed = kubectl(&cluster, &["get", "transforms", "-o", "name"], None);
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains("broken"),
        "nothing of a refused Transform is stored"
    );

    // A valid module is admitted and publishes its kind.
    let admitted = kubectl(&cluster, &["apply", "-f", "-"], Some(WEBSERVICE_TRANSFORM));
    assert!(admitted.status.success(), "{}", stderr(&admitted));

    // An instance against the module's policy: refused with its message once
    // the kind is served and routed to the webhook.
    let refused = apply_until(&cluster, &webservice("nginx:latest"), |out| {
        stderr(out).contains("admission webhook \"instances.pequod.io\" denied the request")
    });
    let message = stderr(&refused);
    assert!(
        message.contains("uses the :latest tag: pin a version"),
        "{message}"
    );
    assert!(message.contains("bundled:webservice"), "{message}");

    // The same instance with a pinned image is admitted.
    let admitted = kubectl(
        &cluster,
        &["apply", "-f", "-"],
        Some(&webservice("nginx:1.27")),
    );
    assert!(admitted.status.success(), "{}", stderr(&admitted));
}
