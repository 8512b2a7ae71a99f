#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use pequod_api::{ActionPhase, ActionReconcilerSpec, ActionStatus, Trigger};
use serde_json::json;

use super::{Next, Settings, failed, next, reconciling, succeeded};
use crate::actions::{CustomCondition, Outcome};

fn settings(extra: serde_json::Value) -> Result<Settings, String> {
    let mut spec = json!({"group": "infra.example.com", "version": "v1", "kind": "DatabaseCluster",
        "apply": {"command": {"command": ["true"]}}});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    Settings::of(&serde_json::from_value::<ActionReconcilerSpec>(spec).unwrap())
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

#[test]
fn settings_defaults_and_errors() {
    let s = settings(json!({})).unwrap();
    assert_eq!(s.resync, Some(Duration::from_secs(600)));
    assert_eq!(s.timeout, Duration::from_secs(1800));
    assert_eq!((s.concurrency, s.history_limit), (4, 10));
    assert_eq!(
        settings(json!({"resyncPeriod": "0s"})).unwrap().resync,
        None
    );
    let err = settings(json!({"timeout": "soon"})).unwrap_err();
    assert!(err.starts_with("spec.timeout:"), "{err}");
    assert!(settings(json!({"backoff": {"initial": "5m", "max": "1m"}})).is_err());
    assert!(settings(json!({"backoff": {"factor": 0.5}})).is_err());
}

#[test]
fn backoff_grows_and_is_capped() {
    let s = settings(json!({"backoff": {"initial": "1s", "max": "10s", "factor": 3}})).unwrap();
    let delays: Vec<u64> = (1..=5).map(|n| s.backoff(n).as_secs()).collect();
    assert_eq!(delays, [1, 3, 9, 10, 10]);
    assert_eq!(s.backoff(u32::MAX), Duration::from_secs(10));
}

#[test]
fn triggers() {
    let s = settings(json!({"resyncPeriod": "1m", "backoff": {"initial": "10s"}})).unwrap();
    let fresh = ActionStatus::default();
    assert_eq!(next(1, &fresh, &s, at(0)), Next::Run(Trigger::Create));

    let ready = succeeded(&fresh, 1, &Outcome::default(), &s, at(0));
    assert_eq!(
        next(1, &ready, &s, at(30)),
        Next::Wait(Duration::from_secs(30))
    );
    assert_eq!(next(1, &ready, &s, at(60)), Next::Run(Trigger::Resync));
    assert_eq!(next(2, &ready, &s, at(1)), Next::Run(Trigger::Update));

    let broken = failed(&ready, 2, "ReconcileFailed", "boom", &s, at(100));
    assert_eq!(
        next(2, &broken, &s, at(105)),
        Next::Wait(Duration::from_secs(5))
    );
    assert_eq!(next(2, &broken, &s, at(110)), Next::Run(Trigger::Retry));
    let twice = failed(&broken, 2, "ReconcileFailed", "boom", &s, at(110));
    assert_eq!(
        next(2, &twice, &s, at(125)),
        Next::Wait(Duration::from_secs(5))
    );
    // A new spec does not wait for the backoff of the old one.
    assert_eq!(next(3, &twice, &s, at(111)), Next::Run(Trigger::Update));

    // Interrupted mid-attempt: run again.
    let running = reconciling(&ready, 1, Trigger::Resync, at(61));
    assert_eq!(next(1, &running, &s, at(62)), Next::Run(Trigger::Retry));

    let no_resync = settings(json!({"resyncPeriod": "0s"})).unwrap();
    assert_eq!(next(1, &ready, &no_resync, at(9999)), Next::Idle);
}

#[test]
fn conditions_follow_the_seed() {
    let s = settings(json!({})).unwrap();
    let outcome = Outcome {
        outputs: json!({"endpoint": "pg:5432"}).as_object().unwrap().clone(),
        conditions: vec![CustomCondition {
            type_: "ReplicationHealthy".into(),
            status: "True".into(),
            reason: String::new(),
            message: "2 replicas".into(),
        }],
        ..Outcome::default()
    };
    let ready = succeeded(&ActionStatus::default(), 1, &outcome, &s, at(0));
    assert_eq!(ready.phase, Some(ActionPhase::Ready));
    let get = |st: &ActionStatus, t: &str| {
        let c = st.conditions.iter().find(|c| c.type_ == t).unwrap();
        (c.status.clone(), c.reason.clone(), c.last_transition_time.0)
    };
    assert_eq!(get(&ready, "Ready").1, "ReconcileSuccess");
    assert_eq!(get(&ready, "Reconciling").1, "ReconcileComplete");
    assert_eq!(get(&ready, "Degraded").1, "NoErrors");
    assert_eq!(get(&ready, "ReplicationHealthy").1, "SetByAction");
    assert_eq!(ready.outputs["endpoint"], "pg:5432");

    // A resync that changes nothing keeps the transition times.
    let again = succeeded(&ready, 1, &outcome, &s, at(600));
    assert_eq!(get(&again, "Ready").2, at(0));
    assert_eq!(get(&again, "ReplicationHealthy").2, at(0));

    let broken = failed(&again, 1, "TimedOut", "timed out after 5s", &s, at(700));
    assert_eq!(broken.phase, Some(ActionPhase::Failed));
    assert_eq!(broken.failures, 1);
    assert_eq!(
        get(&broken, "Ready"),
        ("False".into(), "TimedOut".into(), at(700))
    );
    assert_eq!(get(&broken, "Degraded").0, "True");
    // The outputs of the last success stay.
    assert_eq!(broken.outputs["endpoint"], "pg:5432");
    // Success resets the count and drops custom conditions no longer reported.
    let healed = succeeded(&broken, 1, &Outcome::default(), &s, at(800));
    assert_eq!(healed.failures, 0);
    assert!(
        healed
            .conditions
            .iter()
            .all(|c| c.type_ != "ReplicationHealthy")
    );
}
