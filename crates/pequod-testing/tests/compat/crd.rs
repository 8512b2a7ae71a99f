//! CustomResourceDefinitions: structural schemas (validation, defaulting,
//! pruning, preserve-unknown-fields), status and scale subresources,
//! several served versions, and CRDs the server refuses.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};

use crate::widget::Widgets;
use crate::{Ctx, TIMEOUT, api_error, raw};
use pequod_testing::eventually;

/// The fields of the causes of a 422, in order.
fn cause_fields(status: &kube::core::Status) -> Vec<(String, String)> {
    status
        .details
        .as_ref()
        .unwrap()
        .causes
        .iter()
        .map(|c| (c.field.clone(), c.reason.clone()))
        .collect()
}

async fn schema_validation(ctx: Ctx) {
    let ns = ctx.namespace("crd-validate").await;
    let widgets = Widgets::install(&ctx).await;
    let api = widgets.api(&ns);

    let status = api_error(
        api.create(
            &PostParams::default(),
            &widgets.object("w", json!({"size": 0, "color": "purple"})),
        )
        .await,
    );
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");
    let details = status.details.as_ref().unwrap();
    assert_eq!(details.kind, "Widget");
    assert_eq!(details.group, widgets.group);
    let mut causes = cause_fields(&status);
    causes.sort();
    assert_eq!(
        causes,
        [
            ("spec.color".to_owned(), "FieldValueNotSupported".to_owned()),
            ("spec.size".to_owned(), "FieldValueInvalid".to_owned())
        ]
    );
    assert!(
        status.message.contains(
            r#"spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"#
        ),
        "{}",
        status.message
    );
    assert!(
        status.message.contains(
            r#"spec.color: Unsupported value: "purple": supported values: "blue", "red", "green""#
        ),
        "{}",
        status.message
    );

    let status = api_error(
        api.create(
            &PostParams::default(),
            &widgets.object("w", json!({"color": "red"})),
        )
        .await,
    );
    assert_eq!(
        cause_fields(&status),
        [("spec.size".to_owned(), "FieldValueRequired".to_owned())]
    );

    let status = api_error(
        api.create(
            &PostParams::default(),
            &widgets.object("w", json!({"size": "big", "parts": [{"count": 1}]})),
        )
        .await,
    );
    let fields = cause_fields(&status);
    assert!(
        fields.contains(&("spec.size".to_owned(), "FieldValueTypeInvalid".to_owned())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&(
            "spec.parts[0].name".to_owned(),
            "FieldValueRequired".to_owned()
        )),
        "{fields:?}"
    );
    widgets.uninstall().await;
}

