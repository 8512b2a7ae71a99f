//! Label, annotation and finalizer keys Pequod writes on objects.

/// Marks a ResourceGraph (and the objects it manages) with the Transform it
/// was rendered from.
pub const TRANSFORM_LABEL: &str = "pequod.io/transform";

/// Marks a ConfigMap as holding a CUE module a Transform may reference.
pub const CUE_MODULE_LABEL: &str = "pequod.io/cue-module";

/// The finalizer Pequod puts on what it must clean up before deletion.
pub const FINALIZER: &str = "pequod.io/finalizer";

/// On a Reconciliation: the kind of the object it records an attempt on.
pub const RESOURCE_KIND_LABEL: &str = "pequod.io/resource-kind";

/// On a Reconciliation: the name of the object it records an attempt on.
pub const RESOURCE_NAME_LABEL: &str = "pequod.io/resource-name";

/// On a Reconciliation: the uid of the object it records an attempt on.
pub const RESOURCE_UID_LABEL: &str = "pequod.io/resource-uid";

/// Marks a CRD (and the objects reconciled) with the ActionReconciler that
/// serves its kind.
pub const ACTION_RECONCILER_LABEL: &str = "pequod.io/action-reconciler";
