//! Failures as `metav1.Status`: code, reason, message and details, which
//! clients (kubectl, kube-rs, client-go) branch on.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use kube::{Api, ResourceExt};
use serde_json::json;

use crate::crud::{configmap, deployment};
use crate::raw;
use crate::{Ctx, api_error};

async fn invalid_name(ctx: Ctx) {
    let ns = ctx.namespace("err-name").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let status = api_error(
        api.create(&PostParams::default(), &configmap("Bad_Name", json!({})))
            .await,
    );
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");
    assert!(
        status.message.starts_with(
            r#"ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"#
        ),
        "{}",
        status.message
    );
    let details = status.details.as_ref().unwrap();
    assert_eq!(details.name, "Bad_Name");
    assert_eq!(details.kind, "ConfigMap");
    assert_eq!(details.causes.len(), 1);
    assert_eq!(details.causes[0].reason, "FieldValueInvalid");
    assert_eq!(details.causes[0].field, "metadata.name");
}

async fn missing_required_fields(ctx: Ctx) {
    let ns = ctx.namespace("err-required").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    let mut bad = deployment("web");
    let spec = &mut bad.spec;
    spec.template.spec.as_mut().unwrap().containers[0].image = None;
    let status = api_error(api.create(&PostParams::default(), &bad).await);
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");
    assert_eq!(
        status.message,
        r#"Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value"#
    );
    let details = status.details.as_ref().unwrap();
    assert_eq!(
        (details.kind.as_str(), details.group.as_str()),
        ("Deployment", "apps")
    );
    assert_eq!(details.causes[0].reason, "FieldValueRequired");
    assert_eq!(
        details.causes[0].field,
        "spec.template.spec.containers[0].image"
    );

    // Several errors are reported together, in a bracketed list.
    let reply = raw::post(
        &ctx.client,
        &format!("/api/v1/namespaces/{ns}/services"),
        &json!({"metadata": {"name": "svc"}, "spec": {"type": "Nonsense"}}),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let fields: Vec<&str> = reply.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert!(fields.contains(&"spec.ports"), "{fields:?}");
    assert!(fields.contains(&"spec.type"), "{fields:?}");
    let message = reply.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(r#"Service "svc" is invalid: ["#),
        "{message}"
    );
}

async fn not_found(ctx: Ctx) {
    let ns = ctx.namespace("err-404").await;
    let status = api_error(
        Api::<Deployment>::namespaced(ctx.client.clone(), &ns)
            .get("nope")
            .await,
    );
    assert_eq!(status.code, 404);
    assert_eq!(status.reason, "NotFound");
    assert_eq!(status.message, r#"deployments.apps "nope" not found"#);
    let details = status.details.as_ref().unwrap();
    // Details name the resource (plural), not the kind.
    assert_eq!(
        (
            details.name.as_str(),
            details.group.as_str(),
            details.kind.as_str()
        ),
        ("nope", "apps", "deployments")
    );

    let status = api_error(
        Api::<ConfigMap>::namespaced(ctx.client.clone(), &ns)
            .get("nope")
            .await,
    );
    assert_eq!(status.message, r#"configmaps "nope" not found"#);
    let details = status.details.as_ref().unwrap();
    assert_eq!(
        (details.group.as_str(), details.kind.as_str()),
        ("", "configmaps")
    );

    // A namespace that does not exist hides nothing: the object is not found.
    let status = api_error(
        Api::<ConfigMap>::namespaced(ctx.client.clone(), "no-such-namespace-compat")
            .get("nope")
            .await,
    );
    assert_eq!(status.code, 404);
}

async fn already_exists(ctx: Ctx) {
    let ns = ctx.namespace("err-exists").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    api.create(&PostParams::default(), &configmap("twice", json!({})))
        .await
        .unwrap();
    let status = api_error(
        api.create(&PostParams::default(), &configmap("twice", json!({})))
            .await,
    );
    assert_eq!(status.code, 409);
    assert_eq!(status.reason, "AlreadyExists");
    assert_eq!(status.message, r#"configmaps "twice" already exists"#);
    let details = status.details.as_ref().unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("twice", "configmaps")
    );
}

async fn stale_update(ctx: Ctx) {
    let ns = ctx.namespace("err-conflict").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let original = api
        .create(&PostParams::default(), &configmap("cm", json!({"n": "0"})))
        .await
        .unwrap();
    let mut first = original.clone();
    first.data = Some([("n".to_owned(), "1".to_owned())].into());
    let written = api
        .replace("cm", &PostParams::default(), &first)
        .await
        .unwrap();
    assert_ne!(written.resource_version(), original.resource_version());

    // `original` still carries the resourceVersion read before that write.
    let mut stale = original.clone();
    stale.data = Some([("n".to_owned(), "2".to_owned())].into());
    let status = api_error(api.replace("cm", &PostParams::default(), &stale).await);
    assert_eq!(status.code, 409);
    assert_eq!(status.reason, "Conflict");
    assert_eq!(
        status.message,
        r#"Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again"#
    );
    let details = status.details.as_ref().unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("cm", "configmaps")
    );
    assert_eq!(api.get("cm").await.unwrap().data.unwrap()["n"], "1");

    // Without a resourceVersion an update is unconditional.
    let mut blind = stale;
    blind.metadata.resource_version = None;
    let forced = api
        .replace("cm", &PostParams::default(), &blind)
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["n"], "2");
}

async fn malformed_body(ctx: Ctx) {
    let ns = ctx.namespace("err-body").await;
    let reply = raw::send(
        &ctx.client,
        hyper::Method::POST,
        &format!("/api/v1/namespaces/{ns}/configmaps"),
        &[("content-type", "application/json")],
        Some(&json!({"metadata": {"name": "x"}, "data": {"k": 1}})),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.body["kind"], "Status");
    assert_eq!(reply.body["reason"], "BadRequest");

    // A body whose kind does not match the URL is refused.
    let reply = raw::post(
        &ctx.client,
        &format!("/api/v1/namespaces/{ns}/configmaps"),
        &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);

    // A namespace in the body that differs from the URL's is refused.
    let reply = raw::post(
        &ctx.client,
        &format!("/api/v1/namespaces/{ns}/configmaps"),
        &json!({"metadata": {"name": "x", "namespace": "elsewhere"}}),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.body["reason"], "BadRequest");
    assert_eq!(
        reply.body["message"],
        "the namespace of the provided object does not match the namespace sent on the request"
    );
}

async fn missing_namespace(ctx: Ctx) {
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), "compat-no-such-namespace");
    let status = api_error(
        api.create(&PostParams::default(), &configmap("x", json!({})))
            .await,
    );
    assert_eq!(status.code, 404);
    assert_eq!(status.reason, "NotFound");
    assert_eq!(
        status.message,
        r#"namespaces "compat-no-such-namespace" not found"#
    );
    assert_eq!(status.details.as_ref().unwrap().kind, "namespaces");
}

