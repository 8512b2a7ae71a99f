//! The metrics and probe servers over real HTTP.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use common::http_get;
use pequod_runtime::health::HealthChecks;
use pequod_runtime::metrics::{Metrics, ReconcileResult};
use pequod_runtime::serve::{Server, health_router, metrics_router};
use tokio::sync::oneshot;

fn local() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[tokio::test]
async fn metrics_are_served_in_the_text_format() {
    let metrics = Metrics::new();
    metrics
        .controller("myapp")
        .reconciled(ReconcileResult::Success, 0.01);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = Server::start(local(), metrics_router(metrics.clone()), async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let (status, content_type, body) = http_get(server.local_addr(), "/metrics").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/openmetrics-text"));
    assert!(
        body.contains(
            r#"controller_runtime_reconcile_total{controller="myapp",result="success"} 1"#
        )
    );
    metrics.pequod().cue_cache_miss();
    let (_, _, body) = http_get(server.local_addr(), "/metrics").await;
    assert!(body.contains("pequod_cue_cache_misses_total 1"));
    assert_eq!(http_get(server.local_addr(), "/nope").await.0, 404);
    stop.send(()).unwrap();
    server.wait().await.unwrap();
}

#[tokio::test]
async fn probes_report_named_checks() {
    let checks = HealthChecks::new();
    let synced = checks.readyz_flag("informers-synced");
    checks.add_readyz("leader-or-standby", || Ok(()));
    let server = Server::start(
        local(),
        health_router(checks.clone()),
        std::future::pending(),
    )
    .await
    .unwrap();
    let addr = server.local_addr();

    assert_eq!(
        http_get(addr, "/healthz").await,
        (200, "text/plain; charset=utf-8".into(), "ok".into())
    );
    assert_eq!(http_get(addr, "/livez").await.0, 200);

    let (status, _, body) = http_get(addr, "/readyz").await;
    assert_eq!(status, 500);
    assert!(body.contains("[-]informers-synced failed"), "{body}");
    assert!(body.contains("[+]leader-or-standby ok"), "{body}");
    assert!(body.ends_with("readyz check failed\n"));

    assert_eq!(http_get(addr, "/readyz/leader-or-standby").await.0, 200);
    assert_eq!(http_get(addr, "/readyz/informers-synced").await.0, 500);
    assert_eq!(http_get(addr, "/readyz/unknown").await.0, 404);
    assert_eq!(
        http_get(addr, "/readyz?exclude=informers-synced").await.0,
        200
    );

    synced.set(true);
    assert_eq!(http_get(addr, "/readyz").await.2, "ok");
    let (status, _, body) = http_get(addr, "/readyz?verbose").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        "[+]ping ok\n[+]informers-synced ok\n[+]leader-or-standby ok\nreadyz check passed\n"
    );
}
