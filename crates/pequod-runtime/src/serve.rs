//! The HTTP servers: `/metrics` on `--metrics-bind-address` and `/healthz`,
//! `/livez`, `/readyz` (plus `/<probe>/<check>`) on
//! `--health-probe-bind-address`.
//!
//! Probes answer 200 or 500; `?verbose` lists every check and `?exclude=NAME`
//! skips one, as on kube-apiserver.

use std::future::Future;
use std::net::{SocketAddr, ToSocketAddrs};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::Error;
use crate::health::{HealthChecks, Probe};
use crate::metrics::{CONTENT_TYPE, Metrics};

/// Default of `--metrics-bind-address`.
pub const DEFAULT_METRICS_BIND_ADDRESS: &str = ":8443";
/// Default of `--health-probe-bind-address`.
pub const DEFAULT_HEALTH_PROBE_BIND_ADDRESS: &str = ":8081";

/// Parses a bind address flag: `host:port`, `:port` (every interface), or
/// `0` to disable the server (`None`).
pub fn parse_bind_address(address: &str) -> Result<Option<SocketAddr>, Error> {
    let refuse = |reason: &str| Error::BindAddress {
        address: address.to_owned(),
        reason: reason.to_owned(),
    };
    let address = address.trim();
    if address == "0" {
        return Ok(None);
    }
    let full = match address.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => address.to_owned(),
    };
    if let Ok(addr) = full.parse() {
        return Ok(Some(addr));
    }
    full.to_socket_addrs()
        .map_err(|e| refuse(&e.to_string()))?
        .next()
        .map(Some)
        .ok_or_else(|| refuse("resolves to no address"))
}

/// The router serving `/metrics`.
pub fn metrics_router(metrics: Metrics) -> Router {
    Router::new()
        .route("/metrics", get(serve_metrics))
        .with_state(metrics)
}

async fn serve_metrics(State(metrics): State<Metrics>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.encode()).into_response()
}

/// The router serving `/healthz`, `/livez`, `/readyz` and single checks.
pub fn health_router(checks: HealthChecks) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(healthz))
        .route("/readyz", get(readyz))
        .route("/healthz/{check}", get(healthz_one))
        .route("/livez/{check}", get(healthz_one))
        .route("/readyz/{check}", get(readyz_one))
        .with_state(checks)
}

async fn healthz(State(c): State<HealthChecks>, RawQuery(q): RawQuery) -> Response {
    probe(&c, Probe::Healthz, None, q)
}

async fn readyz(State(c): State<HealthChecks>, RawQuery(q): RawQuery) -> Response {
    probe(&c, Probe::Readyz, None, q)
}

async fn healthz_one(
    State(c): State<HealthChecks>,
    Path(check): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    probe(&c, Probe::Healthz, Some(&check), q)
}

async fn readyz_one(
    State(c): State<HealthChecks>,
    Path(check): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    probe(&c, Probe::Readyz, Some(&check), q)
}

fn probe(
    checks: &HealthChecks,
    probe: Probe,
    only: Option<&str>,
    query: Option<String>,
) -> Response {
    let mut verbose = false;
    let mut exclude = Vec::new();
    for pair in query.as_deref().unwrap_or("").split('&') {
        match pair.split_once('=') {
            Some(("exclude", name)) => exclude.push(name.to_owned()),
            Some(("verbose", v)) => verbose = v != "false" && v != "0",
            None if pair == "verbose" => verbose = true,
            _ => {}
        }
    }
    let Some(report) = checks.run(probe, only, &exclude) else {
        return (StatusCode::NOT_FOUND, "no such check\n").into_response();
    };
    let status = if report.passed() {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    let body = report.render(verbose);
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A running HTTP server.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Binds `addr` and serves `router` until `shutdown` completes, then
    /// finishes the requests in flight.
    pub async fn start(
        addr: SocketAddr,
        router: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Self, Error> {
        let listener = TcpListener::bind(addr).await.map_err(|source| Error::Io {
            what: format!("binding {addr}"),
            source,
        })?;
        let local_addr = listener.local_addr().map_err(|source| Error::Io {
            what: format!("reading the address bound for {addr}"),
            source,
        })?;
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        });
        Ok(Self { local_addr, task })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Waits for the server to stop.
    pub async fn wait(self) -> Result<(), Error> {
        let what = format!("serving on {}", self.local_addr);
        match self.task.await {
            Ok(result) => result.map_err(|source| Error::Io { what, source }),
            Err(join) => Err(Error::Io {
                what,
                source: std::io::Error::other(join),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_addresses() {
        assert_eq!(
            parse_bind_address(":8443").unwrap(),
            Some("0.0.0.0:8443".parse().unwrap())
        );
        assert_eq!(
            parse_bind_address("127.0.0.1:8081").unwrap(),
            Some("127.0.0.1:8081".parse().unwrap())
        );
        assert_eq!(
            parse_bind_address("[::1]:9").unwrap(),
            Some("[::1]:9".parse().unwrap())
        );
        assert!(parse_bind_address("localhost:80").unwrap().is_some());
        assert_eq!(parse_bind_address("0").unwrap(), None);
        assert!(parse_bind_address("nonsense").is_err());
    }
}
