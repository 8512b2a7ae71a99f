//! Issue 8 on both API servers: the bundled `project` and `environment`
//! modules (Catalyst preview environments). A pull-request Environment goes
//! Building → Deploying → Ready with its URL, in a namespace named from
//! team, project and environment; a 70-character name gives a valid, stable
//! namespace; a Project quota change reaches every Environment; deleting an
//! Environment removes its namespace.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Pod, ResourceQuota};
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
    PostParams,
};
use kube::{Api, Client, ResourceExt};
use pequod_api::{ResourceGraph, Transform};
use pequod_controllers::{resource_graph, transform};
use pequod_testing::{Backend, eventually, on_every_backend};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TIMEOUT: Duration = Duration::from_secs(90);
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/catalyst");
const SHA: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

fn resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("catalyst.pequod.io", "v1alpha1", kind),
        plural,
    )
}

fn project(team: &str, cpu: &str) -> DynamicObject {
    let text = std::fs::read_to_string(Path::new(EXAMPLE).join("project.yaml")).unwrap();
    let mut value: Value = serde_yaml::from_str(&text).unwrap();
    value["metadata"]["namespace"] = json!(team);
    value["spec"]["source"]["repositoryUrl"] = json!(Path::new(EXAMPLE).canonicalize().unwrap());
    value["spec"]["resources"]["defaultQuota"]["cpu"] = json!(cpu);
    serde_json::from_value(value).unwrap()
}

fn environment(team: &str, name: &str, pr: Option<i64>) -> DynamicObject {
    let mut source = json!({"commitSha": SHA, "branch": "feature/login"});
    if let Some(pr) = pr {
        source["prNumber"] = json!(pr);
    }
    serde_json::from_value(json!({
        "apiVersion": "catalyst.pequod.io/v1alpha1", "kind": "Environment",
        "metadata": {"name": name, "namespace": team, "labels": {"catalyst.dev/team": team}},
        "spec": {"projectRef": {"name": "my-project"}, "type": "development", "source": source,
                 "config": {"envVars": [{"name": "DEBUG", "value": "true"}]}}
    }))
    .unwrap()
}

/// The documented naming procedure (docs/catalyst.md), written again here.
fn namespace_for(team: &str, project: &str, environment: &str) -> String {
    let joined = format!("{team}-{project}-{environment}").to_lowercase();
    // Every run of characters outside [a-z0-9-] becomes one "-".
    let mut full = String::new();
    let mut in_run = false;
    for c in joined.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            full.push(c);
            in_run = false;
        } else if !in_run {
            full.push('-');
            in_run = true;
        }
    }
    let full = full.trim_matches('-').to_owned();
    if full.len() <= 63 {
        return full;
    }
    let digest = Sha256::digest(full.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}", full[..54].trim_end_matches('-'), &hex[..8])
}

fn status(o: &DynamicObject) -> Value {
    o.data.get("status").cloned().unwrap_or_default()
}

