use std::collections::HashMap;
use std::time::Duration;

use super::*;
use crate::queue::{QueueConfig, WorkQueue};

/// Parses the exposition into `series{labels}` → value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

#[test]
fn controller_series_carry_controller_and_result_labels() {
    let m = Metrics::new();
    let c = m.controller("myapp");
    c.set_max_concurrent(10);
    c.worker_started();
    c.reconciled(ReconcileResult::Success, 0.02);
    c.reconciled(ReconcileResult::Error, 0.5);
    c.reconciled(ReconcileResult::Error, 0.5);
    c.reconciled(ReconcileResult::RequeueAfter, 0.01);
    let text = m.encode();
    let s = samples(&text);
    let get = |k: &str| {
        s.get(k)
            .copied()
            .unwrap_or_else(|| panic!("{k} missing in\n{text}"))
    };
    assert_eq!(
        get(r#"controller_runtime_reconcile_total{controller="myapp",result="success"}"#),
        1.0
    );
    assert_eq!(
        get(r#"controller_runtime_reconcile_total{controller="myapp",result="error"}"#),
        2.0
    );
    assert_eq!(
        get(r#"controller_runtime_reconcile_total{controller="myapp",result="requeue"}"#),
        0.0
    );
    assert_eq!(
        get(r#"controller_runtime_reconcile_total{controller="myapp",result="requeue_after"}"#),
        1.0
    );
    assert_eq!(
        get(r#"controller_runtime_reconcile_errors_total{controller="myapp"}"#),
        2.0
    );
    assert_eq!(
        get(r#"controller_runtime_reconcile_time_seconds_count{controller="myapp"}"#),
        4.0
    );
    assert_eq!(
        get(r#"controller_runtime_reconcile_time_seconds_bucket{le="0.025",controller="myapp"}"#),
        2.0
    );
    assert_eq!(
        get(r#"controller_runtime_max_concurrent_reconciles{controller="myapp"}"#),
        10.0
    );
    assert_eq!(
        get(r#"controller_runtime_active_workers{controller="myapp"}"#),
        1.0
    );
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test(start_paused = true)]
async fn the_queue_records_its_own_metrics() {
    let m = Metrics::new();
    let q = WorkQueue::with_metrics(QueueConfig::controller_runtime(), m.queue("myapp"));
    q.add("a");
    q.add("a");
    q.add("b");
    let depth = |m: &Metrics| samples(&m.encode())[r#"workqueue_depth{name="myapp"}"#];
    assert_eq!(depth(&m), 2.0);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let claim = q.get().await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    q.add_rate_limited(*claim.key());
    drop(claim);
    let s = samples(&m.encode());
    assert_eq!(s[r#"workqueue_adds_total{name="myapp"}"#], 3.0);
    assert_eq!(s[r#"workqueue_retries_total{name="myapp"}"#], 1.0);
    assert_eq!(s[r#"workqueue_depth{name="myapp"}"#], 1.0);
    assert_eq!(
        s[r#"workqueue_queue_duration_seconds_count{name="myapp"}"#],
        1.0
    );
    assert!((s[r#"workqueue_queue_duration_seconds_sum{name="myapp"}"#] - 0.02).abs() < 1e-6);
    assert!((s[r#"workqueue_work_duration_seconds_sum{name="myapp"}"#] - 0.03).abs() < 1e-6);
}

#[test]
fn leader_status_and_pequod_series() {
    let m = Metrics::new();
    m.set_leader("pequod", true);
    let p = m.pequod();
    p.reconciled("transform", ReconcileResult::Error, 0.1);
    p.dag_executed(1.5);
    p.set_dag_nodes("default", "web", 7);
    p.set_dag_nodes("default", "gone", 3);
    p.remove_dag("default", "gone");
    p.applied(ApplyResult::Failure, 0.2);
    p.applied(ApplyResult::Success, 0.1);
    p.cue_cache_hit();
    p.cue_cache_hit();
    p.cue_cache_miss();
    p.cue_fetched(ApplyResult::Success, 2.0);
    p.cue_render_error();
    let text = m.encode();
    let s = samples(&text);
    let expect = [
        (r#"leader_election_master_status{name="pequod"}"#, 1.0),
        (
            r#"pequod_reconcile_total{controller="transform",result="error"}"#,
            1.0,
        ),
        (
            r#"pequod_reconcile_duration_seconds_count{controller="transform"}"#,
            1.0,
        ),
        ("pequod_dag_execution_duration_seconds_count", 1.0),
        (
            r#"pequod_dag_nodes_total{namespace="default",name="web"}"#,
            7.0,
        ),
        (r#"pequod_apply_total{result="failure"}"#, 1.0),
        (r#"pequod_apply_total{result="success"}"#, 1.0),
        ("pequod_apply_duration_seconds_count", 2.0),
        ("pequod_cue_cache_hits_total", 2.0),
        ("pequod_cue_cache_misses_total", 1.0),
        (r#"pequod_cue_fetch_total{result="success"}"#, 1.0),
        ("pequod_cue_fetch_duration_seconds_count", 1.0),
        ("pequod_cue_render_errors_total", 1.0),
    ];
    for (series, value) in expect {
        assert_eq!(s.get(series), Some(&value), "{series} in\n{text}");
    }
    assert!(!text.contains(r#"name="gone""#));
}

#[test]
fn every_family_is_described_once_its_owners_exist() {
    let m = Metrics::new();
    let _controller = m.controller("c");
    let _queue = m.queue("c");
    m.set_leader("c", false);
    m.pequod().reconciled("c", ReconcileResult::Success, 0.0);
    m.pequod().set_dag_nodes("ns", "g", 1);
    let text = m.encode();
    for name in [
        "controller_runtime_reconcile",
        "controller_runtime_reconcile_errors",
        "controller_runtime_reconcile_time_seconds",
        "controller_runtime_max_concurrent_reconciles",
        "controller_runtime_active_workers",
        "workqueue_depth",
        "workqueue_adds",
        "workqueue_queue_duration_seconds",
        "workqueue_work_duration_seconds",
        "workqueue_retries",
        "leader_election_master_status",
        "pequod_reconcile",
        "pequod_reconcile_duration_seconds",
        "pequod_dag_execution_duration_seconds",
        "pequod_dag_nodes_total",
        "pequod_apply",
        "pequod_apply_duration_seconds",
        "pequod_cue_cache_hits",
        "pequod_cue_cache_misses",
        "pequod_cue_fetch_duration_seconds",
        "pequod_cue_render_errors",
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} in\n{text}"
        );
    }
}
