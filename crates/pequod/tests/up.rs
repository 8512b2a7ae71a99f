#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]
//! `pequod up` as a user starts it: the binary, its data directory and its
//! kubeconfig, driven with the real `kubectl` (and a kube-rs client where a
//! test needs to see HTTP status codes), stopped with SIGTERM, SIGINT or SIGKILL.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{DataDir, Kubectl, Up, WEBSERVICE, eventually};
use serde_json::{Value, json};

/// A progress line `pequod up` prints: `graph  wave N  node  Kind/name  Phase`.
struct Progress<'a> {
    graph: &'a str,
    kind_name: &'a str,
    phase: &'a str,
}

fn progress(line: &str) -> Option<Progress<'_>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words[..] {
        [graph, "wave", _, _, kind_name, phase, ..] if kind_name.contains('/') => Some(Progress {
            graph,
            kind_name,
            phase,
        }),
        _ => None,
    }
}

#[test]
fn main_job_end_to_end() {
    let dir = DataDir::new("up-main");
    let up = Up::start(&dir, &[]);
    let kubectl = up.kubectl();
    let started = Instant::now();

    let out = kubectl.eventually_ok(&["apply", "-f", WEBSERVICE], None);
    assert_eq!(
        out.trim(),
        "webservice.platform.pequod.io/shop created",
        "{out}"
    );
    let out = kubectl.ok(
        &[
            "wait",
            "--for=condition=Ready",
            "webservice/shop",
            "--timeout=120s",
        ],
        None,
    );
    assert_eq!(
        out.trim(),
        "webservice.platform.pequod.io/shop condition met"
    );
    eprintln!("WebService shop Ready after {:?}", started.elapsed());

    let graph = kubectl.json(&["get", "resourcegraph", "shop"]);
    let status = &graph["status"];
    assert_eq!(status["phase"], "Ready", "{graph:#}");
    let ready = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .expect("a Ready condition");
    assert_eq!(ready["status"], "True", "{graph:#}");
    let nodes = status["nodeStates"].as_array().unwrap();
    assert_eq!(nodes.len(), 4, "{graph:#}");
    assert!(nodes.iter().all(|n| n["phase"] == "Ready"), "{graph:#}");
    let mut kinds: Vec<String> = nodes
        .iter()
        .map(|n| {
            format!(
                "{}/{}",
                n["objectRef"]["kind"].as_str().unwrap(),
                n["objectRef"]["name"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "Deployment/shop",
            "Ingress/shop",
            "Service/shop",
            "ServiceAccount/shop"
        ]
    );

    let deployment = kubectl.json(&["get", "deployment", "shop"]);
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme/shop:1.4.2"
    );
    for kind in ["service", "ingress", "serviceaccount"] {
        kubectl.ok(&["get", kind, "shop", "-o", "name"], None);
    }

    // stdout shows each node reaching Ready, and the graph too.
    eventually(
        Duration::from_secs(10),
        "progress lines for every node ending Ready",
        || {
            let lines = up.stdout();
            let last_phase = |object: &str| {
                lines
                    .iter()
                    .filter_map(|l| progress(l))
                    .rfind(|p| p.graph == "default/shop" && p.kind_name == object)
                    .map(|p| p.phase.to_owned())
            };
            kinds
                .iter()
                .all(|k| last_phase(k).as_deref() == Some("Ready"))
                && lines.iter().any(|l| l == "default/shop  graph Ready")
        },
    );

    let shown: Vec<String> = up
        .stdout()
        .into_iter()
        .filter(|l| l.starts_with("default/shop "))
        .collect();
    eprintln!("pequod up progress:\n{}", shown.join("\n"));

    // Deleting the WebService takes everything it made with it.
    let out = kubectl.ok(&["delete", "webservice", "shop", "--timeout=60s"], None);
    assert!(
        out.starts_with(r#"webservice.platform.pequod.io "shop" deleted"#),
        "{out}"
    );
    eventually(
        Duration::from_secs(30),
        "the graph and its objects deleted",
        || {
            kubectl.gone(&["resourcegraph", "shop"])
                && ["deployment", "service", "ingress", "serviceaccount"]
                    .iter()
                    .all(|kind| kubectl.gone(&[kind, "shop"]))
        },
    );
    up.terminate();
}

/// A CRD of the test's own: status subresource, printer columns, an enum
/// for `explain` to show.
fn gadget_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.e2e.pequod.io"},
        "spec": {
            "group": "e2e.pequod.io",
            "scope": "Namespaced",
            "names": {
                "plural": "gadgets", "singular": "gadget", "kind": "Gadget",
                "listKind": "GadgetList", "shortNames": ["gdg"]
            },
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size", "priority": 1},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
                ],
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {
                            "type": "object",
                            "description": "What the gadget should be.",
                            "properties": {
                                "color": {
                                    "type": "string",
                                    "description": "The gadget's color.",
                                    "enum": ["red", "green", "blue"]
                                },
                                "size": {"type": "integer", "minimum": 1}
                            }
                        },
                        "status": {
                            "type": "object",
                            "properties": {"conditions": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": true
                                }
                            }}
                        }
                    }
                }}
            }]
        }
    })
}

