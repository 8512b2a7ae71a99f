//! The DAG executor: drives a ResourceGraph toward its desired state, wave
//! by wave, and reports what it found as the graph's new status.
//!
//! Every reconcile walks the waves from the start. A node whose object is
//! unchanged since the last apply and untouched by others is not re-sent;
//! its readiness is read from the live object. The walk stops at the first
//! wave that is not entirely ready: its dependants stay `Pending`. Once
//! every node is ready, objects that left the graph are pruned.

use std::collections::{BTreeSet, HashMap};

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DynamicObject, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use pequod_api::{
    DeletionPolicy, DriftPolicy, GraphPhase, Node, NodePhase, NodeState, ObjectRef, ResourceGraph,
    ResourceGraphStatus,
};
use serde_json::Value;

use crate::adoption::{self, AdoptionDecision};
use crate::applyset::{self, DELETION_POLICY_ANNOTATION, PART_OF_LABEL};
use crate::dag::Dag;
use crate::hash;
use crate::live_cache::LiveCache;
use crate::outcome::{ApplyRecord, EngineEvent, Outcome};
use crate::readiness::{self, ReadinessStatus, ReadyWhen};
use crate::resolve::KindResolver;
use crate::target::Target;
use crate::{duration, prune};

/// How the engine works.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Field manager of every server-side apply.
    pub field_manager: String,
    /// Applies in flight at once within a wave (`--max-concurrent-applies`).
    pub max_concurrent_applies: usize,
    /// How long a node may take to become ready unless it says otherwise.
    pub readiness_timeout: Duration,
    /// How soon to look again at a graph that is still progressing.
    pub progress_poll: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            field_manager: pequod_api::FIELD_MANAGER.to_owned(),
            max_concurrent_applies: 8,
            readiness_timeout: Duration::from_secs(600),
            progress_poll: Duration::from_secs(5),
        }
    }
}

/// Applies, prunes and deletes graphs against one Kubernetes API.
#[derive(Clone)]
pub struct Engine {
    pub(crate) client: Client,
    pub(crate) resolver: Arc<KindResolver>,
    pub(crate) config: EngineConfig,
    cache: Option<Arc<dyn LiveCache>>,
}

/// What the executor knows about the graph being reconciled.
pub(crate) struct GraphContext {
    pub(crate) namespace: String,
    pub(crate) applyset_id: String,
    pub(crate) transform: Option<String>,
}

impl GraphContext {
    pub(crate) fn of(graph: &ResourceGraph) -> Self {
        let namespace = graph.namespace().unwrap_or_else(|| "default".to_owned());
        Self {
            applyset_id: applyset::applyset_id(
                &graph.name_any(),
                &namespace,
                "ResourceGraph",
                pequod_api::GROUP,
            ),
            transform: graph.labels().get(pequod_api::TRANSFORM_LABEL).cloned(),
            namespace,
        }
    }
}

/// The result of working on one node.
struct NodeResult {
    state: NodeState,
    object: Option<ObjectRef>,
    events: Vec<EngineEvent>,
    /// The apply sent for this node, if one was.
    apply: Option<ApplyRecord>,
}

impl Engine {
    /// An engine over `client`.
    pub fn new(client: Client, config: EngineConfig) -> Self {
        Self {
            client,
            resolver: Arc::new(KindResolver::new()),
            config,
            cache: None,
        }
    }

