//! The Transform controller on the real kube-apiserver: the bundled
//! webservice module becomes the WebService kind with a schema derived from
//! its `#Spec`, instances of it are rendered and applied; a module that does
//! not compile is reported, and a breaking schema change is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, PostParams};
use pequod_api::{ResourceGraph, Transform, TransformPhase};
use pequod_controllers::{resource_graph, transform};
use pequod_runtime::manager::{Manager, ManagerConfig};
use pequod_testing::{Backend, TestCluster, eventually, unique_name};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(60);

fn transform(name: &str, group: &str, cue_ref: serde_json::Value) -> Transform {
    serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1", "kind": "Transform", "metadata": {"name": name},
        "spec": {"cueRef": cue_ref, "group": group, "version": "v1alpha1", "kind": "WebService", "shortNames": [format!("ws{}", &name[name.len()-4..])]}
    }))
    .unwrap()
}

async fn transforms_publish_kinds_and_guard_their_schemas(backend: Backend) {
    let cluster = TestCluster::of(backend).unwrap();
    let client = cluster.client().await.unwrap();
    cluster
        .apply_crds(&client, &pequod_api::crds())
        .await
        .unwrap();
    let mut manager = Manager::new(
        client.clone(),
        ManagerConfig {
            metrics_bind_address: "0".into(),
            health_probe_bind_address: "0".into(),
            ..ManagerConfig::default()
        },
    );
    resource_graph::add_to(&mut manager, resource_graph::Config::default());
    transform::controller::add_to(&mut manager);
    let running = manager.start().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let manager_task = tokio::spawn(running.wait(async {
        let _ = stopped.await;
    }));

    // The bundled module, published as a kind of its own.
    let transforms: Api<Transform> = Api::all(client.clone());
    let name = unique_name("webservice");
    let group = format!("{name}.platform.test.pequod.io");
    transforms
        .create(
            &PostParams::default(),
            &transform(
                &name,
                &group,
                json!({"type": "Embedded", "ref": "webservice"}),
            ),
        )
        .await
        .unwrap();
    let ready = eventually("the Transform to be Ready", TIMEOUT, || async {
        let t = transforms.get(&name).await.unwrap();
        t.status.filter(|s| s.phase == Some(TransformPhase::Ready))
    })
    .await;
    let crd_name = ready.crd_name.unwrap();
    assert_eq!(crd_name, format!("webservices.{group}"));
    assert!(ready.module_digest.unwrap().starts_with("sha256:"));

    // The schema comes from #Spec: defaults and bounds are the API server's now.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = crds.get(&crd_name).await.unwrap();
    let spec = &crd.spec.versions[0]
        .schema
        .as_ref()
        .unwrap()
        .open_api_v3_schema
        .as_ref()
        .unwrap()
        .properties
        .as_ref()
        .unwrap()["spec"];
    assert!(
        spec.properties.as_ref().unwrap().contains_key("image"),
        "{spec:?}"
    );
    let ns = cluster
        .create_namespace(&client, "transform")
        .await
        .unwrap();
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1alpha1", "WebService"),
        "webservices",
    );
    let webservices: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
    let instance = |spec: serde_json::Value| -> DynamicObject {
        serde_json::from_value(
            json!({"apiVersion": format!("{group}/v1alpha1"), "kind": "WebService",
            "metadata": {"name": unique_name("ws")}, "spec": spec}),
        )
        .unwrap()
    };
    let err = webservices
        .create(
            &PostParams::default(),
            &instance(json!({"image": "nginx:1.27", "replicas": 99})),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected a rejection")
    };
    assert!(
        status.message.contains("spec.replicas"),
        "{}",
        status.message
    );
    let created = webservices
        .create(
            &PostParams::default(),
            &instance(json!({"image": "nginx:1.27", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}})),
        )
        .await
        .unwrap();
    assert_eq!(
        created.data["spec"]["replicas"], 2,
        "the default from #Spec"
    );

    // ... and is rendered into a graph by the instance controller it started.
    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), &ns);
    let instance_name = created.metadata.name.clone().unwrap();
    eventually("the instance's graph", TIMEOUT, || async {
        graphs.get_opt(&instance_name).await.unwrap()
    })
    .await;

    // A module that does not compile: reported, nothing published.
    let broken = unique_name("broken");
    transforms
        .create(
            &PostParams::default(),
            &transform(
                &broken,
                &format!("{broken}.test.pequod.io"),
                json!({"type": "Inline", "inline": "#Spec: {image: string"}),
            ),
        )
        .await
        .unwrap();
    let failed = eventually("the broken Transform to fail", TIMEOUT, || async {
        let t = transforms.get(&broken).await.unwrap();
        t.status.filter(|s| s.phase == Some(TransformPhase::Failed))
    })
    .await;
    let schema_valid = failed
        .conditions
        .iter()
        .find(|c| c.type_ == "SchemaValid")
        .unwrap();
    assert_eq!(schema_valid.reason, "CompileFailed");
    assert!(
        schema_valid.message.contains("inline.cue"),
        "{}",
        schema_valid.message
    );
    assert!(failed.crd_name.is_none());

    // A breaking change to a kind with instances is refused, naming the field.
    let narrowed = "#Spec: {image!: string, replicas: *2 | int & >=1 & <=5}\ninput: {metadata: {...}, spec: #Spec}\ncontext: {...}\nobserved: {...}\nviolations: []\nresources: {}\n";
    let mut changed = transforms.get(&name).await.unwrap();
    changed.spec.cue_ref =
        serde_json::from_value(json!({"type": "Inline", "inline": narrowed})).unwrap();
    transforms
        .replace(&name, &PostParams::default(), &changed)
        .await
        .unwrap();
    let refused = eventually("the breaking change to be refused", TIMEOUT, || async {
        let t = transforms.get(&name).await.unwrap();
        let status = t.status?;
        let c = status
            .conditions
            .iter()
            .find(|c| c.type_ == "SchemaValid")?
            .clone();
        (c.reason == "BreakingChange").then_some(c)
    })
    .await;
    assert!(
        refused
            .message
            .contains("spec.replicas: maximum lowered from 20 to 5"),
        "{}",
        refused.message
    );

    let _ = stop.send(());
    manager_task.await.unwrap().unwrap();
}

pequod_testing::on_every_backend!(transforms_publish_kinds_and_guard_their_schemas);
