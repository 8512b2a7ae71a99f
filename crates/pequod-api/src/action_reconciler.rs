//! `ActionReconciler`: binds a resource kind to the actions that make the
//! world match it (a program, an HTTP service, a GitHub Actions workflow, a
//! GitLab pipeline), for infrastructure that is not Kubernetes objects.

// Each printcolumn(...) repeats keys like `type_ = "string"`, which the lint
// mistakes for duplicated attributes.
#![allow(clippy::duplicated_attributes)]

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{PrinterColumn, Scope};

/// The desired state of an ActionReconciler: which kind, which actions, and
/// how often and how patiently they run.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "pequod.io",
    version = "v1alpha1",
    kind = "ActionReconciler",
    doc = "Reconciles every object of a kind by running an action: a program, an HTTP call, a GitHub Actions workflow or a GitLab pipeline. Pequod runs the apply action when an object is created or changed and on every resync, the destroy action before it is deleted, and records each attempt as a Reconciliation.",
    status = "ActionReconcilerStatus",
    shortname = "ar",
    category = "pequod",
    printcolumn(name = "Kind", type_ = "string", json_path = ".spec.kind"),
    printcolumn(name = "Group", type_ = "string", json_path = ".spec.group"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ActionReconcilerSpec {
    /// API group of the reconciled kind, e.g. `infra.example.com`.
    pub group: String,
    /// API version of the reconciled kind, e.g. `v1`.
    pub version: String,
    /// The reconciled kind, e.g. `DatabaseCluster`.
    pub kind: String,
    /// Plural resource name; guessed from the kind when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plural: Option<String>,
    /// Short names for `kubectl`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_names: Vec<String>,
    /// Whether objects of the kind live in namespaces.
    #[serde(default)]
    pub scope: Scope,
    /// OpenAPI v3 schema of the kind's `spec`. When set, Pequod publishes
    /// the kind's CustomResourceDefinition; when empty, the CRD must exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "any_object")]
    pub schema: Option<serde_json::Value>,
    /// Extra `kubectl get` columns of the published kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub printer_columns: Vec<PrinterColumn>,
    /// Runs when an object is created or its spec changes, on every resync
    /// and on retries.
    pub apply: ActionSpec,
    /// Runs before an object is deleted; without it, deletion only drops
    /// the history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy: Option<ActionSpec>,
    /// How often a Ready object is reconciled again to correct drift
    /// (`10m` when empty; `0s` turns resyncs off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resync_period: Option<String>,
    /// Delays between failed attempts.
    #[serde(default)]
    pub backoff: BackoffSpec,
    /// Limit on one action run (`30m` when empty); overrunning fails it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// How many objects are reconciled at once (4 when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u16>,
    /// How many Reconciliation records are kept per object (10 when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_limit: Option<u16>,
}

/// Exponential backoff after failed attempts: `initial`, then multiplied by
/// `factor` after each further failure, never above `max`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackoffSpec {
    /// First delay (`10s` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<String>,
    /// Longest delay (`10m` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    /// Growth per failure (2 when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
}

/// One action; exactly one of its fields is set.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionSpec {
    /// Run a program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandAction>,
    /// Call an HTTP service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpAction>,
    /// Dispatch a GitHub Actions workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_actions: Option<GithubActionsAction>,
    /// Trigger a GitLab pipeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitlab: Option<GitlabAction>,
}

/// A program Pequod runs with the object as JSON on stdin.
///
/// Exit 0 is success; stdout, when not empty, is a JSON document
/// `{"outputs": {…}, "conditions": [{"type", "status", "reason", "message"}]}`.
/// Any other exit is a failure whose message is the tail of stderr.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandAction {
    /// The program and its arguments; the program is looked up in `PATH`
    /// unless it contains a `/`.
    pub command: Vec<String>,
    /// Extra environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Working directory (the operator's when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
}

/// An HTTP service Pequod POSTs the object to.
///
/// A 2xx answer with a JSON body (the same document a command prints) is
/// success; `202 Accepted` with a `Location` header (or a `statusUrl` in the
/// body) is polled until it answers something other than 202.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpAction {
    /// The URL to call.
    pub url: String,
    /// The method (`POST` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A Secret key holding a bearer token for `Authorization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_secret_ref: Option<SecretKeyRef>,
    /// How often a 202's status URL is polled (`5s` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<String>,
}

/// A GitHub Actions workflow run through `workflow_dispatch`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GithubActionsAction {
    /// `owner/repo`.
    pub repository: String,
    /// The workflow file name (`provision.yaml`) or id.
    pub workflow: String,
    /// The branch or tag to run on (`main` when empty).
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Extra inputs, besides the spec's top-level fields (sent under their
    /// own names; the workflow must declare them as `workflow_dispatch` inputs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, String>,
    /// A Secret key holding a token with the `actions: write` permission.
    pub token_secret_ref: SecretKeyRef,
    /// The API root (`https://api.github.com` when empty; GitHub Enterprise
    /// Server: `https://HOST/api/v3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// How often the run is polled (`10s` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<String>,
}

/// A GitLab pipeline started with a trigger token.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitlabAction {
    /// The project's numeric id or its URL-encoded path (`group%2Fproject`).
    pub project: String,
    /// The branch or tag to run on (`main` when empty).
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Extra variables, besides the spec's top-level fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    /// A Secret key holding the pipeline trigger token.
    pub trigger_token_secret_ref: SecretKeyRef,
    /// A Secret key holding a token with `read_api` to poll the pipeline.
    pub token_secret_ref: SecretKeyRef,
    /// The API root (`https://gitlab.com/api/v4` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// How often the pipeline is polled (`10s` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<String>,
}

/// A key of a Secret.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// The Secret's namespace (the reconciled object's when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The Secret's name.
    pub name: String,
    /// The key in its data.
    pub key: String,
}

/// What Pequod observed of an ActionReconciler.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionReconcilerStatus {
    /// `Ready` once the kind is served and its objects are reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The CRD of the reconciled kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crd_name: Option<String>,
    /// The generation these facts describe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// Lifecycle of an object an ActionReconciler reconciles
/// (`status.phase`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ActionPhase {
    /// Seen, not acted on yet.
    Pending,
    /// The apply action is running.
    Reconciling,
    /// The last apply succeeded for the current generation.
    Ready,
    /// The last attempt failed; retried after a backoff.
    Failed,
    /// Being deleted: the destroy action runs before the finalizer goes.
    Deleting,
}

/// The status Pequod writes on an object an ActionReconciler reconciles.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionStatus {
    /// Where the object is in its lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<ActionPhase>,
    /// The generation of the last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `Reconciling`, `Degraded`, then those the action set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// What the last successful action reported.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub outputs: serde_json::Map<String, serde_json::Value>,
    /// When the last attempt ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reconcile_time: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
    /// When the last successful attempt ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_time: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
    /// Failed attempts since the last success (drives the backoff).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures: u32,
    /// When the next attempt is due (a retry or a resync).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_reconcile_time: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn any_object(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
    })
}