    /// Reads live objects from `cache` where it can be trusted (see
    /// [`LiveCache`]) instead of asking the API server every time.
    #[must_use]
    pub fn with_cache(mut self, cache: Arc<dyn LiveCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The kind resolver the engine uses (shared, so watchers resolve alike).
    pub fn resolver(&self) -> &KindResolver {
        &self.resolver
    }

    /// The client the engine talks through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Drives `graph` one step toward its desired state and returns its new
    /// status. Never panics on bad input: an invalid graph is a `Failed`
    /// status with nothing applied.
    pub async fn reconcile(&self, graph: &ResourceGraph) -> Outcome {
        let ctx = GraphContext::of(graph);
        let previous = graph.status.clone().unwrap_or_default();
        let generation = graph.metadata.generation;
        let nodes = &graph.spec.nodes;

        let invalid = |reason: &'static str, message: String| {
            Outcome::invalid(previous.clone(), generation, reason, message)
        };
        let dag = match Dag::new(
            nodes
                .iter()
                .map(|n| (n.id.as_str(), n.depends_on.iter().map(String::as_str))),
        ) {
            Ok(dag) => dag,
            Err(e) => return invalid("InvalidGraph", e.to_string()),
        };
        let mut targets = HashMap::new();
        for node in nodes {
            match Target::of(&node.id, &node.object) {
                Ok(t) => targets.insert(node.id.as_str(), t),
                Err(e) => return invalid("InvalidGraph", e.to_string()),
            };
            if let Err(e) = ReadyWhen::compile(&node.ready_when) {
                return invalid("InvalidGraph", format!("node {}: {e}", node.id));
            }
        }

        let by_id: HashMap<&str, &Node> = nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let prev_states: HashMap<&str, &NodeState> = previous
            .node_states
            .iter()
            .map(|s| (s.id.as_str(), s))
            .collect();
        let mut results: HashMap<String, NodeResult> = HashMap::new();
        let mut blocked_by: Option<Vec<String>> = None;

        for (wave_index, wave) in dag.waves().iter().enumerate() {
            let wave_number = u32::try_from(wave_index).unwrap_or(u32::MAX);
            if let Some(blockers) = &blocked_by {
                for id in wave {
                    let message = format!("waiting for {}", blockers.join(", "));
                    results.insert(
                        (*id).to_owned(),
                        self.pending(id, wave_number, &message, prev_states.get(id)),
                    );
                }
                continue;
            }
            // A plain loop rather than a closure: futures made in closures
            // over borrowed ids are not provably Send for the controller.
            let mut work = Vec::with_capacity(wave.len());
            for id in wave {
                if let (Some(node), Some(target)) = (by_id.get(id), targets.get(id)) {
                    work.push(self.run_node(
                        &ctx,
                        node,
                        target,
                        wave_number,
                        prev_states.get(id).copied(),
                    ));
                }
            }
            let done: Vec<NodeResult> = futures::stream::iter(work)
                .buffer_unordered(self.config.max_concurrent_applies.max(1))
                .collect()
                .await;
            let not_ready: Vec<String> = done
                .iter()
                .filter(|r| r.state.phase != NodePhase::Ready)
                .map(|r| r.state.id.clone())
                .collect();
            for r in done {
                results.insert(r.state.id.clone(), r);
            }
            if !not_ready.is_empty() {
                blocked_by = Some(not_ready);
            }
        }

        let mut outcome = Outcome::default();
        let mut inventory: BTreeSet<ObjectRef> = BTreeSet::new();
        let mut node_states = Vec::with_capacity(nodes.len());
        for node in nodes {
            if let Some(r) = results.remove(node.id.as_str()) {
                outcome.events.extend(r.events);
                if let Some(apply) = r.apply {
                    outcome.applied += usize::from(apply.ok);
                    outcome.applies.push(apply);
                }
                if let Some(o) = r.object {
                    inventory.insert(o);
                }
                node_states.push(r.state);
            }
        }
        // An object of an earlier reconcile stays in the inventory until it is
        // pruned, which happens only once every node is ready: then every
        // current node's object is in `inventory`, and the rest left the graph.
        let all_ready = node_states.iter().all(|s| s.phase == NodePhase::Ready);
        for old in &previous.inventory {
            if inventory.iter().any(|o| same_object(o, old)) {
                continue;
            }
            if all_ready {
                match prune::prune(self, &ctx, old).await {
                    Ok(event) => outcome.events.extend(event),
                    Err(message) => {
                        outcome
                            .events
                            .push(EngineEvent::warning("PruneFailed", message));
                        inventory.insert(old.clone());
                    }
                }
            } else {
                inventory.insert(old.clone());
            }
        }

        outcome.status = summarize(
            &previous,
            generation,
            node_states,
            inventory.into_iter().collect(),
        );
        if outcome.status.phase == Some(GraphPhase::Progressing) {
            outcome.requeue_after = Some(self.config.progress_poll);
        }
        outcome
    }

