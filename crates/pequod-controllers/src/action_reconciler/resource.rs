//! The controller of one reconciled kind: runs the apply action when an
//! object is new, changed, due for a resync or a retry, and the destroy
//! action before it goes; keeps its status and history.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};
use pequod_api::{ActionPhase, ActionSpec, ActionStatus, Operation, ReconcileResult, Trigger};
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::finalizer;
use pequod_runtime::metrics::Metrics;
use serde_json::{Value, json};

use super::history::{self, Attempt};
use super::lifecycle::{self, Next, Settings};
use crate::actions::{self, ActionError, Invocation, Outcome, Secrets};

/// A kind and how its objects are reconciled.
#[derive(Clone, Debug)]
pub struct ReconciledKind {
    /// The ActionReconciler's name.
    pub reconciler: String,
    /// The kind's resource.
    pub resource: ApiResource,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The apply action.
    pub apply: ActionSpec,
    /// The destroy action, if any.
    pub destroy: Option<ActionSpec>,
    /// Timings and limits.
    pub settings: Settings,
    /// Where records of cluster-scoped objects go.
    pub history_namespace: String,
}

/// Why a reconcile failed; it is retried with the runtime's backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the API server failed.
    #[error("{0}")]
    Kube(#[from] kube::Error),
}

struct Context {
    client: Client,
    kind: ReconciledKind,
    recorder: Recorder,
}

/// Runs the controller of `kind` until `shutdown` completes.
pub async fn run(
    client: Client,
    kind: ReconciledKind,
    metrics: Metrics,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), pequod_runtime::Error> {
    let resource = kind.resource.clone();
    let workers = kind.settings.concurrency;
    // An action may take its whole timeout; the reconcile around it a bit more.
    let reconcile_timeout = kind.settings.timeout + Duration::from_secs(60);
    let context = Arc::new(Context {
        recorder: Recorder::new(
            client.clone(),
            Reporter {
                controller: "pequod".into(),
                instance: std::env::var("POD_NAME").ok(),
            },
        ),
        client: client.clone(),
        kind,
    });
    Controller::new_with(
        Api::<DynamicObject>::all_with(client, &resource),
        watcher::Config::default(),
        resource.clone(),
    )
    .name(resource.kind.to_lowercase())
    .workers(workers)
    .reconcile_timeout(reconcile_timeout)
    .metrics(metrics)
    .run(reconcile, context, shutdown)
    .await
}

fn api(ctx: &Context, namespace: Option<&str>) -> Api<DynamicObject> {
    match (ctx.kind.namespaced, namespace) {
        (true, Some(ns)) => Api::namespaced_with(ctx.client.clone(), ns, &ctx.kind.resource),
        _ => Api::all_with(ctx.client.clone(), &ctx.kind.resource),
    }
}