/// Stands in for the kubelet running the build: the Job's pod succeeds
/// (`exit_code` 0) or fails.
async fn finish_build(client: &Client, namespace: &str, exit_code: i32) {
    pequod_testing::kubelet::make_pods_ready(client, namespace)
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    for pod in pods
        .list(&ListParams::default().labels("job-name"))
        .await
        .unwrap()
    {
        let container = pod.spec.as_ref().unwrap().containers[0].clone();
        let (phase, reason) = if exit_code == 0 {
            ("Succeeded", "Completed")
        } else {
            ("Failed", "Error")
        };
        let patch = json!({"status": {"phase": phase, "containerStatuses": [{
            "name": container.name, "image": container.image, "imageID": "", "ready": false,
            "restartCount": 0, "started": false,
            "state": {"terminated": {"exitCode": exit_code, "reason": reason,
                                      "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}}}]}});
        pods.patch_status(
            &pod.name_any(),
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
        .unwrap();
    }
}

async fn preview_environments(backend: Backend) {
    let (_, client, team) = common::setup(backend, "team").await;
    let operator = common::start(&client, |m| {
        resource_graph::add_to(m, resource_graph::Config::default());
        transform::controller::add_to(m);
    })
    .await;

    // The bundled modules, published as they ship.
    let transforms: Api<Transform> = Api::all(client.clone());
    for (module, yaml) in pequod_controllers::modules::bundled_transforms() {
        if matches!(*module, "project" | "environment") {
            let t: Transform = serde_yaml::from_str(yaml).unwrap();
            transforms
                .patch(
                    &t.name_any(),
                    &PatchParams::apply("test").force(),
                    &Patch::Apply(&t),
                )
                .await
                .unwrap();
        }
    }
    let projects: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), &team, &resource("Project", "projects"));
    let environments: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &team,
        &resource("Environment", "environments"),
    );

    // An Environment before its Project: waiting, not failing.
    eventually("the Environment kind", TIMEOUT, || async {
        environments
            .create(
                &PostParams::default(),
                &environment(&team, "pr-123", Some(123)),
            )
            .await
            .ok()
    })
    .await;
    eventually(
        "the Environment to wait for its Project",
        TIMEOUT,
        || async {
            let s = status(&environments.get("pr-123").await.unwrap());
            (s["conditions"][0]["reason"] == "ReferenceNotFound").then_some(())
        },
    )
    .await;
    eventually("the Project kind", TIMEOUT, || async {
        projects
            .create(&PostParams::default(), &project(&team, "1"))
            .await
            .ok()
    })
    .await;

    // Building: the namespace, its guard rails, and the build Job.
    let ns = namespace_for(&team, "my-project", "pr-123");
    let namespaces: Api<Namespace> = Api::all(client.clone());
    eventually("the environment namespace", TIMEOUT, || async {
        namespaces.get_opt(&ns).await.unwrap()
    })
    .await;
    let labels = namespaces.get(&ns).await.unwrap().labels().clone();
    assert_eq!(labels["catalyst.dev/team"], team);
    assert_eq!(labels["catalyst.dev/project"], "my-project");
    assert_eq!(labels["catalyst.dev/environment"], "pr-123");
    assert_eq!(labels["catalyst.dev/branch"], "feature-login");
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    let job = eventually("the build Job", TIMEOUT, || async {
        jobs.get_opt("build-a1b2c3d4e5f6").await.unwrap()
    })
    .await;
    let args = job.spec.unwrap().template.spec.unwrap().containers[0]
        .args
        .clone()
        .unwrap();
    assert!(
        args.iter()
            .any(|a| a == &format!("--destination=registry.example.com/catalyst/my-project:{SHA}")),
        "{args:?}"
    );
    if backend == Backend::KubeApiserver {
        // No kubelet: the Job runs until its pod is said to have succeeded.
        let building = eventually("phase Building", TIMEOUT, || async {
            let s = status(&environments.get("pr-123").await.unwrap());
            (s["phase"] == "Building").then_some(s)
        })
        .await;
        assert_eq!(building["url"], "https://pr-123.preview.example.com");
        eventually("the build pod", TIMEOUT, || async {
            let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
            let list = pods
                .list(&ListParams::default().labels("job-name"))
                .await
                .unwrap();
            (!list.items.is_empty()).then_some(())
        })
        .await;
        finish_build(&client, &ns, 0).await;
        eventually("phase Deploying", TIMEOUT, || async {
            let s = status(&environments.get("pr-123").await.unwrap());
            (s["phase"] == "Deploying").then_some(())
        })
        .await;
    }

    // Deploying, then Ready: the manifests, tagged with the commit.
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(client.clone(), &ns);
    let app = eventually("the app Deployment", TIMEOUT, || async {
        deployments.get_opt("app").await.unwrap()
    })
    .await;
    let container = &app.spec.template.spec.unwrap().containers[0];
    assert_eq!(
        container.image.as_deref(),
        Some(format!("registry.example.com/catalyst/my-project:{SHA}").as_str())
    );
    assert!(
        container
            .env
            .iter()
            .flatten()
            .any(|e| e.name == "DEBUG" && e.value.as_deref() == Some("true"))
    );
    let ready = eventually("the Environment to be Ready", TIMEOUT, || async {
        if backend == Backend::KubeApiserver {
            let _ = pequod_testing::kubelet::make_pods_ready(&client, &ns).await;
        }
        let s = status(&environments.get("pr-123").await.unwrap());
        (s["phase"] == "Ready").then_some(s)
    })
    .await;
    assert_eq!(ready["url"], "https://pr-123.preview.example.com");
    let conditions: Vec<(String, String)> = ready["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for wanted in ["Ready", "NamespaceReady", "BuildReady", "DeploymentReady"] {
        assert!(
            conditions.contains(&(wanted.to_owned(), "True".to_owned())),
            "{wanted}: {conditions:?}"
        );
    }
    let ingresses: Api<k8s_openapi::api::networking::v1::Ingress> =
        Api::namespaced(client.clone(), &ns);
    let ingress = ingresses.get("pr-123").await.unwrap();
    assert_eq!(
        ingress.spec.clone().unwrap().rules.unwrap()[0]
            .host
            .as_deref(),
        Some("pr-123.preview.example.com")
    );
    assert!(
        ingress
            .annotations()
            .contains_key("cert-manager.io/cluster-issuer")
    );

    if backend == Backend::KubeApiserver {
        // A build that fails fails its Environment, with the Job's message.
        environments
            .create(&PostParams::default(), &environment(&team, "pr-7", Some(7)))
            .await
            .unwrap();
        let failing_ns = namespace_for(&team, "my-project", "pr-7");
        let failed = eventually(
            "the failed build to fail the Environment",
            TIMEOUT,
            || async {
                let pods: Api<Pod> = Api::namespaced(client.clone(), &failing_ns);
                if let Ok(list) = pods.list(&ListParams::default().labels("job-name")).await
                    && !list.items.is_empty()
                {
                    finish_build(&client, &failing_ns, 1).await;
                }
                let s = status(&environments.get("pr-7").await.unwrap());
                (s["phase"] == "Failed").then_some(s)
            },
        )
        .await;
        let build = failed["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "BuildReady")
            .unwrap()
            .clone();
        assert_eq!(build["status"], "False");
        assert_eq!(build["reason"], "BuildFailed");
        assert!(
            build["message"].as_str().unwrap().contains("failed"),
            "{build}"
        );
        environments
            .delete("pr-7", &DeleteParams::default())
            .await
            .unwrap();
    }

    // A 70-character name: a valid namespace, the same every time.
    let long = format!("feature-{}", "x".repeat(62));
    assert_eq!(long.len(), 70);
    environments
        .create(&PostParams::default(), &environment(&team, &long, None))
        .await
        .unwrap();
    let long_ns = namespace_for(&team, "my-project", &long);
    assert!(long_ns.len() <= 63, "{long_ns}");
    assert_eq!(long_ns, namespace_for(&team, "my-project", &long));
    eventually("the long environment's namespace", TIMEOUT, || async {
        namespaces.get_opt(&long_ns).await.unwrap()
    })
    .await;

    // The Project's quota is every Environment's.
    for n in [&ns, &long_ns] {
        let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), n);
        eventually("the quota", TIMEOUT, || async {
            quotas.get_opt("default-quota").await.unwrap()
        })
        .await;
    }
    projects
        .patch(
            "my-project",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"resources": {"defaultQuota": {"cpu": "3"}}}})),
        )
        .await
        .unwrap();
    for n in [&ns, &long_ns] {
        let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), n);
        eventually("the new quota in every environment", TIMEOUT, || async {
            let q = quotas.get("default-quota").await.unwrap();
            let hard = q.spec.unwrap().hard.unwrap();
            (hard["limits.cpu"].0 == "3").then_some(())
        })
        .await;
    }

    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), &team);
    // Deleting an Environment takes its namespace with it.
    environments
        .delete("pr-123", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the namespace to go", TIMEOUT, || async {
        if backend == Backend::KubeApiserver {
            // The kubelet's part of pod deletion.
            let _ = pequod_testing::kubelet::remove_terminating_pods(&client, &ns).await;
        }
        namespaces
            .get_opt(&ns)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    eventually("the graph to go", TIMEOUT, || async {
        graphs
            .get_opt("pr-123")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    environments
        .delete(&long, &DeleteParams::default())
        .await
        .unwrap();

    operator.stop().await;
}

on_every_backend!(preview_environments);