    fn pending(&self, id: &str, wave: u32, message: &str, prev: Option<&&NodeState>) -> NodeResult {
        NodeResult {
            state: NodeState {
                id: id.to_owned(),
                phase: NodePhase::Pending,
                message: Some(message.to_owned()),
                object_ref: prev.and_then(|p| p.object_ref.clone()),
                wave,
                last_applied_hash: prev.and_then(|p| p.last_applied_hash.clone()),
                live_hash: prev.and_then(|p| p.live_hash.clone()),
                last_transition_time: transition_time(prev.copied(), NodePhase::Pending),
            },
            object: None,
            events: Vec::new(),
            apply: None,
        }
    }

    /// Applies one node if needed and reads its readiness.
    async fn run_node(
        &self,
        ctx: &GraphContext,
        node: &Node,
        target: &Target,
        wave: u32,
        prev: Option<&NodeState>,
    ) -> NodeResult {
        let mut events = Vec::new();
        let fail = |reason: &'static str, message: String, events: Vec<EngineEvent>| NodeResult {
            state: NodeState {
                id: node.id.clone(),
                phase: NodePhase::Failed,
                message: Some(format!("{reason}: {message}")),
                object_ref: prev.and_then(|p| p.object_ref.clone()),
                wave,
                last_applied_hash: prev.and_then(|p| p.last_applied_hash.clone()),
                live_hash: prev.and_then(|p| p.live_hash.clone()),
                last_transition_time: transition_time(prev, NodePhase::Failed),
            },
            object: None,
            events,
            apply: None,
        };

