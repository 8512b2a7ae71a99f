//! A small operator on pequod-runtime alone: `MyApp` (example.com/v1) runs
//! a Deployment of `spec.image` with `spec.replicas`, and reports a phase.
//!
//! ```text
//! cargo run -p pequod-runtime --example myapp -- --crd | kubectl apply -f -
//! cargo run -p pequod-runtime --example myapp -- [--leader-elect]
//! ```
//!
//! It serves `/metrics` on :8443 and `/healthz`, `/readyz` on :8081, and stops
//! cleanly on SIGTERM or Ctrl-C.

#![allow(clippy::print_stdout, reason = "the example prints its CRD")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{PartialObjectMeta, Patch, PatchParams};
use kube::runtime::{predicates, watcher};
use kube::{Api, Client, CustomResource, CustomResourceExt, Resource, ResourceExt};
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::leader::{LeaderElectionConfig, default_identity};
use pequod_runtime::logging::{self, LogEncoder, LogLevel};
use pequod_runtime::manager::{Manager, ManagerConfig, shutdown_signal};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The developer-facing spec of a `MyApp`.
#[derive(CustomResource, Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[kube(group = "example.com", version = "v1", kind = "MyApp", namespaced)]
#[kube(status = "MyAppStatus", shortname = "app")]
pub struct MyAppSpec {
    replicas: i32,
    image: String,
    port: i32,
}

/// What the operator reports back.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
pub struct MyAppStatus {
    phase: String,
}

struct Context {
    client: Client,
}

const MANAGER: &str = "myapp-operator";

async fn reconcile(app: Arc<MyApp>, ctx: Arc<Context>) -> Result<Action, kube::Error> {
    let ns = app.namespace().unwrap_or_default();
    let name = app.name_any();
    let labels = BTreeMap::from([("app".to_owned(), name.clone())]);
    let owner = app.controller_owner_ref(&());
    let deployment = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "ownerReferences": owner.into_iter().collect::<Vec<_>>()},
        "spec": {
            "replicas": app.spec.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{
                    "name": "app",
                    "image": app.spec.image,
                    "ports": [{"containerPort": app.spec.port}],
                }]},
            },
        },
    });
    let ssa = PatchParams::apply(MANAGER).force();
    let applied = Api::<Deployment>::namespaced(ctx.client.clone(), &ns)
        .patch(&name, &ssa, &Patch::Apply(deployment))
        .await?;
    let ready = applied.status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let phase = if ready >= app.spec.replicas {
        "Running"
    } else {
        "Progressing"
    };
    let status = serde_json::json!({
        "apiVersion": "example.com/v1", "kind": "MyApp", "status": {"phase": phase},
    });
    Api::<MyApp>::namespaced(ctx.client.clone(), &ns)
        .patch_status(&name, &ssa, &Patch::Apply(status))
        .await?;
    Ok(Action::requeue(Duration::from_secs(300)))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--crd") {
        println!("{}", serde_json::to_string_pretty(&MyApp::crd())?);
        return Ok(());
    }
    logging::init(LogLevel::Info, LogEncoder::Console)?;
    let client = Client::try_default().await?;
    let config = ManagerConfig {
        leader_election: args
            .iter()
            .any(|a| a == "--leader-elect")
            .then(|| LeaderElectionConfig::new("default", "myapp-operator", default_identity())),
        ..ManagerConfig::default()
    };
    let mut manager = Manager::new(client.clone(), config);
    let controller = Controller::new(
        Api::<MyApp>::all(client.clone()),
        watcher::Config::default(),
    )
    .predicate(predicates::generation)
    .owns(
        Api::<PartialObjectMeta<Deployment>>::all(client.clone()),
        watcher::Config::default(),
    );
    manager.add(controller, reconcile, Arc::new(Context { client }));
    // SIGTERM/SIGINT: finish in-flight reconciles, release the lease, exit.
    manager.start().await?.wait(shutdown_signal()).await?;
    Ok(())
}
