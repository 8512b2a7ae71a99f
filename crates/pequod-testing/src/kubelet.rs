//! Standing in for the scheduler and kubelet, which the test control plane
//! does not run: pods are bound to a node that exists only on paper and
//! reported running and ready, so workload controllers (ReplicaSet,
//! Deployment) see ready replicas exactly as in a real cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Binding, Node, ObjectReference, Pod};
use kube::api::{ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use serde_json::json;

use crate::Error;

/// The node pods are bound to.
pub const FAKE_NODE: &str = "pequod-test-node";

/// Binds every unbound pod of `namespace` to the fake node and marks every
/// pod running and ready. Returns how many pods it touched.
pub async fn make_pods_ready(client: &Client, namespace: &str) -> Result<usize, Error> {
    ensure_node(client).await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut touched = 0;
    for pod in pods.list(&ListParams::default()).await? {
        let name = pod.name_any();
        let bound = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .is_some();
        if !bound {
            let binding = Binding {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    ..ObjectMeta::default()
                },
                target: ObjectReference {
                    kind: Some("Node".into()),
                    name: Some(FAKE_NODE.into()),
                    api_version: Some("v1".into()),
                    ..ObjectReference::default()
                },
            };
            pods.create_subresource::<Binding, serde_json::Value>(
                "binding",
                &name,
                &PostParams::default(),
                &binding,
            )
            .await?;
        }
        let ready = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        if ready {
            continue;
        }
        let containers: Vec<serde_json::Value> = pod
            .spec
            .as_ref()
            .map(|s| s.containers.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|c| json!({"name": c, "ready": true, "started": true, "restartCount": 0,
                            "image": "test", "imageID": "", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}))
            .collect();
        let now = "2026-01-01T00:00:00Z";
        let status = json!({"status": {
            "phase": "Running",
            "startTime": now,
            "podIP": "10.0.0.10",
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
                {"type": "Ready", "status": "True", "lastTransitionTime": now}
            ],
            "containerStatuses": containers,
        }});
        pods.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
            .await?;
        touched += 1;
    }
    Ok(touched)
}

async fn ensure_node(client: &Client) -> Result<(), Error> {
    let nodes: Api<Node> = Api::all(client.clone());
    if nodes.get_opt(FAKE_NODE).await?.is_some() {
        return Ok(());
    }
    let node = Node {
        metadata: ObjectMeta {
            name: Some(FAKE_NODE.into()),
            labels: Some(BTreeMap::from([(
                "kubernetes.io/hostname".into(),
                FAKE_NODE.into(),
            )])),
            ..ObjectMeta::default()
        },
        ..Node::default()
    };
    match nodes.create(&PostParams::default(), &node).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    let status = json!({"status": {"conditions": [
        {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "test node",
         "lastHeartbeatTime": "2026-01-01T00:00:00Z", "lastTransitionTime": "2026-01-01T00:00:00Z"}
    ]}});
    nodes
        .patch_status(FAKE_NODE, &PatchParams::default(), &Patch::Merge(&status))
        .await?;
    Ok(())
}

/// Finishes what a kubelet finishes when a pod is deleted: every pod of
/// `namespace` that is terminating is removed (its containers "stopped").
/// Without this, a namespace whose pods were bound to the fake node never
/// empties. Returns how many pods it removed.
pub async fn remove_terminating_pods(client: &Client, namespace: &str) -> Result<usize, Error> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut removed = 0;
    for pod in pods.list(&ListParams::default()).await? {
        if pod.metadata.deletion_timestamp.is_none() {
            continue;
        }
        let now = kube::api::DeleteParams {
            grace_period_seconds: Some(0),
            ..kube::api::DeleteParams::default()
        };
        match pods.delete(&pod.name_any(), &now).await {
            Ok(_) => removed += 1,
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(removed)
}