async fn reconcile(cached: Arc<DynamicObject>, ctx: Arc<Context>) -> Result<Action, Error> {
    let api = api(&ctx, cached.namespace().as_deref());
    // The cache may not hold the status this controller wrote a moment
    // ago; deciding from it could run an action twice.
    let Some(object) = api.get_opt(&cached.name_any()).await? else {
        return Ok(Action::await_change());
    };
    let status: ActionStatus = object
        .data
        .get("status")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default();
    let ours = object
        .finalizers()
        .iter()
        .any(|f| f == pequod_api::FINALIZER);
    if object.metadata.deletion_timestamp.is_some() {
        if !ours {
            return Ok(Action::await_change());
        }
        return destroy(&ctx, &api, &object, &status).await;
    }
    if !ours {
        finalizer::add(&api, &object, pequod_api::FINALIZER).await?;
        // The change comes back through the watch.
        return Ok(Action::await_change());
    }
    let generation = object.metadata.generation.unwrap_or_default();
    let settings = &ctx.kind.settings;
    let trigger = match lifecycle::next(generation, &status, settings, Timestamp::now()) {
        Next::Run(trigger) => trigger,
        Next::Wait(delay) => return Ok(Action::requeue(delay)),
        Next::Idle => return Ok(Action::await_change()),
    };
    if status.phase.is_none() {
        let pending = ActionStatus {
            phase: Some(ActionPhase::Pending),
            ..ActionStatus::default()
        };
        write_status(&ctx, &api, &object, &pending).await?;
    }
    let running = lifecycle::reconciling(&status, generation, trigger, Timestamp::now());
    write_status(&ctx, &api, &object, &running).await?;

    let started = Timestamp::now();
    let result = run_action(
        &ctx,
        &object,
        &ctx.kind.apply,
        Operation::Apply,
        trigger,
        &status,
    )
    .await;
    let ended = Timestamp::now();
    let (next_status, attempt, action) = match result {
        Ok(outcome) => {
            let next = lifecycle::succeeded(&running, generation, &outcome, settings, ended);
            publish(
                &ctx,
                &object,
                EventType::Normal,
                "Reconciled",
                &summary(&outcome),
            )
            .await;
            let action = settings
                .resync
                .map_or_else(Action::await_change, Action::requeue);
            (
                next,
                attempt_of(trigger, Operation::Apply, started, ended, Ok(&outcome)),
                action,
            )
        }
        Err(error) => {
            let reason = failure_reason(&error);
            let message = error.to_string();
            let next = lifecycle::failed(&running, generation, reason, &message, settings, ended);
            publish(
                &ctx,
                &object,
                EventType::Warning,
                "ReconcileFailed",
                &message,
            )
            .await;
            let action = Action::requeue(settings.backoff(next.failures));
            (
                next,
                attempt_of(trigger, Operation::Apply, started, ended, Err(&error)),
                action,
            )
        }
    };
    // History first: whoever sees the status can find the attempt behind it.
    keep_history(&ctx, &object, &attempt).await;
    write_status(&ctx, &api, &object, &next_status).await?;
    Ok(action)
}

/// Runs the destroy action (if any), then lets the object go.
async fn destroy(
    ctx: &Context,
    api: &Api<DynamicObject>,
    object: &DynamicObject,
    status: &ActionStatus,
) -> Result<Action, Error> {
    let generation = object.metadata.generation.unwrap_or_default();
    if let Some(action) = &ctx.kind.destroy {
        let deleting = lifecycle::deleting(status, generation, None, Timestamp::now());
        write_status(ctx, api, object, &deleting).await?;
        let started = Timestamp::now();
        let result = run_action(
            ctx,
            object,
            action,
            Operation::Destroy,
            Trigger::Delete,
            status,
        )
        .await;
        let ended = Timestamp::now();
        let attempt = attempt_of(
            Trigger::Delete,
            Operation::Destroy,
            started,
            ended,
            result.as_ref(),
        );
        if let Err(error) = result {
            let message = format!("destroy failed: {error}");
            let failed = lifecycle::deleting(&deleting, generation, Some(&message), ended);
            keep_history(ctx, object, &attempt).await;
            write_status(ctx, api, object, &failed).await?;
            publish(ctx, object, EventType::Warning, "DestroyFailed", &message).await;
            return Ok(Action::requeue(ctx.kind.settings.backoff(failed.failures)));
        }
        publish(
            ctx,
            object,
            EventType::Normal,
            "Destroyed",
            "the destroy action succeeded",
        )
        .await;
        keep_history(ctx, object, &attempt).await;
    }
    finalizer::remove(api, object, pequod_api::FINALIZER).await?;
    Ok(Action::await_change())
}

