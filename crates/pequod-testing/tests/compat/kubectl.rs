//! kubectl end to end: the client most people meet the API through, which
//! leans on discovery, OpenAPI, Tables, watches and apply together.

use std::process::{Output, Stdio};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::widget::{self, Widgets};
use crate::{Ctx, unique_group};

/// `kubectl <args>` against the cluster, killed if the test drops it.
fn command(ctx: &Ctx, args: &[&str]) -> Command {
    let mut command = Command::from(ctx.cluster.kubectl());
    command.args(args).kill_on_drop(true);
    command
}

/// Runs kubectl to completion with `stdin` piped in.
async fn run(ctx: &Ctx, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = command(ctx, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl runs");
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default().as_bytes())
        .await
        .unwrap();
    drop(pipe);
    tokio::time::timeout(crate::TIMEOUT, child.wait_with_output())
        .await
        .expect("kubectl finished")
        .unwrap()
}

/// Runs kubectl, fails unless it succeeds, and returns its stdout.
async fn ok(ctx: &Ctx, args: &[&str], stdin: Option<&str>) -> String {
    let out = run(ctx, args, stdin).await;
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn apply_client_side(ctx: Ctx) {
    let ns = ctx.namespace("kubectl-apply").await;
    let group = unique_group();
    let crd = widget::crd(&group).to_string();
    let out = ok(&ctx, &["apply", "-f", "-"], Some(&crd)).await;
    assert_eq!(
        out.trim(),
        format!("customresourcedefinition.apiextensions.k8s.io/widgets.{group} created")
    );
    ok(
        &ctx,
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            &format!("crd/widgets.{group}"),
        ],
        None,
    )
    .await;

    let manifest = json!({
        "apiVersion": format!("{group}/v1"), "kind": "Widget",
        "metadata": {"name": "w", "namespace": ns}, "spec": {"size": 2}
    });
    let cr = manifest.to_string();
    // Discovery of the new group may lag its Established condition briefly.
    let out = crate::eventually_ok(|| run(&ctx, &["apply", "-f", "-"], Some(&cr))).await;
    assert_eq!(out.trim(), format!("widget.{group}/w created"));
    let out = ok(&ctx, &["apply", "-f", "-"], Some(&cr)).await;
    assert_eq!(out.trim(), format!("widget.{group}/w unchanged"));

    let mut changed = manifest.clone();
    changed["spec"]["size"] = json!(3);
    let out = ok(&ctx, &["apply", "-f", "-"], Some(&changed.to_string())).await;
    assert_eq!(out.trim(), format!("widget.{group}/w configured"));

    let got: Value = serde_json::from_str(
        &ok(
            &ctx,
            &[
                "get",
                "-n",
                &ns,
                &format!("widgets.{group}"),
                "w",
                "-o",
                "json",
            ],
            None,
        )
        .await,
    )
    .unwrap();
    assert_eq!(got["spec"]["size"], 3);
    let last = got["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        .as_str()
        .expect("client-side apply records the last applied configuration");
    let last: Value = serde_json::from_str(last).unwrap();
    assert_eq!(last["spec"]["size"], 3);

    ok(&ctx, &["delete", "crd", &format!("widgets.{group}")], None).await;
}

async fn apply_server_side(ctx: Ctx) {
    let ns = ctx.namespace("kubectl-ssa").await;
    let group = unique_group();
    let crd = widget::crd(&group).to_string();
    let out = ok(&ctx, &["apply", "--server-side", "-f", "-"], Some(&crd)).await;
    assert_eq!(
        out.trim(),
        format!("customresourcedefinition.apiextensions.k8s.io/widgets.{group} serverside-applied")
    );
    ok(
        &ctx,
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            &format!("crd/widgets.{group}"),
        ],
        None,
    )
    .await;
    let manifest = |size: i64| {
        json!({
            "apiVersion": format!("{group}/v1"), "kind": "Widget",
            "metadata": {"name": "w", "namespace": ns}, "spec": {"size": size}
        })
        .to_string()
    };
    let cr = manifest(2);
    let out =
        crate::eventually_ok(|| run(&ctx, &["apply", "--server-side", "-f", "-"], Some(&cr))).await;
    assert_eq!(out.trim(), format!("widget.{group}/w serverside-applied"));

    let got: Value = serde_json::from_str(
        &ok(
            &ctx,
            &[
                "get",
                "-n",
                &ns,
                &format!("widgets.{group}/w"),
                "-o",
                "json",
                "--show-managed-fields",
            ],
            None,
        )
        .await,
    )
    .unwrap();
    let managers: Vec<(&str, &str)> = got["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["manager"].as_str().unwrap(),
                m["operation"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(managers, [("kubectl", "Apply")]);

    let other = manifest(4);
    let out = run(
        &ctx,
        &["apply", "--server-side", "--field-manager=other", "-f", "-"],
        Some(&other),
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"conflict with "kubectl": .spec.size"#),
        "{stderr}"
    );
    ok(
        &ctx,
        &[
            "apply",
            "--server-side",
            "--field-manager=other",
            "--force-conflicts",
            "-f",
            "-",
        ],
        Some(&other),
    )
    .await;
    let size = ok(
        &ctx,
        &[
            "get",
            "-n",
            &ns,
            &format!("widgets.{group}/w"),
            "-o",
            "jsonpath={.spec.size}",
        ],
        None,
    )
    .await;
    assert_eq!(size, "4");
    ok(&ctx, &["delete", "crd", &format!("widgets.{group}")], None).await;
}

async fn get_formats(ctx: Ctx) {
    let ns = ctx.namespace("kubectl-get").await;
    let widgets = Widgets::install(&ctx).await;
    let mut cr = widgets.manifest("w", json!({"size": 2, "color": "red"}));
    cr["metadata"]["namespace"] = json!(ns);
    let resource = format!("widgets.{}", widgets.group);
    let cr = cr.to_string();
    crate::eventually_ok(|| run(&ctx, &["create", "-f", "-"], Some(&cr))).await;
    let deployment = serde_json::to_string(&crate::crud::deployment("web")).unwrap();
    ok(&ctx, &["create", "-n", &ns, "-f", "-"], Some(&deployment)).await;

    let json_out: Value = serde_json::from_str(
        &ok(
            &ctx,
            &["get", "-n", &ns, &resource, "w", "-o", "json"],
            None,
        )
        .await,
    )
    .unwrap();
    assert_eq!(json_out["kind"], "Widget");
    assert_eq!(json_out["spec"]["color"], "red");

    let yaml = ok(
        &ctx,
        &["get", "-n", &ns, &resource, "w", "-o", "yaml"],
        None,
    )
    .await;
    assert!(yaml.contains("kind: Widget\n"), "{yaml}");
    assert!(yaml.contains("  size: 2\n"), "{yaml}");

    // The default and wide views are the server's Table, printer columns included.
    let table = ok(&ctx, &["get", "-n", &ns, &resource], None).await;
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "COLOR", "SIZE", "AGE"]);
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row[..3], ["w", "red", "2"]);

    let wide = ok(&ctx, &["get", "-n", &ns, "deploy", "-o", "wide"], None).await;
    let header: Vec<&str> = wide.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
            "CONTAINERS",
            "IMAGES",
            "SELECTOR"
        ]
    );
    let row: Vec<&str> = wide.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[0], "web");
    assert_eq!(row[5..], ["web", "nginx:1.27", "app=web"]);

    // Short names and categories resolve through discovery.
    let short = widget::short_name(&widgets.group);
    let by_short = ok(&ctx, &["get", "-n", &ns, &short, "-o", "name"], None).await;
    assert_eq!(by_short.trim(), format!("widget.{}/w", widgets.group));
    let category = widget::category(&widgets.group);
    let by_category = ok(&ctx, &["get", "-n", &ns, &category, "-o", "name"], None).await;
    assert!(by_category.contains("/w"), "{by_category}");
    widgets.uninstall().await;
}

