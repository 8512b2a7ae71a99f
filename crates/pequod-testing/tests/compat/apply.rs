//! Server-side apply: creation, managedFields, conflicts between managers,
//! forcing, shared list-maps, removal of fields a manager stops applying,
//! and the status subresource.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};

use crate::widget::Widgets;
use crate::{Ctx, api_error};

fn cm_manifest(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": data})
}

async fn apply_cm(api: &Api<ConfigMap>, manager: &str, data: Value) -> kube::Result<ConfigMap> {
    api.patch(
        "cm",
        &PatchParams::apply(manager),
        &Patch::Apply(cm_manifest(data)),
    )
    .await
}

/// The managedFields entry of `manager`, as JSON.
fn entry<K: kube::Resource>(object: &K, manager: &str) -> Option<Value> {
    object
        .managed_fields()
        .iter()
        .find(|m| m.manager.as_deref() == Some(manager))
        .map(|m| serde_json::to_value(m).unwrap())
}

async fn create_and_managed_fields(ctx: Ctx) {
    let ns = ctx.namespace("apply-create").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let created = apply_cm(&api, "compat-a", json!({"k": "v"})).await.unwrap();
    assert!(created.uid().is_some());
    assert_eq!(created.data.as_ref().unwrap()["k"], "v");
    assert_eq!(created.managed_fields().len(), 1);
    let a = entry(&created, "compat-a").unwrap();
    assert_eq!(a["operation"], "Apply");
    assert_eq!(a["apiVersion"], "v1");
    assert_eq!(a["fieldsType"], "FieldsV1");
    assert_eq!(a["fieldsV1"], json!({"f:data": {"f:k": {}}}));
    assert!(a["time"].is_string());

    // Applying the same configuration again changes nothing.
    let again = apply_cm(&api, "compat-a", json!({"k": "v"})).await.unwrap();
    assert_eq!(again.resource_version(), created.resource_version());

    // An Update by another manager is tracked beside the applier.
    let updated = api
        .patch(
            "cm",
            &PatchParams {
                field_manager: Some("compat-editor".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(json!({"metadata": {"labels": {"l": "1"}}})),
        )
        .await
        .unwrap();
    let editor = entry(&updated, "compat-editor").unwrap();
    assert_eq!(editor["operation"], "Update");
    assert_eq!(
        editor["fieldsV1"],
        json!({"f:metadata": {"f:labels": {".": {}, "f:l": {}}}})
    );
}

async fn conflict_and_force(ctx: Ctx) {
    let ns = ctx.namespace("apply-conflict").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    apply_cm(&api, "compat-a", json!({"k": "a", "own": "a"}))
        .await
        .unwrap();

    let status = api_error(apply_cm(&api, "compat-b", json!({"k": "b"})).await);
    assert_eq!(status.code, 409);
    assert_eq!(status.reason, "Conflict");
    assert_eq!(
        status.message,
        r#"Apply failed with 1 conflict: conflict with "compat-a": .data.k"#
    );
    let causes = &status.details.as_ref().unwrap().causes;
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0].reason, "FieldManagerConflict");
    assert_eq!(causes[0].message, r#"conflict with "compat-a""#);
    assert_eq!(causes[0].field, ".data.k");

    // Applying the same value is no conflict: the field becomes shared.
    let shared = apply_cm(&api, "compat-c", json!({"k": "a"})).await.unwrap();
    assert!(entry(&shared, "compat-c").is_some());

    // Force takes the field from every other owner.
    let forced = api
        .patch(
            "cm",
            &PatchParams::apply("compat-b").force(),
            &Patch::Apply(cm_manifest(json!({"k": "b"}))),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.as_ref().unwrap()["k"], "b");
    assert_eq!(
        entry(&forced, "compat-a").unwrap()["fieldsV1"],
        json!({"f:data": {"f:own": {}}})
    );
    assert_eq!(
        entry(&forced, "compat-b").unwrap()["fieldsV1"],
        json!({"f:data": {"f:k": {}}})
    );
    // A manager left with nothing is dropped.
    assert!(
        entry(&forced, "compat-c").is_none(),
        "{:?}",
        forced.managed_fields()
    );
}

async fn list_map_items_per_manager(ctx: Ctx) {
    let ns = ctx.namespace("apply-listmap").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    let container = |name: &str, image: &str| json!({"name": name, "image": image});
    let deployment = |containers: Value| {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}}
            }
        })
    };
    api.patch(
        "web",
        &PatchParams::apply("compat-app"),
        &Patch::Apply(deployment(json!([container("web", "nginx:1.27")]))),
    )
    .await
    .unwrap();
    let both = api
        .patch(
            "web",
            &PatchParams::apply("compat-mesh"),
            &Patch::Apply(deployment(json!([container("proxy", "envoy:1.30")]))),
        )
        .await
        .unwrap();
    let names: Vec<&str> = both
        .spec
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["web", "proxy"]);
    let owned = |manager: &str| {
        entry(&both, manager).unwrap()["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(owned("compat-app"), [r#"k:{"name":"web"}"#]);
    assert_eq!(owned("compat-mesh"), [r#"k:{"name":"proxy"}"#]);

    // Each manager dropping its own item leaves the other's alone.
    let after = api
        .patch(
            "web",
            &PatchParams::apply("compat-mesh"),
            &Patch::Apply(json!({
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}
            })),
        )
        .await
        .unwrap();
    let names: Vec<&str> = after
        .spec
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["web"]);
}

async fn removal_of_unapplied_fields(ctx: Ctx) {
    let ns = ctx.namespace("apply-remove").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    apply_cm(
        &api,
        "compat-a",
        json!({"keep": "1", "drop": "2", "shared": "3"}),
    )
    .await
    .unwrap();
    apply_cm(&api, "compat-b", json!({"shared": "3"}))
        .await
        .unwrap();

    let after = apply_cm(&api, "compat-a", json!({"keep": "1"}))
        .await
        .unwrap();
    let data = after.data.unwrap();
    assert_eq!(data.get("keep").map(String::as_str), Some("1"));
    // Owned by no one else: removed.
    assert!(!data.contains_key("drop"), "{data:?}");
    // Still applied by compat-b: kept.
    assert_eq!(data.get("shared").map(String::as_str), Some("3"));

    // A field another manager wrote with an Update is not removed by apply.
    api.patch(
        "cm",
        &PatchParams {
            field_manager: Some("compat-editor".into()),
            ..PatchParams::default()
        },
        &Patch::Merge(json!({"data": {"edited": "4"}})),
    )
    .await
    .unwrap();
    let after = apply_cm(&api, "compat-a", json!({})).await.unwrap();
    let data = after.data.unwrap();
    assert!(!data.contains_key("keep"));
    assert_eq!(data.get("edited").map(String::as_str), Some("4"));
}

async fn status_subresource(ctx: Ctx) {
    let ns = ctx.namespace("apply-status").await;
    let widgets = Widgets::install(&ctx).await;
    let api = widgets.api(&ns);
    let mut manifest = widgets.manifest("w", json!({"size": 1}));
    manifest["status"] = json!({"phase": "Ignored"});
    let created = api
        .patch(
            "w",
            &PatchParams::apply("compat-user"),
            &Patch::Apply(&manifest),
        )
        .await
        .unwrap();
    // Status written through the main resource is dropped.
    assert!(created.data.get("status").is_none(), "{:?}", created.data);

    let status = json!({
        "apiVersion": format!("{}/v1", widgets.group), "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 9},
        "status": {"phase": "Ready"}
    });
    let patched = api
        .patch_status(
            "w",
            &PatchParams::apply("compat-controller"),
            &Patch::Apply(&status),
        )
        .await
        .unwrap();
    assert_eq!(patched.data["status"]["phase"], "Ready");
    // Spec written through the status subresource is dropped.
    assert_eq!(patched.data["spec"]["size"], 1);
    let controller = entry(&patched, "compat-controller").unwrap();
    assert_eq!(controller["operation"], "Apply");
    assert_eq!(controller["subresource"], "status");
    assert_eq!(controller["fieldsV1"], json!({"f:status": {"f:phase": {}}}));
    assert!(
        entry(&patched, "compat-user")
            .unwrap()
            .get("subresource")
            .is_none()
    );
    widgets.uninstall().await;
}

async fn custom_resource_list_map(ctx: Ctx) {
    let ns = ctx.namespace("apply-crlistmap").await;
    let widgets = Widgets::install(&ctx).await;
    let api = widgets.api(&ns);
    let apply = |manager: &str, parts: Value| {
        let manifest = widgets.manifest("w", json!({"size": 1, "parts": parts}));
        let api = api.clone();
        let params = PatchParams::apply(manager);
        async move { api.patch("w", &params, &Patch::Apply(manifest)).await }
    };
    apply("compat-a", json!([{"name": "a", "count": 1}]))
        .await
        .unwrap();
    // The schema's x-kubernetes-list-type: map makes `parts` merge by key.
    let both = apply("compat-b", json!([{"name": "b", "count": 2}]))
        .await
        .unwrap();
    assert_eq!(
        both.data["spec"]["parts"],
        json!([{"name": "a", "count": 1}, {"name": "b", "count": 2}])
    );
    let owned = |manager: &str| {
        entry(&both, manager).unwrap()["fieldsV1"]["f:spec"]["f:parts"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(owned("compat-a"), [r#"k:{"name":"a"}"#]);
    assert_eq!(owned("compat-b"), [r#"k:{"name":"b"}"#]);

    // Changing the other manager's item conflicts on that item's field.
    let status = api_error(apply("compat-b", json!([{"name": "a", "count": 5}])).await);
    assert_eq!(status.code, 409);
    assert_eq!(
        status.details.as_ref().unwrap().causes[0].field,
        r#".spec.parts[name="a"].count"#
    );
    widgets.uninstall().await;
}

backends!(
    custom_resource_list_map,
    create_and_managed_fields,
    conflict_and_force,
    list_map_items_per_manager,
    removal_of_unapplied_fields,
    status_subresource
);
