//! The API behaviour Pequod builds on, shown on the real kube-apiserver:
//! CRD registration, server-side apply and its conflicts, watches,
//! finalizers, and the controller manager's garbage collection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ObjectMeta, Patch, PatchParams,
    PostParams, WatchEvent, WatchParams,
};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client, ResourceExt};
use pequod_testing::{Backend, TestCluster, unique_name};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(30);

async fn cluster() -> (&'static TestCluster, Client) {
    let cluster = TestCluster::kube_apiserver().expect("kube-apiserver test cluster");
    assert_eq!(cluster.backend(), Backend::KubeApiserver);
    let client = cluster.client().await.expect("client");
    (cluster, client)
}

/// A namespaced `Widget` CRD in a group of its own, so tests never share one.
fn widget_crd(group: &str) -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {"type": "object", "properties": {
                            "size": {"type": "integer", "minimum": 1},
                            "color": {"type": "string"}
                        }},
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                }}
            }]
        }
    }))
    .expect("valid CRD")
}

async fn with_timeout<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {TIMEOUT:?}: {what}"))
}

#[tokio::test]
async fn crd_apply_conflict_watch_and_finalizer() {
    let (cluster, client) = cluster().await;
    let ns = cluster
        .create_namespace(&client, "crd-lifecycle")
        .await
        .unwrap();
    let group = format!("{}.test.pequod.io", unique_name("g"));

    // Register the CRD and wait until it is Established.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = crds
        .create(&PostParams::default(), &widget_crd(&group))
        .await
        .unwrap();
    with_timeout(
        "CRD Established",
        await_condition(
            crds.clone(),
            &crd.name_any(),
            conditions::is_crd_established(),
        ),
    )
    .await
    .unwrap();

    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1", "Widget"),
        "widgets",
    );
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);

    // Create a custom resource. Its creator owns `color`; `size` is free.
    let mut widget = DynamicObject::new("w1", &resource).within(&ns);
    widget.data = json!({"spec": {"color": "red"}});
    let created = widgets
        .create(&PostParams::default(), &widget)
        .await
        .unwrap();
    let created_rv = created.resource_version().unwrap();

    // Watch from the created version, so the change below must arrive.
    let watch = widgets
        .watch(
            &WatchParams::default().fields("metadata.name=w1"),
            &created_rv,
        )
        .await
        .unwrap();
    let mut watch = watch.boxed();

    // Server-side apply a change as field manager "pequod"; stating the
    // creator's value of `color` too makes it a shared owner, not a rival.
    let apply = |size: i64, color: &str| {
        json!({
            "apiVersion": format!("{group}/v1"),
            "kind": "Widget",
            "metadata": {"name": "w1"},
            "spec": {"size": size, "color": color}
        })
    };
    let pequod = PatchParams::apply(pequod_api::FIELD_MANAGER);
    let applied = widgets
        .patch("w1", &pequod, &Patch::Apply(apply(3, "red")))
        .await
        .unwrap();
    assert_eq!(applied.data["spec"]["size"], 3);
    let managers: Vec<String> = applied
        .managed_fields()
        .iter()
        .filter_map(|m| m.manager.clone())
        .collect();
    assert!(
        managers.contains(&"pequod".to_owned()),
        "managers: {managers:?}"
    );

    // The change arrives on the watch.
    let modified = with_timeout("watch event", async {
        loop {
            match watch.try_next().await.unwrap().expect("watch ended") {
                WatchEvent::Modified(o) if o.data["spec"]["size"] == 3 => break o,
                WatchEvent::Error(e) => panic!("watch error: {e:?}"),
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(modified.resource_version(), applied.resource_version());

    // A second manager applying a different value for a field "pequod" owns
    // is refused with 409 Conflict naming the owner ...
    let other = PatchParams::apply("other-controller");
    let err = widgets
        .patch("w1", &other, &Patch::Apply(apply(5, "red")))
        .await
        .unwrap_err();
    match err {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 409, "{status:?}");
            assert_eq!(status.reason, "Conflict");
            assert!(status.message.contains("pequod"), "{}", status.message);
            assert!(status.message.contains(".spec.size"), "{}", status.message);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // ... leaves the object as it was, and goes through only when forced.
    assert_eq!(widgets.get("w1").await.unwrap().data["spec"]["size"], 3);
    let forced = widgets
        .patch("w1", &other.clone().force(), &Patch::Apply(apply(5, "red")))
        .await
        .unwrap();
    assert_eq!(forced.data["spec"]["size"], 5);

    // Delete with a finalizer: the object stays, marked for deletion ...
    widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": ["pequod.io/test"]}})),
        )
        .await
        .unwrap();
    widgets
        .delete("w1", &DeleteParams::default())
        .await
        .unwrap();
    let terminating = widgets.get("w1").await.unwrap();
    assert!(terminating.metadata.deletion_timestamp.is_some());
    assert_eq!(terminating.finalizers(), ["pequod.io/test"]);

    // ... and is removed once the finalizer is dropped.
    widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": null}})),
        )
        .await
        .unwrap();
    let uid = terminating.uid().unwrap();
    with_timeout(
        "widget removed",
        await_condition(widgets.clone(), "w1", conditions::is_deleted(&uid)),
    )
    .await
    .unwrap();
    assert!(widgets.get_opt("w1").await.unwrap().is_none());

    crds.delete(&crd.name_any(), &DeleteParams::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn controller_manager_collects_garbage() {
    let (cluster, client) = cluster().await;
    let ns = cluster.create_namespace(&client, "gc").await.unwrap();
    let configmaps: Api<ConfigMap> = Api::namespaced(client, &ns);

    let owner = configmaps
        .create(
            &PostParams::default(),
            &ConfigMap {
                metadata: ObjectMeta {
                    name: Some("owner".into()),
                    ..ObjectMeta::default()
                },
                ..ConfigMap::default()
            },
        )
        .await
        .unwrap();
    let dependant = ConfigMap {
        metadata: ObjectMeta {
            name: Some("dependant".into()),
            owner_references: Some(vec![
                k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                    api_version: "v1".into(),
                    kind: "ConfigMap".into(),
                    name: "owner".into(),
                    uid: owner.uid().unwrap(),
                    ..Default::default()
                },
            ]),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("k".into(), "v".into())])),
        ..ConfigMap::default()
    };
    let dependant = configmaps
        .create(&PostParams::default(), &dependant)
        .await
        .unwrap();

    configmaps
        .delete("owner", &DeleteParams::background())
        .await
        .unwrap();
    with_timeout(
        "garbage collection of the dependant",
        await_condition(
            configmaps.clone(),
            "dependant",
            conditions::is_deleted(&dependant.uid().unwrap()),
        ),
    )
    .await
    .unwrap();
}

#[test]
fn kubectl_sees_the_cluster() {
    let cluster = TestCluster::kube_apiserver().expect("kube-apiserver test cluster");

    let out = cluster
        .kubectl()
        .args(["get", "--raw", "/version"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let git_version = version["gitVersion"].as_str().unwrap();
    // The harness is the Kubernetes release whose API k8s-openapi targets.
    let release = format!("v{}.", pequod_api::KUBERNETES_API_VERSION);
    assert!(git_version.starts_with(&release), "{version}");
    assert_eq!(version["major"], "1");

    let out = cluster
        .kubectl()
        .args(["get", "namespaces", "-o", "name"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = String::from_utf8(out.stdout).unwrap();
    for ns in ["namespace/default", "namespace/kube-system"] {
        assert!(
            names.lines().any(|l| l == ns),
            "{ns} missing from:\n{names}"
        );
    }
}