async fn describe_label_patch_delete(ctx: Ctx) {
    let ns = ctx.namespace("kubectl-verbs").await;
    // `create -f` rather than `create configmap`: kubectl's generators send
    // protobuf bodies, which the embedded server does not read
    // (docs/compatibility.md).
    let out = ok(
        &ctx,
        &["create", "-n", &ns, "-f", "-"],
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n"),
    )
    .await;
    assert_eq!(out.trim(), "configmap/cm created");

    let out = ok(
        &ctx,
        &["label", "-n", &ns, "configmap", "cm", "tier=web"],
        None,
    )
    .await;
    assert_eq!(out.trim(), "configmap/cm labeled");
    let out = ok(
        &ctx,
        &[
            "patch",
            "-n",
            &ns,
            "configmap",
            "cm",
            "--type=merge",
            "-p",
            r#"{"data":{"k":"patched"}}"#,
        ],
        None,
    )
    .await;
    assert_eq!(out.trim(), "configmap/cm patched");
    let out = ok(
        &ctx,
        &[
            "patch",
            "-n",
            &ns,
            "configmap",
            "cm",
            "--type=merge",
            "-p",
            r#"{"data":{"k":"patched"}}"#,
        ],
        None,
    )
    .await;
    assert_eq!(out.trim(), "configmap/cm patched (no change)");
    let cm = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ns)
        .get("cm")
        .await
        .unwrap();
    assert_eq!(cm.metadata.labels.unwrap()["tier"], "web");
    assert_eq!(cm.data.unwrap()["k"], "patched");

    let description = ok(&ctx, &["describe", "-n", &ns, "configmap", "cm"], None).await;
    for line in [
        "Name:         cm",
        &format!("Namespace:    {ns}"),
        "Labels:       tier=web",
        "Data",
        "patched",
    ] {
        assert!(
            description.contains(line),
            "{line:?} missing from:\n{description}"
        );
    }

    let out = ok(&ctx, &["delete", "-n", &ns, "configmap", "cm"], None).await;
    assert!(out.starts_with(r#"configmap "cm" deleted"#), "{out}");
    let out = run(&ctx, &["get", "-n", &ns, "configmap", "cm"], None).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"Error from server (NotFound): configmaps "cm" not found"#),
        "{stderr}"
    );
}