async fn run_action(
    ctx: &Context,
    object: &DynamicObject,
    action: &ActionSpec,
    operation: Operation,
    trigger: Trigger,
    status: &ActionStatus,
) -> Result<Outcome, ActionError> {
    let invocation = Invocation {
        operation,
        trigger,
        resource: resource_document(object),
        outputs: status.outputs.clone(),
        timeout: ctx.kind.settings.timeout,
    };
    let namespace = object
        .namespace()
        .unwrap_or_else(|| ctx.kind.history_namespace.clone());
    let secrets = Secrets::new(ctx.client.clone(), namespace);
    tracing::info!(kind = %ctx.kind.resource.kind, name = %object.name_any(), operation = operation.as_str(), trigger = trigger.as_str(), "running action");
    actions::run(action, &invocation, &secrets).await
}

/// What an action sees of the object: identity, labels, annotations, spec.
fn resource_document(object: &DynamicObject) -> Value {
    let types = object.types.clone().unwrap_or_default();
    json!({
        "apiVersion": types.api_version,
        "kind": types.kind,
        "metadata": {
            "name": object.metadata.name,
            "namespace": object.metadata.namespace,
            "uid": object.metadata.uid,
            "generation": object.metadata.generation,
            "labels": object.metadata.labels.clone().unwrap_or_default(),
            "annotations": object.metadata.annotations.clone().unwrap_or_default(),
        },
        "spec": object.data.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

fn failure_reason(error: &ActionError) -> &'static str {
    match error {
        ActionError::TimedOut { .. } => "TimedOut",
        ActionError::Config(_) => "ActionMisconfigured",
        ActionError::Failed { .. } => "ReconcileFailed",
    }
}

fn summary(outcome: &Outcome) -> String {
    if outcome.message.is_empty() {
        "the apply action succeeded".to_owned()
    } else {
        outcome.message.clone()
    }
}

fn attempt_of(
    trigger: Trigger,
    operation: Operation,
    started: Timestamp,
    ended: Timestamp,
    result: Result<&Outcome, &ActionError>,
) -> Attempt {
    let (result, message, output) = match result {
        Ok(outcome) => (
            ReconcileResult::Succeeded,
            summary(outcome),
            outcome.output.clone(),
        ),
        Err(error) => (
            match error {
                ActionError::TimedOut { .. } => ReconcileResult::TimedOut,
                _ => ReconcileResult::Failed,
            },
            error.to_string(),
            error.output().to_owned(),
        ),
    };
    let message = match operation {
        Operation::Destroy if result == ReconcileResult::Succeeded => {
            "the destroy action succeeded".to_owned()
        }
        _ => message,
    };
    Attempt {
        trigger,
        operation,
        started,
        ended,
        result,
        message,
        output,
    }
}

/// Records an attempt; a failure to record is logged, never a reason to run
/// the action again.
async fn keep_history(ctx: &Context, object: &DynamicObject, attempt: &Attempt) {
    let namespace = object
        .namespace()
        .unwrap_or_else(|| ctx.kind.history_namespace.clone());
    if let Err(error) = history::record(
        &ctx.client,
        &namespace,
        object,
        attempt,
        ctx.kind.settings.history_limit,
    )
    .await
    {
        tracing::warn!(%error, name = %object.name_any(), "recording the reconciliation failed");
    }
}

async fn write_status(
    ctx: &Context,
    api: &Api<DynamicObject>,
    object: &DynamicObject,
    status: &ActionStatus,
) -> Result<(), Error> {
    let patch = json!({
        "apiVersion": ctx.kind.resource.api_version,
        "kind": ctx.kind.resource.kind,
        "status": status,
    });
    api.patch_status(
        &object.name_any(),
        &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}

async fn publish(
    ctx: &Context,
    object: &DynamicObject,
    type_: EventType,
    reason: &str,
    note: &str,
) {
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note.chars().take(1024).collect()),
        action: "Reconcile".to_owned(),
        secondary: None,
    };
    let reference = object.object_ref(&ctx.kind.resource);
    if let Err(error) = ctx.recorder.publish(&event, &reference).await {
        tracing::warn!(%error, reason, "recording an event failed");
    }
}
