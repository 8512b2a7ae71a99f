//! The `pequod` binary as a user runs it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::process::Command;

fn pequod(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .args(args)
        .output()
        .expect("run pequod");
    (
        out.status.success(),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

#[test]
fn version_names_commit_and_kubernetes_api() {
    let (ok, stdout, _) = pequod(&["version"]);
    assert!(ok);
    assert!(stdout.starts_with(&format!("pequod {}\n", env!("CARGO_PKG_VERSION"))));
    let commit = stdout
        .lines()
        .find_map(|l| l.strip_prefix("git commit: "))
        .unwrap();
    assert!(!commit.is_empty());
    assert!(stdout.contains(&format!(
        "kubernetes api: v{}\n",
        pequod_api::KUBERNETES_API_VERSION
    )));
}

#[test]
fn version_as_json() {
    let (ok, stdout, _) = pequod(&["version", "--output", "json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        v["kubernetesApiVersion"],
        pequod_api::KUBERNETES_API_VERSION
    );
    assert!(v["gitCommit"].as_str().is_some_and(|c| !c.is_empty()));
}

#[test]
fn every_subcommand_has_help() {
    let (ok, top, _) = pequod(&["--help"]);
    assert!(ok);
    // Subcommands are listed under "Commands:" as two-space-indented names.
    let names: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .collect();
    assert!(names.contains(&"version"), "{top}");
    for name in names {
        let (ok, help, err) = pequod(&[name, "--help"]);
        assert!(ok, "{name} --help failed: {err}");
        assert!(help.contains("Usage: pequod"), "{name} --help:\n{help}");
    }
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (ok, script, err) = pequod(&["completions", shell]);
        assert!(ok, "{shell}: {err}");
        assert!(
            script.contains("version"),
            "{shell} completions lack subcommands"
        );
    }
}

#[test]
fn unknown_subcommand_fails_with_usage() {
    let (ok, _, err) = pequod(&["frobnicate"]);
    assert!(!ok);
    assert!(err.contains("Usage:"), "{err}");
}

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/resourcegraph.yaml"
);

#[test]
fn graph_as_mermaid_and_dot() {
    let (ok, mermaid, err) = pequod(&["graph", "-f", EXAMPLE]);
    assert!(ok, "{err}");
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("subgraph wave1[\"wave 1\"]\n    n_binding[\"binding: RoleBinding reader-reads-config\"]"), "{mermaid}");
    assert!(
        mermaid.contains("  n_account --> n_binding\n")
            && mermaid.contains("  n_role --> n_binding\n"),
        "{mermaid}"
    );

    let (ok, dot, _) = pequod(&["graph", "-f", EXAMPLE, "--format", "dot"]);
    assert!(ok);
    assert!(dot.starts_with("digraph \"reader\" {"), "{dot}");
    assert!(dot.contains("  \"role\" -> \"binding\";"), "{dot}");
}

#[test]
fn graph_reports_cycles() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/cycle.yaml");
    let (ok, _, err) = pequod(&["graph", "-f", file]);
    assert!(!ok);
    assert!(err.contains("dependency cycle: a → b → a"), "{err}");
}

const WEBSERVICE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/webservice.yaml"
);

#[test]
fn render_prints_the_resource_graph() {
    let (ok, yaml, err) = pequod(&["render", "--module", "webservice", "-f", WEBSERVICE]);
    assert!(ok, "{err}");
    let graph: pequod_api::ResourceGraph = serde_yaml::from_str(&yaml).unwrap();
    let ids: Vec<&str> = graph.spec.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["serviceAccount", "deployment", "service", "ingress"]);
    assert_eq!(
        graph.metadata.labels.unwrap()["pequod.io/transform"],
        "webservice"
    );
    assert_eq!(graph.spec.nodes[1].object["spec"]["replicas"], 3);
    // The same from the module's directory.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../modules/webservice");
    let (ok, from_dir, _) = pequod(&["render", "--module", dir, "-f", WEBSERVICE]);
    assert!(ok);
    assert_eq!(from_dir, yaml);
}

#[test]
fn render_refuses_policy_violations() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/latest.yaml");
    let (ok, out, err) = pequod(&["render", "--module", "webservice", "-f", file]);
    assert!(!ok);
    assert!(out.is_empty());
    assert!(
        err.contains("policy violations:") && err.contains(":latest tag"),
        "{err}"
    );
}
