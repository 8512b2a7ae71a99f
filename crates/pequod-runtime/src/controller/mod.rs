//! The [`Controller`] builder: a watched kind, a cache, a work queue and a
//! bounded pool of workers running one reconciler.
//!
//! ```no_run
//! # use std::{sync::Arc, time::Duration};
//! # use k8s_openapi::api::core::v1::ConfigMap;
//! # use kube::{Api, Client, runtime::watcher};
//! # use pequod_runtime::controller::{Action, Controller};
//! # async fn example(client: Client) -> Result<(), pequod_runtime::Error> {
//! async fn reconcile(cm: Arc<ConfigMap>, _ctx: Arc<()>) -> Result<Action, kube::Error> {
//!     Ok(Action::requeue(Duration::from_secs(300)))
//! }
//! Controller::new(Api::<ConfigMap>::all(client), watcher::Config::default())
//!     .workers(4)
//!     .run(reconcile, Arc::new(()), tokio::signal::ctrl_c().map(|_| ()))
//!     .await
//! # }
//! # use futures::FutureExt;
//! ```

mod action;
mod sources;
mod worker;

use std::fmt::{Debug, Display};
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream};
use futures::{StreamExt, future};
use kube::Resource;
use kube::api::Api;
use kube::runtime::reflector::ObjectRef;

use crate::cache::{ObjectKey, Store, Writer};
use kube::runtime::{Predicate, WatchStreamExt, watcher};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::task::JoinSet;

pub use action::Action;

use crate::Error;
use crate::cache::Informer;
use crate::health::ReadyFlag;
use crate::metrics::Metrics;
use crate::queue::{Backoff, QueueConfig, RateLimit, WorkQueue};
use sources::{FilterFn, ModifyFn, PredicateFn};

/// Default number of workers per controller.
pub const DEFAULT_WORKERS: usize = 10;
/// Default limit on one reconciliation.
pub const DEFAULT_RECONCILE_TIMEOUT: Duration = Duration::from_secs(300);
/// Default time in-flight reconciliations get to finish at shutdown.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds and runs a controller for objects of kind `K`.
pub struct Controller<K>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    name: String,
    dyntype: K::DynamicType,
    source: Source<K>,
    reader: Store<K>,
    workers: usize,
    reconcile_timeout: Duration,
    shutdown_timeout: Duration,
    queue: QueueConfig,
    strip_managed_fields: bool,
    modifiers: Vec<ModifyFn<K>>,
    predicates: Vec<PredicateFn<K>>,
    filters: Vec<FilterFn<K>>,
    triggers: Vec<BoxStream<'static, ObjectRef<K>>>,
    metrics: Option<Metrics>,
    ready: Option<ReadyFlag>,
}

/// Where a controller's objects come from.
enum Source<K>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    /// A watch and cache of its own (boxed: the variants differ in size a lot).
    Own(Box<OwnWatch<K>>),
    /// An informer shared with others.
    Shared(Informer<K>),
}

/// The parts of a watch of a controller's own.
struct OwnWatch<K>
where
    K: Resource + Clone + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    api: Api<K>,
    config: watcher::Config,
    writer: Writer<K>,
}

impl<K> Debug for Controller<K>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("name", &self.name)
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

impl<K> Controller<K>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Default + Debug + Send + Sync + Unpin,
{
    /// A controller for the objects `api` and `config` select, named after
    /// the kind in lower case, with controller-runtime's queue limits,
    /// [`DEFAULT_WORKERS`] workers and `managedFields` stripped from the cache.
    pub fn new(api: Api<K>, config: watcher::Config) -> Self {
        Self::new_with(api, config, Default::default())
    }
}

impl<K> Controller<K>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Debug + Send + Sync + Unpin,
{
    /// [`Controller::new`] for a kind known only at run time, such as
    /// `DynamicObject` with its `ApiResource`.
    pub fn new_with(api: Api<K>, config: watcher::Config, dyntype: K::DynamicType) -> Self {
        let writer = Writer::new();
        let reader = writer.as_reader();
        Self::with_source(
            Source::Own(Box::new(OwnWatch {
                api,
                config,
                writer,
            })),
            reader,
            dyntype,
        )
    }

