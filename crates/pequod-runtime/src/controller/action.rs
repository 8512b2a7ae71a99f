//! What a reconciler asks for next.

use std::time::Duration;

/// The outcome of a successful reconciliation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    pub(crate) next: Next,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    AwaitChange,
    After(Duration),
    RateLimited,
}

impl Action {
    /// Reconcile again after `delay` (`requeue_after`), even without a change.
    /// The object's backoff is reset.
    pub const fn requeue(delay: Duration) -> Self {
        Self {
            next: Next::After(delay),
        }
    }

    /// Reconcile again as soon as the object's backoff and the rate limit
    /// allow (controller-runtime's `Requeue: true`).
    pub const fn requeue_rate_limited() -> Self {
        Self {
            next: Next::RateLimited,
        }
    }

    /// Done: wait for the next change. The object's backoff is reset.
    pub const fn await_change() -> Self {
        Self {
            next: Next::AwaitChange,
        }
    }
}
