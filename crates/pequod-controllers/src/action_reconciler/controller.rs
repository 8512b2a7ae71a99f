//! The ActionReconciler controller: check the actions and timings, publish
//! (or find) the kind's CRD, and run the kind's controller; on deletion, wait
//! for the kind's objects to be destroyed before letting go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use k8s_openapi::jiff::Timestamp;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use pequod_api::{ActionReconciler, ActionReconcilerStatus};
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::finalizer;
use pequod_runtime::manager::Manager;
use pequod_runtime::metrics::Metrics;
use serde_json::json;
use tokio::sync::watch;

use super::lifecycle::Settings;
use super::resource::{self, ReconciledKind};
use crate::actions;
use crate::transform::crd::{KindNames, kind_crd};

/// Why a reconcile failed; it is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the API server failed.
    #[error("{0}")]
    Kube(#[from] kube::Error),
}

/// A running kind controller and what it was started from.
struct Running {
    generation: Option<i64>,
    _stop: watch::Sender<bool>,
}

struct Context {
    client: Client,
    metrics: Metrics,
    history_namespace: String,
    // Dropped with the context when this controller stops (for instance on
    // losing the Lease): every kind controller stops too.
    running: Mutex<HashMap<String, Running>>,
}

/// Adds the ActionReconciler controller to `manager`; records of
/// cluster-scoped objects go to `history_namespace`.
pub fn add_to(manager: &mut Manager, history_namespace: &str) {
    let client = manager.client().clone();
    let context = Arc::new(Context {
        client: client.clone(),
        metrics: manager.metrics().clone(),
        history_namespace: history_namespace.to_owned(),
        running: Mutex::default(),
    });
    let controller = Controller::new(
        Api::<ActionReconciler>::all(client),
        watcher::Config::default(),
    )
    .name("actionreconciler");
    manager.add(controller, reconcile, context);
}

