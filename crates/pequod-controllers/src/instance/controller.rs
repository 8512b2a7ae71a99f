//! The instance controller of one generated kind: render each instance
//! through its module, write the instance's ResourceGraph, and project the
//! graph's state back into the instance's status.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};
use pequod_api::{GraphPhase, ResourceGraph};
use pequod_engine::KindResolver;
use pequod_runtime::cache::{Cache, Store};
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::metrics::Metrics;
use serde_json::{Map, Value, json};

use super::fetch;
use super::refs::RefWatches;
use super::render::{CompiledModule, RenderInput, Rendered};

/// A generated kind and the module that renders it.
pub struct InstanceKind {
    /// The Transform that published the kind (the `pequod.io/transform` label).
    pub transform: String,
    /// The kind's resource.
    pub resource: ApiResource,
    /// The compiled module.
    pub module: Arc<CompiledModule>,
}

/// Why a reconcile failed; it is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the API server failed.
    #[error("{0}")]
    Kube(#[from] kube::Error),
}

struct Context {
    client: Client,
    kind: InstanceKind,
    graphs: Store<ResourceGraph>,
    refs: RefWatches,
    fetch_dir: PathBuf,
    resolver: KindResolver,
    recorder: Recorder,
    metrics: Metrics,
    capabilities: Mutex<Option<(Instant, Vec<String>)>>,
}

/// How long the cluster's API groups are trusted before asking again.
const CAPABILITIES_TTL: Duration = Duration::from_secs(60);

/// Runs the controller for `kind` until `shutdown` completes. It reads
/// through `cache`, shared with the other controllers: ResourceGraphs
/// (changes come from there, graphs are read from it) and the kinds its
/// module references.
pub async fn run(
    client: Client,
    kind: InstanceKind,
    metrics: Metrics,
    cache: Cache,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), pequod_runtime::Error> {
    let resource = kind.resource.clone();
    let graphs = cache.informer(
        Api::<ResourceGraph>::all(client.clone()),
        crate::resource_graph::watch_config(),
    );
    let (refs, referenced) = RefWatches::new(client.clone(), cache, resource.clone());
    // A graph missing from an unsynced cache would look deleted.
    if graphs.store().wait_until_ready().await.is_err() {
        return Ok(());
    }
    let transform = kind.transform.clone();
    let context = Arc::new(Context {
        graphs: graphs.store(),
        refs,
        fetch_dir: fetch::default_cache_dir(),
        recorder: Recorder::new(
            client.clone(),
            Reporter {
                controller: "pequod".into(),
                instance: std::env::var("POD_NAME").ok(),
            },
        ),
        resolver: KindResolver::new(),
        client: client.clone(),
        kind,
        metrics: metrics.clone(),
        capabilities: Mutex::new(None),
    });
    Controller::new_with(
        Api::<DynamicObject>::all_with(client, &resource),
        watcher::Config::default(),
        resource.clone(),
    )
    .name(resource.kind.to_lowercase())
    // A change of the graph (a node became ready) re-projects the status.
    .owns_shared(&graphs, move |graph| {
        graph.labels().get(pequod_api::TRANSFORM_LABEL) == Some(&transform)
    })
    // A referenced object changed: render its referrers again.
    .reconcile_on(referenced)
    .metrics(metrics)
    .run(reconcile, context, shutdown)
    .await
}

