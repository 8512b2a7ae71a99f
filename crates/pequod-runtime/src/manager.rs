//! The [`Manager`]: runs several controllers over one client and shared
//! caches, with the metrics and probe servers, optional leader election, and
//! a graceful shutdown.
//!
//! Controllers start once this process leads (at once without leader
//! election). A process that loses its lease stops reconciling at once and
//! [`Running::wait`] returns [`Error::LeadershipLost`], so the process can
//! exit and restart as a standby. On shutdown, controllers stop taking work
//! and finish in-flight reconciles within their deadline, then the lease is
//! released.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::hash::Hash;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::Error;
use crate::cache::Cache;
use crate::controller::{Action, Controller, DEFAULT_SHUTDOWN_TIMEOUT};
use crate::health::{HealthChecks, ReadyFlag};
use crate::leader::{LeaderElection, LeaderElectionConfig};
use crate::metrics::Metrics;
use crate::serve::{self, Server};

/// The manager's flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagerConfig {
    /// `--metrics-bind-address` (`:8443`; `0` disables).
    pub metrics_bind_address: String,
    /// `--health-probe-bind-address` (`:8081`; `0` disables).
    pub health_probe_bind_address: String,
    /// `--leader-elect`: the Lease to campaign for, or `None`.
    pub leader_election: Option<LeaderElectionConfig>,
    /// Time in-flight reconciles get to finish at shutdown (30 s).
    pub shutdown_timeout: Duration,
}

impl Default for ManagerConfig {
    fn default() -> Self {
        Self {
            metrics_bind_address: serve::DEFAULT_METRICS_BIND_ADDRESS.to_owned(),
            health_probe_bind_address: serve::DEFAULT_HEALTH_PROBE_BIND_ADDRESS.to_owned(),
            leader_election: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

type Stop = BoxFuture<'static, ()>;
type Runner = Box<dyn FnOnce(Stop) -> BoxFuture<'static, Result<(), Error>> + Send>;

/// Runs controllers, servers and leader election together.
pub struct Manager {
    client: Client,
    config: ManagerConfig,
    metrics: Metrics,
    cache: Cache,
    health: HealthChecks,
    synced: Vec<ReadyFlag>,
    runners: Vec<Runner>,
}

impl Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("config", &self.config)
            .field("controllers", &self.runners.len())
            .finish_non_exhaustive()
    }
}

/// A future that completes once `rx` reads `true`.
fn when_set(mut rx: watch::Receiver<bool>) -> Stop {
    Box::pin(async move {
        let _ = rx.wait_for(|v| *v).await;
    })
}

impl Manager {
    /// A manager over `client` with a fresh metrics registry and probes.
    pub fn new(client: Client, config: ManagerConfig) -> Self {
        Self {
            client,
            config,
            metrics: Metrics::new(),
            cache: Cache::new(),
            health: HealthChecks::new(),
            synced: Vec::new(),
            runners: Vec::new(),
        }
    }

    /// The client controllers should use.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The registry served on `/metrics`, for the caller's own metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The informers the manager's controllers share: ask it for a kind's
    /// informer and build controllers with [`Controller::for_informer`].
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The probes served on `/healthz` and `/readyz`, for extra checks.
    pub fn health(&self) -> &HealthChecks {
        &self.health
    }

    /// Adds a controller and its reconciler; it records into the manager's
    /// metrics and takes part in the `informers-synced` check.
    pub fn add<K, C, R, Fut, E>(&mut self, controller: Controller<K>, reconcile: R, context: Arc<C>)
    where
        K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
        K::DynamicType: Eq + Hash + Clone + Debug + Send + Sync + Unpin,
        C: Send + Sync + 'static,
        R: Fn(Arc<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        let flag = ReadyFlag::new();
        self.synced.push(flag.clone());
        let controller = controller
            .metrics(self.metrics.clone())
            .ready_flag(flag)
            .shutdown_timeout(self.config.shutdown_timeout);
        self.runners.push(Box::new(move |stop| {
            Box::pin(controller.run(reconcile, context, stop))
        }));
    }

    /// Binds the servers and starts campaigning (or the controllers, without
    /// leader election).
    pub async fn start(self) -> Result<Running, Error> {
        let (stop_servers, servers_stopped) = watch::channel(false);
        let metrics_addr = match serve::parse_bind_address(&self.config.metrics_bind_address)? {
            Some(addr) => {
                let router = serve::metrics_router(self.metrics.clone());
                Some(Server::start(addr, router, when_set(servers_stopped.clone())).await?)
            }
            None => None,
        };
        // Without leader election this process always leads.
        let (leading_tx, mut leading) = watch::channel(true);
        let (stop_election, election_stopped) = watch::channel(false);
        let election = match &self.config.leader_election {
            Some(config) => {
                let election = LeaderElection::new(self.client.clone(), config.clone())
                    .metrics(self.metrics.clone());
                leading = election.subscribe();
                Some(tokio::spawn(election.run(when_set(election_stopped))))
            }
            None => None,
        };
        self.add_checks(leading.clone(), election.is_some());
        let health_addr = match serve::parse_bind_address(&self.config.health_probe_bind_address)? {
            Some(addr) => {
                let router = serve::health_router(self.health.clone());
                Some(Server::start(addr, router, when_set(servers_stopped)).await?)
            }
            None => None,
        };
        Ok(Running {
            lease: self.config.leader_election.map(|c| c.name),
            runners: self.runners,
            leading,
            _leading_tx: leading_tx,
            election,
            stop_election,
            stop_servers,
            metrics_server: metrics_addr,
            health_server: health_addr,
        })
    }

