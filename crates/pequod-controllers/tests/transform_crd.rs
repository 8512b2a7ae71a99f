//! A generated CRD on the real kube-apiserver: accepted, established, and
//! enforcing the module's schema on instances.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use pequod_api::Transform;
use pequod_controllers::transform::crd::generated_crd;
use pequod_testing::{Backend, TestCluster, unique_name};
use serde_json::json;

async fn generated_crd_serves_and_validates_instances(backend: Backend) {
    let cluster = TestCluster::of(backend).unwrap();
    let client = cluster.client().await.unwrap();
    let group = format!("{}.platform.test.pequod.io", unique_name("g"));
    let transform: Transform = serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1", "kind": "Transform", "metadata": {"name": "webservice"},
        "spec": {"cueRef": {"type": "Embedded", "ref": "webservice"}, "group": group, "version": "v1alpha1",
                 "kind": "WebService", "printerColumns": [{"name": "Image", "type": "string", "jsonPath": ".spec.image"}]}
    }))
    .unwrap();
    let spec_schema = serde_json::from_value(json!({
        "required": ["image"],
        "properties": {
            "image": {"type": "string", "pattern": "^[^:]+:[^:]+$"},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 2}
        }
    }))
    .unwrap();
    let crd = generated_crd(&transform, spec_schema).unwrap();
    cluster.apply_crds(&client, &[crd]).await.unwrap();

    let ns = cluster
        .create_namespace(&client, "generated")
        .await
        .unwrap();
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1alpha1", "WebService"),
        "webservices",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client, &ns, &resource);
    let instance = |spec: serde_json::Value| -> DynamicObject {
        serde_json::from_value(
            json!({"apiVersion": format!("{group}/v1alpha1"), "kind": "WebService",
            "metadata": {"name": unique_name("ws")}, "spec": spec}),
        )
        .unwrap()
    };

    // Defaults from the module's schema are filled in.
    let ok = api
        .create(
            &PostParams::default(),
            &instance(json!({"image": "nginx:1.27"})),
        )
        .await
        .unwrap();
    assert_eq!(ok.data["spec"]["replicas"], 2);

    // Pequod writes the instance's status through the status subresource,
    // which a spec update cannot touch.
    let name = ok.metadata.name.clone().unwrap();
    let patched = api
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": "Ready"}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data["status"]["phase"], "Ready");

    // Violations are refused with the field path.
    for (spec, path) in [
        (json!({"replicas": 3}), "spec.image"),
        (
            json!({"image": "nginx:1.27", "replicas": 11}),
            "spec.replicas",
        ),
        (json!({"image": "nginx"}), "spec.image"),
    ] {
        let err = api
            .create(&PostParams::default(), &instance(spec))
            .await
            .unwrap_err();
        let kube::Error::Api(status) = err else {
            panic!("expected an API error")
        };
        assert_eq!(status.code, 422);
        assert!(status.message.contains(path), "{path}: {}", status.message);
    }
}

pequod_testing::on_every_backend!(generated_crd_serves_and_validates_instances);
