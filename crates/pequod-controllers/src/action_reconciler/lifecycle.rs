//! The lifecycle of a reconciled object, as pure decisions: what starts the
//! next attempt and when, how long to back off, and the status an attempt
//! leaves behind.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use pequod_api::{ActionPhase, ActionReconcilerSpec, ActionStatus, Trigger};

use crate::actions::{CustomCondition, Outcome};

/// An ActionReconciler's timings, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Time between successful runs (`None`: no resyncs).
    pub resync: Option<Duration>,
    /// First delay after a failure.
    pub backoff_initial: Duration,
    /// Longest delay.
    pub backoff_max: Duration,
    /// Growth per further failure.
    pub backoff_factor: f64,
    /// Limit on one action run.
    pub timeout: Duration,
    /// Objects reconciled at once.
    pub concurrency: usize,
    /// Reconciliation records kept per object.
    pub history_limit: usize,
}

impl Settings {
    /// Parses `spec`'s durations and limits, with their defaults; the error
    /// names the field.
    pub fn of(spec: &ActionReconcilerSpec) -> Result<Self, String> {
        let duration = |field: &str, text: Option<&str>, default: Duration| match text {
            None => Ok(default),
            Some(t) => pequod_engine::duration::parse(t)
                .ok_or_else(|| format!("spec.{field}: {t:?} is not a duration such as 30s or 5m")),
        };
        let resync = duration(
            "resyncPeriod",
            spec.resync_period.as_deref(),
            Duration::from_secs(600),
        )?;
        let factor = spec.backoff.factor.unwrap_or(2.0);
        if !(1.0..=10.0).contains(&factor) {
            return Err(format!(
                "spec.backoff.factor: {factor} must be between 1 and 10"
            ));
        }
        let settings = Self {
            resync: (!resync.is_zero()).then_some(resync),
            backoff_initial: duration(
                "backoff.initial",
                spec.backoff.initial.as_deref(),
                Duration::from_secs(10),
            )?,
            backoff_max: duration(
                "backoff.max",
                spec.backoff.max.as_deref(),
                Duration::from_secs(600),
            )?,
            backoff_factor: factor,
            timeout: duration(
                "timeout",
                spec.timeout.as_deref(),
                Duration::from_secs(1800),
            )?,
            concurrency: usize::from(spec.concurrency.unwrap_or(4).max(1)),
            history_limit: usize::from(spec.history_limit.unwrap_or(10)),
        };
        if settings.timeout.is_zero() {
            return Err("spec.timeout: must be more than 0s".to_owned());
        }
        if settings.backoff_initial.is_zero() || settings.backoff_max < settings.backoff_initial {
            return Err("spec.backoff: initial must be more than 0s and not above max".to_owned());
        }
        Ok(settings)
    }

    /// The delay after the `failures`-th failure in a row.
    pub fn backoff(&self, failures: u32) -> Duration {
        let exponent = i32::try_from(failures.saturating_sub(1)).unwrap_or(i32::MAX);
        let seconds = self.backoff_initial.as_secs_f64() * self.backoff_factor.powi(exponent);
        if !seconds.is_finite() || seconds >= self.backoff_max.as_secs_f64() {
            self.backoff_max
        } else {
            Duration::from_secs_f64(seconds)
        }
    }
}

/// What to do with a live object now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Run the apply action for this reason.
    Run(Trigger),
    /// Nothing is due; look again after this long.
    Wait(Duration),
    /// Nothing is due, ever, until the object changes.
    Idle,
}

/// Decides the next step for an object of `generation` with `status`.
pub fn next(generation: i64, status: &ActionStatus, settings: &Settings, now: Timestamp) -> Next {
    let Some(observed) = status.observed_generation else {
        return Next::Run(Trigger::Create);
    };
    if observed != generation {
        return Next::Run(Trigger::Update);
    }
    // How long until `delay` after `since` (`None`: due now).
    let remaining = |since: Option<&Time>, delay: Duration| {
        let at = since?.0.checked_add(delay).ok()?;
        let left = Duration::try_from(at.duration_since(now)).ok()?;
        (!left.is_zero()).then_some(left)
    };
    match status.phase {
        Some(ActionPhase::Ready) => match settings.resync {
            None => Next::Idle,
            Some(period) => match remaining(status.last_success_time.as_ref(), period) {
                None => Next::Run(Trigger::Resync),
                Some(left) => Next::Wait(left),
            },
        },
        Some(ActionPhase::Failed) => match remaining(
            status.last_reconcile_time.as_ref(),
            settings.backoff(status.failures),
        ) {
            None => Next::Run(Trigger::Retry),
            Some(left) => Next::Wait(left),
        },
        // An attempt was under way when its process stopped, or the status
        // was written by someone else: run again.
        _ => Next::Run(Trigger::Retry),
    }
}

/// The status while an attempt runs.
pub fn reconciling(
    previous: &ActionStatus,
    generation: i64,
    trigger: Trigger,
    now: Timestamp,
) -> ActionStatus {
    let mut status = previous.clone();
    status.phase = Some(ActionPhase::Reconciling);
    status.observed_generation = Some(generation);
    status.next_reconcile_time = None;
    set(
        &mut status.conditions,
        condition(
            "Reconciling",
            true,
            "Reconciling",
            &format!("running the apply action ({})", trigger.as_str()),
            generation,
            now,
        ),
    );
    status
}

