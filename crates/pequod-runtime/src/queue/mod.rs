//! A work queue of keys, shaped like client-go's rate-limited delaying queue.
//!
//! * A key added while it waits is queued once; a key added while a worker
//!   holds it is queued again when that worker is done, so no key is ever
//!   handed to two workers at once.
//! * [`WorkQueue::add_rate_limited`] delays a key by its own exponential
//!   backoff ([`Backoff`]) and by an overall token bucket ([`RateLimit`]);
//!   [`WorkQueue::forget`] resets the key's backoff after a success.
//! * [`WorkQueue::add_after`] schedules a key later (the earliest request wins).
//! * [`WorkQueue::shut_down`] stops handing out keys; in-flight work finishes.
//!
//! Time is tokio's, so tests can run it on a paused clock.

mod limiter;
mod state;

use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

pub use limiter::{Backoff, RateLimit};

use crate::metrics::QueueMetrics;
use state::State;

/// How a [`WorkQueue`] limits retries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueConfig {
    /// Per-key exponential backoff of [`WorkQueue::add_rate_limited`].
    pub backoff: Backoff,
    /// Overall token bucket of [`WorkQueue::add_rate_limited`]; `None` for none.
    pub rate_limit: Option<RateLimit>,
}

impl QueueConfig {
    /// controller-runtime's defaults: backoff 5 ms → 1000 s ×2, 10 qps, burst 100.
    pub fn controller_runtime() -> Self {
        Self {
            backoff: Backoff::default(),
            rate_limit: Some(RateLimit::default()),
        }
    }
}

/// A de-duplicating, rate-limited, delaying queue of keys. Clones share it.
pub struct WorkQueue<K> {
    shared: Arc<Shared<K>>,
}

impl<K> Clone for WorkQueue<K> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K> std::fmt::Debug for WorkQueue<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkQueue").finish_non_exhaustive()
    }
}

struct Shared<K> {
    state: Mutex<State<K>>,
    changed: Notify,
}

impl<K: Clone + Eq + Hash> Shared<K> {
    fn lock(&self) -> MutexGuard<'_, State<K>> {
        // The state stays consistent between statements, so a panic
        // elsewhere while holding the lock leaves nothing half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn done(&self, key: &K) {
        self.lock().done(key, Instant::now());
        self.changed.notify_waiters();
    }
}

impl<K: Clone + Eq + Hash + Send + 'static> WorkQueue<K> {
    /// An empty queue limited by `config`.
    pub fn new(config: QueueConfig) -> Self {
        Self::build(config, None)
    }

    /// An empty queue that records its `workqueue_*` metrics into `metrics`.
    pub fn with_metrics(config: QueueConfig, metrics: QueueMetrics) -> Self {
        Self::build(config, Some(metrics))
    }

    fn build(config: QueueConfig, metrics: Option<QueueMetrics>) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State::new(config, metrics, Instant::now())),
                changed: Notify::new(),
            }),
        }
    }

    /// Queues `key` now, unless it is already queued.
    pub fn add(&self, key: K) {
        if self.shared.lock().add(key, Instant::now()) {
            self.shared.changed.notify_waiters();
        }
    }

    /// Queues `key` once `delay` has passed (at once for a zero delay). A key
    /// already waiting keeps the earlier of its two times.
    pub fn add_after(&self, key: K, delay: Duration) {
        self.shared.lock().add_after(key, delay, Instant::now());
        self.shared.changed.notify_waiters();
    }

    /// Queues `key` after its backoff and the overall rate limit allow, counts
    /// a retry, and returns the delay chosen.
    pub fn add_rate_limited(&self, key: K) -> Duration {
        let delay = self.shared.lock().add_rate_limited(key, Instant::now());
        self.shared.changed.notify_waiters();
        delay
    }

    /// Resets the backoff of `key` (after a success).
    pub fn forget(&self, key: &K) {
        self.shared.lock().forget(key);
    }

    /// How many consecutive failures `key` has had since it was last forgotten.
    pub fn num_requeues(&self, key: &K) -> u32 {
        self.shared.lock().failures(key)
    }

    /// Keys ready to be handed out now.
    pub fn len(&self) -> usize {
        self.shared.lock().ready_len()
    }

    /// Whether no key is ready now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keys being processed now.
    pub fn in_flight(&self) -> usize {
        self.shared.lock().processing_len()
    }

    /// Stops handing out keys: [`WorkQueue::get`] returns `None` from now on
    /// and adds are ignored. Keys already handed out finish normally.
    pub fn shut_down(&self) {
        self.shared.lock().shut_down();
        self.shared.changed.notify_waiters();
    }

    /// Whether [`WorkQueue::shut_down`] was called.
    pub fn is_shut_down(&self) -> bool {
        self.shared.lock().is_shut_down()
    }

    /// Waits for the next ready key and claims it; `None` once shut down.
    /// The key is processing until the returned [`Claim`] is dropped.
    pub async fn get(&self) -> Option<Claim<K>> {
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let next_wake = {
                let mut state = self.shared.lock();
                if state.is_shut_down() {
                    return None;
                }
                if let Some(key) = state.take(Instant::now()) {
                    return Some(Claim {
                        key,
                        shared: Arc::clone(&self.shared),
                    });
                }
                state.next_wake()
            };
            match next_wake {
                Some(at) => {
                    tokio::select! {
                        () = &mut notified => {}
                        () = tokio::time::sleep_until(at) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Waits until no key is being processed (after a shutdown, for
    /// in-flight work to finish).
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.shared.lock().processing_len() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// A key handed to one worker. Dropping it marks the key done: if it was
/// added again meanwhile, it is queued again now.
pub struct Claim<K: Clone + Eq + Hash> {
    key: K,
    shared: Arc<Shared<K>>,
}

impl<K: Clone + Eq + Hash + std::fmt::Debug> std::fmt::Debug for Claim<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Claim").field(&self.key).finish()
    }
}

impl<K: Clone + Eq + Hash> Claim<K> {
    /// The claimed key.
    pub fn key(&self) -> &K {
        &self.key
    }
}

impl<K: Clone + Eq + Hash> Drop for Claim<K> {
    fn drop(&mut self) {
        self.shared.done(&self.key);
    }
}

#[cfg(test)]
mod tests;
