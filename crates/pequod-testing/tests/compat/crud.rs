//! Create, get, update, list and delete of built-in kinds, and the defaults
//! the server fills in on the way.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use crate::{Ctx, TIMEOUT, api_error};
use pequod_testing::{eventually, unique_name};

/// A Deployment of one `nginx:1.27` container labelled `app: <name>`.
pub(crate) fn deployment(name: &str) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}
            }
        }
    }))
    .unwrap()
}

/// A ConfigMap holding `data`.
pub(crate) fn configmap(name: &str, data: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": data})).unwrap()
}

async fn configmap_crud(ctx: Ctx) {
    let ns = ctx.namespace("crud-cm").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);

    let created = api
        .create(&PostParams::default(), &configmap("cm", json!({"a": "1"})))
        .await
        .unwrap();
    assert_eq!(created.namespace().as_deref(), Some(ns.as_str()));
    assert_eq!(created.data.as_ref().unwrap()["a"], "1");

    let mut fetched = api.get("cm").await.unwrap();
    assert_eq!(fetched.uid(), created.uid());
    fetched.data = Some([("b".to_owned(), "2".to_owned())].into());
    let updated = api
        .replace("cm", &PostParams::default(), &fetched)
        .await
        .unwrap();
    // An update replaces the whole object: `a` is gone.
    assert_eq!(
        updated.data,
        Some([("b".to_owned(), "2".to_owned())].into())
    );

    let names: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .iter()
        .map(ResourceExt::name_any)
        .collect();
    assert!(names.contains(&"cm".to_owned()), "{names:?}");

    let deleted = api.delete("cm", &DeleteParams::default()).await.unwrap();
    // Without finalizers the object is gone at once, and the answer is a
    // success Status naming it.
    let status = deleted.right().expect("a Status");
    assert_eq!(
        status.status,
        Some(kube::core::response::StatusSummary::Success)
    );
    let details = status.details.unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("cm", "configmaps")
    );
    assert_eq!(Some(details.uid), created.uid());
    assert_eq!(api_error(api.get("cm").await).code, 404);
}

async fn secret_string_data(ctx: Ctx) {
    let ns = ctx.namespace("crud-secret").await;
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &ns);
    let secret: Secret = serde_json::from_value(json!({
        "metadata": {"name": "s"},
        "stringData": {"password": "hunter2"},
        "data": {"user": "YWRtaW4="}
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &secret).await.unwrap();
    // stringData is merged into data, base64 on the wire, and never stored.
    assert_eq!(created.type_.as_deref(), Some("Opaque"));
    assert!(created.string_data.is_none());
    let data = created.data.as_ref().unwrap();
    assert_eq!(data["password"].0, b"hunter2");
    assert_eq!(data["user"].0, b"admin");
    let got = api.get("s").await.unwrap();
    assert!(got.string_data.is_none());
    assert_eq!(got.data, created.data);

    // The type cannot change once set.
    let mut retyped = got.clone();
    retyped.type_ = Some("kubernetes.io/tls".into());
    let status = api_error(api.replace("s", &PostParams::default(), &retyped).await);
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");
    assert!(status.message.contains("field is immutable"), "{status:?}");

    api.delete("s", &DeleteParams::default()).await.unwrap();
}

async fn service_defaults(ctx: Ctx) {
    let ns = ctx.namespace("crud-svc").await;
    let api: Api<Service> = Api::namespaced(ctx.client.clone(), &ns);
    let service: Service = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &service).await.unwrap();
    let spec = created.spec.unwrap();
    assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(spec.session_affinity.as_deref(), Some("None"));
    assert_eq!(spec.internal_traffic_policy.as_deref(), Some("Cluster"));
    let port = &spec.ports.unwrap()[0];
    assert_eq!(port.protocol.as_deref(), Some("TCP"));
    // targetPort defaults to the port.
    assert_eq!(port.target_port, Some(IntOrString::Int(80)));
    let ip = spec.cluster_ip.expect("a cluster IP");
    assert!(ip.parse::<std::net::IpAddr>().is_ok(), "{ip}");
    assert_eq!(spec.cluster_ips, Some(vec![ip]));

    api.delete("web", &DeleteParams::default()).await.unwrap();
    assert!(api.get_opt("web").await.unwrap().is_none());
}

