//! Action reconcilers on both API servers, with the `examples/no8s` scripts:
//! the DatabaseCluster kind is published from the reconciler's schema; an
//! object goes Pending → Reconciling → Ready with outputs and conditions; a
//! spec change re-runs the action; a resync corrects drift; a failing action
//! backs off and retries; every attempt is recorded; deletion runs the
//! destroy action; deleting the reconciler retires its kind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
    PostParams,
};
use pequod_api::{ActionPhase, ActionReconciler, ActionStatus, Reconciliation, Trigger};
use pequod_controllers::action_reconciler;
use pequod_testing::{Backend, eventually, on_every_backend, unique_name};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(60);

fn example(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/no8s")
        .join(file)
}

/// The example's reconciler, in its own group, with fast timings and the
/// scripts writing state into `state_dir`.
fn reconciler(name: &str, group: &str, state_dir: &Path) -> ActionReconciler {
    let text = std::fs::read_to_string(example("reconciler.yaml")).unwrap();
    let mut value: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    value["metadata"]["name"] = json!(name);
    let spec = &mut value["spec"];
    spec["group"] = json!(group);
    spec["shortNames"] = json!([]);
    let env = json!({"NO8S_STATE_DIR": state_dir, "NO8S_PROVISION_SECONDS": "0"});
    spec["apply"]["command"]["command"] = json!([example("provision.sh")]);
    spec["apply"]["command"]["env"] = env.clone();
    spec["destroy"]["command"]["command"] = json!([example("destroy.sh")]);
    spec["destroy"]["command"]["env"] = env;
    spec["resyncPeriod"] = json!("2s");
    spec["backoff"] = json!({"initial": "500ms", "max": "2s", "factor": 2});
    spec["historyLimit"] = json!(5);
    serde_json::from_value(value).unwrap()
}

fn status(object: &DynamicObject) -> ActionStatus {
    serde_json::from_value(object.data.get("status").cloned().unwrap_or_default())
        .unwrap_or_default()
}

fn condition(status: &ActionStatus, type_: &str) -> Option<(String, String)> {
    status
        .conditions
        .iter()
        .find(|c| c.type_ == type_)
        .map(|c| (c.status.clone(), c.reason.clone()))
}