async fn immutable_field(ctx: Ctx) {
    let ns = ctx.namespace("err-immutable").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    api.create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let status = api_error(
        api.patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {
                "selector": {"matchLabels": {"app": "other"}},
                "template": {"metadata": {"labels": {"app": "other"}}}
            }})),
        )
        .await,
    );
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");
    assert_eq!(
        status.message,
        r#"Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"other"}}: field is immutable"#
    );
    assert_eq!(
        status.details.as_ref().unwrap().causes[0].field,
        "spec.selector"
    );
}

async fn delete_preconditions(ctx: Ctx) {
    let ns = ctx.namespace("err-precondition").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let created = api
        .create(&PostParams::default(), &configmap("cm", json!({})))
        .await
        .unwrap();
    let wrong_uid = DeleteParams::default().preconditions(Preconditions {
        uid: Some("00000000-0000-0000-0000-000000000000".into()),
        resource_version: None,
    });
    let status = api_error(api.delete("cm", &wrong_uid).await);
    assert_eq!(status.code, 409);
    assert_eq!(status.reason, "Conflict");
    assert!(
        status.message.starts_with(
            r#"Operation cannot be fulfilled on ConfigMap "cm": the UID in the precondition (00000000-0000-0000-0000-000000000000) does not match the UID in record"#
        ),
        "{}",
        status.message
    );
    let stale = DeleteParams::default().preconditions(Preconditions {
        uid: None,
        resource_version: Some("1".into()),
    });
    assert_eq!(api_error(api.delete("cm", &stale).await).code, 409);

    let right = DeleteParams::default().preconditions(Preconditions {
        uid: created.uid(),
        resource_version: created.resource_version(),
    });
    api.delete("cm", &right).await.unwrap();
    assert!(api.get_opt("cm").await.unwrap().is_none());
}

async fn apply_without_field_manager(ctx: Ctx) {
    let ns = ctx.namespace("err-manager").await;
    let reply = raw::send(
        &ctx.client,
        hyper::Method::PATCH,
        &format!("/api/v1/namespaces/{ns}/configmaps/cm"),
        &[("content-type", "application/apply-patch+yaml")],
        Some(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}})),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.body["reason"], "Invalid");
    assert_eq!(
        reply.body["message"],
        r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#
    );
}

backends!(
    missing_namespace,
    immutable_field,
    delete_preconditions,
    apply_without_field_manager,
    invalid_name,
    missing_required_fields,
    not_found,
    already_exists,
    stale_update,
    malformed_body
);
