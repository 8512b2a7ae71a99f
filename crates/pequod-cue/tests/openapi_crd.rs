//! The OpenAPI schema of the webservice module's `#Spec` as a CRD's `spec`
//! schema on the real kube-apiserver: accepted, established, and enforcing
//! its defaults, bounds and required fields on instances.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::PathBuf;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, PostParams};
use pequod_cue::openapi_schema;
use pequod_testing::{TestCluster, unique_name};
use serde_json::{Value, json};

mod common;

/// The schema of `#Spec` of the bundled webservice module, read from disk.
fn webservice_spec_schema() -> Value {
    let compiled = common::webservice_module();
    let mut instance = compiled.eval();
    openapi_schema(&mut instance, "#Spec").unwrap()
}

/// A namespaced CRD of `kind` in `group` whose `spec` has `schema`.
fn crd(group: &str, kind: &str, plural: &str, schema: Value) -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural},
            "versions": [{
                "name": "v1alpha1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "required": ["spec"],
                    "properties": {
                        "spec": schema,
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                }}
            }]
        }
    }))
    .unwrap()
}

/// A 422 naming `field`.
fn assert_rejected(result: Result<DynamicObject, kube::Error>, field: &str) {
    match result {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 422, "{status:?}");
            let text = format!("{status:?}");
            assert!(text.contains(field), "{field} not named in {text}");
        }
        other => panic!("expected a 422 naming {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn webservice_schema_is_accepted_and_enforced() {
    let spec = webservice_spec_schema();
    // A unique group under platform.test.pequod.io, so that test binaries
    // sharing one server (PEQUOD_TEST_KUBE_APISERVER_KUBECONFIG) never meet.
    let group = format!("{}.platform.test.pequod.io", unique_name("openapi"));
    let crd = crd(&group, "WebService", "webservices", spec);

    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    cluster.apply_crds(&client, &[crd]).await.unwrap();
    let ns = cluster.create_namespace(&client, "openapi").await.unwrap();
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1alpha1", "WebService"),
        "webservices",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client, &ns, &resource);
    let instance = |spec: Value| -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": format!("{group}/v1alpha1"), "kind": "WebService",
            "metadata": {"name": unique_name("ws")}, "spec": spec
        }))
        .unwrap()
    };
    let pp = PostParams::default();

    // A valid instance gets the module's defaults filled in.
    let ok = api
        .create(
            &pp,
            &instance(json!({
                "image": "ghcr.io/acme/shop:1.4.2",
                "env": {"LOG": "debug"},
                "ingress": {"host": "shop.example.com"}
            })),
        )
        .await
        .unwrap();
    let spec = &ok.data["spec"];
    assert_eq!(spec["replicas"], 2, "{spec}");
    assert_eq!(spec["port"], 8080, "{spec}");
    assert_eq!(spec["ingress"]["path"], "/", "{spec}");
    assert_eq!(spec["ingress"]["tls"], true, "{spec}");

    // Bounds, required fields, patterns and closedness are enforced.
    assert_rejected(
        api.create(
            &pp,
            &instance(json!({"image": "nginx:1.27", "replicas": 50})),
        )
        .await,
        "spec.replicas",
    );
    assert_rejected(
        api.create(&pp, &instance(json!({"replicas": 3}))).await,
        "spec.image",
    );
    assert_rejected(
        api.create(&pp, &instance(json!({"image": "Nginx"}))).await,
        "spec.image",
    );
    assert_rejected(
        api.create(
            &pp,
            &instance(json!({"image": "nginx", "ingress": {"enabled": true}})),
        )
        .await,
        "spec.ingress.host",
    );
    assert_rejected(
        api.create(&pp, &instance(json!({"image": "nginx", "env": {"A": 1}})))
            .await,
        "spec.env.A",
    );
}

/// The schema of a fixture using every mapping (int-or-string, nullable,
/// enums, several patterns, `default: {}`, open structs, lists of structs)
/// is a valid structural schema, and its nested defaults are applied.
#[tokio::test]
async fn fixture_schema_is_structural() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/openapi/scalars.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let group = format!("{}.platform.test.pequod.io", unique_name("openapi"));
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    cluster
        .apply_crds(&client, &[crd(&group, "Fixture", "fixtures", schema)])
        .await
        .unwrap();
    let ns = cluster.create_namespace(&client, "openapi").await.unwrap();
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1alpha1", "Fixture"),
        "fixtures",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client, &ns, &resource);
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": format!("{group}/v1alpha1"), "kind": "Fixture",
        "metadata": {"name": unique_name("f")},
        "spec": {"name": "abc", "count": 5, "ratio": 1, "enabled": true, "port": "http",
                 "comment": null, "tier": "gold", "slug": "a1", "tags": ["x"],
                 "extra": {"known": 1, "more": {"a": 1}}, "items": [{"key": "k"}]}
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &obj).await.unwrap();
    let spec = &created.data["spec"];
    assert_eq!(spec["settings"]["retries"], 3, "{spec}");
    assert_eq!(spec["mode"], "fast", "{spec}");
    assert_eq!(spec["items"][0]["value"], "", "{spec}");
    assert_eq!(spec["extra"]["more"]["a"], 1, "{spec}");
    assert_rejected(
        api.create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "apiVersion": format!("{group}/v1alpha1"), "kind": "Fixture",
                "metadata": {"name": unique_name("f")},
                "spec": {"name": "ab", "count": 10, "ratio": 1, "enabled": true, "port": 1,
                         "comment": "c", "tier": "tin"}
            }))
            .unwrap(),
        )
        .await,
        "spec.count",
    );
}
