//! The ResourceGraph controller on the real kube-apiserver: a hand-written
//! graph is applied wave by wave to Ready, an edit made with kubectl to a
//! managed field is reverted within seconds, and deletion takes the objects
//! down before the graph goes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use kube::api::{DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use pequod_api::{GraphPhase, ResourceGraph};
use pequod_controllers::resource_graph;
use pequod_testing::{Backend, TestCluster, eventually, fixtures};
use serde_json::{Value, json};

const GROUP: &str = "controllers.test.pequod.io";
const TIMEOUT: Duration = Duration::from_secs(30);

fn queues(client: &Client, ns: &str) -> Api<DynamicObject> {
    fixtures::schemaless_api(client, ns, GROUP, "Queue", "queues")
}

async fn graph_is_driven_to_ready_kept_there_and_deleted_in_order(backend: Backend) {
    let cluster = TestCluster::of(backend).unwrap();
    let client = cluster.client().await.unwrap();
    let mut crds = pequod_api::crds();
    crds.push(fixtures::schemaless_crd(GROUP, "Queue", "queues"));
    cluster.apply_crds(&client, &crds).await.unwrap();
    let ns = cluster
        .create_namespace(&client, "rg-controller")
        .await
        .unwrap();

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let controller = tokio::spawn(resource_graph::run(
        client.clone(),
        resource_graph::Config::default(),
        async {
            let _ = stopped.await;
        },
    ));

    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), &ns);
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let queues = queues(&client, &ns);
    let graph: ResourceGraph = serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1", "kind": "ResourceGraph",
        "metadata": {"name": "shop"},
        "spec": {"nodes": [
            {"id": "settings", "object": {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "settings"}, "data": {"mode": "fast"}}},
            {"id": "queue", "dependsOn": ["settings"], "object": {"apiVersion": format!("{GROUP}/v1"),
                "kind": "Queue", "metadata": {"name": "orders"}, "spec": {"size": 3}}},
            {"id": "consumer", "dependsOn": ["queue"], "object": {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "consumer"}, "data": {"queue": "orders"}}}
        ]}
    }))
    .unwrap();
    graphs.create(&PostParams::default(), &graph).await.unwrap();

    // The queue is created, its dependant waits for it to be ready.
    eventually("the queue", TIMEOUT, || async {
        queues.get_opt("orders").await.unwrap()
    })
    .await;
    let g = eventually("the graph to report progress", TIMEOUT, || async {
        graphs
            .get("shop")
            .await
            .unwrap()
            .status
            .filter(|s| s.phase == Some(GraphPhase::Progressing))
    })
    .await;
    assert!(
        g.node_states
            .iter()
            .any(|n| n.id == "consumer" && n.message.as_deref() == Some("waiting for queue"))
    );
    assert!(configmaps.get_opt("consumer").await.unwrap().is_none());

    // Readiness is simulated: the queue's controller would write this.
    queues
        .patch_status(
            "orders",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"conditions": [{"type": "Ready", "status": "True",
                "reason": "Provisioned", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}})),
        )
        .await
        .unwrap();
    let wait_ns = ns.clone();
    let out = tokio::task::spawn_blocking(move || {
        cluster
            .kubectl()
            .args([
                "wait",
                "--for=condition=Ready",
                "resourcegraph/shop",
                "-n",
                &wait_ns,
                "--timeout=30s",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "kubectl wait: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        configmaps.get("consumer").await.unwrap().data.unwrap()["queue"],
        "orders"
    );
    let g = graphs.get("shop").await.unwrap();
    let labels = g.metadata.labels.unwrap_or_default();
    assert!(labels["applyset.kubernetes.io/id"].starts_with("applyset-"));
    let annotations = g.metadata.annotations.unwrap_or_default();
    assert_eq!(
        annotations["applyset.kubernetes.io/contains-group-kinds"],
        format!("ConfigMap,Queue.{GROUP}")
    );

    // Someone edits a managed field: the member watch wakes the graph and
    // the change is reverted long before the resync period.
    configmaps
        .patch(
            "settings",
            &PatchParams {
                field_manager: Some("kubectl-edit".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(json!({"data": {"mode": "slow"}})),
        )
        .await
        .unwrap();
    eventually("the drift to be reverted", TIMEOUT, || async {
        let mode = configmaps.get("settings").await.unwrap().data.unwrap()["mode"].clone();
        (mode == "fast").then_some(())
    })
    .await;
    let events: Api<Event> = Api::namespaced(client.clone(), &ns);
    eventually("a DriftCorrected event", TIMEOUT, || async {
        let list = events.list(&ListParams::default()).await.unwrap();
        list.items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("DriftCorrected"))
    })
    .await;

    // Deletion: the objects go, then the graph.
    graphs.delete("shop", &Default::default()).await.unwrap();
    eventually("the graph to be gone", TIMEOUT, || async {
        graphs
            .get_opt("shop")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    for name in ["settings", "consumer"] {
        assert!(
            configmaps.get_opt(name).await.unwrap().is_none(),
            "{name} left behind"
        );
    }
    let queue: Option<Value> = queues.get_opt("orders").await.unwrap().map(|q| q.data);
    assert!(queue.is_none(), "queue left behind: {queue:?}");

    let _ = stop.send(());
    tokio::time::timeout(TIMEOUT, controller)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

pequod_testing::on_every_backend!(graph_is_driven_to_ready_kept_there_and_deleted_in_order);