    /// A controller reading a shared [`Informer`] (from
    /// [`crate::cache::Cache`]) instead of a watch of its own: its cache is
    /// the informer's, already stripped of `managedFields`; modifiers do
    /// not apply.
    pub fn for_informer(informer: Informer<K>, dyntype: K::DynamicType) -> Self {
        let reader = informer.store();
        Self::with_source(Source::Shared(informer), reader, dyntype)
    }

    fn with_source(source: Source<K>, reader: Store<K>, dyntype: K::DynamicType) -> Self {
        Self {
            name: K::kind(&dyntype).to_lowercase(),
            dyntype,
            source,
            reader,
            workers: DEFAULT_WORKERS,
            reconcile_timeout: DEFAULT_RECONCILE_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            queue: QueueConfig::controller_runtime(),
            strip_managed_fields: true,
            modifiers: Vec::new(),
            predicates: Vec::new(),
            filters: Vec::new(),
            triggers: Vec::new(),
            metrics: None,
            ready: None,
        }
    }

    /// Names the controller (the `controller` label and the queue's `name`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets how many objects are reconciled at once (at least 1).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// Sets the limit on one reconciliation; one that overruns is cancelled
    /// and retried as an error.
    pub fn reconcile_timeout(mut self, timeout: Duration) -> Self {
        self.reconcile_timeout = timeout;
        self
    }