async fn reconcile(instance: Arc<DynamicObject>, ctx: Arc<Context>) -> Result<Action, Error> {
    if instance.metadata.deletion_timestamp.is_some() {
        // The graph is owned by the instance: the garbage collector deletes
        // it, and the graph's finalizer takes its objects down in order.
        ctx.refs.forget(&instance);
        return Ok(Action::await_change());
    }
    let namespace = instance.namespace().unwrap_or_else(|| "default".into());
    let name = instance.name_any();
    let graph = ctx
        .graphs
        .get(&ObjectRef::new(&name).within(&namespace))
        .map(|g| (*g).clone());

    let mut input = RenderInput {
        instance: serde_json::to_value(&*instance).unwrap_or(Value::Null),
        capabilities: capabilities(&ctx).await?,
        cluster_name: String::new(),
        observed: observed(&ctx, graph.as_ref()).await,
        ..RenderInput::default()
    };
    let module = &ctx.kind.module;
    // What the module reads: references first, then what they let it fetch.
    let references = match module.references(&input) {
        Ok(r) => r,
        Err(e) => return render_failed(&ctx, &instance, &e.to_string()).await,
    };
    if references.is_empty() {
        ctx.refs.forget(&instance);
    } else {
        let resolved = ctx
            .refs
            .resolve(&ctx.resolver, &instance, &references)
            .await?;
        if !resolved.missing.is_empty() {
            // Not an error: the instance waits, and the watch on the
            // referenced kind brings it back when the object appears.
            let message = format!("waiting for {}", resolved.missing.join(", "));
            write_status(
                &ctx,
                &instance,
                waiting_status("ReferenceNotFound", &message, &instance),
            )
            .await?;
            return Ok(Action::requeue(Duration::from_secs(60)));
        }
        input.refs = resolved.found;
    }
    let fetches = match module.fetch_specs(&input) {
        Ok(f) => f,
        Err(e) => return render_failed(&ctx, &instance, &e.to_string()).await,
    };
    for (id, spec) in fetches {
        match fetch::fetch(&spec, &ctx.fetch_dir).await {
            Ok(objects) => {
                input.fetched.insert(id, Value::Array(objects));
            }
            Err(message) => {
                let message = format!("fetch.{id}: {message}");
                publish(&ctx, &instance, EventType::Warning, "FetchFailed", &message).await;
                write_status(
                    &ctx,
                    &instance,
                    waiting_status("FetchFailed", &message, &instance),
                )
                .await?;
                return Ok(Action::requeue(Duration::from_secs(30)));
            }
        }
    }
    let rendered = match module.render(&input) {
        Ok(r) => r,
        Err(e) => return render_failed(&ctx, &instance, &e.to_string()).await,
    };
    if !rendered.violations.is_empty() {
        let message = rendered.violations.join("; ");
        publish(
            &ctx,
            &instance,
            EventType::Warning,
            "PolicyViolation",
            &message,
        )
        .await;
        write_status(
            &ctx,
            &instance,
            blocked_status("PolicyViolation", &message, &instance),
        )
        .await?;
        return Ok(Action::await_change());
    }

    let graph = apply_graph(
        &ctx,
        &instance,
        &namespace,
        &name,
        &rendered,
        graph.as_ref(),
    )
    .await?;
    write_status(
        &ctx,
        &instance,
        projected_status(&instance, &graph, &rendered),
    )
    .await?;
    // Pending nodes wait for observed values; look again soon.
    Ok(if rendered.pending.is_empty() {
        Action::await_change()
    } else {
        Action::requeue(Duration::from_secs(5))
    })
}

/// API groups the cluster serves, for `context.capabilities`; asked at
/// most once a minute.
async fn capabilities(ctx: &Context) -> Result<Vec<String>, Error> {
    let cached = ctx.capabilities.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(at, _)| at.elapsed() < CAPABILITIES_TTL)
            .map(|(_, groups)| groups.clone())
    });
    if let Some(groups) = cached {
        return Ok(groups);
    }
    let groups: Vec<String> = ctx
        .client
        .list_api_groups()
        .await?
        .groups
        .into_iter()
        .map(|g| g.name)
        .collect();
    if let Ok(mut cache) = ctx.capabilities.lock() {
        *cache = Some((Instant::now(), groups.clone()));
    }
    Ok(groups)
}

/// The live objects of the graph's applied nodes, by node id.
async fn observed(ctx: &Context, graph: Option<&ResourceGraph>) -> Map<String, Value> {
    let mut observed = Map::new();
    let Some(status) = graph.and_then(|g| g.status.as_ref()) else {
        return observed;
    };
    for state in &status.node_states {
        let Some(object) = &state.object_ref else {
            continue;
        };
        let (group, version) = object
            .api_version
            .split_once('/')
            .unwrap_or(("", &object.api_version));
        let gvk = GroupVersionKind::gvk(group, version, &object.kind);
        let Ok(resolved) = ctx.resolver.resolve(&ctx.client, &gvk).await else {
            continue;
        };
        let api: Api<DynamicObject> = match &object.namespace {
            Some(ns) => Api::namespaced_with(ctx.client.clone(), ns, &resolved.resource),
            None => Api::all_with(ctx.client.clone(), &resolved.resource),
        };
        if let Ok(Some(live)) = api.get_opt(&object.name).await
            && let Ok(value) = serde_json::to_value(live)
        {
            observed.insert(state.id.clone(), value);
        }
    }
    observed
}

