//! Object semantics every kind shares: identity, generation and
//! resourceVersion bookkeeping, finalizers, dry-run and field validation.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use crate::crud::{configmap, deployment};
use crate::raw;
use crate::{Ctx, TIMEOUT, api_error};
use pequod_testing::eventually;

async fn identity(ctx: Ctx) {
    let ns = ctx.namespace("sem-identity").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let a = api
        .create(&PostParams::default(), &configmap("a", json!({"k": "v"})))
        .await
        .unwrap();
    let b = api
        .create(&PostParams::default(), &configmap("b", json!({})))
        .await
        .unwrap();
    let uid = a.uid().unwrap();
    // A UUID: 36 characters, hyphens at the RFC 4122 positions.
    assert_eq!(uid.len(), 36, "{uid}");
    assert_eq!(
        uid.char_indices()
            .filter(|(_, c)| *c == '-')
            .map(|(i, _)| i)
            .collect::<Vec<_>>(),
        [8, 13, 18, 23]
    );
    assert_ne!(a.uid(), b.uid());
    assert!(a.creation_timestamp().is_some());
    assert!(a.resource_version().is_some());
    assert_ne!(a.resource_version(), b.resource_version());
    // Kinds without a spec carry no generation.
    assert_eq!(a.metadata.generation, None);
    // The writer is recorded as an Update manager (an object with no fields
    // set at all would have no managedFields entry).
    let managed = a.managed_fields();
    assert_eq!(managed.len(), 1, "{managed:?}");
    assert_eq!(managed[0].operation.as_deref(), Some("Update"));

    // A write that changes nothing is a no-op: the version stays.
    let noop = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"k": "v"}})),
        )
        .await
        .unwrap();
    assert_eq!(noop.resource_version(), a.resource_version());
    let mut same = noop.clone();
    same.metadata.managed_fields = None;
    let replaced = api
        .replace("a", &PostParams::default(), &same)
        .await
        .unwrap();
    assert_eq!(replaced.resource_version(), a.resource_version());
}

async fn generation_and_resource_version(ctx: Ctx) {
    let ns = ctx.namespace("sem-generation").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    let created = api
        .create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    let mut versions = vec![created.resource_version().unwrap()];
    let merge = |v: serde_json::Value| Patch::Merge(v);

    let labelled = api
        .patch(
            "web",
            &PatchParams::default(),
            &merge(json!({"metadata": {"labels": {"tier": "front"}}})),
        )
        .await
        .unwrap();
    assert_eq!(labelled.metadata.generation, Some(1), "labels are not spec");
    versions.push(labelled.resource_version().unwrap());

    let status = api
        .patch_status(
            "web",
            &PatchParams::default(),
            // A field no controller sets, so that the write is a change on
            // every server (the embedded one reports workloads converged).
            &merge(json!({"status": {"collisionCount": 7}})),
        )
        .await
        .unwrap();
    assert_eq!(status.metadata.generation, Some(1), "status is not spec");
    versions.push(status.resource_version().unwrap());

    let scaled = api
        .patch(
            "web",
            &PatchParams::default(),
            &merge(json!({"spec": {"replicas": 2}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.metadata.generation, Some(2));
    versions.push(scaled.resource_version().unwrap());

    let mut unique = versions.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), versions.len(), "{versions:?}");
}

async fn finalizers(ctx: Ctx) {
    let ns = ctx.namespace("sem-finalizers").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let mut cm = configmap("held", json!({"k": "v"}));
    cm.metadata.finalizers = Some(vec!["compat.pequod.io/hold".into()]);
    api.create(&PostParams::default(), &cm).await.unwrap();

    let deleted = api.delete("held", &DeleteParams::default()).await.unwrap();
    let held = deleted.left().expect("the object is kept");
    assert!(held.metadata.deletion_timestamp.is_some());
    assert_eq!(held.metadata.deletion_grace_period_seconds, Some(0));
    let held = api.get("held").await.unwrap();
    assert!(held.metadata.deletion_timestamp.is_some());
    assert_eq!(held.finalizers(), ["compat.pequod.io/hold"]);

    // No finalizer may be added once deletion has begun.
    let status = api_error(
        api.patch(
            "held",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": ["compat.pequod.io/hold", "compat.pequod.io/late"]}})),
        )
        .await,
    );
    assert_eq!(status.code, 422, "{status:?}");
    assert!(
        status.message.contains("no new finalizers can be added"),
        "{status:?}"
    );
    // Other fields may still change.
    api.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "w"}})),
    )
    .await
    .unwrap();

    api.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    eventually("the object gone", TIMEOUT, || {
        let api = api.clone();
        async move { api.get_opt("held").await.unwrap().is_none().then_some(()) }
    })
    .await;
}

