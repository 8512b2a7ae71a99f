//! `Reconciliation`: the record of one attempt to reconcile an object through
//! its action, kept as history next to the object.

// Each printcolumn(...) repeats keys like `type_ = "string"`, which the lint
// mistakes for duplicated attributes.
#![allow(clippy::duplicated_attributes)]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One attempt: what started it, when, how it ended. Written once by Pequod
/// when the attempt ends; owned by (and deleted with) the object.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "pequod.io",
    version = "v1alpha1",
    kind = "Reconciliation",
    doc = "The record of one attempt to reconcile an object through its ActionReconciler's action. Labelled pequod.io/resource-kind, pequod.io/resource-name and pequod.io/resource-uid; `pequod history KIND/NAME` lists them.",
    namespaced,
    shortname = "recon",
    category = "pequod",
    printcolumn(name = "Resource", type_ = "string", json_path = ".spec.resource.name"),
    printcolumn(name = "Trigger", type_ = "string", json_path = ".spec.trigger"),
    printcolumn(name = "Result", type_ = "string", json_path = ".spec.result"),
    printcolumn(name = "Duration", type_ = "string", json_path = ".spec.duration"),
    printcolumn(
        name = "Message",
        type_ = "string",
        json_path = ".spec.message",
        priority = "1"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ReconciliationSpec {
    /// The reconciled object.
    pub resource: ResourceRef,
    /// What started the attempt.
    pub trigger: Trigger,
    /// `apply` or `destroy`.
    pub operation: Operation,
    /// The object's generation the attempt worked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// When the action started.
    pub start_time: Time,
    /// When it ended.
    pub completion_time: Time,
    /// How long it took, e.g. `1.52s`.
    pub duration: String,
    /// How it ended.
    pub result: ReconcileResult,
    /// A one-line summary: the failure, or what the action reported.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The last lines the action printed (stderr, or the response body).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

/// The object a Reconciliation is about.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// `group/version` of the object.
    pub api_version: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace, for a namespaced kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its uid.
    pub uid: String,
}

/// What started an attempt.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// The object was new.
    Create,
    /// Its spec changed (a new generation).
    Update,
    /// The resync period passed: drift correction.
    Resync,
    /// The previous attempt failed.
    Retry,
    /// The object is being deleted.
    Delete,
}

/// Which action ran.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// The apply action.
    Apply,
    /// The destroy action.
    Destroy,
}

/// How an attempt ended.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ReconcileResult {
    /// The action succeeded.
    Succeeded,
    /// The action failed.
    Failed,
    /// The action overran its timeout and was stopped.
    TimedOut,
}

impl Trigger {
    /// The lower-case name, as recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Resync => "resync",
            Self::Retry => "retry",
            Self::Delete => "delete",
        }
    }
}

impl Operation {
    /// The lower-case name, as recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apply => "apply",
            Self::Destroy => "destroy",
        }
    }
}
