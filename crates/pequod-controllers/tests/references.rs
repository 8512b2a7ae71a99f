//! References and fetched manifests on both API servers: an instance whose
//! module references a ConfigMap waits (Pending, `ReferenceNotFound`) until
//! it exists, renders from it, and renders again when it changes; manifests
//! from a local directory become nodes; the module's own phase and
//! conditions reach the instance's status.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use pequod_api::{ResourceGraph, Transform};
use pequod_controllers::{resource_graph, transform};
use pequod_testing::{Backend, eventually, on_every_backend, unique_name};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Reads the team's settings from a ConfigMap and a manifest directory.
const MODULE: &str = r#"
#Spec: {settings: string, manifests: string}
input: spec: #Spec
input: metadata: namespace: string
refs: [string]: {...}
fetched: [string]: [...{...}]
references: settings: {apiVersion: "v1", kind: "ConfigMap", name: input.spec.settings}
fetch: app: {repository: input.spec.manifests}
resources: {
	copy: object: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		metadata: name:      "\(input.metadata.name)-copy"
		metadata: namespace: input.metadata.namespace
		data: colour: refs.settings.data.colour
	}
	for i, o in fetched.app {
		"manifest-\(i)": object: o & {metadata: namespace: input.metadata.namespace}
	}
}
status: {
	phase: "Copied"
	conditions: [{type: "ColourKnown", status: "True", reason: "Read", message: refs.settings.data.colour}]
}
"#;

async fn references_wait_render_and_follow_changes(backend: Backend) {
    let (_, client, ns) = common::setup(backend, "refs").await;
    let operator = common::start(&client, |m| {
        resource_graph::add_to(m, resource_graph::Config::default());
        transform::controller::add_to(m);
    })
    .await;

    let name = unique_name("copier");
    let group = format!("{name}.refs.test.pequod.io");
    let transforms: Api<Transform> = Api::all(client.clone());
    let t: Transform = serde_json::from_value(json!({
        "apiVersion": "pequod.io/v1alpha1", "kind": "Transform", "metadata": {"name": name},
        "spec": {"cueRef": {"type": "Inline", "inline": MODULE}, "group": group,
                 "version": "v1alpha1", "kind": "Copier"}
    }))
    .unwrap();
    transforms.create(&PostParams::default(), &t).await.unwrap();

    let manifests = std::env::temp_dir().join(unique_name("refs-manifests"));
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::write(
        manifests.join("extra.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-manifest\ndata:\n  k: v\n",
    )
    .unwrap();

    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1alpha1", "Copier"),
        "copiers",
    );
    let copiers: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
    let copier: DynamicObject = serde_json::from_value(json!({
        "apiVersion": format!("{group}/v1alpha1"), "kind": "Copier",
        "metadata": {"name": "c"},
        "spec": {"settings": "team-settings", "manifests": manifests}
    }))
    .unwrap();
    let status = |o: &DynamicObject| o.data.get("status").cloned().unwrap_or_default();
    eventually("the kind to be served", TIMEOUT, || async {
        copiers
            .create(&PostParams::default(), &copier)
            .await
            .ok()
            .map(|_| ())
    })
    .await;

    // Missing: waiting, not failing.
    let waiting = eventually(
        "the instance to wait for its reference",
        TIMEOUT,
        || async {
            let s = status(&copiers.get("c").await.unwrap());
            (s["phase"] == "Pending").then_some(s)
        },
    )
    .await;
    let ready = &waiting["conditions"][0];
    assert_eq!(ready["reason"], "ReferenceNotFound");
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains(&format!("ConfigMap {ns}/team-settings (settings)")),
        "{ready}"
    );

    // It appears: the instance renders from it without being touched.
    let settings: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let cm: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "team-settings"}, "data": {"colour": "blue"}}),
    )
    .unwrap();
    settings.create(&PostParams::default(), &cm).await.unwrap();
    let copies: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    eventually("the copy", TIMEOUT, || async {
        copies
            .get_opt("c-copy")
            .await
            .unwrap()
            .filter(|c| c.data.as_ref().unwrap()["colour"] == "blue")
    })
    .await;
    eventually("the fetched manifest applied", TIMEOUT, || async {
        copies.get_opt("from-manifest").await.unwrap()
    })
    .await;
    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), &ns);
    let ids: Vec<String> = graphs
        .get("c")
        .await
        .unwrap()
        .spec
        .nodes
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, ["copy", "manifest-0"]);

    // The module's phase and conditions are the instance's.
    let projected = eventually("the module's status", TIMEOUT, || async {
        let s = status(&copiers.get("c").await.unwrap());
        (s["phase"] == "Copied").then_some(s)
    })
    .await;
    let conditions = projected["conditions"].as_array().unwrap();
    let types: Vec<&str> = conditions
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Ready", "Progressing", "ColourKnown"]);
    assert_eq!(conditions[2]["message"], "blue");

    // A change of the referenced object renders the instance again.
    settings
        .patch(
            "team-settings",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"colour": "green"}})),
        )
        .await
        .unwrap();
    eventually("the copy to follow", TIMEOUT, || async {
        copies
            .get_opt("c-copy")
            .await
            .unwrap()
            .filter(|c| c.data.as_ref().unwrap()["colour"] == "green")
    })
    .await;

    operator.stop().await;
    let _ = std::fs::remove_dir_all(&manifests);
}

on_every_backend!(references_wait_render_and_follow_changes);