/// The status after a successful attempt.
pub fn succeeded(
    previous: &ActionStatus,
    generation: i64,
    outcome: &Outcome,
    settings: &Settings,
    now: Timestamp,
) -> ActionStatus {
    let mut conditions = previous
        .conditions
        .iter()
        .filter(|c| is_pequods(&c.type_))
        .cloned()
        .collect::<Vec<_>>();
    let message = if outcome.message.is_empty() {
        "the apply action succeeded"
    } else {
        &outcome.message
    };
    set(
        &mut conditions,
        condition("Ready", true, "ReconcileSuccess", message, generation, now),
    );
    set(
        &mut conditions,
        condition(
            "Reconciling",
            false,
            "ReconcileComplete",
            "",
            generation,
            now,
        ),
    );
    set(
        &mut conditions,
        condition("Degraded", false, "NoErrors", "", generation, now),
    );
    for custom in &outcome.conditions {
        set(
            &mut conditions,
            custom_condition(&previous.conditions, custom, generation, now),
        );
    }
    ActionStatus {
        phase: Some(ActionPhase::Ready),
        observed_generation: Some(generation),
        conditions,
        outputs: outcome.outputs.clone(),
        last_reconcile_time: Some(Time(now)),
        last_success_time: Some(Time(now)),
        failures: 0,
        next_reconcile_time: settings.resync.map(|d| Time(now + d)),
    }
}

/// The status after a failed attempt; `reason` is `ReconcileFailed` or
/// `TimedOut`.
pub fn failed(
    previous: &ActionStatus,
    generation: i64,
    reason: &str,
    message: &str,
    settings: &Settings,
    now: Timestamp,
) -> ActionStatus {
    let mut status = previous.clone();
    status.phase = Some(ActionPhase::Failed);
    status.observed_generation = Some(generation);
    status.failures = previous.failures.saturating_add(1);
    status.last_reconcile_time = Some(Time(now));
    status.next_reconcile_time = Some(Time(now + settings.backoff(status.failures)));
    set(
        &mut status.conditions,
        condition("Ready", false, reason, message, generation, now),
    );
    set(
        &mut status.conditions,
        condition(
            "Reconciling",
            false,
            "ReconcileComplete",
            "",
            generation,
            now,
        ),
    );
    set(
        &mut status.conditions,
        condition(
            "Degraded",
            true,
            reason,
            &format!("{} failure(s) in a row: {message}", status.failures),
            generation,
            now,
        ),
    );
    status
}

/// The status while the object is deleted; `problem` is the destroy
/// action's last failure.
pub fn deleting(
    previous: &ActionStatus,
    generation: i64,
    problem: Option<&str>,
    now: Timestamp,
) -> ActionStatus {
    let mut status = previous.clone();
    status.phase = Some(ActionPhase::Deleting);
    status.next_reconcile_time = None;
    let (reconciling, degraded) = match problem {
        None => (
            condition(
                "Reconciling",
                true,
                "Deleting",
                "running the destroy action",
                generation,
                now,
            ),
            condition("Degraded", false, "NoErrors", "", generation, now),
        ),
        Some(message) => (
            condition(
                "Reconciling",
                false,
                "ReconcileComplete",
                "",
                generation,
                now,
            ),
            condition("Degraded", true, "DestroyFailed", message, generation, now),
        ),
    };
    set(&mut status.conditions, reconciling);
    set(&mut status.conditions, degraded);
    if problem.is_some() {
        status.failures = previous.failures.saturating_add(1);
        status.last_reconcile_time = Some(Time(now));
    }
    status
}

/// Pequod's own condition types (the rest come from actions).
fn is_pequods(type_: &str) -> bool {
    matches!(type_, "Ready" | "Reconciling" | "Degraded")
}

fn condition(
    type_: &str,
    status: bool,
    reason: &str,
    message: &str,
    generation: i64,
    now: Timestamp,
) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status: if status { "True" } else { "False" }.to_owned(),
        reason: reason.to_owned(),
        message: message.to_owned(),
        observed_generation: Some(generation),
        last_transition_time: Time(now),
    }
}

fn custom_condition(
    previous: &[Condition],
    custom: &CustomCondition,
    generation: i64,
    now: Timestamp,
) -> Condition {
    let mut c = condition(
        &custom.type_,
        true,
        if custom.reason.is_empty() {
            "SetByAction"
        } else {
            &custom.reason
        },
        &custom.message,
        generation,
        now,
    );
    c.status.clone_from(&custom.status);
    if let Some(old) = previous
        .iter()
        .find(|p| p.type_ == c.type_ && p.status == c.status)
    {
        c.last_transition_time = old.last_transition_time.clone();
    }
    c
}

/// Puts `new` into `conditions`, keeping the transition time of a condition
/// whose status did not change.
fn set(conditions: &mut Vec<Condition>, mut new: Condition) {
    match conditions.iter_mut().find(|c| c.type_ == new.type_) {
        Some(old) => {
            if old.status == new.status {
                new.last_transition_time = old.last_transition_time.clone();
            }
            *old = new;
        }
        None => conditions.push(new),
    }
}

#[cfg(test)]
mod tests;
