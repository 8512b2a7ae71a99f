//! A controller runtime on kube-rs: manager, work queue with per-object backoff and
//! bounded concurrency, metrics, health probes, leader election, events and webhooks.
