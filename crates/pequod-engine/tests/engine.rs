//! The engine against the real kube-apiserver: waves and readiness gates,
//! unchanged objects not re-sent, drift reverted, pruning, adoption,
//! invalid graphs, readiness timeouts and ordered deletion with orphans.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{ApiResource, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use pequod_api::{GraphPhase, NodePhase, ResourceGraph};
use pequod_engine::{Engine, EngineConfig, Outcome};
use pequod_testing::{Backend, TestCluster, fixtures};
use serde_json::{Value, json};

const DB_GROUP: &str = "engine.test.pequod.io";

/// Installs Pequod's CRDs and a `Database` test kind with a status subresource.
async fn setup(backend: Backend) -> (Client, String, Engine) {
    let cluster = TestCluster::of(backend).unwrap();
    let client = cluster.client().await.unwrap();
    let database = fixtures::schemaless_crd(DB_GROUP, "Database", "databases");
    let mut crds = pequod_api::crds();
    crds.push(database);
    cluster.apply_crds(&client, &crds).await.unwrap();
    let ns = cluster.create_namespace(&client, "engine").await.unwrap();
    let engine = Engine::new(
        client.clone(),
        EngineConfig {
            max_concurrent_applies: 2,
            ..EngineConfig::default()
        },
    );
    (client, ns, engine)
}

fn configmap(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

fn database(name: &str) -> Value {
    json!({"apiVersion": format!("{DB_GROUP}/v1"), "kind": "Database", "metadata": {"name": name}, "spec": {"size": 1}})
}

async fn create_graph(client: &Client, ns: &str, name: &str, nodes: Value) -> Api<ResourceGraph> {
    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), ns);
    let graph: ResourceGraph = serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1", "kind": "ResourceGraph",
        "metadata": {"name": name}, "spec": {"nodes": nodes}
    }))
    .unwrap();
    graphs.create(&PostParams::default(), &graph).await.unwrap();
    graphs
}

/// One reconcile as the controller does it: read, execute, write the status.
async fn step(graphs: &Api<ResourceGraph>, engine: &Engine, name: &str) -> Outcome {
    let graph = graphs.get(name).await.unwrap();
    let outcome = if graph.metadata.deletion_timestamp.is_some() {
        engine.delete(&graph).await
    } else {
        engine.reconcile(&graph).await
    };
    graphs
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": outcome.status})),
        )
        .await
        .unwrap();
    outcome
}

fn node<'a>(o: &'a Outcome, id: &str) -> &'a pequod_api::NodeState {
    o.status.node_states.iter().find(|s| s.id == id).unwrap()
}

fn reasons(o: &Outcome) -> Vec<&'static str> {
    o.events.iter().map(|e| e.reason).collect()
}

async fn set_database_ready(client: &Client, ns: &str, name: &str, status: Value) {
    fixtures::schemaless_api(client, ns, DB_GROUP, "Database", "databases")
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": status})),
        )
        .await
        .unwrap();
}

