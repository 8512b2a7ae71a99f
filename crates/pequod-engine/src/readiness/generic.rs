//! The checks every kind goes through, and the rule for kinds without a rule of their own.

use std::collections::BTreeSet;

use super::Readiness;
use super::object::{Malformed, Object, find};

/// A set `metadata.deletionTimestamp` means the object is going away: never ready.
pub(super) fn terminating(obj: Object<'_>) -> Result<Option<Readiness>, Malformed> {
    Ok(obj
        .str(&["metadata", "deletionTimestamp"])?
        .filter(|t| !t.is_empty())
        .map(|t| Readiness::in_progress("Terminating", format!("scheduled for deletion at {t}"))))
}

/// kstatus's generic properties: the latest generation observed, then the standard
/// `Reconciling` and `Stalled` conditions. `None` when they decide nothing.
pub(super) fn precheck(obj: Object<'_>, kind: &str) -> Result<Option<Readiness>, Malformed> {
    if let Some(generation) = obj.int(&["metadata", "generation"])?
        && let Some(observed) = obj.int(&["status", "observedGeneration"])?
        && observed != generation
    {
        return Ok(Some(Readiness::in_progress(
            "LatestGenerationNotObserved",
            format!(
                "{kind} generation is {generation}, but the latest observed generation is {observed}"
            ),
        )));
    }
    for c in obj.conditions()? {
        if c.is("Reconciling", "True") {
            return Ok(Some(Readiness::in_progress(
                or(c.reason, "Reconciling"),
                or(c.message, "the Reconciling condition is True"),
            )));
        }
        if c.is("Stalled", "True") {
            return Ok(Some(Readiness::failed(
                or(c.reason, "Stalled"),
                or(c.message, "the Stalled condition is True"),
            )));
        }
    }
    Ok(None)
}

/// Both `metadata.generation` and `status.observedGeneration` must be set, for kinds whose
/// controller always sets them once it has seen the object.
pub(super) fn generation_set(obj: Object<'_>, kind: &str) -> Result<Option<Readiness>, Malformed> {
    if obj.int(&["metadata", "generation"])?.is_none() {
        return Ok(Some(Readiness::in_progress(
            "NoGeneration",
            format!("{kind} has no metadata.generation"),
        )));
    }
    if obj.int(&["status", "observedGeneration"])?.is_none() {
        return Ok(Some(Readiness::in_progress(
            "NoObservedGeneration",
            format!("{kind} has no status.observedGeneration yet"),
        )));
    }
    Ok(None)
}

/// The rule for any kind without a built-in one: the `Ready` condition when present.
pub(super) fn fallback(
    obj: Object<'_>,
    kind: &str,
    require_ready: bool,
    terminal_reasons: &BTreeSet<String>,
) -> Result<Readiness, Malformed> {
    let conditions = obj.conditions()?;
    // AWS Controllers for Kubernetes mark unrecoverable errors with this condition.
    if let Some(c) = conditions.iter().find(|c| c.is("ACK.Terminal", "True")) {
        return Ok(Readiness::failed(
            or(c.reason, "Terminal"),
            or(c.message, "the ACK.Terminal condition is True"),
        ));
    }
    if let Some(ready) = find(&conditions, "Ready") {
        let generation = obj.int(&["metadata", "generation"])?;
        return Ok(match ready.status {
            "True" => match (ready.observed_generation, generation) {
                (Some(seen), Some(current)) if seen != current => Readiness::in_progress(
                    "LatestGenerationNotObserved",
                    format!(
                        "{kind} Ready condition is for generation {seen}, the latest is {current}"
                    ),
                ),
                _ => Readiness::ready(
                    or(ready.reason, "Ready"),
                    or(ready.message, "Ready condition is True"),
                ),
            },
            "False" if terminal_reasons.contains(ready.reason) => Readiness::failed(
                ready.reason,
                or(ready.message, "the Ready condition is False"),
            ),
            status => Readiness::in_progress(
                or(ready.reason, "NotReady"),
                if ready.message.is_empty() {
                    format!(
                        "{kind} Ready condition is {}",
                        or(status, "without a status")
                    )
                } else {
                    ready.message.to_owned()
                },
            ),
        });
    }
    if let Some(c) = conditions.iter().find(|c| c.kind == "ACK.ResourceSynced")
        && c.status != "True"
    {
        return Ok(Readiness::in_progress(
            or(c.reason, "NotSynced"),
            or(c.message, "the ACK.ResourceSynced condition is not True"),
        ));
    }
    if require_ready {
        return Ok(Readiness::in_progress(
            "NoReadyCondition",
            format!("{kind} has no Ready condition yet"),
        ));
    }
    Ok(Readiness::ready(
        "Current",
        format!("{kind} reports no Ready condition: current once it exists"),
    ))
}

/// `value`, or `default` when it is empty.
pub(super) fn or<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() { default } else { value }
}
