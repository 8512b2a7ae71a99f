//! The queue's rate limiters: per-key exponential backoff and an overall
//! token bucket.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use tokio::time::Instant;

/// Per-key exponential backoff: the n-th consecutive failure of a key waits
/// `base × factor^(n-1)`, capped at `max`, until the key is forgotten.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// Delay after the first failure (default 5 ms).
    pub base: Duration,
    /// Upper bound of the delay (default 1000 s).
    pub max: Duration,
    /// Growth per failure (default 2).
    pub factor: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(5),
            max: Duration::from_secs(1000),
            factor: 2.0,
        }
    }
}

impl Backoff {
    /// The delay after `failures` consecutive failures (1 for the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let exponent = i32::try_from(failures.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.base.as_secs_f64() * self.factor.powi(exponent);
        if !secs.is_finite() || secs >= self.max.as_secs_f64() {
            self.max
        } else {
            Duration::from_secs_f64(secs)
        }
    }
}

/// An overall token bucket: `burst` tokens, refilled at `qps` per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Sustained rate in items per second (default 10).
    pub qps: f64,
    /// Tokens available at once (default 100).
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            qps: 10.0,
            burst: 100,
        }
    }
}

/// Failure counts per key.
#[derive(Debug)]
pub(super) struct Failures<K> {
    backoff: Backoff,
    counts: HashMap<K, u32>,
}

impl<K: Eq + Hash> Failures<K> {
    pub(super) fn new(backoff: Backoff) -> Self {
        Self {
            backoff,
            counts: HashMap::new(),
        }
    }

    /// Counts one more failure of `key` and returns how long it must wait.
    pub(super) fn next_delay(&mut self, key: K) -> Duration {
        let count = self.counts.entry(key).or_insert(0);
        *count = count.saturating_add(1);
        self.backoff.delay(*count)
    }

    pub(super) fn forget(&mut self, key: &K) {
        self.counts.remove(key);
    }

    pub(super) fn count(&self, key: &K) -> u32 {
        self.counts.get(key).copied().unwrap_or(0)
    }
}

/// A token bucket that hands out reservations: each take returns how long
/// the caller must wait for its token.
#[derive(Debug)]
pub(super) struct Bucket {
    limit: RateLimit,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(super) fn new(limit: RateLimit, now: Instant) -> Self {
        Self {
            limit,
            tokens: f64::from(limit.burst),
            last: now,
        }
    }

    pub(super) fn reserve(&mut self, now: Instant) -> Duration {
        if self.limit.qps <= 0.0 || !self.limit.qps.is_finite() {
            return Duration::ZERO;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.limit.qps).min(f64::from(self.limit.burst));
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.limit.qps)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_5ms_to_the_cap() {
        let b = Backoff::default();
        assert_eq!(b.delay(1), Duration::from_millis(5));
        assert_eq!(b.delay(2), Duration::from_millis(10));
        assert_eq!(b.delay(5), Duration::from_millis(80));
        assert_eq!(b.delay(40), Duration::from_secs(1000));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1000));
    }

    #[test]
    fn bucket_gives_burst_then_spaces_by_rate() {
        let now = Instant::now();
        let mut bucket = Bucket::new(
            RateLimit {
                qps: 10.0,
                burst: 3,
            },
            now,
        );
        for _ in 0..3 {
            assert_eq!(bucket.reserve(now), Duration::ZERO);
        }
        let d4 = bucket.reserve(now);
        let d5 = bucket.reserve(now);
        assert!((d4.as_secs_f64() - 0.1).abs() < 1e-9, "{d4:?}");
        assert!((d5.as_secs_f64() - 0.2).abs() < 1e-9, "{d5:?}");
    }
}