/// Server-side applies the instance's ResourceGraph. A node that cannot be
/// rendered yet keeps its previous definition, so a passing gap in an
/// observed value never prunes a running object.
async fn apply_graph(
    ctx: &Context,
    instance: &DynamicObject,
    namespace: &str,
    name: &str,
    rendered: &Rendered,
    previous: Option<&ResourceGraph>,
) -> Result<ResourceGraph, Error> {
    let mut nodes = rendered.nodes.clone();
    for (id, _) in &rendered.pending {
        if let Some(old) = previous.and_then(|g| g.spec.nodes.iter().find(|n| &n.id == id)) {
            nodes.push(old.clone());
        }
    }
    let owner = instance.controller_owner_ref(&ctx.kind.resource);
    // Nothing new to say: the graph stays as it is.
    if let Some(current) = previous
        && current.spec.nodes == nodes
        && current.labels().get(pequod_api::TRANSFORM_LABEL) == Some(&ctx.kind.transform)
        && current
            .owner_references()
            .iter()
            .any(|o| Some(&o.uid) == owner.as_ref().map(|w| &w.uid))
    {
        return Ok(current.clone());
    }
    let graph = json!({
        "apiVersion": "pequod.io/v1alpha1",
        "kind": "ResourceGraph",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {pequod_api::TRANSFORM_LABEL: ctx.kind.transform},
            "ownerReferences": owner.into_iter().collect::<Vec<_>>(),
        },
        "spec": {"nodes": nodes},
    });
    let graphs: Api<ResourceGraph> = Api::namespaced(ctx.client.clone(), namespace);
    let applied = graphs
        .patch(
            name,
            &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
            &Patch::Apply(&graph),
        )
        .await?;
    Ok(applied)
}

/// The instance's status from its graph: phase, `Ready` and `Progressing`,
/// one entry per resource, and the module's own `status` fields.
fn projected_status(instance: &DynamicObject, graph: &ResourceGraph, rendered: &Rendered) -> Value {
    let status = graph.status.clone().unwrap_or_default();
    let phase = status.phase.unwrap_or(GraphPhase::Pending);
    let condition = |type_: &str| status.conditions.iter().find(|c| c.type_ == type_).cloned();
    let generation = instance.metadata.generation;
    let fallback = |type_: &str, state: &str, reason: &str| {
        json!({"type": type_, "status": state, "reason": reason, "message": "",
               "lastTransitionTime": "1970-01-01T00:00:00Z", "observedGeneration": generation})
    };
    let mut conditions = Vec::new();
    for (type_, default_status) in [("Ready", "False"), ("Progressing", "True")] {
        conditions.push(match condition(type_) {
            Some(mut c) => {
                c.observed_generation = generation;
                serde_json::to_value(c).unwrap_or(Value::Null)
            }
            None => fallback(type_, default_status, "Rendered"),
        });
    }
    let pending: BTreeSet<&str> = rendered.pending.iter().map(|(id, _)| id.as_str()).collect();
    let mut resources: Vec<Value> = status
        .node_states
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "kind": s.object_ref.as_ref().map(|o| o.kind.clone()),
                "name": s.object_ref.as_ref().map(|o| o.name.clone()),
                "phase": s.phase,
                "message": s.message,
            })
        })
        .collect();
    for (id, why) in &rendered.pending {
        if !status.node_states.iter().any(|s| &s.id == id) {
            resources.push(json!({"id": id, "phase": "Pending", "message": why}));
        }
    }
    let mut out = match &rendered.status {
        Some(Value::Object(module_status)) => module_status.clone(),
        _ => Map::new(),
    };
    // The module's own phase (e.g. Building, Deploying) says more than the
    // graph's; its conditions follow Pequod's Ready and Progressing.
    let module_phase = out.get("phase").filter(|p| p.is_string()).cloned();
    let module_conditions = match out.remove("conditions") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let previous = instance
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for mut c in module_conditions {
        let (Some(type_), Some(state)) = (
            c.get("type").and_then(Value::as_str).map(str::to_owned),
            c.get("status").and_then(Value::as_str).map(str::to_owned),
        ) else {
            continue;
        };
        if matches!(type_.as_str(), "Ready" | "Progressing") {
            continue;
        }
        let since = previous
            .iter()
            .find(|p| p["type"] == type_.as_str() && p["status"] == state.as_str())
            .and_then(|p| p.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| json!(k8s_openapi::jiff::Timestamp::now().to_string()));
        if let Some(map) = c.as_object_mut() {
            map.entry("reason").or_insert_with(|| json!(type_));
            map.entry("message").or_insert_with(|| json!(""));
            map.insert("lastTransitionTime".into(), since);
            map.insert("observedGeneration".into(), json!(generation));
        }
        conditions.push(c);
    }
    let graph_phase = if pending.is_empty() {
        phase
    } else {
        GraphPhase::Progressing
    };
    // The module's "Ready" must not run ahead of the graph's readiness (a
    // Deployment it thinks available may not be rolled out yet).
    let module_phase = module_phase.filter(|p| p != "Ready" || graph_phase == GraphPhase::Ready);
    out.insert(
        "phase".into(),
        module_phase.unwrap_or_else(|| json!(graph_phase)),
    );
    out.insert("observedGeneration".into(), json!(generation));
    out.insert("conditions".into(), Value::Array(conditions));
    out.insert("resources".into(), Value::Array(resources));
    Value::Object(out)
}

