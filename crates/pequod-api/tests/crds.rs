//! Pequod's CRDs: the committed manifests match the Rust types, and the real
//! kube-apiserver accepts them and the objects they describe.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::Path;

use kube::Api;
use kube::api::PostParams;
use pequod_api::{Adoption, DeletionPolicy, ResourceGraph, Transform};
use pequod_testing::TestCluster;
use serde_json::json;

const BASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/crd/bases");

#[test]
fn committed_crds_are_current() {
    for crd in pequod_api::crds() {
        let path = Path::new(BASES).join(pequod_api::crd_file_name(&crd));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == pequod_api::crd_yaml(&crd).unwrap(),
            "{} is stale: run `cargo run -p pequod -- crds --out-dir config/crd/bases`",
            path.display()
        );
    }
}

#[tokio::test]
async fn kube_apiserver_accepts_crds_and_objects() {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();

    // Installed the way `pequod run` does it: server-side apply.
    cluster
        .apply_crds(&client, &pequod_api::crds())
        .await
        .unwrap();

    // A hand-written graph: defaults filled in by the schema, the embedded
    // object kept whole.
    let ns = cluster.create_namespace(&client, "crds").await.unwrap();
    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), &ns);
    let graph: ResourceGraph = serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1",
        "kind": "ResourceGraph",
        "metadata": {"name": "g"},
        "spec": {"nodes": [
            {"id": "config", "object": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "labels": {"app": "x"}},
                "data": {"k": "v"}
            }},
            {"id": "sa", "dependsOn": ["config"], "deletion": "Orphan", "object": {
                "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "s"}
            }}
        ]}
    }))
    .unwrap();
    let created = graphs.create(&PostParams::default(), &graph).await.unwrap();
    let nodes = &created.spec.nodes;
    assert_eq!(nodes[0].adoption, Adoption::IfUnowned);
    assert_eq!(nodes[1].deletion, DeletionPolicy::Orphan);
    assert_eq!(nodes[0].object["data"]["k"], "v");
    assert_eq!(nodes[0].object["metadata"]["labels"]["app"], "x");

    // The schema rejects what the types forbid, with the field path.
    let bad = json!({
        "apiVersion": "pequod.io/v1alpha1",
        "kind": "ResourceGraph",
        "metadata": {"name": "bad"},
        "spec": {"nodes": [{"id": "x", "adoption": "Sometimes", "object": {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}}]}
    });
    // "Sometimes" is no Adoption: the typed API cannot express it, so it
    // goes to the server untyped.
    assert!(serde_json::from_value::<ResourceGraph>(bad.clone()).is_err());
    let raw: Api<kube::api::DynamicObject> = Api::namespaced_with(
        client.clone(),
        &ns,
        &kube::api::ApiResource::erase::<ResourceGraph>(&()),
    );
    let err = raw
        .create(
            &PostParams::default(),
            &serde_json::from_value(bad).unwrap(),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(status.code, 422, "{status:?}");
    assert!(
        status.message.contains("spec.nodes[0].adoption"),
        "{}",
        status.message
    );

    // A cluster-scoped Transform round-trips.
    let transforms: Api<Transform> = Api::all(client);
    let transform: Transform = serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1",
        "kind": "Transform",
        "metadata": {"name": pequod_testing::unique_name("webservice")},
        "spec": {
            "cueRef": {"type": "Embedded", "ref": "webservice"},
            "group": "platform.pequod.io", "version": "v1alpha1", "kind": "WebService"
        }
    }))
    .unwrap();
    let created = transforms
        .create(&PostParams::default(), &transform)
        .await
        .unwrap();
    assert_eq!(created.spec.scope, pequod_api::Scope::Namespaced);
    assert_eq!(
        created.spec.cue_ref.reference.as_deref(),
        Some("webservice")
    );
}
