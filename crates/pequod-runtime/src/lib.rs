//! A controller runtime on kube-rs: what `kube::runtime` leaves out, reusable
//! by any operator.
//!
//! Start with the [`controller::Controller`] builder: it watches a kind into a
//! cache stripped of `managedFields`, feeds changed objects through a
//! de-duplicating [`queue::WorkQueue`] with per-object backoff and a rate
//! limit, runs your reconciler on a bounded number of workers with a
//! timeout, and records [`metrics`]. To run several controllers with the
//! `/metrics` and probe servers, leader election and a graceful shutdown,
//! hand them to a [`manager::Manager`]; `examples/myapp.rs` is a whole
//! operator built that way.
//!
//! Every part is usable on its own:
//!
//! * [`cache`]: informers shared by the controllers of a manager (one watch
//!   per kind and selector, a channel per subscriber), holding objects as
//!   compact JSON;
//! * [`queue`]: the work queue (dedup, backoff, token bucket, delays, shutdown);
//! * [`metrics`]: a Prometheus registry with controller-runtime compatible and
//!   `pequod_*` families, as typed handles;
//! * [`health`]: named liveness and readiness checks;
//! * [`serve`]: the HTTP servers for `/metrics`, `/healthz` and `/readyz`;
//! * [`events`] and [`finalizer`]: aggregated Events and finalizer handling;
//! * [`leader`]: Lease-based leader election with a watch channel;
//! * [`logging`]: `--zap-log-level` and `--zap-encoder` onto `tracing`;
//! * [`webhook`]: an HTTPS server for validating admission webhooks;
//! * [`manager`]: controllers, servers and leader election together.

pub mod cache;
pub mod controller;
pub mod events;
pub mod finalizer;
pub mod health;
pub mod leader;
pub mod logging;
pub mod manager;
pub mod metrics;
pub mod queue;
pub mod serve;
pub mod webhook;

mod error;

pub use error::Error;
