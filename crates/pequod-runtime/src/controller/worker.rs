//! One worker: takes keys from the queue, reconciles the cached object with
//! a timeout, and turns the outcome into the key's next schedule.

use std::fmt::Display;
use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use kube::Resource;
use serde::de::DeserializeOwned;

use crate::cache::{ObjectKey, Store};
use tokio::time::Instant;

use super::action::{Action, Next};
use crate::metrics::{ControllerMetrics, PequodMetrics, ReconcileResult};
use crate::queue::WorkQueue;

/// What every worker of one controller shares.
pub(crate) struct Shared<K, R, C>
where
    K: Resource + 'static,
    K::DynamicType: Eq + Hash,
{
    pub(crate) name: String,
    pub(crate) queue: WorkQueue<ObjectKey>,
    pub(crate) store: Store<K>,
    pub(crate) reconcile: R,
    pub(crate) context: Arc<C>,
    pub(crate) timeout: Duration,
    pub(crate) metrics: Option<(ControllerMetrics, PequodMetrics)>,
}

pub(crate) async fn run<K, R, C, Fut, E>(shared: Arc<Shared<K, R, C>>)
where
    K: Resource + Clone + DeserializeOwned + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync,
    R: Fn(Arc<K>, Arc<C>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
    E: Display,
{
    while let Some(claim) = shared.queue.get().await {
        let key = claim.key().clone();
        let Some(obj) = shared.store.get_key(&key) else {
            // Deleted since it was queued: nothing to reconcile.
            shared.queue.forget(&key);
            continue;
        };
        if let Some((m, _)) = &shared.metrics {
            m.worker_started();
        }
        let started = Instant::now();
        let attempt = (shared.reconcile)(obj, Arc::clone(&shared.context));
        let outcome =
            tokio::time::timeout(shared.timeout, AssertUnwindSafe(attempt).catch_unwind());
        let result = match outcome.await {
            Ok(Ok(Ok(action))) => match action.next {
                Next::AwaitChange => {
                    shared.queue.forget(&key);
                    ReconcileResult::Success
                }
                Next::After(delay) => {
                    shared.queue.forget(&key);
                    shared.queue.add_after(key.clone(), delay);
                    ReconcileResult::RequeueAfter
                }
                Next::RateLimited => {
                    shared.queue.add_rate_limited(key.clone());
                    ReconcileResult::Requeue
                }
            },
            Ok(Ok(Err(error))) => {
                let retry = shared.queue.add_rate_limited(key.clone());
                tracing::warn!(controller = %shared.name, object = %key, %error, ?retry, "reconcile failed");
                ReconcileResult::Error
            }
            Ok(Err(_panic)) => {
                let retry = shared.queue.add_rate_limited(key.clone());
                tracing::error!(controller = %shared.name, object = %key, ?retry, "reconciler panicked");
                ReconcileResult::Error
            }
            Err(_elapsed) => {
                let retry = shared.queue.add_rate_limited(key.clone());
                tracing::warn!(controller = %shared.name, object = %key, timeout = ?shared.timeout, ?retry, "reconcile timed out");
                ReconcileResult::Error
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        if let Some((m, p)) = &shared.metrics {
            m.reconciled(result, seconds);
            p.reconciled(&shared.name, result, seconds);
            m.worker_finished();
        }
        drop(claim);
    }
}