fn gadget(name: &str, color: &str, size: i64) -> String {
    json!({
        "apiVersion": "e2e.pequod.io/v1", "kind": "Gadget",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"color": color, "size": size}
    })
    .to_string()
}

#[test]
fn kubectl_end_to_end() {
    let dir = DataDir::new("up-kubectl");
    let up = Up::start(&dir, &[]);
    let k = up.kubectl();

    // apply (client side) of a CRD, then wait for it.
    let out = k.ok(&["apply", "-f", "-"], Some(&gadget_crd().to_string()));
    assert_eq!(
        out.trim(),
        "customresourcedefinition.apiextensions.k8s.io/gadgets.e2e.pequod.io created"
    );
    let out = k.ok(
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=30s",
            "crd/gadgets.e2e.pequod.io",
        ],
        None,
    );
    assert_eq!(
        out.trim(),
        "customresourcedefinition.apiextensions.k8s.io/gadgets.e2e.pequod.io condition met"
    );

    // apply --server-side of a CRD (cluster-scoped this time) and of its objects.
    let doohickeys = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "doohickeys.e2e.pequod.io"},
        "spec": {
            "group": "e2e.pequod.io",
            "scope": "Cluster",
            "names": {"plural": "doohickeys", "singular": "doohickey", "kind": "Doohickey"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": true
                }}
            }]
        }
    })
    .to_string();
    let out = k.ok(&["apply", "--server-side", "-f", "-"], Some(&doohickeys));
    assert_eq!(
        out.trim(),
        "customresourcedefinition.apiextensions.k8s.io/doohickeys.e2e.pequod.io serverside-applied"
    );
    k.ok(
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=30s",
            "crd/doohickeys.e2e.pequod.io",
        ],
        None,
    );
    let doohickey = json!({
        "apiVersion": "e2e.pequod.io/v1", "kind": "Doohickey",
        "metadata": {"name": "d"}, "spec": {"any": {"thing": [1, 2]}}
    })
    .to_string();
    let out = k.eventually_ok(&["apply", "--server-side", "-f", "-"], Some(&doohickey));
    assert_eq!(out.trim(), "doohickey.e2e.pequod.io/d serverside-applied");
    let got = k.json(&["get", "doohickey", "d"]);
    assert_eq!(got["spec"], json!({"any": {"thing": [1, 2]}}));
    assert!(got["metadata"].get("namespace").is_none(), "{got:#}");
    let out = k.ok(&["delete", "crd", "doohickeys.e2e.pequod.io"], None);
    assert!(out.contains("deleted"), "{out}");

    // api-resources: the new CRD, Pequod's own and the bundled WebService.
    let out = k.eventually_ok(&["api-resources", "--api-group=e2e.pequod.io"], None);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"],
            vec!["gadgets", "gdg", "e2e.pequod.io/v1", "true", "Gadget"],
        ],
        "{out}"
    );
    let out = k.ok(&["api-resources", "-o", "name"], None);
    for resource in [
        "configmaps",
        "deployments.apps",
        "customresourcedefinitions.apiextensions.k8s.io",
        "transforms.pequod.io",
        "resourcegraphs.pequod.io",
        "webservices.platform.pequod.io",
        "gadgets.e2e.pequod.io",
    ] {
        assert!(
            out.lines().any(|l| l == resource),
            "{resource} missing from api-resources:\n{out}"
        );
    }

    // apply (client side) of a custom resource: created, unchanged, configured.
    let out = k.eventually_ok(&["apply", "-f", "-"], Some(&gadget("g", "red", 2)));
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g created");
    let out = k.ok(&["apply", "-f", "-"], Some(&gadget("g", "red", 2)));
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g unchanged");
    let out = k.ok(&["apply", "-f", "-"], Some(&gadget("g", "green", 2)));
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g configured");
    // Schema validation: the enum is enforced.
    let out = k.run(&["apply", "-f", "-"], Some(&gadget("bad", "pink", 2)));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Unsupported value"), "{stderr}");

    // apply (server side), and its conflict with the client-side manager.
    let out = k.ok(
        &["apply", "--server-side", "-f", "-"],
        Some(&gadget("s", "blue", 5)),
    );
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/s serverside-applied");
    let out = k.run(
        &["apply", "--server-side", "--field-manager=other", "-f", "-"],
        Some(&gadget("s", "red", 5)),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"conflict with "kubectl": .spec.color"#),
        "{stderr}"
    );

    // get: json, yaml, the server's Table (default and wide), short name.
    let got = k.json(&["get", "gadget", "g"]);
    assert_eq!(got["kind"], "Gadget");
    assert_eq!(got["spec"]["color"], "green");
    assert!(
        got["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .is_string(),
        "{got:#}"
    );
    let yaml = k.ok(&["get", "gadget", "s", "-o", "yaml"], None);
    assert!(yaml.contains("kind: Gadget\n"), "{yaml}");
    assert!(yaml.contains("  color: blue\n"), "{yaml}");
    let table = k.ok(&["get", "gadgets"], None);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["NAME", "COLOR", "AGE"], "{table}");
    assert_eq!(rows[1][..2], ["g", "green"], "{table}");
    assert_eq!(rows[2][..2], ["s", "blue"], "{table}");
    let wide = k.ok(&["get", "gdg", "-o", "wide"], None);
    let rows: Vec<Vec<&str>> = wide
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["NAME", "COLOR", "SIZE", "AGE"], "{wide}");
    assert_eq!(rows[2][..3], ["s", "blue", "5"], "{wide}");

    // label and patch.
    let out = k.ok(&["label", "gadget", "g", "tier=web"], None);
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g labeled");
    let out = k.ok(&["get", "gadgets", "-l", "tier=web", "-o", "name"], None);
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g");
    let out = k.ok(
        &[
            "patch",
            "gadget",
            "g",
            "--type=merge",
            "-p",
            r#"{"spec":{"size":7}}"#,
        ],
        None,
    );
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g patched");
    let out = k.ok(
        &[
            "patch",
            "gadget",
            "g",
            "--type=json",
            "-p",
            r#"[{"op":"replace","path":"/spec/size","value":7}]"#,
        ],
        None,
    );
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g patched (no change)");
    // The status subresource: the main resource ignores status...
    k.ok(
        &[
            "patch",
            "gadget",
            "g",
            "--type=merge",
            "-p",
            r#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#,
        ],
        None,
    );
    let got = k.json(&["get", "gadget", "g"]);
    assert!(got.get("status").is_none_or(Value::is_null), "{got:#}");
    assert_eq!(got["spec"]["size"], 7);

    // ...`wait` sees the condition once it is set through /status.
    let waiting = pequod_testing::kubectl_for(&up.kubeconfig)
        .args(["wait", "--for=condition=Ready", "--timeout=30s", "gadget/g"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let out = k.ok(
        &[
            "patch",
            "gadget",
            "g",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Done","message":"ready","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}"#,
        ],
        None,
    );
    assert_eq!(out.trim(), "gadget.e2e.pequod.io/g patched");
    let out = waiting.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "gadget.e2e.pequod.io/g condition met"
    );
    let out = k.run(
        &["wait", "--for=condition=Broken", "--timeout=1s", "gadget/g"],
        None,
    );
    assert!(!out.status.success(), "a condition never met times out");

    // describe.
    let description = k.ok(&["describe", "gadget", "g"], None);
    for line in [
        "Name:         g",
        "Namespace:    default",
        "Labels:       tier=web",
        "API Version:  e2e.pequod.io/v1",
        "Kind:         Gadget",
        "Color:  green",
        "Size:   7",
        "Type:",
        "Ready",
    ] {
        assert!(
            description.contains(line),
            "{line:?} missing from:\n{description}"
        );
    }

    // explain: the CRD's schema through OpenAPI, and a built-in.
    let out = k.eventually_ok(&["explain", "gadget.spec.color"], None);
    assert!(out.contains("KIND:       Gadget"), "{out}");
    assert!(out.contains("FIELD: color <string>"), "{out}");
    assert!(out.contains("The gadget's color."), "{out}");
    assert!(out.contains("ENUM:") && out.contains("blue"), "{out}");
    let out = k.ok(&["explain", "deployment.spec.replicas"], None);
    assert!(out.contains("FIELD: replicas <integer>"), "{out}");

    // get --watch until its request timeout: a new object shows up.
    let watching = pequod_testing::kubectl_for(&up.kubeconfig)
        .args([
            "get",
            "gadgets",
            "--watch",
            "--request-timeout=4s",
            "-o",
            "name",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    k.ok(&["create", "-f", "-"], Some(&gadget("seen", "red", 1)));
    let started = Instant::now();
    let out = watching.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the watch ends with its request timeout"
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for name in ["g", "s", "seen"] {
        assert!(
            stdout
                .lines()
                .any(|l| l == format!("gadget.e2e.pequod.io/{name}")),
            "{name} missing from the watch:\n{stdout}"
        );
    }

    // delete: one object, then the CRD and every Gadget with it.
    let out = k.ok(&["delete", "gadget", "s"], None);
    assert!(
        out.starts_with(r#"gadget.e2e.pequod.io "s" deleted"#),
        "{out}"
    );
    assert!(k.gone(&["gadget", "s"]));
    let out = k.ok(&["delete", "crd", "gadgets.e2e.pequod.io"], None);
    assert!(
        out.starts_with(
            r#"customresourcedefinition.apiextensions.k8s.io "gadgets.e2e.pequod.io" deleted"#
        ),
        "{out}"
    );
    eventually(Duration::from_secs(20), "the Gadget API gone", || {
        k.gone(&["crd", "gadgets.e2e.pequod.io"])
    });

    // SIGTERM stops the server even with a client still watching.
    let mut watching = pequod_testing::kubectl_for(&up.kubeconfig)
        .args(["get", "configmaps", "-A", "--watch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        watching.try_wait().unwrap().is_none(),
        "kubectl is watching"
    );
    up.terminate();
    let _ = watching.kill();
    let _ = watching.wait();
}

/// The kubeconfig's bearer token and CA.
fn credentials(kubeconfig: &Path) -> (String, String) {
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    let config: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let token = config["users"][0]["user"]["token"]
        .as_str()
        .expect("a bearer token")
        .to_owned();
    let ca = config["clusters"][0]["cluster"]["certificate-authority-data"]
        .as_str()
        .expect("an inline CA")
        .to_owned();
    (token, ca)
}

/// uid and resourceVersion of `kubectl get args`.
fn identity(k: &Kubectl, args: &[&str]) -> (String, String) {
    let got = k.json(args);
    (
        got["metadata"]["uid"].as_str().unwrap().to_owned(),
        got["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[test]
fn restart_keeps_state() {
    let dir = DataDir::new("up-restart");
    let up = Up::start(&dir, &[]);
    let k = up.kubectl();
    let port = up.port();
    let (token, ca) = credentials(&up.kubeconfig);
    // A copy of the kubeconfig, as a user would have exported it.
    let saved = dir.0.with_extension("saved-kubeconfig");
    std::fs::copy(&up.kubeconfig, &saved).unwrap();

    k.ok(
        &["apply", "-f", "-"],
        Some(
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "keep"}})
                .to_string(),
        ),
    );
    k.ok(
        &["apply", "-f", "-"],
        Some(
            &json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cm", "namespace": "keep", "labels": {"a": "b"}},
                "data": {"k": "v"}
            })
            .to_string(),
        ),
    );
    k.ok(
        &["apply", "--server-side", "-f", "-"],
        Some(
            &json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "s", "namespace": "keep"},
                "stringData": {"password": "hunter2"}
            })
            .to_string(),
        ),
    );
    k.ok(&["apply", "-f", "-"], Some(&gadget_crd().to_string()));
    k.ok(
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=30s",
            "crd/gadgets.e2e.pequod.io",
        ],
        None,
    );
    k.eventually_ok(&["apply", "-f", "-"], Some(&gadget("g", "red", 3)));
    k.ok(
        &[
            "patch",
            "gadget",
            "g",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#,
        ],
        None,
    );
    // The rest of the objects after a modification: a later resourceVersion.
    k.ok(
        &[
            "patch",
            "configmap",
            "cm",
            "-n",
            "keep",
            "--type=merge",
            "-p",
            r#"{"data":{"k":"v2"}}"#,
        ],
        None,
    );
    // The CRD the webservice Transform generates, once its controller made it.
    k.eventually_ok(&["get", "crd", "webservices.platform.pequod.io"], None);
    // Restarts re-install Pequod's CRDs and the bundled Transform: no-ops
    // for objects that have not changed.
    let objects: [&[&str]; 9] = [
        &["crd", "transforms.pequod.io"],
        &["crd", "resourcegraphs.pequod.io"],
        &["crd", "webservices.platform.pequod.io"],
        &["namespace", "keep"],
        &["configmap", "cm", "-n", "keep"],
        &["secret", "s", "-n", "keep"],
        &["crd", "gadgets.e2e.pequod.io"],
        &["gadget", "g", "-n", "default"],
        &["transform", "webservice"],
    ];
    let before: Vec<_> = objects
        .iter()
        .map(|args| identity(&k, &[&["get"], *args].concat()))
        .collect();
    // The server's list resourceVersion: the latest write it made.
    let list: Value =
        serde_json::from_str(&k.ok(&["get", "--raw", "/api/v1/configmaps"], None)).unwrap();
    let list_rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    up.terminate();

    // Same data directory, same address: the saved kubeconfig works as is.
    let up = Up::start_on(&dir, &format!("127.0.0.1:{port}"), &[]);
    assert_eq!(
        credentials(&up.kubeconfig),
        (token.clone(), ca.clone()),
        "a restart keeps the token and the CA"
    );
    let k = Kubectl(saved.clone());
    let after: Vec<_> = objects
        .iter()
        .map(|args| identity(&k, &[&["get"], *args].concat()))
        .collect();
    for ((args, before), after) in objects.iter().zip(&before).zip(&after) {
        assert_eq!(before, after, "uid and resourceVersion of {args:?}");
    }
    let cm = k.json(&["get", "configmap", "cm", "-n", "keep"]);
    assert_eq!(cm["data"], json!({"k": "v2"}));
    assert_eq!(cm["metadata"]["labels"], json!({"a": "b"}));
    let secret = k.ok(
        &[
            "get",
            "secret",
            "s",
            "-n",
            "keep",
            "-o",
            "jsonpath={.data.password}",
        ],
        None,
    );
    assert_eq!(secret, "aHVudGVyMg==");
    let g = k.json(&["get", "gadget", "g"]);
    assert_eq!(g["spec"], json!({"color": "red", "size": 3}));
    assert_eq!(g["status"]["conditions"][0]["type"], "Ready");
    // The Gadget API is served again (discovery, Table with its columns).
    let table = k.ok(&["get", "gadgets"], None);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains("COLOR"), "{table}");

    // Writes continue after the old resourceVersions.
    k.ok(
        &[
            "patch",
            "configmap",
            "cm",
            "-n",
            "keep",
            "--type=merge",
            "-p",
            r#"{"data":{"k":"v3"}}"#,
        ],
        None,
    );
    let (_, rv) = identity(&k, &["get", "configmap", "cm", "-n", "keep"]);
    let (rv, list_rv): (u64, u64) = (rv.parse().unwrap(), list_rv.parse().unwrap());
    assert!(
        rv > list_rv,
        "a write after the restart gets resourceVersion {rv}, not above {list_rv} from before it"
    );
    up.terminate();

    // A third start on another port: the kubeconfig is rewritten for it,
    // with the same credentials; Ctrl-C stops it.
    let up = Up::start(&dir, &["--no-controllers"]);
    assert_eq!(credentials(&up.kubeconfig), (token, ca));
    let k = up.kubectl();
    assert_eq!(identity(&k, &["get", "namespace", "keep"]), before[3]);
    up.interrupt();
    let _ = std::fs::remove_file(saved);
}