/// Reports a module that does not render for this instance; it waits for a
/// change (of the instance, or of the module through its Transform).
async fn render_failed(
    ctx: &Context,
    instance: &DynamicObject,
    message: &str,
) -> Result<Action, Error> {
    ctx.metrics.pequod().cue_render_error();
    publish(
        ctx,
        instance,
        EventType::Warning,
        "CueRenderFailed",
        message,
    )
    .await;
    write_status(
        ctx,
        instance,
        blocked_status("CueRenderFailed", message, instance),
    )
    .await?;
    Ok(Action::await_change())
}

/// The status of an instance waiting for something outside it (an object
/// it references, manifests to fetch).
fn waiting_status(reason: &str, message: &str, instance: &DynamicObject) -> Value {
    let generation = instance.metadata.generation;
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    json!({
        "phase": "Pending",
        "observedGeneration": generation,
        "conditions": [
            {"type": "Ready", "status": "False", "reason": reason, "message": message,
             "lastTransitionTime": now, "observedGeneration": generation},
            {"type": "Progressing", "status": "True", "reason": reason, "message": message,
             "lastTransitionTime": now, "observedGeneration": generation},
        ],
    })
}

/// The status of an instance whose module refused it.
fn blocked_status(reason: &str, message: &str, instance: &DynamicObject) -> Value {
    let generation = instance.metadata.generation;
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    json!({
        "phase": "Failed",
        "observedGeneration": generation,
        "conditions": [
            {"type": "Ready", "status": "False", "reason": reason, "message": message,
             "lastTransitionTime": now, "observedGeneration": generation},
            {"type": "Progressing", "status": "False", "reason": reason, "message": message,
             "lastTransitionTime": now, "observedGeneration": generation},
        ],
    })
}

/// Writes the instance's status when it changed.
async fn write_status(ctx: &Context, instance: &DynamicObject, status: Value) -> Result<(), Error> {
    let current = instance.data.get("status");
    let same = current.is_some_and(|c| without_times(c) == without_times(&status));
    if same {
        return Ok(());
    }
    let api: Api<DynamicObject> = match instance.namespace() {
        Some(ns) => Api::namespaced_with(ctx.client.clone(), &ns, &ctx.kind.resource),
        None => Api::all_with(ctx.client.clone(), &ctx.kind.resource),
    };
    let patch = json!({
        "apiVersion": ctx.kind.resource.api_version,
        "kind": ctx.kind.resource.kind,
        "status": status,
    });
    api.patch_status(
        &instance.name_any(),
        &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}

/// A status with transition times blanked, so a re-render that changes
/// nothing writes nothing.
fn without_times(status: &Value) -> Value {
    let mut status = status.clone();
    if let Some(conditions) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conditions {
            if let Some(c) = c.as_object_mut() {
                c.remove("lastTransitionTime");
            }
        }
    }
    status
}

async fn publish(
    ctx: &Context,
    instance: &DynamicObject,
    type_: EventType,
    reason: &str,
    note: &str,
) {
    let reference = instance.object_ref(&ctx.kind.resource);
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note.to_owned()),
        action: "Render".to_owned(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &reference).await {
        tracing::warn!(error = %e, reason, "recording an event failed");
    }
}
