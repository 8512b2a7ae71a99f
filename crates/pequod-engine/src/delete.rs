//! Deleting a graph: its objects go in reverse wave order, each wave gone
//! before the next starts; `deletion: Orphan` nodes are left in place.

use pequod_api::{DeletionPolicy, GraphPhase, ObjectRef, ResourceGraph};

use crate::dag::Dag;
use crate::executor::{Engine, GraphContext, condition, same_object};
use crate::outcome::{EngineEvent, Outcome};
use crate::prune::{self, Removal};
use crate::target::Target;

impl Engine {
    /// Takes `graph`'s objects down one step. The outcome's status has phase
    /// `Deleting` and the objects still present in its inventory; an empty
    /// inventory means the graph's finalizer may go.
    pub async fn delete(&self, graph: &ResourceGraph) -> Outcome {
        let ctx = GraphContext::of(graph);
        let previous = graph.status.clone().unwrap_or_default();
        let generation = graph.metadata.generation;
        let nodes = &graph.spec.nodes;

        // Each inventory entry goes in the deletion wave of its node; entries
        // of nodes that left the graph go first.
        let dag = Dag::new(
            nodes
                .iter()
                .map(|n| (n.id.as_str(), n.depends_on.iter().map(String::as_str))),
        )
        .ok();
        let node_of = |entry: &ObjectRef| {
            nodes.iter().find(|n| {
                Target::of(&n.id, &n.object).is_ok_and(|t| {
                    t.api_version == entry.api_version
                        && t.kind == entry.kind
                        && t.name == entry.name
                        && (entry.namespace.is_none()
                            || entry.namespace.as_deref()
                                == Some(t.namespace.as_deref().unwrap_or(&ctx.namespace)))
                })
            })
        };
        let waves = dag.as_ref().map(Dag::deletion_waves).unwrap_or_default();
        let mut ordered: Vec<Vec<(&ObjectRef, bool)>> = vec![Vec::new(); waves.len() + 1];
        for entry in &previous.inventory {
            let node = node_of(entry);
            let orphan = node.is_some_and(|n| n.deletion == DeletionPolicy::Orphan);
            let slot = node
                .and_then(|n| waves.iter().position(|w| w.contains(&n.id.as_str())))
                .map_or(0, |i| i + 1);
            if let Some(wave) = ordered.get_mut(slot) {
                wave.push((entry, orphan));
            }
        }

        let mut outcome = Outcome::default();
        let mut remaining: Vec<ObjectRef> = Vec::new();
        let mut waiting_for: Vec<String> = Vec::new();
        for wave in ordered {
            if !remaining.is_empty() {
                // An earlier wave is not gone yet: this one waits untouched.
                remaining.extend(wave.into_iter().map(|(e, _)| e.clone()));
                continue;
            }
            for (entry, orphan) in wave {
                match prune::remove(self, &ctx, entry, orphan).await {
                    Ok(Removal::Done(event)) => outcome.events.extend(event),
                    Ok(Removal::InProgress) => {
                        waiting_for.push(prune::describe(entry));
                        remaining.push(entry.clone());
                    }
                    Err(message) => {
                        outcome
                            .events
                            .push(EngineEvent::warning("DeleteFailed", message.clone()));
                        waiting_for.push(message);
                        remaining.push(entry.clone());
                    }
                }
            }
        }

        let message = if remaining.is_empty() {
            "every object is deleted or orphaned".to_owned()
        } else {
            format!(
                "{} objects left; waiting for {}",
                remaining.len(),
                waiting_for.join(", ")
            )
        };
        let done = remaining.is_empty();
        remaining.dedup_by(|a, b| same_object(a, b));
        outcome.status = pequod_api::ResourceGraphStatus {
            phase: Some(GraphPhase::Deleting),
            observed_generation: generation,
            node_states: previous.node_states.clone(),
            inventory: remaining,
            conditions: vec![
                condition(
                    &previous,
                    "Ready",
                    ("False", "Deleting", message.clone()),
                    generation,
                ),
                condition(
                    &previous,
                    "Progressing",
                    ("True", "Deleting", message),
                    generation,
                ),
            ],
        };
        if !done {
            outcome.requeue_after = Some(
                self.config
                    .progress_poll
                    .min(std::time::Duration::from_secs(2)),
            );
        }
        outcome
    }
}