#[test]
fn data_dir_keeps_credentials_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = DataDir::new("up-perms");
    let up = Up::start(&dir, &["--no-controllers"]);
    // Something stored, so the database and its log hold a Secret.
    up.kubectl().ok(
        &["apply", "-f", "-"],
        Some(
            &json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "s", "namespace": "default"},
                "stringData": {"password": "hunter2"}
            })
            .to_string(),
        ),
    );
    // The admin token (in `token` and in the kubeconfig), the private keys
    // and the database (every Secret, in clear) are the owner's alone, as
    // `token` and the keys already are.
    let open: Vec<String> = [
        "token",
        "kubeconfig",
        "pki/ca.key",
        "pki/apiserver.key",
        "pequod.db",
        "pequod.db-wal",
    ]
    .iter()
    .filter_map(|name| {
        let mode = std::fs::metadata(dir.0.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        (mode & 0o077 != 0).then(|| format!("{name} {mode:o}"))
    })
    .collect();
    up.terminate();
    assert!(
        open.is_empty(),
        "readable by others than the owner: {}",
        open.join(", ")
    );
}

#[test]
fn second_up_on_a_live_data_dir_refuses() {
    let dir = DataDir::new("up-twice");
    let first = Up::start(&dir, &["--no-controllers"]);
    let kubeconfig = std::fs::read_to_string(&first.kubeconfig).unwrap();
    let mut second = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .arg("up")
        .arg("--data-dir")
        .arg(&dir.0)
        .args(["--listen", "127.0.0.1:0", "--no-controllers"])
        .env_remove("PEQUOD_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let exited = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            second.kill().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = second.wait_with_output().unwrap();
    let after = std::fs::read_to_string(&first.kubeconfig).unwrap();
    first.terminate();
    // Two servers on one database each broadcast only their own writes:
    // watchers (controllers included) of one never see the other's.
    assert!(
        exited.is_some_and(|s| !s.success()),
        "a second pequod up on a data directory in use starts anyway ({exited:?}):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        after, kubeconfig,
        "the running server's kubeconfig is left alone"
    );
}

/// What the server acknowledged for one ConfigMap.
#[derive(Debug, Clone)]
struct Acked {
    name: String,
    uid: String,
    resource_version: String,
    value: String,
}

/// Creates ConfigMaps as fast as the server takes them until `stop`,
/// recording every 201.
async fn write_until(
    client: kube::Client,
    writer: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
    acked: Arc<Mutex<Vec<Acked>>>,
) -> (usize, usize) {
    use std::sync::atomic::Ordering;
    let request = kube::core::Request::new("/api/v1/namespaces/default/configmaps");
    let (mut sent, mut failed) = (0, 0);
    while !stop.load(Ordering::Relaxed) {
        let name = format!("w{writer}-{sent}");
        let value = format!("{name} {}", "x".repeat(64));
        let body = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name},
            "data": {"value": value}
        });
        sent += 1;
        let req = request
            .create(
                &kube::api::PostParams::default(),
                serde_json::to_vec(&body).unwrap(),
            )
            .unwrap()
            .map(kube::client::Body::from);
        let Ok(response) = client.send(req).await else {
            failed += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let status = response.status().as_u16();
        let Ok(bytes) = response.into_body().collect_bytes().await else {
            failed += 1;
            continue;
        };
        if status != 201 {
            failed += 1;
            continue;
        }
        let created: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(created["data"]["value"], value.as_str());
        acked.lock().unwrap().push(Acked {
            name,
            uid: created["metadata"]["uid"].as_str().unwrap().to_owned(),
            resource_version: created["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .to_owned(),
            value,
        });
    }
    (sent, failed)
}