async fn wait_for_condition(ctx: Ctx) {
    let ns = ctx.namespace("kubectl-wait").await;
    let widgets = Widgets::install(&ctx).await;
    let api = widgets.api(&ns);
    api.create(
        &Default::default(),
        &widgets.object("w", json!({"size": 1})),
    )
    .await
    .unwrap();
    let target = format!("widgets.{}/w", widgets.group);
    let waiting = command(
        &ctx,
        &[
            "wait",
            "-n",
            &ns,
            "--for=condition=Ready",
            "--timeout=60s",
            &target,
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // kubectl watches; the condition appears while it does.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    api.patch_status(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"conditions": [{
            "type": "Ready", "status": "True", "reason": "Done", "message": "ready",
            "lastTransitionTime": "2026-01-01T00:00:00Z"
        }]}})),
    )
    .await
    .unwrap();
    let out = tokio::time::timeout(crate::TIMEOUT, waiting.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("widget.{}/w condition met", widgets.group)
    );

    // A condition that never comes times out with an error.
    let out = run(
        &ctx,
        &[
            "wait",
            "-n",
            &ns,
            "--for=condition=Broken",
            "--timeout=1s",
            &target,
        ],
        None,
    )
    .await;
    assert!(!out.status.success());
    widgets.uninstall().await;
}