    fn add_checks(&self, leading: watch::Receiver<bool>, elected: bool) {
        let synced = self.synced.clone();
        let is_leading = leading.clone();
        // A standby has nothing to sync: it is ready to take over.
        self.health.add_readyz("informers-synced", move || {
            if !*is_leading.borrow() || synced.iter().all(ReadyFlag::is_set) {
                Ok(())
            } else {
                Err("caches not synced yet".to_owned())
            }
        });
        if elected {
            self.health.add_readyz("leader-or-standby", || Ok(()));
        }
    }
}

/// A started [`Manager`].
pub struct Running {
    lease: Option<String>,
    runners: Vec<Runner>,
    leading: watch::Receiver<bool>,
    _leading_tx: watch::Sender<bool>,
    election: Option<tokio::task::JoinHandle<Result<(), Error>>>,
    stop_election: watch::Sender<bool>,
    stop_servers: watch::Sender<bool>,
    metrics_server: Option<Server>,
    health_server: Option<Server>,
}

impl Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("lease", &self.lease)
            .field("controllers", &self.runners.len())
            .field("metrics_addr", &self.metrics_addr())
            .field("health_addr", &self.health_addr())
            .finish_non_exhaustive()
    }
}

impl Running {
    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_server.as_ref().map(Server::local_addr)
    }

    /// Where the probes are served, if they are.
    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.health_server.as_ref().map(Server::local_addr)
    }

    /// Whether this process leads, now and as it changes.
    pub fn leading(&self) -> watch::Receiver<bool> {
        self.leading.clone()
    }

    /// Runs until `shutdown` completes (then stops gracefully and returns
    /// `Ok`), the lease is lost ([`Error::LeadershipLost`]) or a controller
    /// fails.
    pub async fn wait(self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        tokio::pin!(shutdown);
        let mut leading = self.leading.clone();
        let led = tokio::select! {
            biased;
            () = &mut shutdown => false,
            r = leading.wait_for(|l| *l) => r.is_ok(),
        };
        let mut result = Ok(());
        if led {
            let lease = self.lease.clone().unwrap_or_default();
            result = run_controllers(self.runners, &lease, &mut leading, &mut shutdown).await;
            if let Err(error) = &result {
                tracing::error!(%error, "stopped reconciling");
            }
        }
        self.stop_election.send_replace(true);
        if let Some(election) = self.election {
            match election.await {
                Ok(Err(e)) => tracing::warn!(error = %e, "releasing the lease failed"),
                Err(e) => tracing::warn!(error = %e, "leader election task failed"),
                Ok(Ok(())) => {}
            }
        }
        self.stop_servers.send_replace(true);
        for server in [self.metrics_server, self.health_server]
            .into_iter()
            .flatten()
        {
            server.wait().await?;
        }
        drop(self._leading_tx);
        result
    }
}

/// Runs the controllers until shutdown, a lost lease or a controller's end.
async fn run_controllers(
    runners: Vec<Runner>,
    lease: &str,
    leading: &mut watch::Receiver<bool>,
    shutdown: &mut (impl Future<Output = ()> + Unpin),
) -> Result<(), Error> {
    let (stop, stopped) = watch::channel(false);
    let mut controllers = JoinSet::new();
    for runner in runners {
        controllers.spawn(runner(when_set(stopped.clone())));
    }
    let mut result = Ok(());
    tokio::select! {
        biased;
        () = shutdown => {}
        _ = leading.wait_for(|l| !*l) => {
            result = Err(Error::LeadershipLost { lease: lease.to_owned() });
        }
        Some(ended) = controllers.join_next() => {
            result = Err(ended_early(ended));
        }
    }
    stop.send_replace(true);
    while let Some(ended) = controllers.join_next().await {
        if let (Err(e), true) = (flatten(ended), result.is_ok()) {
            result = Err(e);
        }
    }
    result
}

fn flatten(ended: Result<Result<(), Error>, tokio::task::JoinError>) -> Result<(), Error> {
    ended.map_err(|e| Error::Task(e.to_string()))?
}

fn ended_early(ended: Result<Result<(), Error>, tokio::task::JoinError>) -> Error {
    match flatten(ended) {
        Ok(()) => Error::Task("a controller stopped by itself".to_owned()),
        Err(e) => e,
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
