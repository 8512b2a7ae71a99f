//! `Transform`: binds a CUE platform module to a generated custom resource kind.

// Each printcolumn(...) repeats keys like `type_ = "string"`, which the lint
// mistakes for duplicated attributes.
#![allow(clippy::duplicated_attributes)]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The desired state of a Transform: which module, published as which kind.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "pequod.io",
    version = "v1alpha1",
    kind = "Transform",
    doc = "A CUE platform module published as a new kind: Pequod resolves the module, derives a CRD from its #Spec and renders every instance of that kind into a ResourceGraph.",
    status = "TransformStatus",
    shortname = "tf",
    category = "pequod",
    printcolumn(name = "Kind", type_ = "string", json_path = ".spec.kind"),
    printcolumn(name = "Group", type_ = "string", json_path = ".spec.group"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "CRD",
        type_ = "string",
        json_path = ".status.crdName",
        priority = "1"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct TransformSpec {
    /// Where the CUE module comes from.
    pub cue_ref: CueRef,
    /// API group of the generated kind, e.g. `platform.example.com`.
    pub group: String,
    /// API version of the generated kind, e.g. `v1alpha1`.
    pub version: String,
    /// Kind of the generated resource, e.g. `WebService`.
    pub kind: String,
    /// Plural resource name; the lower-cased kind plus `s` when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plural: Option<String>,
    /// Short names for `kubectl`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_names: Vec<String>,
    /// Whether instances live in namespaces.
    #[serde(default)]
    pub scope: Scope,
    /// Extra `kubectl get` columns of the generated kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub printer_columns: Vec<PrinterColumn>,
}

/// A reference to a CUE module.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CueRef {
    /// How the module is found.
    #[serde(rename = "type")]
    pub kind: CueRefType,
    /// `Embedded`: the bundled module's name; `ConfigMap`: `namespace/name`
    /// of a ConfigMap labelled `pequod.io/cue-module=true`.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Package directory inside the module, when not its root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `Inline`: the module's CUE source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<String>,
}

/// Where a CUE module comes from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum CueRefType {
    /// Compiled into the Pequod binary.
    Embedded,
    /// Stored in a ConfigMap, one key per file.
    ConfigMap,
    /// Written in the Transform itself.
    Inline,
}

/// Scope of a generated kind.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum Scope {
    /// Instances live in a namespace.
    #[default]
    Namespaced,
    /// Instances are cluster-wide.
    Cluster,
}

/// An additional printer column of a generated kind.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrinterColumn {
    /// Column header.
    pub name: String,
    /// OpenAPI type: `string`, `integer`, `number`, `boolean` or `date`.
    #[serde(rename = "type")]
    pub type_: String,
    /// JSONPath into the instance, e.g. `.spec.image`.
    pub json_path: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 0 shows the column by default; higher only with `-o wide`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
}

/// What Pequod observed of a Transform.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransformStatus {
    /// Summary of the conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<TransformPhase>,
    /// Name of the generated CustomResourceDefinition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crd_name: Option<String>,
    /// Digest of the resolved module's sources (`sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_digest: Option<String>,
    /// The generation these facts describe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `ModuleResolved`, `SchemaValid`, `CRDEstablished`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// Lifecycle of a Transform.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum TransformPhase {
    /// Not processed yet.
    Pending,
    /// The module resolved and its CRD is established: instances are served.
    Ready,
    /// The module or its schema is unusable; see the conditions.
    Failed,
}