async fn dry_run(ctx: Ctx) {
    let ns = ctx.namespace("sem-dryrun").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };

    let answered = api
        .create(&dry, &configmap("ghost", json!({"k": "v"})))
        .await
        .unwrap();
    // The answer is what would have been stored ...
    assert_eq!(answered.name_any(), "ghost");
    assert!(answered.creation_timestamp().is_some());
    assert!(answered.uid().is_some());
    // ... but nothing was.
    assert_eq!(api_error(api.get("ghost").await).code, 404);

    let real = api
        .create(
            &PostParams::default(),
            &configmap("real", json!({"k": "v"})),
        )
        .await
        .unwrap();
    let mut changed = real.clone();
    changed.data = Some([("k".to_owned(), "changed".to_owned())].into());
    let answered = api.replace("real", &dry, &changed).await.unwrap();
    assert_eq!(answered.data.unwrap()["k"], "changed");
    let stored = api.get("real").await.unwrap();
    assert_eq!(stored.data.as_ref().unwrap()["k"], "v");
    assert_eq!(stored.resource_version(), real.resource_version());

    let patched = api
        .patch(
            "real",
            &PatchParams::default().dry_run(),
            &Patch::Merge(json!({"data": {"k": "patched"}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data.unwrap()["k"], "patched");
    assert_eq!(api.get("real").await.unwrap().data.unwrap()["k"], "v");

    api.delete("real", &DeleteParams::default().dry_run())
        .await
        .unwrap();
    assert!(api.get_opt("real").await.unwrap().is_some());
}

async fn field_validation(ctx: Ctx) {
    let ns = ctx.namespace("sem-fieldval").await;
    let path = |directive: &str| {
        format!("/apis/apps/v1/namespaces/{ns}/deployments?fieldValidation={directive}")
    };
    let with_unknown = |name: &str| {
        let mut body = serde_json::to_value(deployment(name)).unwrap();
        body["spec"]["foo"] = json!("bar");
        body
    };

    let strict = raw::post(&ctx.client, &path("Strict"), &with_unknown("strict")).await;
    assert_eq!(strict.status, 400, "{}", strict.body);
    assert_eq!(strict.body["reason"], "BadRequest");
    let message = strict.body["message"].as_str().unwrap();
    assert!(
        message.contains(r#"strict decoding error: unknown field "spec.foo""#),
        "{message}"
    );

    let warn = raw::post(&ctx.client, &path("Warn"), &with_unknown("warn")).await;
    assert_eq!(warn.status, 201, "{}", warn.body);
    assert_eq!(
        warn.header("warning"),
        Some(r#"299 - "unknown field \"spec.foo\"""#)
    );
    assert!(warn.body["spec"].get("foo").is_none());

    let ignore = raw::post(&ctx.client, &path("Ignore"), &with_unknown("ignore")).await;
    assert_eq!(ignore.status, 201, "{}", ignore.body);
    assert_eq!(ignore.header("warning"), None);
    assert!(ignore.body["spec"].get("foo").is_none());

    // A patch is held to the same rule, though the failure is a 422 on the
    // patched object.
    let strict_patch = Api::<Deployment>::namespaced(ctx.client.clone(), &ns)
        .patch(
            "warn",
            &PatchParams::default().validation_strict(),
            &Patch::Merge(json!({"spec": {"bar": 1}})),
        )
        .await;
    let status = api_error(strict_patch);
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");
    assert!(
        status
            .message
            .ends_with(r#"strict decoding error: unknown field "spec.bar""#),
        "{status:?}"
    );
    assert_eq!(status.details.as_ref().unwrap().causes[0].field, "patch");
}

backends!(
    identity,
    generation_and_resource_version,
    finalizers,
    dry_run,
    field_validation
);