async fn reconcile(reconciler: Arc<ActionReconciler>, ctx: Arc<Context>) -> Result<Action, Error> {
    let api: Api<ActionReconciler> = Api::all(ctx.client.clone());
    let name = reconciler.name_any();
    let ours = reconciler
        .finalizers()
        .iter()
        .any(|f| f == pequod_api::FINALIZER);
    if reconciler.metadata.deletion_timestamp.is_some() {
        return if ours {
            let action = let_go(&ctx, &api, &reconciler).await?;
            Ok(action)
        } else {
            Ok(Action::await_change())
        };
    }
    if !ours {
        finalizer::add(&api, &*reconciler, pequod_api::FINALIZER).await?;
        return Ok(Action::await_change());
    }
    let spec = &reconciler.spec;
    let checked = Settings::of(spec).and_then(|settings| {
        actions::validate(&spec.apply).map_err(|e| format!("spec.apply: {e}"))?;
        if let Some(destroy) = &spec.destroy {
            actions::validate(destroy).map_err(|e| format!("spec.destroy: {e}"))?;
        }
        Ok(settings)
    });
    let settings = match checked {
        Ok(s) => s,
        Err(message) => {
            write_status(
                &ctx,
                &reconciler,
                Verdict::new("Failed", "InvalidSpec", &message),
            )
            .await?;
            return Ok(Action::await_change());
        }
    };
    let names = KindNames::of_action_reconciler(&reconciler);
    let crd_name = format!("{}.{}", names.plural(), spec.group);
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let crd = match &spec.schema {
        Some(schema) => {
            let published = serde_json::from_value::<JSONSchemaProps>(schema.clone())
                .map_err(|e| format!("spec.schema is no OpenAPI v3 schema: {e}"))
                .and_then(|s| kind_crd(&names, s).map_err(|e| e.to_string()));
            let wanted = match published {
                Ok(crd) => crd,
                Err(message) => {
                    write_status(
                        &ctx,
                        &reconciler,
                        Verdict::new("Failed", "InvalidSchema", &message),
                    )
                    .await?;
                    return Ok(Action::await_change());
                }
            };
            let existing = crds.get_opt(&crd_name).await?;
            if let Some(owner) = existing.and_then(|e| other_publisher(&e, &name)) {
                let message = format!("{crd_name} is already published by {owner}");
                write_status(
                    &ctx,
                    &reconciler,
                    Verdict::new("Failed", "KindTaken", &message).with_crd(&crd_name),
                )
                .await?;
                return Ok(Action::await_change());
            }
            crds.patch(
                &crd_name,
                &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
                &Patch::Apply(&wanted),
            )
            .await?
        }
        None => match crds.get_opt(&crd_name).await? {
            Some(crd) => crd,
            None => {
                let message = format!(
                    "waiting for CRD {crd_name} (spec.schema is empty, so Pequod does not publish it)"
                );
                write_status(
                    &ctx,
                    &reconciler,
                    Verdict::new("Pending", "CRDNotFound", &message),
                )
                .await?;
                return Ok(Action::requeue(Duration::from_secs(10)));
            }
        },
    };
    if !is_established(&crd) {
        let message = format!("{crd_name} is not established yet");
        write_status(
            &ctx,
            &reconciler,
            Verdict::new("Pending", "Waiting", &message).with_crd(&crd_name),
        )
        .await?;
        return Ok(Action::requeue(Duration::from_millis(500)));
    }
    if !crd
        .spec
        .versions
        .iter()
        .any(|v| v.name == spec.version && v.served)
    {
        let message = format!("{crd_name} serves no version {}", spec.version);
        write_status(
            &ctx,
            &reconciler,
            Verdict::new("Failed", "VersionNotServed", &message).with_crd(&crd_name),
        )
        .await?;
        return Ok(Action::requeue(Duration::from_secs(30)));
    }
    let gvk = GroupVersionKind::gvk(&spec.group, &spec.version, &crd.spec.names.kind);
    let kind = ReconciledKind {
        reconciler: name.clone(),
        resource: ApiResource::from_gvk_with_plural(&gvk, &crd.spec.names.plural),
        namespaced: crd.spec.scope == "Namespaced",
        apply: spec.apply.clone(),
        destroy: spec.destroy.clone(),
        settings,
        history_namespace: ctx.history_namespace.clone(),
    };
    start(&ctx, &name, reconciler.metadata.generation, kind);
    let message = format!("reconciling {} objects", crd.spec.names.kind);
    write_status(
        &ctx,
        &reconciler,
        Verdict::new("Ready", "Running", &message).with_crd(&crd_name),
    )
    .await?;
    Ok(Action::await_change())
}