        let resolved = match self.resolver.resolve(&self.client, &target.gvk()).await {
            Ok(r) => r,
            Err(e) => {
                // Often a CRD an earlier wave created that is not served yet.
                let mut r = self.pending(
                    &node.id,
                    wave,
                    &format!("{} is not served: {e}", target.api_version),
                    prev.as_ref(),
                );
                r.state.message = Some(format!(
                    "kind {} {} is not served yet",
                    target.api_version, target.kind
                ));
                return r;
            }
        };
        let namespace = resolved.namespaced.then(|| {
            target
                .namespace
                .clone()
                .unwrap_or_else(|| ctx.namespace.clone())
        });
        let api: Api<DynamicObject> = match &namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resolved.resource),
            None => Api::all_with(self.client.clone(), &resolved.resource),
        };
        let desired = desired_object(ctx, node, namespace.as_deref());
        let desired_hash = hash::digest(&desired);

        // The cache answers when the object looks like Pequod left it;
        // anything else (absent, not ours, possibly drifted) is read fresh.
        let unchanged =
            prev.and_then(|p| p.last_applied_hash.as_deref()) == Some(desired_hash.as_str());
        let trusted = self
            .cache
            .as_ref()
            .and_then(|c| c.cached(&resolved.resource, namespace.as_deref(), &target.name))
            .filter(|live| {
                applyset::part_of(live) == Some(ctx.applyset_id.as_str())
                    && (!unchanged
                        || prev.and_then(|p| p.live_hash.as_deref())
                            == Some(hash::digest(&hash::project(live, &desired)).as_str()))
            });
        let live = match trusted {
            Some(live) => Some(live),
            None => match api.get_opt(&target.name).await {
                Ok(live) => live.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)),
                Err(e) => {
                    return fail(
                        "ApplyFailed",
                        format!("reading {}: {e}", target.describe()),
                        events,
                    );
                }
            },
        };

        // Decide whether to send, and whether to force.
        let mut force = false;
        let send = match &live {
            None => true,
            Some(live) if applyset::part_of(live) != Some(ctx.applyset_id.as_str()) => {
                match adoption::decide(node.adoption, live, &ctx.applyset_id) {
                    AdoptionDecision::Adopt => {
                        force = true;
                        events.push(EngineEvent::normal(
                            "Adopted",
                            format!("node {}: adopted {}", node.id, target.describe()),
                        ));
                        true
                    }
                    AdoptionDecision::Refuse(why) => {
                        let message = format!("{}: {why}", target.describe());
                        events.push(EngineEvent::warning(
                            "AdoptionFailed",
                            format!("node {}: {message}", node.id),
                        ));
                        return fail("AdoptionFailed", message, events);
                    }
                }
            }
            Some(live) => {
                let untouched = prev.and_then(|p| p.live_hash.as_deref())
                    == Some(hash::digest(&hash::project(live, &desired)).as_str());
                if unchanged && !untouched && node.drift == DriftPolicy::Enforce {
                    // Someone changed what Pequod set: take it back.
                    force = true;
                    events.push(EngineEvent::normal(
                        "DriftCorrected",
                        format!(
                            "node {}: reverted changes to {} made outside Pequod",
                            node.id,
                            target.describe()
                        ),
                    ));
                }
                !unchanged || (!untouched && node.drift == DriftPolicy::Enforce)
            }
        };

        let mut apply = None;
        let live = if send {
            let mut params = PatchParams::apply(&self.config.field_manager);
            if force {
                params = params.force();
            }
            let started = std::time::Instant::now();
            let result = api
                .patch(&target.name, &params, &Patch::Apply(&desired))
                .await;
            let record = ApplyRecord {
                ok: result.is_ok(),
                seconds: started.elapsed().as_secs_f64(),
            };
            match result {
                Ok(o) => {
                    apply = Some(record);
                    serde_json::to_value(o).unwrap_or(Value::Null)
                }
                Err(e) => {
                    let message = format!("{}: {}", target.describe(), api_error_message(&e));
                    events.push(EngineEvent::warning(
                        "ApplyFailed",
                        format!("node {}: {message}", node.id),
                    ));
                    let mut failed = fail("ApplyFailed", message, events);
                    failed.apply = Some(record);
                    return failed;
                }
            }
        } else {
            live.unwrap_or(Value::Null)
        };

        let object = ObjectRef {
            api_version: target.api_version.clone(),
            kind: target.kind.clone(),
            namespace: namespace.clone(),
            name: target.name.clone(),
            uid: live
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        let ready_when = ReadyWhen::compile(&node.ready_when).ok().flatten();
        let readiness = readiness::evaluate_with(
            &live,
            ready_when
                .as_ref()
                .map(|r| r as &dyn readiness::ReadinessOverride),
        );
        let (phase, message) = match readiness.status {
            ReadinessStatus::Ready => (NodePhase::Ready, None),
            ReadinessStatus::Failed => (
                NodePhase::Failed,
                Some(format!("{}: {}", readiness.reason, readiness.message)),
            ),
            ReadinessStatus::InProgress => (
                NodePhase::Progressing,
                Some(format!("{}: {}", readiness.reason, readiness.message)),
            ),
        };
        let mut state = NodeState {
            id: node.id.clone(),
            phase,
            message,
            object_ref: Some(object.clone()),
            wave,
            last_applied_hash: Some(desired_hash),
            live_hash: Some(hash::digest(&hash::project(&live, &desired))),
            last_transition_time: transition_time(prev, phase),
        };
        let timed_out_before = prev.is_some_and(|p| {
            p.phase == NodePhase::Failed
                && p.message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("ReadinessTimeout"))
                && p.last_applied_hash == state.last_applied_hash
        });
        if phase == NodePhase::Progressing && timed_out_before {
            // Still not ready after timing out, and nothing changed since:
            // the node stays failed rather than starting a new clock.
            if let Some(p) = prev {
                state.phase = NodePhase::Failed;
                state.message.clone_from(&p.message);
                state
                    .last_transition_time
                    .clone_from(&p.last_transition_time);
            }
        } else if phase == NodePhase::Progressing {
            let timeout = node
                .readiness_timeout
                .as_deref()
                .and_then(duration::parse)
                .unwrap_or(self.config.readiness_timeout);
            if waited(state.last_transition_time.as_ref()) > timeout {
                let message = format!(
                    "{} not ready after {}s: {}",
                    target.describe(),
                    timeout.as_secs(),
                    state.message.as_deref().unwrap_or("")
                );
                events.push(EngineEvent::warning(
                    "ReadinessTimeout",
                    format!("node {}: {message}", node.id),
                ));
                state.phase = NodePhase::Failed;
                state.message = Some(format!("ReadinessTimeout: {message}"));
                // The clock of the failure starts now; the object stays.
                state.last_transition_time = Some(Time(Timestamp::now()));
            }
        }
        NodeResult {
            state,
            object: Some(object),
            events,
            apply,
        }
    }
}

