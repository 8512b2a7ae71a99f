//! Garbage collection through ownerReferences (background, foreground and
//! orphan propagation) and namespace deletion.

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use crate::crud::configmap;
use crate::{Ctx, TIMEOUT, api_error};
use pequod_testing::eventually;

const HOLD: &str = "compat.pequod.io/hold";

/// Creates ConfigMap `owner` and a ConfigMap `child` it owns, the child
/// carrying `finalizers`.
async fn owner_and_child(api: &Api<ConfigMap>, finalizers: &[&str]) -> (ConfigMap, ConfigMap) {
    let owner = api
        .create(&PostParams::default(), &configmap("owner", json!({})))
        .await
        .unwrap();
    let mut child = configmap("child", json!({}));
    child.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: "owner".into(),
        uid: owner.uid().unwrap(),
        block_owner_deletion: Some(true),
        ..OwnerReference::default()
    }]);
    child.metadata.finalizers = Some(finalizers.iter().map(|f| (*f).to_owned()).collect());
    let child = api.create(&PostParams::default(), &child).await.unwrap();
    (owner, child)
}

async fn gone(api: &Api<ConfigMap>, name: &str) {
    eventually(&format!("{name} deleted"), TIMEOUT, || {
        let api = api.clone();
        let name = name.to_owned();
        async move { api.get_opt(&name).await.unwrap().is_none().then_some(()) }
    })
    .await;
}

async fn release(api: &Api<ConfigMap>, name: &str) {
    api.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
}

async fn background(ctx: Ctx) {
    let ns = ctx.namespace("gc-background").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    owner_and_child(&api, &[]).await;
    api.delete("owner", &DeleteParams::background())
        .await
        .unwrap();
    // The owner goes at once; the collector follows for the child.
    assert!(api.get_opt("owner").await.unwrap().is_none());
    gone(&api, "child").await;
}

async fn foreground(ctx: Ctx) {
    let ns = ctx.namespace("gc-foreground").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    owner_and_child(&api, &[HOLD]).await;
    let deleting = api
        .delete("owner", &DeleteParams::foreground())
        .await
        .unwrap()
        .left()
        .expect("the owner waits for its dependants");
    assert!(deleting.metadata.deletion_timestamp.is_some());
    assert_eq!(deleting.finalizers(), ["foregroundDeletion"]);

    // The collector deletes the child, which its own finalizer holds ...
    eventually("the child marked for deletion", TIMEOUT, || {
        let api = api.clone();
        async move {
            api.get("child")
                .await
                .unwrap()
                .metadata
                .deletion_timestamp
                .map(|_| ())
        }
    })
    .await;
    // ... so the owner is still there.
    let owner = api.get("owner").await.unwrap();
    assert_eq!(owner.finalizers(), ["foregroundDeletion"]);

    release(&api, "child").await;
    gone(&api, "child").await;
    gone(&api, "owner").await;
}

async fn orphan(ctx: Ctx) {
    let ns = ctx.namespace("gc-orphan").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    owner_and_child(&api, &[]).await;
    api.delete("owner", &DeleteParams::orphan()).await.unwrap();
    gone(&api, "owner").await;
    // The child stays, no longer owned.
    let child = api.get("child").await.unwrap();
    assert!(child.metadata.deletion_timestamp.is_none());
    assert!(child.owner_references().is_empty(), "{child:?}");
}

async fn namespace_deletion(ctx: Ctx) {
    let namespaces: Api<Namespace> = Api::all(ctx.client.clone());
    let ns = ctx.namespace("gc-namespace").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    api.create(&PostParams::default(), &configmap("plain", json!({})))
        .await
        .unwrap();
    let mut held = configmap("held", json!({}));
    held.metadata.finalizers = Some(vec![HOLD.into()]);
    api.create(&PostParams::default(), &held).await.unwrap();

    namespaces
        .delete(&ns, &DeleteParams::default())
        .await
        .unwrap();
    // Terminating: nothing new may be created in it.
    let status = api_error(
        api.create(&PostParams::default(), &configmap("late", json!({})))
            .await,
    );
    assert_eq!(status.code, 403, "{status:?}");
    assert_eq!(status.reason, "Forbidden");
    assert!(
        status.message.contains(&format!(
            "unable to create new content in namespace {ns} because it is being terminated"
        )),
        "{}",
        status.message
    );

    // The namespace controller deletes what it can and waits on the rest.
    gone(&api, "plain").await;
    eventually("the held object marked for deletion", TIMEOUT, || {
        let api = api.clone();
        async move {
            api.get("held")
                .await
                .unwrap()
                .metadata
                .deletion_timestamp
                .map(|_| ())
        }
    })
    .await;
    let namespace = namespaces.get(&ns).await.unwrap();
    assert_eq!(
        namespace.status.unwrap().phase.as_deref(),
        Some("Terminating")
    );

    release(&api, "held").await;
    eventually("the namespace gone", TIMEOUT, || {
        let namespaces = namespaces.clone();
        let ns = ns.clone();
        async move {
            namespaces
                .get_opt(&ns)
                .await
                .unwrap()
                .is_none()
                .then_some(())
        }
    })
    .await;
}

backends!(background, foreground, orphan, namespace_deletion);
