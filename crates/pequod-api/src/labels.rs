//! Label, annotation and finalizer keys Pequod writes on objects.

/// Marks a ResourceGraph (and the objects it manages) with the Transform it
/// was rendered from.
pub const TRANSFORM_LABEL: &str = "pequod.io/transform";

/// Marks a ConfigMap as holding a CUE module a Transform may reference.
pub const CUE_MODULE_LABEL: &str = "pequod.io/cue-module";

/// The finalizer Pequod puts on what it must clean up before deletion.
pub const FINALIZER: &str = "pequod.io/finalizer";
