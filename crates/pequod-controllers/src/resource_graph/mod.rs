//! The ResourceGraph controller: every graph, hand-written or rendered from
//! an instance, is executed by [`pequod_engine::Engine`] until it is ready,
//! kept there, and taken down in order when it is deleted.

mod members;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use kube::api::{GroupVersionKind, Patch, PatchParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};
use pequod_api::{FINALIZER, ResourceGraph, ResourceGraphStatus};
use pequod_engine::{Engine, EngineConfig, Outcome, applyset};
use pequod_runtime::cache::Cache;
use pequod_runtime::controller::{Action, Controller as RuntimeController};
use pequod_runtime::manager::Manager;
use pequod_runtime::metrics::{ApplyResult, Metrics};
use serde_json::json;

use members::MemberWatches;

/// How the ResourceGraph controller runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The engine's settings (field manager, concurrent applies, timeouts).
    pub engine: EngineConfig,
    /// Graphs reconciled at once.
    pub concurrency: u16,
    /// How often a ready graph is looked at even when nothing happened.
    pub resync: Duration,
    /// Name the controller reports events under.
    pub reporter: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            engine: EngineConfig::default(),
            concurrency: 4,
            resync: Duration::from_secs(300),
            reporter: "pequod".to_owned(),
        }
    }
}

