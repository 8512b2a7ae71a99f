//! The queue's state under its lock: ready keys, processing keys, dirty set,
//! delayed keys and limiters.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::time::Duration;

use tokio::time::Instant;

use super::QueueConfig;
use super::limiter::{Bucket, Failures};
use crate::metrics::QueueMetrics;

pub(super) struct State<K> {
    /// Keys ready to hand out, in order, each once.
    ready: VecDeque<K>,
    /// Keys that need processing: those in `ready`, plus those processing
    /// that were added again.
    dirty: HashSet<K>,
    /// Keys handed out and not yet done, with when they were handed out.
    processing: HashMap<K, Instant>,
    /// When each ready key was queued (for the queue-duration metric).
    queued_at: HashMap<K, Instant>,
    /// The earliest time each delayed key is due, with its heap entry's id.
    waiting: HashMap<K, (Instant, u64)>,
    heap: BinaryHeap<Delayed<K>>,
    next_id: u64,
    failures: Failures<K>,
    bucket: Option<Bucket>,
    metrics: Option<QueueMetrics>,
    shut_down: bool,
}

/// A heap entry; the smallest `at` comes out first.
struct Delayed<K> {
    at: Instant,
    id: u64,
    key: K,
}

impl<K> PartialEq for Delayed<K> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K> Eq for Delayed<K> {}

impl<K> PartialOrd for Delayed<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K> Ord for Delayed<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.id).cmp(&(self.at, self.id))
    }
}

impl<K: Clone + Eq + Hash> State<K> {
    pub(super) fn new(config: QueueConfig, metrics: Option<QueueMetrics>, now: Instant) -> Self {
        Self {
            ready: VecDeque::new(),
            dirty: HashSet::new(),
            processing: HashMap::new(),
            queued_at: HashMap::new(),
            waiting: HashMap::new(),
            heap: BinaryHeap::new(),
            next_id: 0,
            failures: Failures::new(config.backoff),
            bucket: config.rate_limit.map(|limit| Bucket::new(limit, now)),
            metrics,
            shut_down: false,
        }
    }

    /// Marks `key` dirty; returns whether it became ready.
    pub(super) fn add(&mut self, key: K, now: Instant) -> bool {
        if self.shut_down {
            return false;
        }
        if let Some(m) = &self.metrics {
            m.adds.inc();
        }
        if !self.dirty.insert(key.clone()) || self.processing.contains_key(&key) {
            return false;
        }
        self.push_ready(key, now);
        true
    }

    fn push_ready(&mut self, key: K, now: Instant) {
        self.queued_at.insert(key.clone(), now);
        self.ready.push_back(key);
        self.set_depth();
    }

    fn set_depth(&self) {
        if let Some(m) = &self.metrics {
            m.depth
                .set(i64::try_from(self.ready.len()).unwrap_or(i64::MAX));
        }
    }

    pub(super) fn add_after(&mut self, key: K, delay: Duration, now: Instant) {
        if self.shut_down {
            return;
        }
        if delay.is_zero() {
            self.add(key, now);
            return;
        }
        let at = now + delay;
        if self
            .waiting
            .get(&key)
            .is_some_and(|(existing, _)| *existing <= at)
        {
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.waiting.insert(key.clone(), (at, id));
        self.heap.push(Delayed { at, id, key });
    }

    pub(super) fn add_rate_limited(&mut self, key: K, now: Instant) -> Duration {
        let backoff = self.failures.next_delay(key.clone());
        let bucket = self
            .bucket
            .as_mut()
            .map_or(Duration::ZERO, |b| b.reserve(now));
        let delay = backoff.max(bucket);
        if let Some(m) = &self.metrics {
            m.retries.inc();
        }
        self.add_after(key, delay, now);
        delay
    }

    pub(super) fn forget(&mut self, key: &K) {
        self.failures.forget(key);
    }

    pub(super) fn failures(&self, key: &K) -> u32 {
        self.failures.count(key)
    }

    /// Moves due delayed keys to ready.
    fn promote(&mut self, now: Instant) {
        while let Some(top) = self.heap.peek() {
            if top.at > now {
                break;
            }
            let Some(entry) = self.heap.pop() else { break };
            let current = self.waiting.get(&entry.key).map(|(_, id)| *id);
            if current == Some(entry.id) {
                self.waiting.remove(&entry.key);
                self.add(entry.key, now);
            }
        }
    }

    /// Claims the next ready key.
    pub(super) fn take(&mut self, now: Instant) -> Option<K> {
        self.promote(now);
        let key = self.ready.pop_front()?;
        self.dirty.remove(&key);
        let queued = self.queued_at.remove(&key);
        if let (Some(m), Some(at)) = (&self.metrics, queued) {
            m.queue_duration
                .observe(now.saturating_duration_since(at).as_secs_f64());
        }
        self.set_depth();
        self.processing.insert(key.clone(), now);
        Some(key)
    }

    /// When the next delayed key is due.
    pub(super) fn next_wake(&self) -> Option<Instant> {
        self.heap.peek().map(|d| d.at)
    }

    /// Ends processing of `key`, queueing it again if it was added meanwhile.
    pub(super) fn done(&mut self, key: &K, now: Instant) {
        let started = self.processing.remove(key);
        if let (Some(m), Some(started)) = (&self.metrics, started) {
            m.work_duration
                .observe(now.saturating_duration_since(started).as_secs_f64());
        }
        if self.dirty.contains(key) && !self.shut_down {
            self.push_ready(key.clone(), now);
        }
    }

    pub(super) fn shut_down(&mut self) {
        self.shut_down = true;
    }

    pub(super) fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    pub(super) fn ready_len(&self) -> usize {
        self.ready.len()
    }

    pub(super) fn processing_len(&self) -> usize {
        self.processing.len()
    }
}