async fn defaulting_and_pruning(ctx: Ctx) {
    let ns = ctx.namespace("crd-prune").await;
    let widgets = Widgets::install(&ctx).await;
    let mut manifest = widgets.manifest(
        "w",
        json!({
            "size": 1,
            "unknown": "dropped",
            "extra": {"anything": {"goes": [1, "two"]}}
        }),
    );
    manifest["topLevel"] = json!("dropped");
    let reply = raw::post(
        &ctx.client,
        &format!("/apis/{}/v1/namespaces/{ns}/widgets", widgets.group),
        &manifest,
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let created = reply.body;
    // Defaults fill absent fields ...
    assert_eq!(created["spec"]["color"], "blue");
    // ... unknown fields are pruned, with a warning each ...
    assert!(created["spec"].get("unknown").is_none(), "{created}");
    assert!(created.get("topLevel").is_none(), "{created}");
    let warnings: Vec<&str> = reply
        .headers
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        warnings.contains(&r#"299 - "unknown field \"spec.unknown\"""#),
        "{warnings:?}"
    );
    // ... except under x-kubernetes-preserve-unknown-fields.
    assert_eq!(
        created["spec"]["extra"],
        json!({"anything": {"goes": [1, "two"]}})
    );

    // What was returned is what was stored.
    let stored = widgets.api(&ns).get("w").await.unwrap();
    assert_eq!(stored.data["spec"], created["spec"]);
    widgets.uninstall().await;
}

async fn status_subresource(ctx: Ctx) {
    let ns = ctx.namespace("crd-status").await;
    let widgets = Widgets::install(&ctx).await;
    let api = widgets.api(&ns);
    let mut object = widgets.object("w", json!({"size": 1}));
    object.data["status"] = json!({"phase": "Ignored"});
    let created = api.create(&PostParams::default(), &object).await.unwrap();
    // Status is not written through the main resource, even on create.
    assert!(created.data.get("status").is_none());
    assert_eq!(created.metadata.generation, Some(1));

    let mut status_write = created.clone();
    status_write.data["status"] = json!({"phase": "Ready", "replicas": 2});
    status_write.data["spec"]["size"] = json!(5);
    let after_status = api
        .replace_status("w", &PostParams::default(), &status_write)
        .await
        .unwrap();
    assert_eq!(after_status.data["status"]["phase"], "Ready");
    // Spec is not written through the status subresource, and the
    // generation counts spec changes only.
    assert_eq!(after_status.data["spec"]["size"], 1);
    assert_eq!(after_status.metadata.generation, Some(1));

    let mut spec_write = after_status.clone();
    spec_write.data["spec"]["size"] = json!(3);
    spec_write.data["status"] = json!({"phase": "Overwritten"});
    let after_spec = api
        .replace("w", &PostParams::default(), &spec_write)
        .await
        .unwrap();
    assert_eq!(after_spec.data["spec"]["size"], 3);
    assert_eq!(after_spec.data["status"]["phase"], "Ready");
    assert_eq!(after_spec.metadata.generation, Some(2));

    // Metadata changes bump no generation either.
    let labelled = api
        .patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"a": "b"}}})),
        )
        .await
        .unwrap();
    assert_eq!(labelled.metadata.generation, Some(2));
    widgets.uninstall().await;
}

async fn scale_subresource(ctx: Ctx) {
    let ns = ctx.namespace("crd-scale").await;
    let widgets = Widgets::install(&ctx).await;
    let api = widgets.api(&ns);
    api.create(
        &PostParams::default(),
        &widgets.object("w", json!({"size": 1, "replicas": 2})),
    )
    .await
    .unwrap();
    api.patch_status(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"replicas": 1, "selector": "app=w"}})),
    )
    .await
    .unwrap();

    let scale = api.get_scale("w").await.unwrap();
    assert_eq!(scale.metadata.name.as_deref(), Some("w"));
    assert_eq!(scale.spec.as_ref().unwrap().replicas, Some(2));
    let status = scale.status.as_ref().unwrap();
    assert_eq!(status.replicas, 1);
    assert_eq!(status.selector.as_deref(), Some("app=w"));

    let scaled = api
        .patch_scale(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.spec.unwrap().replicas, Some(5));
    let widget = api.get("w").await.unwrap();
    assert_eq!(widget.data["spec"]["replicas"], 5);
    assert_eq!(widget.metadata.generation, Some(2));
    widgets.uninstall().await;
}

async fn served_versions(ctx: Ctx) {
    let ns = ctx.namespace("crd-versions").await;
    let widgets = Widgets::install(&ctx).await;
    let v1 = widgets.api_at("v1", &ns);
    let v2 = widgets.api_at("v2", &ns);
    v1.create(
        &PostParams::default(),
        &widgets.object("one", json!({"size": 1})),
    )
    .await
    .unwrap();
    let mut two = widgets.object("two", json!({"size": 2}));
    two.types.as_mut().unwrap().api_version = format!("{}/v2", widgets.group);
    let created = v2.create(&PostParams::default(), &two).await.unwrap();
    assert_eq!(
        created.types.unwrap().api_version,
        format!("{}/v2", widgets.group)
    );

    // Without a conversion webhook, every version serves the same fields
    // with its own apiVersion.
    for (api, version) in [(&v1, "v1"), (&v2, "v2")] {
        let list = api.list(&Default::default()).await.unwrap();
        let mut names: Vec<String> = list.iter().map(ResourceExt::name_any).collect();
        names.sort();
        assert_eq!(names, ["one", "two"]);
        let one = api.get("one").await.unwrap();
        assert_eq!(
            one.types.unwrap().api_version,
            format!("{}/{version}", widgets.group)
        );
        assert_eq!(one.data["spec"]["size"], 1);
    }

    // The CRD records the storage version.
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let crd = crds.get(&widgets.crd_name()).await.unwrap();
    assert_eq!(
        crd.status.unwrap().stored_versions,
        Some(vec!["v1".to_owned()])
    );
    widgets.uninstall().await;
}

