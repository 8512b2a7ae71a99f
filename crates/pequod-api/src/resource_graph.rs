//! `ResourceGraph`: the rendered graph of objects Pequod drives to their
//! desired state, in dependency order.

// Each printcolumn(...) repeats keys like `type_ = "string"`, which the lint
// mistakes for duplicated attributes.
#![allow(clippy::duplicated_attributes)]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The desired state of a ResourceGraph: its nodes.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "pequod.io",
    version = "v1alpha1",
    kind = "ResourceGraph",
    doc = "A graph of Kubernetes objects that Pequod applies wave by wave in dependency order, with readiness gates, adoption, drift correction, pruning and ordered deletion. Written by the instance controller (owned by the instance, labelled pequod.io/transform), or by hand.",
    namespaced,
    status = "ResourceGraphStatus",
    shortname = "rg",
    category = "pequod",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGraphSpec {
    /// The objects of the graph.
    pub nodes: Vec<Node>,
}

/// One object of a graph and the rules for managing it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Identifier, unique in the graph; `dependsOn` refers to it.
    pub id: String,
    /// The complete object to server-side apply.
    #[schemars(schema_with = "embedded_object")]
    pub object: serde_json::Value,
    /// Ids of nodes that must be ready before this one is applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// CEL expressions over `self` (the live object) that must all be true
    /// for the node to be ready; they replace the built-in rule of its kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ready_when: Vec<String>,
    /// How long the node may take to become ready (e.g. `5m`); then it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_timeout: Option<String>,
    /// Whether an object that already exists may be taken over.
    #[serde(default)]
    pub adoption: Adoption,
    /// What happens to the object when the node or the graph goes away.
    #[serde(default)]
    pub deletion: DeletionPolicy,
    /// Whether changes made by others to fields Pequod owns are reverted.
    #[serde(default)]
    pub drift: DriftPolicy,
}

fn embedded_object(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
        "x-kubernetes-embedded-resource": true,
    })
}

/// When an object a node describes already exists.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum Adoption {
    /// Never take over an existing object: the node fails with `AdoptionFailed`.
    Never,
    /// Take it over when no other controller or graph owns it.
    #[default]
    IfUnowned,
    /// Take it over whoever owns it, forcing server-side apply conflicts.
    TakeOver,
}

/// What deleting a node or its graph does to the object.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum DeletionPolicy {
    /// Delete the object.
    #[default]
    Delete,
    /// Leave the object, stripped of Pequod's labels.
    Orphan,
}

/// How changes by others to fields Pequod owns are treated.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum DriftPolicy {
    /// Revert them.
    #[default]
    Enforce,
    /// Leave them.
    Ignore,
}

/// What Pequod observed of a graph.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGraphStatus {
    /// Summary of the nodes' states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<GraphPhase>,
    /// The generation these facts describe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// One entry per node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_states: Vec<NodeState>,
    /// Every object the graph owns; only these are ever pruned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventory: Vec<ObjectRef>,
    /// `Ready` and `Progressing`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// Lifecycle of a graph.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum GraphPhase {
    /// Nothing applied yet.
    Pending,
    /// Applying, or waiting for readiness.
    Progressing,
    /// Every node is ready.
    Ready,
    /// A node failed or the graph is invalid; see the conditions.
    Failed,
    /// Objects are being deleted in reverse order.
    Deleting,
}

/// The state of one node.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeState {
    /// The node's id.
    pub id: String,
    /// Where the node is in its lifecycle.
    pub phase: NodePhase,
    /// Why, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The live object, once applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_ref: Option<ObjectRef>,
    /// The wave the node belongs to (0 has no dependencies).
    pub wave: u32,
    /// Hash of the last object sent; an unchanged object is not re-sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_hash: Option<String>,
    /// Hash of the live object's fields that the node sets, as last seen;
    /// a different hash later means someone else changed them (drift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_hash: Option<String>,
    /// When `phase` last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
}

/// Lifecycle of a node.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum NodePhase {
    /// Waiting for its dependencies.
    Pending,
    /// Applied, not ready yet.
    Progressing,
    /// Applied and ready.
    Ready,
    /// Apply, adoption or readiness failed.
    Failed,
    /// Being deleted.
    Deleting,
}

/// A reference to a live object.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `group/version`, or `version` for the core group.
    pub api_version: String,
    /// The object's kind.
    pub kind: String,
    /// The namespace, for namespaced objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
    /// The object's uid, guarding deletes against a same-named replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}