async fn deployment_defaults(ctx: Ctx) {
    let ns = ctx.namespace("crud-deploy").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    let created = api
        .create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    let spec = &created.spec;
    assert_eq!(spec.replicas, Some(1));
    assert_eq!(spec.revision_history_limit, Some(10));
    assert_eq!(spec.progress_deadline_seconds, Some(600));
    let strategy = spec.strategy.as_ref().unwrap();
    assert_eq!(strategy.type_.as_deref(), Some("RollingUpdate"));
    let rolling = strategy.rolling_update.as_ref().unwrap();
    assert_eq!(rolling.max_surge, Some(IntOrString::String("25%".into())));
    assert_eq!(
        rolling.max_unavailable,
        Some(IntOrString::String("25%".into()))
    );
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod.restart_policy.as_deref(), Some("Always"));
    assert_eq!(pod.dns_policy.as_deref(), Some("ClusterFirst"));
    assert_eq!(pod.termination_grace_period_seconds, Some(30));
    assert_eq!(pod.scheduler_name.as_deref(), Some("default-scheduler"));
    let container = &pod.containers[0];
    assert_eq!(container.image_pull_policy.as_deref(), Some("IfNotPresent"));
    assert_eq!(
        container.termination_message_path.as_deref(),
        Some("/dev/termination-log")
    );
    assert_eq!(
        container.termination_message_policy.as_deref(),
        Some("File")
    );

    // A patch, since the Deployment controller writes status meanwhile.
    let updated = api
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(updated.spec.replicas, Some(3));
    assert_eq!(updated.metadata.generation, Some(2));

    api.delete("web", &DeleteParams::background())
        .await
        .unwrap();
    eventually("the deployment gone", TIMEOUT, || {
        let api = api.clone();
        async move { api.get_opt("web").await.unwrap().is_none().then_some(()) }
    })
    .await;
}

async fn namespace_lifecycle(ctx: Ctx) {
    let api: Api<Namespace> = Api::all(ctx.client.clone());
    let name = unique_name("crud-ns");
    let namespace: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    let created = api
        .create(&PostParams::default(), &namespace)
        .await
        .unwrap();
    assert_eq!(
        created.status.as_ref().unwrap().phase.as_deref(),
        Some("Active")
    );
    assert_eq!(
        created.spec.as_ref().unwrap().finalizers,
        Some(vec!["kubernetes".to_owned()])
    );
    // The immutable name label every namespace carries.
    assert_eq!(
        created.labels().get("kubernetes.io/metadata.name"),
        Some(&name)
    );

    let deleting = api.delete(&name, &DeleteParams::default()).await.unwrap();
    let deleting = deleting.left().expect("the namespace while it terminates");
    assert!(deleting.metadata.deletion_timestamp.is_some());
    assert_eq!(
        deleting.status.as_ref().unwrap().phase.as_deref(),
        Some("Terminating")
    );
    eventually("the namespace gone", TIMEOUT, || {
        let api = api.clone();
        let name = name.clone();
        async move { api.get_opt(&name).await.unwrap().is_none().then_some(()) }
    })
    .await;
}

async fn generate_name(ctx: Ctx) {
    let ns = ctx.namespace("crud-generate").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let mut template = configmap("", json!({}));
    template.metadata.name = None;
    template.metadata.generate_name = Some("gen-".into());
    let a = api.create(&PostParams::default(), &template).await.unwrap();
    let b = api.create(&PostParams::default(), &template).await.unwrap();
    for name in [a.name_any(), b.name_any()] {
        // The prefix and five random lowercase alphanumerics.
        let suffix = name.strip_prefix("gen-").expect("the prefix");
        assert_eq!(suffix.len(), 5, "{name}");
        assert!(
            suffix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{name}"
        );
    }
    assert_ne!(a.name_any(), b.name_any());
    assert_eq!(a.metadata.generate_name.as_deref(), Some("gen-"));
}

async fn delete_collection(ctx: Ctx) {
    let ns = ctx.namespace("crud-collection").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    for (name, group) in [("a", "x"), ("b", "x"), ("c", "y")] {
        let mut cm = configmap(name, json!({}));
        cm.metadata.labels = Some([("group".to_owned(), group.to_owned())].into());
        api.create(&PostParams::default(), &cm).await.unwrap();
    }
    let deleted = api
        .delete_collection(
            &DeleteParams::default(),
            &ListParams::default().labels("group=x"),
        )
        .await
        .unwrap();
    // The answer lists what was deleted.
    let list = deleted.left().expect("the deleted objects");
    let mut names: Vec<String> = list.iter().map(ResourceExt::name_any).collect();
    names.sort();
    assert_eq!(names, ["a", "b"]);
    let left: Vec<String> = api
        .list(&ListParams::default().labels("group"))
        .await
        .unwrap()
        .iter()
        .map(ResourceExt::name_any)
        .collect();
    assert_eq!(left, ["c"]);
}

backends!(
    generate_name,
    delete_collection,
    configmap_crud,
    secret_string_data,
    service_defaults,
    deployment_defaults,
    namespace_lifecycle
);
