//! The three client-side patch formats: JSON patch (RFC 6902), JSON merge
//! patch (RFC 7386) and strategic merge patch, on built-in kinds and CRs.

use hyper::Method;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use crate::crud::deployment;
use crate::raw::{self, Reply};
use crate::widget::Widgets;
use crate::{Ctx, api_error};

async fn patch_raw(ctx: &Ctx, path: &str, content_type: &str, body: &Value) -> Reply {
    raw::send(
        &ctx.client,
        Method::PATCH,
        path,
        &[("content-type", content_type)],
        Some(body),
    )
    .await
}

fn container_names(deployment: &Deployment) -> Vec<String> {
    deployment
        .spec
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

async fn json_patch(ctx: Ctx) {
    let ns = ctx.namespace("patch-json").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    api.create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let path = format!("/apis/apps/v1/namespaces/{ns}/deployments/web");
    const JSON_PATCH: &str = "application/json-patch+json";

    let reply = patch_raw(
        &ctx,
        &path,
        JSON_PATCH,
        &json!([
            {"op": "test", "path": "/spec/replicas", "value": 1},
            {"op": "replace", "path": "/spec/replicas", "value": 4},
            {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
            {"op": "add", "path": "/spec/template/spec/containers/-",
             "value": {"name": "sidecar", "image": "busybox:1.36"}},
            {"op": "remove", "path": "/metadata/labels/app"}
        ]),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let patched: Deployment = serde_json::from_value(reply.body).unwrap();
    assert_eq!(patched.spec.replicas, Some(4));
    let labels = patched.metadata.labels.clone().unwrap();
    assert_eq!(labels.get("tier").map(String::as_str), Some("front"));
    assert!(!labels.contains_key("app"));
    assert_eq!(container_names(&patched), ["web", "sidecar"]);

    // A failed test operation rejects the whole patch.
    let reply = patch_raw(
        &ctx,
        &path,
        JSON_PATCH,
        &json!([
            {"op": "replace", "path": "/spec/replicas", "value": 9},
            {"op": "test", "path": "/spec/replicas", "value": 1}
        ]),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.body["reason"], "Invalid");
    // So does removing what is not there.
    let reply = patch_raw(
        &ctx,
        &path,
        JSON_PATCH,
        &json!([{"op": "remove", "path": "/spec/nothing"}]),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(api.get("web").await.unwrap().spec.replicas, Some(4));
}

async fn merge_patch(ctx: Ctx) {
    let ns = ctx.namespace("patch-merge").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    let mut two = deployment("web");
    let pod = two.spec.template.spec.as_mut().unwrap();
    pod.containers
        .push(serde_json::from_value(json!({"name": "sidecar", "image": "busybox:1.36"})).unwrap());
    api.create(&PostParams::default(), &two).await.unwrap();

    let patched = api
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({
                "metadata": {"labels": {"app": null, "tier": "front"}},
                "spec": {"template": {"spec": {"containers": [{"name": "only", "image": "nginx:1.27"}]}}}
            })),
        )
        .await
        .unwrap();
    let labels = patched.metadata.labels.clone().unwrap();
    // null deletes a key; other keys are merged ...
    assert!(!labels.contains_key("app"));
    assert_eq!(labels["tier"], "front");
    // ... and a list is replaced as a whole.
    assert_eq!(container_names(&patched), ["only"]);
}

async fn strategic_merge_patch(ctx: Ctx) {
    let ns = ctx.namespace("patch-smp").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    let mut base = deployment("web");
    let pod = base.spec.template.spec.as_mut().unwrap();
    pod.containers[0].env = Some(vec![
        serde_json::from_value(json!({"name": "A", "value": "1"})).unwrap(),
        serde_json::from_value(json!({"name": "B", "value": "2"})).unwrap(),
    ]);
    pod.containers
        .push(serde_json::from_value(json!({"name": "sidecar", "image": "busybox:1.36"})).unwrap());
    api.create(&PostParams::default(), &base).await.unwrap();

    // Containers merge by name: `web` changes, `sidecar` stays, `extra` is
    // added after the patched entries; within `web`, env entries merge by
    // name too, the new one after the old.
    let patched = api
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1.28", "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}]},
                {"name": "extra", "image": "busybox:1.37"}
            ]}}}})),
        )
        .await
        .unwrap();
    let containers = &patched.spec.template.spec.as_ref().unwrap().containers;
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["web", "extra", "sidecar"]);
    let web = &containers[0];
    assert_eq!(web.image.as_deref(), Some("nginx:1.28"));
    let env: Vec<(&str, &str)> = web
        .env
        .as_ref()
        .unwrap()
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(env, [("A", "1"), ("B", "two"), ("C", "3")]);

    // `$patch: delete` removes one element by its key.
    let patched = api
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
                {"name": "sidecar", "$patch": "delete"}
            ]}}}})),
        )
        .await
        .unwrap();
    assert_eq!(container_names(&patched), ["web", "extra"]);
}

async fn custom_resource_merge_patch(ctx: Ctx) {
    let ns = ctx.namespace("patch-cr").await;
    let widgets = Widgets::install(&ctx).await;
    let api = widgets.api(&ns);
    api.create(
        &PostParams::default(),
        &widgets.object(
            "w",
            json!({"size": 2, "parts": [{"name": "a", "count": 1}], "labels": {"x": "1", "y": "2"}}),
        ),
    )
    .await
    .unwrap();

    let patched = api
        .patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 3, "labels": {"x": null, "z": "3"}, "parts": [{"name": "b"}]}})),
        )
        .await
        .unwrap();
    let spec = &patched.data["spec"];
    assert_eq!(spec["size"], 3);
    assert_eq!(spec["labels"], json!({"y": "2", "z": "3"}));
    // Merge patch replaces lists even when the schema declares a list-map.
    assert_eq!(spec["parts"], json!([{"name": "b"}]));

    // Custom resources have no strategic merge patch.
    let status = api_error(
        api.patch(
            "w",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"size": 4}})),
        )
        .await,
    );
    assert_eq!(status.code, 415, "{status:?}");
    assert_eq!(status.reason, "UnsupportedMediaType");

    // A patch is validated against the schema like any write.
    let status = api_error(
        api.patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 0}})),
        )
        .await,
    );
    assert_eq!(status.code, 422, "{status:?}");
    widgets.uninstall().await;
}

backends!(
    json_patch,
    merge_patch,
    strategic_merge_patch,
    custom_resource_merge_patch
);