async fn explain(ctx: Ctx) {
    let out = ok(&ctx, &["explain", "deployment.spec.replicas"], None).await;
    assert!(out.contains("KIND:       Deployment"), "{out}");
    assert!(out.contains("FIELD: replicas <integer>"), "{out}");

    let widgets = Widgets::install(&ctx).await;
    let resource = format!("widgets.{}.spec.color", widgets.group);
    // A cache of its own: kubectl's disk cache (discovery and OpenAPI,
    // shared by every kubectl of this binary) can miss a group created
    // while dozens of other tests churn CRDs, on either server.
    let cache = std::env::temp_dir().join(pequod_testing::unique_name("kubectl-explain-cache"));
    let cache_flag = format!("--cache-dir={}", cache.display());
    let args = ["explain", resource.as_str(), cache_flag.as_str()];
    let out = crate::eventually_ok(|| run(&ctx, &args, None)).await;
    assert!(out.contains("KIND:       Widget"), "{out}");
    assert!(out.contains("FIELD: color <string>"), "{out}");
    assert!(out.contains(r#"ENUM:"#) && out.contains("blue"), "{out}");
    let _ = std::fs::remove_dir_all(&cache);
    widgets.uninstall().await;
}

async fn get_watch(ctx: Ctx) {
    let ns = ctx.namespace("kubectl-watch").await;
    let watching = command(
        &ctx,
        &[
            "get",
            "-n",
            &ns,
            "configmaps",
            "--watch",
            "--request-timeout=4s",
            "-o",
            "name",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    api.create(
        &Default::default(),
        &crate::crud::configmap("seen", json!({})),
    )
    .await
    .unwrap();
    let out = tokio::time::timeout(crate::TIMEOUT, watching.wait_with_output())
        .await
        .expect("the watch ends with its request timeout")
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().any(|l| l == "configmap/seen"), "{stdout}");
}

async fn api_resources(ctx: Ctx) {
    let out = ok(&ctx, &["api-resources", "--api-group=apps"], None).await;
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    );
    assert!(
        rows.contains(&vec![
            "deployments",
            "deploy",
            "apps/v1",
            "true",
            "Deployment"
        ]),
        "{out}"
    );
    let out = ok(
        &ctx,
        &["api-resources", "--namespaced=false", "-o", "name"],
        None,
    )
    .await;
    assert!(out.lines().any(|l| l == "namespaces"), "{out}");
    assert!(!out.lines().any(|l| l == "configmaps"), "{out}");
}

async fn diff_and_server_dry_run(ctx: Ctx) {
    let ns = ctx.namespace("kubectl-diff").await;
    let manifest = |value: &str| {
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cm", "namespace": ns}, "data": {"k": value}
        })
        .to_string()
    };
    ok(
        &ctx,
        &["apply", "--server-side", "-f", "-"],
        Some(&manifest("v")),
    )
    .await;

    // diff asks the server for the merged object with a dry-run apply.
    let out = run(
        &ctx,
        &["diff", "--server-side", "-f", "-"],
        Some(&manifest("w")),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("\n-  k: v\n+  k: w\n"), "{diff}");
    let out = run(
        &ctx,
        &["diff", "--server-side", "-f", "-"],
        Some(&manifest("v")),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = ok(
        &ctx,
        &["apply", "--server-side", "--dry-run=server", "-f", "-"],
        Some(&manifest("w")),
    )
    .await;
    assert_eq!(
        out.trim(),
        "configmap/cm serverside-applied (server dry run)"
    );
    let value = ok(
        &ctx,
        &[
            "get",
            "-n",
            &ns,
            "configmap",
            "cm",
            "-o",
            "jsonpath={.data.k}",
        ],
        None,
    )
    .await;
    assert_eq!(value, "v");
}

backends!(
    diff_and_server_dry_run,
    apply_client_side,
    apply_server_side,
    get_formats,
    describe_label_patch_delete,
    wait_for_condition,
    explain,
    get_watch,
    api_resources
);
