//! Whether a live Kubernetes object is ready: rules equivalent to kstatus
//! (`sigs.k8s.io/cli-utils/pkg/kstatus/status`) over the object as JSON.
//!
//! [`evaluate`] runs, in order:
//! 1. the generic checks for every kind: `metadata.deletionTimestamp` set → in progress
//!    (terminating); `status.observedGeneration` behind `metadata.generation` → in progress;
//!    a `Reconciling` condition true → in progress; a `Stalled` condition true → failed;
//! 2. the rule of a built-in kind, chosen by API group and kind (`apps/Deployment`,
//!    `batch/Job`, `apiextensions.k8s.io/CustomResourceDefinition`, …);
//! 3. for any other kind, the `Ready` condition (see [`ReadinessRules`]); a custom
//!    resource without one is not ready yet.
//!
//! A node's `readyWhen` replaces steps 1–3 through a [`ReadinessOverride`] given to
//! [`ReadinessRules::evaluate_with`]; a terminating object is never ready all the same.
//! Nothing here panics: a field of the wrong type makes the object
//! [`InProgress`](ReadinessStatus::InProgress) with reason `MalformedObject` and a
//! message naming the field.

mod apiextensions;
mod apps;
mod batch;
mod core_v1;
mod generic;
mod object;
mod ready_when;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use object::{Malformed, Object};
pub use ready_when::{ReadyWhen, ReadyWhenError};

/// The three outcomes of a readiness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReadinessStatus {
    /// The object has reached its desired state (kstatus `Current`).
    Ready,
    /// The object is on its way, or its state cannot be read yet.
    InProgress,
    /// The object will not get ready without someone changing something.
    Failed,
}

impl fmt::Display for ReadinessStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ready => "Ready",
            Self::InProgress => "InProgress",
            Self::Failed => "Failed",
        })
    }
}

/// The verdict on one live object: a status, a CamelCase reason and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Readiness {
    /// Ready, in progress or failed.
    pub status: ReadinessStatus,
    /// A one-word CamelCase reason, e.g. `LessReady` or `ProgressDeadlineExceeded`.
    pub reason: String,
    /// A human-readable explanation.
    pub message: String,
}

impl Readiness {
    /// A [`Ready`](ReadinessStatus::Ready) verdict.
    pub fn ready(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ReadinessStatus::Ready, reason, message)
    }

    /// An [`InProgress`](ReadinessStatus::InProgress) verdict.
    pub fn in_progress(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ReadinessStatus::InProgress, reason, message)
    }

    /// A [`Failed`](ReadinessStatus::Failed) verdict.
    pub fn failed(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ReadinessStatus::Failed, reason, message)
    }

    fn new(status: ReadinessStatus, reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
            message: message.into(),
        }
    }

    /// Whether the status is [`Ready`](ReadinessStatus::Ready).
    pub fn is_ready(&self) -> bool {
        self.status == ReadinessStatus::Ready
    }

    /// Whether the status is [`Failed`](ReadinessStatus::Failed).
    pub fn is_failed(&self) -> bool {
        self.status == ReadinessStatus::Failed
    }
}

/// A replacement for the built-in rules, e.g. a node's CEL `readyWhen` expressions.
///
/// Closures `Fn(&Value) -> Readiness` implement it.
pub trait ReadinessOverride {
    /// Decides the readiness of the live `object` (never called for a terminating one).
    fn evaluate(&self, object: &Value) -> Readiness;
}

impl<F: Fn(&Value) -> Readiness> ReadinessOverride for F {
    fn evaluate(&self, object: &Value) -> Readiness {
        self(object)
    }
}

/// The tunable parts of the generic rule for kinds without a built-in rule.
///
/// For such a kind, a `Ready` condition decides when there is one (true and, if the
/// condition records an `observedGeneration`, a current one → ready; false with a
/// terminal reason → failed; otherwise in progress). Without a `Ready` condition a
/// custom resource is in progress (its controller has not spoken yet) under the
/// default rules; a kind of Kubernetes' own groups is ready, as kstatus treats
/// resources without status, unless listed with
/// [`require_ready_condition`](Self::require_ready_condition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessRules {
    require_ready: BTreeSet<(String, String)>,
    custom_kinds_require_ready: bool,
    terminal_reasons: BTreeSet<String>,
}

impl Default for ReadinessRules {
    /// Custom resources (kinds outside Kubernetes' own API groups), Pequod's own kinds
    /// included, need a `Ready` condition: their controller has to say they are done,
    /// so an IAM role gates a Deployment until it exists. The terminal reasons are
    /// `Stalled`, `Terminal` and `ProgressDeadlineExceeded`.
    fn default() -> Self {
        Self::empty()
            .custom_kinds_require_ready(true)
            .require_ready_condition("pequod.io", "Transform")
            .require_ready_condition("pequod.io", "ResourceGraph")
            .terminal_reason("Stalled")
            .terminal_reason("Terminal")
            .terminal_reason("ProgressDeadlineExceeded")
    }
}

