//! Lease-based leader election on `coordination.k8s.io/v1`.
//!
//! A [`LeaderElection`] tries to take a Lease every retry period; while it
//! holds it, it renews it every retry period. If renewing has not succeeded
//! within the renew deadline, or another holder shows up, it stops leading at
//! once. Whether it leads is published on a [`tokio::sync::watch`] channel
//! ([`LeaderElection::subscribe`]); at shutdown it releases the Lease so a
//! standby takes over without waiting for it to expire.

mod lease;

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::{Api, Client};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::Error;
use crate::metrics::Metrics;
use lease::{Attempt, Observed};

/// Where the Lease lives, who we are, and the timings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderElectionConfig {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease (also the `name` label of
    /// `leader_election_master_status`).
    pub name: String,
    /// This process's identity, unique among the candidates.
    pub identity: String,
    /// How long a lease lasts without renewal before others may take it
    /// (default 15 s).
    pub lease_duration: Duration,
    /// How long the leader keeps trying to renew before it gives up leading
    /// (default 10 s).
    pub renew_deadline: Duration,
    /// Time between attempts (default 2 s).
    pub retry_period: Duration,
}

impl LeaderElectionConfig {
    /// The Lease `namespace/name` for `identity`, with controller-runtime's
    /// timings (15 s, 10 s, 2 s).
    pub fn new(
        namespace: impl Into<String>,
        name: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
            identity: identity.into(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// An identity unique to this process: the host name (or `POD_NAME`) and a
/// suffix drawn from the process id and the clock.
pub fn default_identity() -> String {
    let host = std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "pequod".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{host}_{:x}{nanos:08x}", std::process::id())
}

/// A candidate for leadership of one Lease.
#[derive(Debug)]
pub struct LeaderElection {
    api: Api<Lease>,
    config: LeaderElectionConfig,
    metrics: Option<Metrics>,
    leading: watch::Sender<bool>,
}

impl LeaderElection {
    /// A candidate that is not leading yet.
    pub fn new(client: Client, config: LeaderElectionConfig) -> Self {
        Self {
            api: Api::namespaced(client, &config.namespace),
            config,
            metrics: None,
            leading: watch::Sender::new(false),
        }
    }

    /// Records `leader_election_master_status{name}` into `metrics`.
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        metrics.set_leader(&self.config.name, false);
        self.metrics = Some(metrics);
        self
    }

    /// Whether this candidate leads, now and as it changes.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.leading.subscribe()
    }

    fn set_leading(&self, leading: bool) {
        let changed = self.leading.send_if_modified(|now| {
            let changed = *now != leading;
            *now = leading;
            changed
        });
        if let Some(m) = &self.metrics {
            m.set_leader(&self.config.name, leading);
        }
        if changed {
            let (lease, identity) = (&self.config.name, &self.config.identity);
            if leading {
                tracing::info!(%lease, %identity, "became leader");
            } else {
                tracing::warn!(%lease, %identity, "stopped leading");
            }
        }
    }

    /// Campaigns and renews until `shutdown` completes, then releases the
    /// Lease if held.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        let c = &self.config;
        let mut observed = Observed::default();
        let mut last_renew: Option<Instant> = None;
        tokio::pin!(shutdown);
        let mut next = Instant::now();
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = tokio::time::sleep_until(next) => {}
            }
            // While leading, an attempt may not outlast the renew deadline.
            let budget = match last_renew {
                Some(at) => c.renew_deadline.saturating_sub(at.elapsed()),
                None => c.retry_period,
            }
            .min(c.retry_period);
            let attempt = lease::try_acquire_or_renew(
                &self.api,
                &c.name,
                &c.identity,
                c.lease_duration,
                &mut observed,
            );
            let outcome = tokio::time::timeout(budget, attempt).await;
            match outcome {
                Ok(Ok(Attempt::Held)) => {
                    last_renew = Some(Instant::now());
                    self.set_leading(true);
                }
                Ok(Ok(Attempt::Taken(by))) => {
                    if last_renew.take().is_some() {
                        tracing::warn!(lease = %c.name, holder = %by, "lease taken by another holder");
                    }
                    self.set_leading(false);
                }
                Ok(Err(error)) => {
                    tracing::warn!(lease = %c.name, %error, "lease request failed");
                }
                Err(_elapsed) => {
                    tracing::warn!(lease = %c.name, "lease request timed out");
                }
            }
            next = Instant::now() + c.retry_period;
            if let Some(at) = last_renew {
                let deadline = at + c.renew_deadline;
                if Instant::now() >= deadline {
                    last_renew = None;
                    tracing::warn!(lease = %c.name, deadline = ?c.renew_deadline, "could not renew the lease in time");
                    self.set_leading(false);
                } else {
                    next = next.min(deadline);
                }
            }
        }
        let held = last_renew.is_some();
        self.set_leading(false);
        if held {
            lease::release(&self.api, &c.name, &c.identity).await?;
            tracing::info!(lease = %c.name, "released the lease");
        }
        Ok(())
    }
}
