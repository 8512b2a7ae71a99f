//! Kubernetes Events (`events.k8s.io/v1`) about reconciled objects.
//!
//! [`EventRecorder`] wraps kube-runtime's recorder, which aggregates repeats
//! of the same event into one Event with a growing `series.count` instead of
//! a new object each time. Pequod's event reasons are in [`reasons`].

use kube::Client;
use kube::Resource;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};

/// The event reasons Pequod's operations guide lists.
pub mod reasons {
    /// A CUE module could not be fetched.
    pub const CUE_FETCH_FAILED: &str = "CueFetchFailed";
    /// A CUE module did not evaluate.
    pub const CUE_RENDER_FAILED: &str = "CueRenderFailed";
    /// An instance failed its module's policy.
    pub const POLICY_VIOLATION: &str = "PolicyViolation";
    /// A resource could not be applied.
    pub const APPLY_FAILED: &str = "ApplyFailed";
    /// A resource did not become ready in time.
    pub const READINESS_TIMEOUT: &str = "ReadinessTimeout";
    /// An existing resource could not be adopted.
    pub const ADOPTION_FAILED: &str = "AdoptionFailed";
}

/// Publishes events for one controller. Clones share the aggregation cache.
#[derive(Clone)]
pub struct EventRecorder {
    recorder: Recorder,
}

impl std::fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRecorder").finish_non_exhaustive()
    }
}

impl EventRecorder {
    /// A recorder reporting as `controller` (the `reportingController`),
    /// with `instance` (e.g. the pod name) as `reportingInstance`.
    pub fn new(client: Client, controller: impl Into<String>, instance: Option<String>) -> Self {
        let reporter = Reporter {
            controller: controller.into(),
            instance,
        };
        Self {
            recorder: Recorder::new(client, reporter),
        }
    }

    /// Records a `Normal` event about `obj`.
    pub async fn normal<K>(
        &self,
        obj: &K,
        reason: &str,
        action: &str,
        note: impl Into<String>,
    ) -> Result<(), kube::Error>
    where
        K: Resource<DynamicType = ()>,
    {
        self.publish(obj, EventType::Normal, reason, action, note.into())
            .await
    }

    /// Records a `Warning` event about `obj`.
    pub async fn warning<K>(
        &self,
        obj: &K,
        reason: &str,
        action: &str,
        note: impl Into<String>,
    ) -> Result<(), kube::Error>
    where
        K: Resource<DynamicType = ()>,
    {
        self.publish(obj, EventType::Warning, reason, action, note.into())
            .await
    }

    async fn publish<K>(
        &self,
        obj: &K,
        type_: EventType,
        reason: &str,
        action: &str,
        note: String,
    ) -> Result<(), kube::Error>
    where
        K: Resource<DynamicType = ()>,
    {
        let event = Event {
            type_,
            reason: reason.to_owned(),
            note: Some(note),
            action: action.to_owned(),
            secondary: None,
        };
        self.recorder.publish(&event, &obj.object_ref(&())).await
    }
}