/// Why a reconcile failed; it is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the API server failed.
    #[error("{0}")]
    Kube(#[from] kube::Error),
    /// A graph without a namespace or name (never from a real server).
    #[error("graph has no {0}")]
    Incomplete(&'static str),
}

struct Context {
    client: Client,
    engine: Engine,
    recorder: Recorder,
    members: MemberWatches,
    metrics: Metrics,
    config: Config,
}

/// The controller and what its reconciles share, before it runs.
/// How every controller watches ResourceGraphs (they share one informer).
pub fn watch_config() -> watcher::Config {
    watcher::Config::default().any_semantic()
}

fn build(
    client: Client,
    config: Config,
    metrics: Metrics,
    cache: &Cache,
) -> (RuntimeController<ResourceGraph>, Arc<Context>) {
    let (members, wakeups) = MemberWatches::new(client.clone());
    let context = Arc::new(Context {
        engine: Engine::new(client.clone(), config.engine.clone())
            .with_cache(Arc::new(members.clone())),
        recorder: Recorder::new(
            client.clone(),
            Reporter {
                controller: config.reporter.clone(),
                instance: std::env::var("POD_NAME").ok(),
            },
        ),
        client: client.clone(),
        members,
        metrics,
        config: config.clone(),
    });
    let graphs = cache.informer(Api::<ResourceGraph>::all(client), watch_config());
    let controller = RuntimeController::for_informer(graphs, ())
        .name("resourcegraph")
        .workers(usize::from(config.concurrency))
        .reconcile_on(wakeups);
    (controller, context)
}

/// Adds the controller to `manager`: it runs while the manager leads and
/// records into the manager's metrics.
pub fn add_to(manager: &mut Manager, config: Config) {
    let (controller, context) = build(
        manager.client().clone(),
        config,
        manager.metrics().clone(),
        manager.cache(),
    );
    manager.add(controller, reconcile, context);
}

/// Runs the controller on its own until `shutdown` completes, then finishes
/// the reconciles in flight.
pub async fn run(
    client: Client,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), pequod_runtime::Error> {
    let metrics = Metrics::new();
    let (controller, context) = build(client, config, metrics.clone(), &Cache::new());
    controller
        .metrics(metrics)
        .run(reconcile, context, shutdown)
        .await
}

async fn reconcile(graph: Arc<ResourceGraph>, ctx: Arc<Context>) -> Result<Action, Error> {
    let namespace = graph.namespace().ok_or(Error::Incomplete("namespace"))?;
    let name = graph
        .metadata
        .name
        .clone()
        .ok_or(Error::Incomplete("name"))?;
    let api: Api<ResourceGraph> = Api::namespaced(ctx.client.clone(), &namespace);
    let applyset_id = applyset::applyset_id(&name, &namespace, "ResourceGraph", pequod_api::GROUP);
    let has_finalizer = graph.finalizers().iter().any(|f| f == FINALIZER);

    if graph.metadata.deletion_timestamp.is_some() {
        if !has_finalizer {
            ctx.members.forget(&applyset_id);
            return Ok(Action::await_change());
        }
        let outcome = ctx.engine.delete(&graph).await;
        publish(&ctx, &graph, &outcome).await;
        write_status(&api, &graph, &outcome.status).await?;
        if outcome.status.inventory.is_empty() {
            remove_finalizer(&api, &graph).await?;
            ctx.members.forget(&applyset_id);
            ctx.metrics.pequod().remove_dag(&namespace, &name);
            return Ok(Action::await_change());
        }
        return Ok(Action::requeue(
            outcome.requeue_after.unwrap_or(Duration::from_secs(2)),
        ));
    }

    if !has_finalizer {
        add_finalizer(&api, &graph).await?;
    }
    // After a start, the kinds a graph already owns are watched before its
    // first reconcile, which then reads them from the cache.
    if let Some(status) = &graph.status {
        watch_members(&ctx, &graph, &applyset_id, status).await;
        ctx.members.wait_synced(MEMBER_SYNC_PATIENCE).await;
    }
    let started = std::time::Instant::now();
    let outcome = ctx.engine.reconcile(&graph).await;
    record(
        &ctx.metrics,
        &namespace,
        &name,
        graph.spec.nodes.len(),
        started.elapsed(),
        &outcome,
    );
    tracing::info!(
        graph = %format!("{namespace}/{name}"),
        phase = ?outcome.status.phase,
        applied = outcome.applied,
        elapsed_ms = started.elapsed().as_millis(),
        "reconciled"
    );
    publish(&ctx, &graph, &outcome).await;
    mark_parent(&api, &graph, &applyset_id, &outcome.status).await?;
    write_status(&api, &graph, &outcome.status).await?;
    watch_members(&ctx, &graph, &applyset_id, &outcome.status).await;
    Ok(match outcome.requeue_after {
        Some(after) => Action::requeue(after),
        None => Action::requeue(ctx.config.resync),
    })
}

/// Writes the status when it changed, by server-side apply so emptied lists
/// are really emptied.
async fn write_status(
    api: &Api<ResourceGraph>,
    graph: &ResourceGraph,
    status: &ResourceGraphStatus,
) -> Result<(), Error> {
    if graph.status.as_ref() == Some(status) {
        return Ok(());
    }
    let patch = json!({
        "apiVersion": "pequod.io/v1alpha1",
        "kind": "ResourceGraph",
        "status": status,
    });
    api.patch_status(
        &graph.name_any(),
        &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}

/// The ApplySet parent's label and annotations (KEP-3659), so `kubectl`
/// and other tools see which kinds the graph owns.
async fn mark_parent(
    api: &Api<ResourceGraph>,
    graph: &ResourceGraph,
    applyset_id: &str,
    status: &ResourceGraphStatus,
) -> Result<(), Error> {
    let kinds: BTreeSet<String> = status
        .inventory
        .iter()
        .map(|o| applyset::group_kind(&o.api_version, &o.kind))
        .collect();
    let kinds = kinds.into_iter().collect::<Vec<_>>().join(",");
    let tooling = format!("pequod/v{}", env!("CARGO_PKG_VERSION"));
    let current =
        |key: &str, map: &std::collections::BTreeMap<String, String>| map.get(key).cloned();
    if current(applyset::ID_LABEL, graph.labels()).as_deref() == Some(applyset_id)
        && current(
            applyset::CONTAINS_GROUP_KINDS_ANNOTATION,
            graph.annotations(),
        )
        .as_deref()
            == Some(kinds.as_str())
        && current(applyset::TOOLING_ANNOTATION, graph.annotations()).as_deref()
            == Some(tooling.as_str())
    {
        return Ok(());
    }
    let patch = json!({"metadata": {
        "labels": {applyset::ID_LABEL: applyset_id},
        "annotations": {
            applyset::TOOLING_ANNOTATION: tooling,
            applyset::CONTAINS_GROUP_KINDS_ANNOTATION: kinds,
        }
    }});
    api.patch(
        &graph.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await?;
    Ok(())
}

async fn add_finalizer(api: &Api<ResourceGraph>, graph: &ResourceGraph) -> Result<(), Error> {
    // A JSON patch with a test on the resourceVersion-free list keeps other
    // controllers' finalizers intact.
    let patch = if graph.finalizers().is_empty() {
        json!([{"op": "test", "path": "/metadata/finalizers", "value": null},
               {"op": "add", "path": "/metadata/finalizers", "value": [FINALIZER]}])
    } else {
        json!([{"op": "add", "path": "/metadata/finalizers/-", "value": FINALIZER}])
    };
    let patch: json_patch::Patch =
        serde_json::from_value(patch).map_err(|_| Error::Incomplete("finalizer patch"))?;
    api.patch(
        &graph.name_any(),
        &PatchParams::default(),
        &Patch::Json::<()>(patch),
    )
    .await?;
    Ok(())
}

async fn remove_finalizer(api: &Api<ResourceGraph>, graph: &ResourceGraph) -> Result<(), Error> {
    let Some(index) = graph.finalizers().iter().position(|f| f == FINALIZER) else {
        return Ok(());
    };
    let patch = json!([
        {"op": "test", "path": format!("/metadata/finalizers/{index}"), "value": FINALIZER},
        {"op": "remove", "path": format!("/metadata/finalizers/{index}")}
    ]);
    let patch: json_patch::Patch =
        serde_json::from_value(patch).map_err(|_| Error::Incomplete("finalizer patch"))?;
    match api
        .patch(
            &graph.name_any(),
            &PatchParams::default(),
            &Patch::Json::<()>(patch),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// How long a reconcile waits for a new member watch to list its kind.
const MEMBER_SYNC_PATIENCE: Duration = Duration::from_secs(5);

/// Makes sure the kinds the graph owns are watched.
async fn watch_members(
    ctx: &Context,
    graph: &ResourceGraph,
    applyset_id: &str,
    status: &ResourceGraphStatus,
) {
    let mut kinds = Vec::new();
    let gvks: BTreeSet<(String, String)> = status
        .inventory
        .iter()
        .map(|o| (o.api_version.clone(), o.kind.clone()))
        .collect();
    for (api_version, kind) in gvks {
        let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));
        let gvk = GroupVersionKind::gvk(group, version, &kind);
        if let Ok(resolved) = ctx
            .engine
            .resolver()
            .resolve(ctx.engine.client(), &gvk)
            .await
        {
            kinds.push((gvk, resolved.resource));
        }
    }
    ctx.members
        .track(applyset_id, ObjectRef::from_obj(graph), kinds);
}

/// The `pequod_dag_*` and `pequod_apply_*` metrics of one reconcile.
fn record(
    metrics: &Metrics,
    namespace: &str,
    name: &str,
    nodes: usize,
    elapsed: Duration,
    outcome: &Outcome,
) {
    let pequod = metrics.pequod();
    pequod.dag_executed(elapsed.as_secs_f64());
    pequod.set_dag_nodes(namespace, name, nodes);
    for apply in &outcome.applies {
        let result = if apply.ok {
            ApplyResult::Success
        } else {
            ApplyResult::Failure
        };
        pequod.applied(result, apply.seconds);
    }
}

async fn publish(ctx: &Context, graph: &ResourceGraph, outcome: &Outcome) {
    let reference = graph.object_ref(&());
    for event in &outcome.events {
        let type_ = match event.type_ {
            pequod_engine::EventType::Normal => EventType::Normal,
            pequod_engine::EventType::Warning => EventType::Warning,
        };
        let published = ctx
            .recorder
            .publish(
                &Event {
                    type_,
                    reason: event.reason.to_owned(),
                    note: Some(event.message.clone()),
                    action: "Reconcile".to_owned(),
                    secondary: None,
                },
                &reference,
            )
            .await;
        if let Err(e) = published {
            tracing::warn!(error = %e, reason = event.reason, "recording an event failed");
        }
    }
}