/// The object as Pequod applies it: the node's object with the namespace
/// settled and Pequod's labels and annotations added.
pub(crate) fn desired_object(ctx: &GraphContext, node: &Node, namespace: Option<&str>) -> Value {
    let mut object = node.object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        match namespace {
            Some(ns) => {
                metadata.insert("namespace".into(), Value::String(ns.to_owned()));
            }
            None => {
                metadata.remove("namespace");
            }
        }
        let labels = metadata
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(PART_OF_LABEL.into(), Value::String(ctx.applyset_id.clone()));
            if let Some(t) = &ctx.transform {
                labels.insert(pequod_api::TRANSFORM_LABEL.into(), Value::String(t.clone()));
            }
        }
        if node.deletion == DeletionPolicy::Orphan {
            let annotations = metadata
                .entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(a) = annotations.as_object_mut() {
                a.insert(
                    DELETION_POLICY_ANNOTATION.into(),
                    Value::String("Orphan".into()),
                );
            }
        }
    }
    object
}

/// Whether two references name the same object (the uid aside).
pub(crate) fn same_object(a: &ObjectRef, b: &ObjectRef) -> bool {
    a.api_version == b.api_version
        && a.kind == b.kind
        && a.namespace == b.namespace
        && a.name == b.name
}

/// The message of an API error without kube's wrapping.
pub(crate) fn api_error_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.reason),
        other => other.to_string(),
    }
}

/// When the node entered `phase`: kept from before if unchanged.
fn transition_time(prev: Option<&NodeState>, phase: NodePhase) -> Option<Time> {
    match prev {
        Some(p) if p.phase == phase && p.last_transition_time.is_some() => {
            p.last_transition_time.clone()
        }
        _ => Some(Time(Timestamp::now())),
    }
}

fn waited(since: Option<&Time>) -> Duration {
    since
        .and_then(|t| Timestamp::now().duration_since(t.0).try_into().ok())
        .unwrap_or_default()
}

/// The graph's phase and conditions from its nodes.
fn summarize(
    previous: &ResourceGraphStatus,
    generation: Option<i64>,
    node_states: Vec<NodeState>,
    inventory: Vec<ObjectRef>,
) -> ResourceGraphStatus {
    let failed: Vec<&NodeState> = node_states
        .iter()
        .filter(|s| s.phase == NodePhase::Failed)
        .collect();
    let ready = node_states
        .iter()
        .filter(|s| s.phase == NodePhase::Ready)
        .count();
    let total = node_states.len();
    let (phase, ready_cond, progressing_cond) = if let Some(first) = failed.first() {
        let message = format!(
            "node {}: {}",
            first.id,
            first.message.as_deref().unwrap_or("failed")
        );
        (
            GraphPhase::Failed,
            ("False", "NodeFailed", message),
            (
                "False",
                "NodeFailed",
                format!("{} of {total} nodes failed", failed.len()),
            ),
        )
    } else if ready == total {
        (
            GraphPhase::Ready,
            (
                "True",
                "AllNodesReady",
                format!("{total} of {total} nodes ready"),
            ),
            ("False", "Complete", "every node is ready".to_owned()),
        )
    } else {
        let waiting: Vec<&str> = node_states
            .iter()
            .filter(|s| s.phase == NodePhase::Progressing)
            .map(|s| s.id.as_str())
            .collect();
        (
            GraphPhase::Progressing,
            (
                "False",
                "Progressing",
                format!(
                    "{ready} of {total} nodes ready; waiting for {}",
                    waiting.join(", ")
                ),
            ),
            (
                "True",
                "Progressing",
                format!("{ready} of {total} nodes ready"),
            ),
        )
    };
    let conditions = vec![
        condition(previous, "Ready", ready_cond, generation),
        condition(previous, "Progressing", progressing_cond, generation),
    ];
    ResourceGraphStatus {
        phase: Some(phase),
        observed_generation: generation,
        node_states,
        inventory,
        conditions,
    }
}

/// A condition, keeping its transition time when its status did not change.
pub(crate) fn condition(
    previous: &ResourceGraphStatus,
    type_: &str,
    (status, reason, message): (&str, &str, String),
    generation: Option<i64>,
) -> Condition {
    let last_transition_time = previous
        .conditions
        .iter()
        .find(|c| c.type_ == type_ && c.status == status)
        .map_or_else(
            || Time(Timestamp::now()),
            |c| c.last_transition_time.clone(),
        );
    Condition {
        type_: type_.to_owned(),
        status: status.to_owned(),
        reason: reason.to_owned(),
        message,
        observed_generation: generation,
        last_transition_time,
    }
}
