//! One attempt to take or keep a `coordination.k8s.io/v1` Lease, and its
//! release.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ObjectMeta, PostParams};
use tokio::time::Instant;

/// What an attempt found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Attempt {
    /// We hold the lease now.
    Held,
    /// Someone else holds an unexpired lease.
    Taken(String),
}

/// The last lease record seen and when it was first seen locally; expiry is
/// judged by the local clock against this, never against the holder's
/// clock.
#[derive(Debug, Default)]
pub(super) struct Observed {
    record: Option<(Option<String>, Option<String>)>,
    since: Option<Instant>,
}

impl Observed {
    fn note(&mut self, lease: &Lease, now: Instant) {
        let spec = lease.spec.as_ref();
        let record = (
            spec.and_then(|s| s.holder_identity.clone()),
            spec.and_then(|s| s.renew_time.as_ref())
                .map(|t| t.0.to_string()),
        );
        if self.record.as_ref() != Some(&record) {
            self.record = Some(record);
            self.since = Some(now);
        }
    }

    fn expired(&self, duration: Duration, now: Instant) -> bool {
        self.since.is_none_or(|since| now >= since + duration)
    }
}

fn now_micro() -> MicroTime {
    MicroTime(Timestamp::now())
}

fn seconds(d: Duration) -> i32 {
    i32::try_from(d.as_secs().max(1)).unwrap_or(i32::MAX)
}

/// Creates, renews or takes over the lease named `name` for `identity`.
pub(super) async fn try_acquire_or_renew(
    api: &Api<Lease>,
    name: &str,
    identity: &str,
    duration: Duration,
    observed: &mut Observed,
) -> Result<Attempt, kube::Error> {
    let now = Instant::now();
    let Some(mut lease) = api.get_opt(name).await? else {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some(identity.to_owned()),
                lease_duration_seconds: Some(seconds(duration)),
                acquire_time: Some(now_micro()),
                renew_time: Some(now_micro()),
                lease_transitions: Some(0),
                ..LeaseSpec::default()
            }),
        };
        return match api.create(&PostParams::default(), &lease).await {
            Ok(created) => {
                observed.note(&created, now);
                Ok(Attempt::Held)
            }
            Err(kube::Error::Api(status)) if status.code == 409 => {
                Ok(Attempt::Taken("someone who created it first".to_owned()))
            }
            Err(e) => Err(e),
        };
    };
    observed.note(&lease, now);
    let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
    let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
    let ours = holder.as_deref() == Some(identity);
    if let Some(other) = holder.filter(|_| !ours && !observed.expired(duration, now)) {
        return Ok(Attempt::Taken(other));
    }
    if !ours {
        spec.acquire_time = Some(now_micro());
        spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0).saturating_add(1));
        spec.holder_identity = Some(identity.to_owned());
    }
    spec.renew_time = Some(now_micro());
    spec.lease_duration_seconds = Some(seconds(duration));
    // The resourceVersion read above makes this a compare-and-swap.
    match api.replace(name, &PostParams::default(), &lease).await {
        Ok(updated) => {
            observed.note(&updated, now);
            Ok(Attempt::Held)
        }
        Err(kube::Error::Api(status)) if status.code == 409 => {
            Ok(Attempt::Taken("someone who updated it first".to_owned()))
        }
        Err(e) => Err(e),
    }
}

/// Gives the lease up if `identity` still holds it: clears the holder so a
/// standby takes over at its next retry instead of waiting for expiry.
pub(super) async fn release(
    api: &Api<Lease>,
    name: &str,
    identity: &str,
) -> Result<(), kube::Error> {
    let Some(mut lease) = api.get_opt(name).await? else {
        return Ok(());
    };
    let Some(spec) = lease.spec.as_mut() else {
        return Ok(());
    };
    if spec.holder_identity.as_deref() != Some(identity) {
        return Ok(());
    }
    spec.holder_identity = None;
    spec.lease_duration_seconds = Some(1);
    spec.renew_time = Some(now_micro());
    api.replace(name, &PostParams::default(), &lease).await?;
    Ok(())
}