async fn invalid_crds_rejected(ctx: Ctx) {
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let group = crate::unique_group();
    let with_schema = |schema: Value| -> CustomResourceDefinition {
        let mut crd = crate::widget::crd(&group);
        crd["spec"]["versions"] = json!([{
            "name": "v1", "served": true, "storage": true,
            "schema": {"openAPIV3Schema": schema}
        }]);
        serde_json::from_value(crd).unwrap()
    };

    // Not structural: a property without a type.
    let status = api_error(
        crds.create(
            &PostParams::default(),
            &with_schema(json!({"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}})),
        )
        .await,
    );
    assert_eq!(status.code, 422, "{status:?}");
    assert_eq!(status.reason, "Invalid");
    assert!(
        status.message.contains(
            "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
        ),
        "{}",
        status.message
    );

    // Not structural: a value validation beside no type at the root.
    let status = api_error(
        crds.create(
            &PostParams::default(),
            &with_schema(json!({"properties": {}})),
        )
        .await,
    );
    assert_eq!(status.code, 422, "{status:?}");

    // Names must be <plural>.<group>.
    let mut misnamed = with_schema(json!({"type": "object"}));
    misnamed.metadata.name = Some(format!("gadgets.{group}"));
    let status = api_error(crds.create(&PostParams::default(), &misnamed).await);
    assert_eq!(status.code, 422);
    assert!(
        status
            .message
            .contains(r#"metadata.name: Invalid value: "gadgets."#),
        "{}",
        status.message
    );

    // Exactly one version is the storage version.
    let mut two_storage = crate::widget::crd(&group);
    two_storage["spec"]["versions"][1]["storage"] = json!(true);
    let two_storage: CustomResourceDefinition = serde_json::from_value(two_storage).unwrap();
    let status = api_error(crds.create(&PostParams::default(), &two_storage).await);
    assert_eq!(status.code, 422);
    assert!(
        status
            .message
            .contains("must have exactly one version marked as storage version"),
        "{}",
        status.message
    );
}

async fn crd_deletion(ctx: Ctx) {
    let ns = ctx.namespace("crd-delete").await;
    let widgets = Widgets::install(&ctx).await;
    let group = widgets.group.clone();
    let api = widgets.api(&ns);
    api.create(
        &PostParams::default(),
        &widgets.object("w", json!({"size": 1})),
    )
    .await
    .unwrap();
    widgets.uninstall().await;

    // The CRD goes once its objects are gone, and its API with it.
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let name = format!("widgets.{group}");
    eventually("the CRD deleted", TIMEOUT, || {
        let crds = crds.clone();
        let name = name.clone();
        async move { crds.get_opt(&name).await.unwrap().is_none().then_some(()) }
    })
    .await;
    let path = format!("/apis/{group}/v1");
    eventually("the group gone from discovery", TIMEOUT, || {
        let client = ctx.client.clone();
        let path = path.clone();
        async move {
            let reply = raw::send(&client, hyper::Method::GET, &path, &[], None).await;
            (reply.status == 404).then_some(())
        }
    })
    .await;
    let status = api_error(api.get("w").await);
    assert_eq!(status.code, 404);
}

backends!(
    crd_deletion,
    schema_validation,
    defaulting_and_pruning,
    status_subresource,
    scale_subresource,
    served_versions,
    invalid_crds_rejected
);
