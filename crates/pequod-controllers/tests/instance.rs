//! A WebService on the real kube-apiserver: the instance controller renders
//! it through the bundled module into a ResourceGraph, the graph controller
//! applies it wave by wave (pods made ready by the test, as a kubelet
//! would), the instance reports Ready; a policy violation blocks the apply.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::api::networking::v1::Ingress;
use kube::Api;
use kube::api::{
    ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, PostParams,
};
use pequod_api::{ResourceGraph, Transform};
use pequod_controllers::instance::controller::{self, InstanceKind};
use pequod_controllers::instance::render::CompiledModule;
use pequod_controllers::modules::Module;
use pequod_controllers::resource_graph;
use pequod_controllers::transform::crd::generated_crd;
use pequod_runtime::metrics::Metrics;
use pequod_testing::{Backend, TestCluster, eventually, kubelet};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(60);
const GROUP: &str = "platform.instance.test.pequod.io";

async fn webservice_instance_becomes_ready_and_policy_blocks_the_apply(backend: Backend) {
    let cluster = TestCluster::of(backend).unwrap();
    let client = cluster.client().await.unwrap();
    let transform: Transform = serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1", "kind": "Transform", "metadata": {"name": "webservice"},
        "spec": {"cueRef": {"type": "Embedded", "ref": "webservice"}, "group": GROUP, "version": "v1alpha1", "kind": "WebService"}
    }))
    .unwrap();
    // Until the spec schema is derived from #Spec, the module itself checks the spec.
    let schema =
        serde_json::from_value(json!({"x-kubernetes-preserve-unknown-fields": true})).unwrap();
    let mut crds = pequod_api::crds();
    crds.push(generated_crd(&transform, schema).unwrap());
    cluster.apply_crds(&client, &crds).await.unwrap();
    let ns = cluster.create_namespace(&client, "instance").await.unwrap();

    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(GROUP, "v1alpha1", "WebService"),
        "webservices",
    );
    let module = CompiledModule::compile(&Module::bundled("webservice").unwrap()).unwrap();
    let kind = InstanceKind {
        transform: "webservice".into(),
        resource: resource.clone(),
        module: Arc::new(module),
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let graphs_task = tokio::spawn(resource_graph::run(
        client.clone(),
        resource_graph::Config::default(),
        wait(stopped.clone()),
    ));
    let instances_task = tokio::spawn(controller::run(
        client.clone(),
        kind,
        Metrics::new(),
        pequod_runtime::cache::Cache::new(),
        wait(stopped.clone()),
    ));

    let webservices: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
    let instance = |name: &str, spec: serde_json::Value| -> DynamicObject {
        serde_json::from_value(
            json!({"apiVersion": format!("{GROUP}/v1alpha1"), "kind": "WebService",
            "metadata": {"name": name}, "spec": spec}),
        )
        .unwrap()
    };
    webservices
        .create(
            &PostParams::default(),
            &instance("shop", json!({"image": "ghcr.io/acme/shop:1.4.2", "replicas": 1,
                "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}, "ingress": {"host": "shop.example.com"}})),
        )
        .await
        .unwrap();

    // The rendered graph, owned by the instance.
    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), &ns);
    let graph = eventually("the ResourceGraph", TIMEOUT, || async {
        graphs.get_opt("shop").await.unwrap()
    })
    .await;
    let ids: Vec<&str> = graph.spec.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["serviceAccount", "deployment", "service", "ingress"]);
    assert_eq!(
        graph.metadata.owner_references.unwrap()[0].kind,
        "WebService"
    );

    // Wave by wave: the Service waits for the Deployment's readiness.
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), &ns);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let services: Api<Service> = Api::namespaced(client.clone(), &ns);
    eventually("the Deployment", TIMEOUT, || async {
        deployments.get_opt("shop").await.unwrap()
    })
    .await;
    assert!(accounts.get_opt("shop").await.unwrap().is_some());
    // The embedded server reports workloads ready as soon as they are stored
    // (docs/embedded.md), so only a real cluster shows the wait.
    if backend == Backend::KubeApiserver {
        assert!(
            services.get_opt("shop").await.unwrap().is_none(),
            "the Service must wait for the Deployment"
        );
    }

    // Stand in for scheduler and kubelet until the instance is Ready.
    let ready = eventually("the WebService to be Ready", TIMEOUT, || async {
        kubelet::make_pods_ready(&client, &ns).await.unwrap();
        let ws = webservices.get("shop").await.unwrap();
        let ready = ws.data["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        });
        ready.then_some(ws)
    })
    .await;
    assert_eq!(ready.data["status"]["phase"], "Ready");
    assert_eq!(ready.data["status"]["url"], "https://shop.example.com/");
    assert_eq!(
        ready.data["status"]["resources"].as_array().unwrap().len(),
        4
    );
    assert!(services.get_opt("shop").await.unwrap().is_some());
    let out = cluster
        .kubectl()
        .args([
            "wait",
            "-n",
            &ns,
            "--for=condition=Ready",
            "webservices.platform.instance.test.pequod.io/shop",
            "--timeout=10s",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A spec change re-applies only what it changes: the Deployment gets the
    // new replica count, the ServiceAccount is not written again.
    let account_version = accounts
        .get("shop")
        .await
        .unwrap()
        .metadata
        .resource_version;
    webservices
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 2}})),
        )
        .await
        .unwrap();
    eventually("the Deployment to scale", TIMEOUT, || async {
        let d = deployments.get("shop").await.unwrap();
        (d.spec.replicas == Some(2)).then_some(())
    })
    .await;
    assert_eq!(
        accounts
            .get("shop")
            .await
            .unwrap()
            .metadata
            .resource_version,
        account_version
    );

    // Turning the Ingress off prunes it, and only it.
    let ingresses: Api<Ingress> = Api::namespaced(client.clone(), &ns);
    assert!(ingresses.get_opt("shop").await.unwrap().is_some());
    webservices
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"ingress": {"enabled": false}}})),
        )
        .await
        .unwrap();
    eventually("the Ingress to be pruned", TIMEOUT, || async {
        kubelet::make_pods_ready(&client, &ns).await.unwrap();
        ingresses
            .get_opt("shop")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    assert!(services.get_opt("shop").await.unwrap().is_some());
    assert!(deployments.get_opt("shop").await.unwrap().is_some());

    // A policy violation: nothing is applied, the instance says why.
    webservices
        .create(
            &PostParams::default(),
            &instance("risky", json!({"image": "nginx:latest"})),
        )
        .await
        .unwrap();
    let risky = eventually("the violation to be reported", TIMEOUT, || async {
        let ws = webservices.get("risky").await.unwrap();
        let reason = ws.data["status"]["conditions"][0]["reason"].clone();
        (reason == "PolicyViolation").then_some(ws)
    })
    .await;
    assert!(
        risky.data["status"]["conditions"][0]["message"]
            .as_str()
            .unwrap()
            .contains(":latest")
    );
    assert!(graphs.get_opt("risky").await.unwrap().is_none());
    let events: Api<Event> = Api::namespaced(client.clone(), &ns);
    eventually("a PolicyViolation event", TIMEOUT, || async {
        events
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("PolicyViolation"))
    })
    .await;

    stop.send(true).unwrap();
    graphs_task.await.unwrap().unwrap();
    instances_task.await.unwrap().unwrap();
}

pequod_testing::on_every_backend!(webservice_instance_becomes_ready_and_policy_blocks_the_apply);