    /// Sets how long in-flight reconciliations may take to finish at shutdown.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Sets the per-object backoff after errors.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.queue.backoff = backoff;
        self
    }

    /// Sets the overall rate limit of retries (`None`: none).
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.queue.rate_limit = limit;
        self
    }

    /// Changes cached objects before they are stored and reconciled (for
    /// example, to drop large fields no reconciler reads).
    pub fn modify(mut self, f: impl FnMut(&mut K) + Send + 'static) -> Self {
        self.modifiers.push(Box::new(f));
        self
    }

    /// Keeps `managedFields` in the cache (stripped by default).
    pub fn keep_managed_fields(mut self) -> Self {
        self.strip_managed_fields = false;
        self
    }

    /// Reconciles on a watch event only if the property `predicate` hashes
    /// changed, e.g. [`kube::runtime::predicates::generation`]. Several
    /// predicates pass when any of their properties changed.
    pub fn predicate(mut self, predicate: impl Predicate<K> + Send + Sync + 'static) -> Self {
        self.predicates
            .push(Box::new(move |obj: &K| predicate.hash_property(obj)));
        self
    }

    /// Reconciles only the objects for which `f` holds (all filters must).
    pub fn filter(mut self, f: impl Fn(&K) -> bool + Send + Sync + 'static) -> Self {
        self.filters.push(Box::new(f));
        self
    }

    /// Also reconciles every object `stream` names.
    pub fn reconcile_on(
        mut self,
        stream: impl futures::Stream<Item = ObjectRef<K>> + Send + 'static,
    ) -> Self {
        self.triggers.push(stream.boxed());
        self
    }

    /// Watches objects of kind `C` and reconciles their controlling owner of
    /// kind `K`. Pass an `Api<PartialObjectMeta<C>>` to watch metadata only,
    /// which is all this needs.
    pub fn owns<C>(self, api: Api<C>, config: watcher::Config) -> Self
    where
        C: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
        C::DynamicType: Default,
    {
        let owners = sources::owners_of::<K, C>(api, config, self.dyntype.clone());
        self.reconcile_on(owners)
    }

    /// Watches objects of kind `C` and reconciles what `map` names for each.
    pub fn watches<C, I>(
        self,
        api: Api<C>,
        config: watcher::Config,
        map: impl Fn(C) -> I + Send + 'static,
    ) -> Self
    where
        C: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
        C::DynamicType: Default,
        I: IntoIterator<Item = ObjectRef<K>>,
        I::IntoIter: Send + 'static,
    {
        let requests = watcher(api, config)
            .default_backoff()
            .touched_objects()
            .filter_map(|r| future::ready(r.ok()))
            .flat_map(move |obj| stream::iter(map(obj)));
        self.reconcile_on(requests)
    }

    /// Reconciles the controlling owners (of kind `K`) of the objects a
    /// shared informer sees, for those `filter` accepts.
    pub fn owns_shared<C>(
        self,
        informer: &Informer<C>,
        filter: impl Fn(&C) -> bool + Send + 'static,
    ) -> Self
    where
        C: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
        C::DynamicType: Eq + Hash + Clone + Send + Sync,
    {
        let dyntype = self.dyntype.clone();
        let owners = informer
            .subscribe()
            .filter(move |child| future::ready(filter(child)))
            .flat_map(move |child| stream::iter(sources::controlling_owners(&*child, &dyntype)));
        self.reconcile_on(owners)
    }

    /// Records the controller's and its queue's metrics into `metrics`.
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Sets `flag` once the cache has synced, and clears it at shutdown
    /// (for a readiness check such as `informers-synced`).
    pub fn ready_flag(mut self, flag: ReadyFlag) -> Self {
        self.ready = Some(flag);
        self
    }

    /// The controller's cache, filled once the controller runs.
    pub fn store(&self) -> Store<K> {
        self.reader.clone()
    }

    /// Runs the controller until `shutdown` completes, then stops taking
    /// work and waits for in-flight reconciliations, cancelling any still
    /// running after the shutdown timeout.
    ///
    /// Workers start once the cache has synced. Deleted objects are not
    /// reconciled (use finalizers for cleanup).
    pub async fn run<C, R, Fut, E>(
        self,
        reconcile: R,
        context: Arc<C>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error>
    where
        C: Send + Sync + 'static,
        R: Fn(Arc<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        let queue = match &self.metrics {
            Some(m) => WorkQueue::with_metrics(self.queue.clone(), m.queue(&self.name)),
            None => WorkQueue::new(self.queue.clone()),
        };
        let metrics = self.metrics.as_ref().map(|m| {
            let controller = m.controller(&self.name);
            controller.set_max_concurrent(self.workers);
            (controller, m.pequod().clone())
        });
        let shared = Arc::new(worker::Shared {
            name: self.name.clone(),
            queue: queue.clone(),
            store: self.reader.clone(),
            reconcile,
            context,
            timeout: self.reconcile_timeout,
            metrics,
        });
        let watch = match self.source {
            Source::Own(own) => {
                let OwnWatch {
                    api,
                    config,
                    writer,
                } = *own;
                let mut modifiers = self.modifiers;
                if self.strip_managed_fields {
                    modifiers.insert(0, Box::new(sources::strip_managed_fields::<K>));
                }
                sources::main_watch(
                    self.dyntype.clone(),
                    api,
                    config,
                    writer,
                    modifiers,
                    self.predicates,
                    self.filters,
                )
            }
            Source::Shared(informer) => sources::shared_watch(
                self.dyntype.clone(),
                &informer,
                self.predicates,
                self.filters,
            ),
        };
        let mut requests = stream::select(watch, stream::select_all(self.triggers));
        let synced = self.reader.wait_until_ready();
        tokio::pin!(synced, shutdown);
        let mut workers = JoinSet::new();
        let mut started = false;
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                result = &mut synced, if !started => {
                    started = true;
                    if result.is_err() {
                        break;
                    }
                    tracing::info!(controller = %self.name, workers = self.workers, "cache synced; starting workers");
                    for _ in 0..self.workers {
                        workers.spawn(worker::run(Arc::clone(&shared)));
                    }
                    if let Some(flag) = &self.ready {
                        flag.set(true);
                    }
                }
                request = requests.next() => match request {
                    Some(reference) => queue.add(ObjectKey::from(&reference)),
                    None => break,
                },
            }
        }
        if let Some(flag) = &self.ready {
            flag.set(false);
        }
        drop(requests);
        queue.shut_down();
        let drained = async { while workers.join_next().await.is_some() {} };
        if tokio::time::timeout(self.shutdown_timeout, drained)
            .await
            .is_err()
        {
            tracing::warn!(controller = %self.name, in_flight = queue.in_flight(), "shutdown timeout: cancelling reconciliations");
            workers.shutdown().await;
        }
        tracing::info!(controller = %self.name, "stopped");
        Ok(())
    }
}