/// On deletion: wait until no object of the kind is left (their finalizers
/// need the kind's controller), then stop it, drop a CRD Pequod published,
/// and remove the finalizer.
async fn let_go(
    ctx: &Context,
    api: &Api<ActionReconciler>,
    reconciler: &ActionReconciler,
) -> Result<Action, Error> {
    let spec = &reconciler.spec;
    let names = KindNames::of_action_reconciler(reconciler);
    let crd_name = format!("{}.{}", names.plural(), spec.group);
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    if let Some(crd) = crds.get_opt(&crd_name).await? {
        let gvk = GroupVersionKind::gvk(&spec.group, &spec.version, &crd.spec.names.kind);
        let resource = ApiResource::from_gvk_with_plural(&gvk, &crd.spec.names.plural);
        let objects: Api<DynamicObject> = Api::all_with(ctx.client.clone(), &resource);
        let left = match objects.list_metadata(&ListParams::default().limit(1)).await {
            Ok(list) => !list.items.is_empty(),
            Err(kube::Error::Api(s)) if s.code == 404 => false,
            Err(e) => return Err(e.into()),
        };
        if left {
            let message = format!(
                "waiting for the {} objects to be deleted",
                crd.spec.names.kind
            );
            write_status(
                ctx,
                reconciler,
                Verdict::new("Deleting", "ObjectsRemain", &message).with_crd(&crd_name),
            )
            .await?;
            return Ok(Action::requeue(Duration::from_secs(5)));
        }
        if other_publisher(&crd, &reconciler.name_any()).is_none() && spec.schema.is_some() {
            match crds.delete(&crd_name, &DeleteParams::default()).await {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    if let Ok(mut running) = ctx.running.lock() {
        running.remove(&reconciler.name_any());
    }
    finalizer::remove(api, reconciler, pequod_api::FINALIZER).await?;
    Ok(Action::await_change())
}

/// Who else publishes `crd`, if anyone: a Transform or another reconciler.
fn other_publisher(crd: &CustomResourceDefinition, reconciler: &str) -> Option<String> {
    let labels = crd.labels();
    if let Some(transform) = labels.get(pequod_api::TRANSFORM_LABEL) {
        return Some(format!("Transform {transform}"));
    }
    match labels.get(pequod_api::ACTION_RECONCILER_LABEL) {
        Some(other) if other != reconciler => Some(format!("ActionReconciler {other}")),
        _ => None,
    }
}

fn is_established(crd: &CustomResourceDefinition) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| {
            c.iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        })
}

fn start(ctx: &Context, name: &str, generation: Option<i64>, kind: ReconciledKind) {
    let Ok(mut running) = ctx.running.lock() else {
        return;
    };
    if running
        .get(name)
        .is_some_and(|r| r.generation == generation)
    {
        return;
    }
    // Replacing the entry drops the old sender, which stops the old controller.
    let (stop, mut stopped) = watch::channel(false);
    running.insert(
        name.to_owned(),
        Running {
            generation,
            _stop: stop,
        },
    );
    let client = ctx.client.clone();
    let metrics = ctx.metrics.clone();
    let kind_name = kind.resource.kind.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|v| *v).await;
        };
        if let Err(e) = resource::run(client, kind, metrics, shutdown).await {
            tracing::warn!(kind = %kind_name, error = %e, "action controller stopped");
        }
    });
}

/// What a reconcile concluded, for the reconciler's status: its phase
/// (`Ready`, `Pending`, `Failed`, `Deleting`; `Ready=True` only when
/// `Ready`), why, and the CRD once known.
struct Verdict<'a> {
    phase: &'static str,
    reason: &'static str,
    message: &'a str,
    crd: Option<&'a str>,
}

impl<'a> Verdict<'a> {
    fn new(phase: &'static str, reason: &'static str, message: &'a str) -> Self {
        Self {
            phase,
            reason,
            message,
            crd: None,
        }
    }

    fn with_crd(self, crd: &'a str) -> Self {
        Self {
            crd: Some(crd),
            ..self
        }
    }
}

async fn write_status(
    ctx: &Context,
    reconciler: &ActionReconciler,
    verdict: Verdict<'_>,
) -> Result<(), Error> {
    let Verdict {
        phase,
        reason,
        message,
        crd: crd_name,
    } = verdict;
    let ready = phase == "Ready";
    let generation = reconciler.metadata.generation;
    let previous = reconciler.status.clone().unwrap_or_default();
    let status_word = if ready { "True" } else { "False" };
    let since = previous
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == status_word)
        .map_or_else(
            || Timestamp::now().to_string(),
            |c| c.last_transition_time.0.to_string(),
        );
    let status = json!({
        "phase": phase,
        "crdName": crd_name,
        "observedGeneration": generation,
        "conditions": [{"type": "Ready", "status": status_word, "reason": reason,
            "message": message, "lastTransitionTime": since, "observedGeneration": generation}],
    });
    let unchanged = serde_json::from_value::<ActionReconcilerStatus>(status.clone())
        .is_ok_and(|s| s == previous);
    if unchanged {
        return Ok(());
    }
    let api: Api<ActionReconciler> = Api::all(ctx.client.clone());
    let patch =
        json!({"apiVersion": "pequod.io/v1alpha1", "kind": "ActionReconciler", "status": status});
    api.patch_status(
        &reconciler.name_any(),
        &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}