async fn client_from(kubeconfig: &Path) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[test]
fn kill_9_loses_no_acknowledged_write() {
    use std::sync::atomic::{AtomicBool, Ordering};
    const WRITERS: usize = 16;
    let dir = DataDir::new("up-kill9");
    let up = Up::start(&dir, &["--no-controllers"]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let client = runtime.block_on(client_from(&up.kubeconfig));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| runtime.spawn(write_until(client.clone(), w, stop.clone(), acked.clone())))
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let acked_before_kill = acked.lock().unwrap().len();
    up.kill();
    // Let the writers see the dead server before stopping them.
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let (mut sent, mut failed) = (0, 0);
    for writer in writers {
        let (s, f) = runtime.block_on(writer).unwrap();
        sent += s;
        failed += f;
    }
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "kill -9: {sent} creates sent, {} acknowledged ({acked_before_kill} seen before the kill), {failed} failed",
        acked.len()
    );
    assert!(
        acked.len() >= 20,
        "too few writes acknowledged to mean anything: {}",
        acked.len()
    );
    assert!(failed >= 1, "writes in flight or after the kill fail");

    let up = Up::start(&dir, &["--no-controllers"]);
    let client = runtime.block_on(client_from(&up.kubeconfig));
    let api: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::namespaced(client.clone(), "default");
    let listed = runtime
        .block_on(api.list(&kube::api::ListParams::default()))
        .unwrap();
    let stored: std::collections::BTreeMap<String, _> = listed
        .items
        .iter()
        .filter_map(|cm| Some((cm.metadata.name.clone()?, cm)))
        .collect();
    let mut missing = Vec::new();
    let mut changed = Vec::new();
    for a in &acked {
        match stored.get(&a.name) {
            None => missing.push(a.name.clone()),
            Some(cm) => {
                let got = (
                    cm.metadata.uid.as_deref(),
                    cm.metadata.resource_version.as_deref(),
                    cm.data
                        .as_ref()
                        .and_then(|d| d.get("value"))
                        .map(String::as_str),
                );
                if got
                    != (
                        Some(a.uid.as_str()),
                        Some(a.resource_version.as_str()),
                        Some(a.value.as_str()),
                    )
                {
                    changed.push(format!("{}: acked {a:?}, stored {got:?}", a.name));
                }
            }
        }
    }
    eprintln!(
        "after restart: {} ConfigMaps stored, {} acknowledged, {} missing, {} different",
        stored.len(),
        acked.len(),
        missing.len(),
        changed.len()
    );
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(
        changed.is_empty(),
        "acknowledged but different: {changed:#?}"
    );
    // Anything stored beyond the acknowledged was in flight at the kill.
    assert!(
        stored.len() <= acked.len() + WRITERS,
        "{} stored, only {} acknowledged with {WRITERS} writers",
        stored.len(),
        acked.len()
    );

    // The server carries on after the crash: a new write gets a
    // resourceVersion above every acknowledged one.
    let max_acked = acked
        .iter()
        .map(|a| a.resource_version.parse::<u64>().unwrap())
        .max()
        .unwrap();
    let created = runtime
        .block_on(api.create(
            &kube::api::PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "after"}})).unwrap(),
        ))
        .unwrap();
    let rv: u64 = created.metadata.resource_version.unwrap().parse().unwrap();
    assert!(
        rv > max_acked,
        "resourceVersion {rv} after the crash, not above {max_acked}"
    );
    // A watch resumed from the last acknowledged resourceVersion, as a
    // client of the killed server would, carries on with what came after.
    let seen = runtime.block_on(async {
        use futures::StreamExt as _;
        let stream = api
            .watch(
                &kube::api::WatchParams::default().timeout(3),
                &max_acked.to_string(),
            )
            .await
            .unwrap();
        let mut stream = std::pin::pin!(stream);
        let mut seen = Vec::new();
        while let Some(event) = stream.next().await {
            match event.unwrap() {
                kube::api::WatchEvent::Added(cm) => seen.push(cm.metadata.name.unwrap()),
                kube::api::WatchEvent::Error(e) => panic!("watch from {max_acked}: {e:?}"),
                _ => {}
            }
            if seen.iter().any(|n| n == "after") {
                break;
            }
        }
        seen
    });
    assert!(
        seen.iter().any(|n| n == "after"),
        "a watch from {max_acked} after the restart: {seen:?}"
    );
    assert!(
        seen.iter().all(|n| !acked.iter().any(|a| &a.name == n)),
        "a watch from {max_acked} replays acknowledged creates: {seen:?}"
    );
    up.terminate();
}

