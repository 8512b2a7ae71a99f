//! Pequod's API: the names every part of Pequod agrees on.
//!
//! The kinds: [`Transform`] binds a CUE module to a generated kind;
//! [`ResourceGraph`] is the rendered graph the engine applies;
//! [`ActionReconciler`] binds a kind to actions for what is not Kubernetes,
//! and each attempt is kept as a [`Reconciliation`]. [`crds`] gives
//! their CustomResourceDefinitions. [`GROUP`], [`FIELD_MANAGER`] and the label
//! keys are the names every part of Pequod agrees on.

mod action_reconciler;
mod crds;
mod labels;
mod reconciliation;
mod resource_graph;
mod transform;
mod version;

pub use action_reconciler::{
    ActionPhase, ActionReconciler, ActionReconcilerSpec, ActionReconcilerStatus, ActionSpec,
    ActionStatus, BackoffSpec, CommandAction, GithubActionsAction, GitlabAction, HttpAction,
    SecretKeyRef,
};
pub use crds::{crd_file_name, crd_yaml, crds};
pub use labels::{
    ACTION_RECONCILER_LABEL, CUE_MODULE_LABEL, FINALIZER, RESOURCE_KIND_LABEL, RESOURCE_NAME_LABEL,
    RESOURCE_UID_LABEL, TRANSFORM_LABEL,
};
pub use reconciliation::{
    Operation, ReconcileResult, Reconciliation, ReconciliationSpec, ResourceRef, Trigger,
};
pub use resource_graph::{
    Adoption, DeletionPolicy, DriftPolicy, GraphPhase, Node, NodePhase, NodeState, ObjectRef,
    ResourceGraph, ResourceGraphSpec, ResourceGraphStatus,
};
pub use transform::{
    CueRef, CueRefType, PrinterColumn, Scope, Transform, TransformPhase, TransformSpec,
    TransformStatus,
};
pub use version::KUBERNETES_API_VERSION;

/// The API group of Pequod's own kinds.
pub const GROUP: &str = "pequod.io";

/// The field manager Pequod uses for every server-side apply.
pub const FIELD_MANAGER: &str = "pequod";