impl ReadinessRules {
    /// Rules with no kind requiring a `Ready` condition and no terminal reason.
    pub fn empty() -> Self {
        Self {
            require_ready: BTreeSet::new(),
            custom_kinds_require_ready: false,
            terminal_reasons: BTreeSet::new(),
        }
    }

    /// Whether every kind outside Kubernetes' own API groups (`""`, the
    /// dot-less groups like `apps`, and `*.k8s.io`) needs a `Ready` condition.
    #[must_use]
    pub fn custom_kinds_require_ready(mut self, require: bool) -> Self {
        self.custom_kinds_require_ready = require;
        self
    }

    /// Objects of this API group (`""` for core) and kind are in progress until they
    /// report a `Ready` condition, e.g. the instance kinds Pequod generates.
    #[must_use]
    pub fn require_ready_condition(
        mut self,
        group: impl Into<String>,
        kind: impl Into<String>,
    ) -> Self {
        self.require_ready.insert((group.into(), kind.into()));
        self
    }

    /// A `Ready` condition that is false with this reason means failed, not in progress.
    #[must_use]
    pub fn terminal_reason(mut self, reason: impl Into<String>) -> Self {
        self.terminal_reasons.insert(reason.into());
        self
    }

    /// Evaluates the built-in rules on a live object.
    pub fn evaluate(&self, object: &Value) -> Readiness {
        self.evaluate_with(object, None)
    }

    /// Evaluates a live object with `readyWhen` in place of the built-in rules when given.
    pub fn evaluate_with(
        &self,
        object: &Value,
        ready_when: Option<&dyn ReadinessOverride>,
    ) -> Readiness {
        self.try_evaluate(object, ready_when)
            .unwrap_or_else(|Malformed(message)| Readiness::in_progress("MalformedObject", message))
    }

    fn try_evaluate(
        &self,
        object: &Value,
        ready_when: Option<&dyn ReadinessOverride>,
    ) -> Result<Readiness, Malformed> {
        let obj = Object::new(object);
        if !object.is_object() {
            return Err(Malformed("the object is not a JSON object".to_owned()));
        }
        let api_version = obj.str(&["apiVersion"])?.unwrap_or("");
        let Some(kind) = obj.str(&["kind"])?.filter(|k| !k.is_empty()) else {
            return Err(Malformed("the object has no kind".to_owned()));
        };
        if let Some(terminating) = generic::terminating(obj)? {
            return Ok(terminating);
        }
        if let Some(ready_when) = ready_when {
            return Ok(ready_when.evaluate(object));
        }
        if let Some(verdict) = generic::precheck(obj, kind)? {
            return Ok(verdict);
        }
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        match (group, kind) {
            ("", "Pod") => core_v1::pod(obj),
            ("", "PersistentVolumeClaim") => core_v1::pvc(obj),
            ("", "Service") => core_v1::service(obj),
            ("", "Namespace") => core_v1::namespace(obj),
            ("", "ConfigMap" | "Secret")
            | ("batch", "CronJob")
            | ("policy", "PodDisruptionBudget") => Ok(Readiness::ready(
                "AlwaysReady",
                format!("{kind} is ready once it exists"),
            )),
            ("apps" | "extensions", "Deployment") => apps::deployment(obj),
            ("apps" | "extensions", "DaemonSet") => apps::daemon_set(obj),
            ("apps" | "extensions", "ReplicaSet") => apps::replica_set(obj),
            ("apps", "StatefulSet") => apps::stateful_set(obj),
            ("batch", "Job") => batch::job(obj),
            ("apiextensions.k8s.io", "CustomResourceDefinition") => apiextensions::crd(obj),
            _ => generic::fallback(
                obj,
                kind,
                self.requires_ready(group, kind),
                &self.terminal_reasons,
            ),
        }
    }

    fn requires_ready(&self, group: &str, kind: &str) -> bool {
        let builtin_group = !group.contains('.') || group.ends_with(".k8s.io");
        (self.custom_kinds_require_ready && !builtin_group)
            || self
                .require_ready
                .iter()
                .any(|(g, k)| g == group && k == kind)
    }
}

static DEFAULT_RULES: LazyLock<ReadinessRules> = LazyLock::new(ReadinessRules::default);

/// Evaluates a live object with the [default rules](ReadinessRules::default).
pub fn evaluate(object: &Value) -> Readiness {
    DEFAULT_RULES.evaluate(object)
}

/// Evaluates a live object with the default rules, or with `ready_when` in their place.
pub fn evaluate_with(object: &Value, ready_when: Option<&dyn ReadinessOverride>) -> Readiness {
    DEFAULT_RULES.evaluate_with(object, ready_when)
}