/// `--database-url postgres://…`: state lives in PostgreSQL and survives a
/// restart with a fresh data directory (only credentials live there).
#[test]
fn postgres_database_url_keeps_state() {
    let postgres = pequod_testing::postgres::PostgresServer::start().unwrap();
    let url = postgres.url();
    let dir = DataDir::new("up-postgres");
    let up = Up::start(&dir, &["--no-controllers", "--database-url", &url]);
    let k = up.kubectl();
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  namespace: default\ndata:\n  k: v\n";
    k.ok(&["apply", "-f", "-"], Some(manifest));
    let uid = k.ok(
        &["get", "configmap", "kept", "-o", "jsonpath={.metadata.uid}"],
        None,
    );
    up.terminate();
    assert!(
        !dir.0.join("pequod.db").exists(),
        "no SQLite database when the state is in PostgreSQL"
    );

    let other = DataDir::new("up-postgres-again");
    let again = Up::start(&other, &["--no-controllers", "--database-url", &url]);
    let k = again.kubectl();
    let after = k.ok(
        &[
            "get",
            "configmap",
            "kept",
            "-o",
            "jsonpath={.metadata.uid}:{.data.k}",
        ],
        None,
    );
    assert_eq!(after, format!("{uid}:v"));
    again.terminate();
}