async fn graph_lifecycle_waves_drift_prune_and_ordered_delete(backend: Backend) {
    let (client, ns, engine) = setup(backend).await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let graphs = create_graph(
        &client,
        &ns,
        "app",
        json!([
            {"id": "settings", "object": configmap("settings", json!({"mode": "fast"})), "deletion": "Orphan"},
            {"id": "db", "dependsOn": ["settings"], "object": database("db")},
            {"id": "app-config", "dependsOn": ["db"], "object": configmap("app-config", json!({"db": "db"}))}
        ]),
    )
    .await;

    // Wave 0 is ready at once; wave 1 waits for the database; wave 2 is not applied.
    let o = step(&graphs, &engine, "app").await;
    assert_eq!(o.status.phase, Some(GraphPhase::Progressing));
    assert_eq!(node(&o, "settings").phase, NodePhase::Ready);
    assert_eq!(node(&o, "db").phase, NodePhase::Progressing);
    assert_eq!(node(&o, "db").wave, 1);
    assert_eq!(node(&o, "app-config").phase, NodePhase::Pending);
    assert_eq!(
        node(&o, "app-config").message.as_deref(),
        Some("waiting for db")
    );
    assert_eq!(o.applied, 2);
    assert!(configmaps.get_opt("app-config").await.unwrap().is_none());
    let settings = configmaps.get("settings").await.unwrap();
    assert!(settings.labels()["applyset.kubernetes.io/part-of"].starts_with("applyset-"));

    // The database becomes ready: the last wave goes out, and only it.
    set_database_ready(
        &client,
        &ns,
        "db",
        json!({"conditions": [{"type": "Ready", "status": "True", "reason": "Up", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}),
    )
    .await;
    let o = step(&graphs, &engine, "app").await;
    assert_eq!(o.status.phase, Some(GraphPhase::Ready), "{:?}", o.status);
    assert_eq!(o.applied, 1);
    assert_eq!(o.status.inventory.len(), 3);
    let ready = o
        .status
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert_eq!(ready.status, "True");

    // Nothing changed: nothing is sent.
    let o = step(&graphs, &engine, "app").await;
    assert_eq!(o.applied, 0);
    assert_eq!(o.status.phase, Some(GraphPhase::Ready));

    // Someone edits a field Pequod owns: it is reverted and reported.
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
    let o = step(&graphs, &engine, "app").await;
    assert!(reasons(&o).contains(&"DriftCorrected"), "{:?}", o.events);
    assert_eq!(
        configmaps.get("settings").await.unwrap().data.unwrap()["mode"],
        "fast"
    );
    assert_eq!(o.applied, 1);

    // A spec change re-applies only the node that changed.
    let mut graph = graphs.get("app").await.unwrap();
    graph.spec.nodes[2].object = configmap("app-config", json!({"db": "db", "pool": "10"}));
    graphs
        .replace("app", &PostParams::default(), &graph)
        .await
        .unwrap();
    let o = step(&graphs, &engine, "app").await;
    assert_eq!(o.applied, 1);
    assert_eq!(
        configmaps.get("app-config").await.unwrap().data.unwrap()["pool"],
        "10"
    );

    // A node leaves the graph: its object is pruned, the rest stays.
    let mut graph = graphs.get("app").await.unwrap();
    graph.spec.nodes.pop();
    graphs
        .replace("app", &PostParams::default(), &graph)
        .await
        .unwrap();
    let o = step(&graphs, &engine, "app").await;
    assert!(reasons(&o).contains(&"Pruned"), "{:?}", o.events);
    assert_eq!(o.status.inventory.len(), 2);
    assert!(configmaps.get_opt("app-config").await.unwrap().is_none());
    assert!(configmaps.get_opt("settings").await.unwrap().is_some());

    // Deletion: the database (wave 1) goes before the settings (wave 0),
    // which are orphaned rather than deleted.
    graphs
        .patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": ["pequod.io/finalizer"]}})),
        )
        .await
        .unwrap();
    graphs.delete("app", &Default::default()).await.unwrap();
    let o = step(&graphs, &engine, "app").await;
    assert_eq!(o.status.phase, Some(GraphPhase::Deleting));
    assert!(
        configmaps
            .get("settings")
            .await
            .unwrap()
            .labels()
            .contains_key("applyset.kubernetes.io/part-of"),
        "settings must wait for the database to go"
    );
    // Each round's events: the settings are orphaned in a later round than
    // the one that deleted the database.
    let mut seen = reasons(&o);
    let mut rounds = 0;
    let o = loop {
        let o = step(&graphs, &engine, "app").await;
        seen.extend(reasons(&o));
        if o.status.inventory.is_empty() || rounds > 20 {
            break o;
        }
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(o.status.inventory.is_empty(), "{:?}", o.status);
    assert!(seen.contains(&"Orphaned"), "{seen:?}");
    let orphan = configmaps.get("settings").await.unwrap();
    assert!(
        !orphan
            .labels()
            .contains_key("applyset.kubernetes.io/part-of")
    );
    assert_eq!(orphan.data.unwrap()["mode"], "fast");
}

async fn adoption_policies(backend: Backend) {
    let (client, ns, engine) = setup(backend).await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let plain = |name: &str| -> ConfigMap {
        serde_json::from_value(configmap(name, json!({"k": "human"}))).unwrap()
    };
    configmaps
        .create(&PostParams::default(), &plain("free"))
        .await
        .unwrap();
    configmaps
        .create(&PostParams::default(), &plain("guarded"))
        .await
        .unwrap();
    let boss = configmaps
        .create(&PostParams::default(), &plain("boss"))
        .await
        .unwrap();
    let mut controlled = plain("controlled");
    controlled.metadata.owner_references = Some(vec![
        k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: "boss".into(),
            uid: boss.uid().unwrap(),
            controller: Some(true),
            ..Default::default()
        },
    ]);
    configmaps
        .create(&PostParams::default(), &controlled)
        .await
        .unwrap();

    let graphs = create_graph(
        &client,
        &ns,
        "adopt",
        json!([
            {"id": "free", "adoption": "IfUnowned", "object": configmap("free", json!({"k": "pequod"}))},
            {"id": "guarded", "adoption": "Never", "object": configmap("guarded", json!({"k": "pequod"}))},
            {"id": "controlled", "adoption": "IfUnowned", "object": configmap("controlled", json!({"k": "pequod"}))}
        ]),
    )
    .await;
    let o = step(&graphs, &engine, "adopt").await;
    assert_eq!(node(&o, "free").phase, NodePhase::Ready);
    assert_eq!(
        configmaps.get("free").await.unwrap().data.unwrap()["k"],
        "pequod"
    );

    let guarded = node(&o, "guarded");
    assert_eq!(guarded.phase, NodePhase::Failed);
    assert!(
        guarded
            .message
            .as_deref()
            .unwrap()
            .contains("adoption is Never"),
        "{guarded:?}"
    );
    assert_eq!(
        configmaps.get("guarded").await.unwrap().data.unwrap()["k"],
        "human"
    );

    let refused = node(&o, "controlled");
    assert_eq!(refused.phase, NodePhase::Failed);
    assert!(
        refused
            .message
            .as_deref()
            .unwrap()
            .contains("ConfigMap boss (controller)"),
        "{refused:?}"
    );
    assert_eq!(
        configmaps.get("controlled").await.unwrap().data.unwrap()["k"],
        "human"
    );

    let reasons = reasons(&o);
    assert_eq!(
        reasons.iter().filter(|r| **r == "AdoptionFailed").count(),
        2,
        "{reasons:?}"
    );
    assert!(reasons.contains(&"Adopted"));
    assert_eq!(o.status.phase, Some(GraphPhase::Failed));
}

async fn invalid_graphs_apply_nothing(backend: Backend) {
    let (client, ns, engine) = setup(backend).await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let graphs = create_graph(
        &client,
        &ns,
        "cyclic",
        json!([
            {"id": "a", "dependsOn": ["b"], "object": configmap("a", json!({}))},
            {"id": "b", "dependsOn": ["a"], "object": configmap("b", json!({}))},
            {"id": "c", "object": configmap("c", json!({}))}
        ]),
    )
    .await;
    let o = step(&graphs, &engine, "cyclic").await;
    assert_eq!(o.status.phase, Some(GraphPhase::Failed));
    let ready = o
        .status
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert_eq!(ready.reason, "InvalidGraph");
    assert!(ready.message.contains("a → b → a"), "{}", ready.message);
    assert_eq!(o.applied, 0);
    assert!(configmaps.get_opt("c").await.unwrap().is_none());

    let graphs = create_graph(
        &client,
        &ns,
        "dangling",
        json!([{"id": "a", "dependsOn": ["ghost"], "object": configmap("a", json!({}))}]),
    )
    .await;
    let o = step(&graphs, &engine, "dangling").await;
    let ready = o
        .status
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert!(
        ready.message.contains("unknown node \"ghost\""),
        "{}",
        ready.message
    );

    let graphs = create_graph(
        &client,
        &ns,
        "bad-cel",
        json!([{"id": "a", "readyWhen": ["self.status =="], "object": configmap("a", json!({}))}]),
    )
    .await;
    let o = step(&graphs, &engine, "bad-cel").await;
    assert_eq!(o.status.phase, Some(GraphPhase::Failed));
    assert_eq!(o.applied, 0);
}

async fn ready_when_and_readiness_timeout(backend: Backend) {
    let (client, ns, engine) = setup(backend).await;
    let graphs = create_graph(
        &client,
        &ns,
        "gates",
        json!([
            {"id": "db", "readyWhen": ["self.status.phase == 'Available'"], "object": database("gated")},
            {"id": "slow", "readinessTimeout": "1s", "object": database("slow")}
        ]),
    )
    .await;
    let o = step(&graphs, &engine, "gates").await;
    assert_eq!(node(&o, "db").phase, NodePhase::Progressing);
    assert_eq!(node(&o, "slow").phase, NodePhase::Progressing);

    // The CEL gate opens on the field it names, not on a Ready condition.
    set_database_ready(&client, &ns, "gated", json!({"phase": "Available"})).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let o = step(&graphs, &engine, "gates").await;
    assert_eq!(node(&o, "db").phase, NodePhase::Ready);

    // The slow node ran out of time.
    let slow = node(&o, "slow");
    assert_eq!(slow.phase, NodePhase::Failed);
    assert!(
        slow.message
            .as_deref()
            .unwrap()
            .starts_with("ReadinessTimeout"),
        "{slow:?}"
    );
    assert!(reasons(&o).contains(&"ReadinessTimeout"));
    assert_eq!(o.status.phase, Some(GraphPhase::Failed));
}

/// A cache that answers from a fixed map, to show the engine never acts on
/// a cached object that looks changed without reading the API server.
struct FixedCache(std::collections::HashMap<String, Value>);

impl pequod_engine::LiveCache for FixedCache {
    fn cached(&self, _: &ApiResource, _: Option<&str>, name: &str) -> Option<Value> {
        self.0.get(name).cloned()
    }
}

async fn a_stale_cache_never_causes_a_false_correction(backend: Backend) {
    let (client, ns, engine) = setup(backend).await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let graphs = create_graph(
        &client,
        &ns,
        "cached",
        json!([
            {"id": "a", "object": configmap("a", json!({"k": "1"}))},
            {"id": "b", "object": configmap("b", json!({"k": "2"}))}
        ]),
    )
    .await;
    assert_eq!(
        step(&graphs, &engine, "cached").await.status.phase,
        Some(GraphPhase::Ready)
    );

    // The cache holds "a" as it really is, and an outdated "b".
    let mut cached = std::collections::HashMap::new();
    for name in ["a", "b"] {
        let live = serde_json::to_value(configmaps.get(name).await.unwrap()).unwrap();
        cached.insert(name.to_owned(), live);
    }
    cached.get_mut("b").unwrap()["data"]["k"] = json!("old");
    let cached_engine = Engine::new(client.clone(), EngineConfig::default())
        .with_cache(std::sync::Arc::new(FixedCache(cached)));

    let o = step(&graphs, &cached_engine, "cached").await;
    assert_eq!(o.status.phase, Some(GraphPhase::Ready));
    assert_eq!(o.applied, 0, "nothing changed, so nothing is sent");
    assert!(!reasons(&o).contains(&"DriftCorrected"), "{:?}", o.events);
}

pequod_testing::on_every_backend!(
    graph_lifecycle_waves_drift_prune_and_ordered_delete,
    adoption_policies,
    invalid_graphs_apply_nothing,
    ready_when_and_readiness_timeout,
    a_stale_cache_never_causes_a_false_correction
);