async fn action_reconcilers_drive_objects_through_their_lifecycle(backend: Backend) {
    let (_, client, ns) = common::setup(backend, "no8s").await;
    let operator = common::start(&client, |m| {
        action_reconciler::controller::add_to(m, &ns);
    })
    .await;

    // The reconciler publishes its kind.
    let state_dir = std::env::temp_dir().join(unique_name("no8s-state"));
    let name = unique_name("databaseclusters");
    let group = format!("{name}.infra.test.pequod.io");
    let reconcilers: Api<ActionReconciler> = Api::all(client.clone());
    reconcilers
        .create(
            &PostParams::default(),
            &reconciler(&name, &group, &state_dir),
        )
        .await
        .unwrap();
    eventually("the ActionReconciler to be Ready", TIMEOUT, || async {
        let r = reconcilers.get(&name).await.unwrap();
        r.status.filter(|s| s.phase.as_deref() == Some("Ready"))
    })
    .await;
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1", "DatabaseCluster"),
        "databaseclusters",
    );
    let clusters: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
    let object = |storage: i64| -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": format!("{group}/v1"), "kind": "DatabaseCluster",
            "metadata": {"name": "production-pg"},
            "spec": {"engine": "postgres", "engineVersion": "16.2", "instanceClass": "db.large",
                     "storageGb": storage, "replicas": 2}}))
        .unwrap()
    };

    // The schema is the API server's to enforce.
    let err = clusters
        .create(&PostParams::default(), &object(5))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("storageGb"), "{err}");

    // Create: provisioned, with outputs and the action's own condition.
    clusters
        .create(&PostParams::default(), &object(500))
        .await
        .unwrap();
    let ready = eventually("the DatabaseCluster to be Ready", TIMEOUT, || async {
        let s = status(&clusters.get("production-pg").await.unwrap());
        (s.phase == Some(ActionPhase::Ready)).then_some(s)
    })
    .await;
    assert_eq!(ready.observed_generation, Some(1));
    assert_eq!(
        ready.outputs["endpoint"],
        format!("production-pg.{ns}.db.example.internal:5432")
    );
    assert_eq!(
        condition(&ready, "Ready"),
        Some(("True".into(), "ReconcileSuccess".into()))
    );
    assert_eq!(
        condition(&ready, "Degraded"),
        Some(("False".into(), "NoErrors".into()))
    );
    assert_eq!(
        condition(&ready, "ReplicationHealthy"),
        Some(("True".into(), "ReplicasInSync".into()))
    );
    let live = clusters.get("production-pg").await.unwrap();
    assert!(
        live.metadata
            .finalizers
            .unwrap()
            .contains(&"pequod.io/finalizer".to_owned())
    );
    let state_file = state_dir.join(format!("{ns}_production-pg.json"));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    // The server's defaults are part of what the action sees.
    assert_eq!(state["backupRetentionDays"], 7);

    // Every attempt is recorded, labelled with the object.
    let records: Api<Reconciliation> = Api::namespaced(client.clone(), &ns);
    let uid = live.metadata.uid.clone().unwrap();
    let selector = format!("pequod.io/resource-uid={uid}");
    let history = || async {
        let mut items = records
            .list(&ListParams::default().labels(&selector))
            .await
            .unwrap()
            .items;
        items.sort_by_key(|r| r.spec.start_time.0);
        items
    };
    let first = history().await.into_iter().next().unwrap();
    assert_eq!(first.spec.trigger, Trigger::Create);
    assert_eq!(first.spec.result, pequod_api::ReconcileResult::Succeeded);
    assert!(
        first.spec.output.contains("wrote"),
        "{:?}",
        first.spec.output
    );
    assert_eq!(
        first.metadata.labels.as_ref().unwrap()["pequod.io/resource-name"],
        "production-pg"
    );

    // Drift: the state changed behind Pequod's back is corrected by a resync.
    std::fs::write(&state_file, "{}").unwrap();
    eventually("a resync to correct the drift", TIMEOUT, || async {
        let text = std::fs::read_to_string(&state_file).unwrap_or_default();
        text.contains("\"storageGb\":500").then_some(())
    })
    .await;
    // The record is written when the attempt ends, just after the action
    // rewrote the file.
    eventually("a resync in the history", TIMEOUT, || async {
        history()
            .await
            .iter()
            .any(|r| r.spec.trigger == Trigger::Resync)
            .then_some(())
    })
    .await;

    // A failing action: Failed and Degraded, retried with backoff.
    let patch = |storage: i64| json!({"spec": {"storageGb": storage}});
    clusters
        .patch(
            "production-pg",
            &PatchParams::default(),
            &Patch::Merge(patch(6000)),
        )
        .await
        .unwrap();
    let failed = eventually("retries of the failing action", TIMEOUT, || async {
        let s = status(&clusters.get("production-pg").await.unwrap());
        (s.phase == Some(ActionPhase::Failed) && s.failures >= 2).then_some(s)
    })
    .await;
    let (degraded, reason) = condition(&failed, "Degraded").unwrap();
    assert_eq!(
        (degraded.as_str(), reason.as_str()),
        ("True", "ReconcileFailed")
    );
    let ready_condition = failed
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert!(
        ready_condition.message.contains("storage quota exceeded"),
        "{}",
        ready_condition.message
    );
    // The outputs of the last success stay.
    assert_eq!(failed.outputs["storageGb"], 500);
    let attempts = history().await;
    assert!(attempts.len() <= 5, "history limit: {}", attempts.len());
    assert!(attempts.iter().any(|r| r.spec.trigger == Trigger::Retry));

    // A fixed spec heals it.
    clusters
        .patch(
            "production-pg",
            &PatchParams::default(),
            &Patch::Merge(patch(800)),
        )
        .await
        .unwrap();
    let healed = eventually("the fixed DatabaseCluster to be Ready", TIMEOUT, || async {
        let s = status(&clusters.get("production-pg").await.unwrap());
        (s.phase == Some(ActionPhase::Ready) && s.outputs["storageGb"] == 800).then_some(s)
    })
    .await;
    assert_eq!(healed.failures, 0);

    // Deletion runs the destroy action before the object goes.
    clusters
        .delete("production-pg", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the DatabaseCluster to be gone", TIMEOUT, || async {
        clusters
            .get_opt("production-pg")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    assert!(!state_file.exists(), "the destroy action did not run");

    // Deleting the reconciler retires the kind it published.
    reconcilers
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    eventually("the published CRD to be gone", TIMEOUT, || async {
        crds.get_opt(&format!("databaseclusters.{group}"))
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;

    operator.stop().await;
    let _ = std::fs::remove_dir_all(&state_dir);
}

on_every_backend!(action_reconcilers_drive_objects_through_their_lifecycle);
