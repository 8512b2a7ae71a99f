//! The controller against the real kube-apiserver.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{ObjectMeta, PartialObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::{predicates, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::health::ReadyFlag;
use pequod_runtime::metrics::Metrics;
use pequod_runtime::queue::Backoff;
use pequod_testing::TestCluster;
use tokio::sync::oneshot;

/// Marks the objects a test made, leaving out `kube-root-ca.crt`.
const TEST_LABEL: &str = "runtime-test";

/// Watches only the objects the test made.
fn made_here() -> watcher::Config {
    watcher::Config::default().labels(TEST_LABEL)
}

async fn setup(prefix: &str) -> (Client, Api<ConfigMap>) {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    let ns = cluster.create_namespace(&client, prefix).await.unwrap();
    (client.clone(), Api::namespaced(client, &ns))
}

async fn create(api: &Api<ConfigMap>, name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(
                labels
                    .iter()
                    .chain(&[(TEST_LABEL, "true")])
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("k".to_owned(), "v".to_owned())])),
        ..ConfigMap::default()
    };
    api.create(&PostParams::default(), &cm).await.unwrap()
}

async fn patch(api: &Api<ConfigMap>, name: &str, body: serde_json::Value) {
    api.patch(name, &PatchParams::default(), &Patch::Merge(body))
        .await
        .unwrap();
}

/// Polls `cond` every 10 ms for up to 60 s.
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs `controller` with `reconcile` in the background; returns the stop
/// switch and the task.
fn spawn<F, Fut>(
    controller: Controller<ConfigMap>,
    reconcile: F,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>)
where
    F: Fn(Arc<ConfigMap>, Arc<()>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Action, String>> + Send + 'static,
{
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        controller
            .run(reconcile, Arc::new(()), async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (stop, task)
}

#[tokio::test]
async fn failures_back_off_exponentially_and_success_resets() {
    let (_, api) = setup("rt-backoff").await;
    create(&api, "flaky", &[]).await;
    let calls = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let base = Duration::from_millis(40);
    let controller = Controller::new(api.clone(), made_here())
        .backoff(Backoff {
            base,
            ..Backoff::default()
        })
        .rate_limit(None);
    let seen = calls.clone();
    let (stop, task) = spawn(controller, move |_, _| {
        let seen = seen.clone();
        async move {
            let n = {
                let mut calls = seen.lock().unwrap();
                calls.push(Instant::now());
                calls.len()
            };
            // Calls 1–5 fail, 6 succeeds, 7 (after a change) fails, 8 succeeds.
            if n <= 5 || n == 7 {
                Err(format!("failure {n}"))
            } else {
                Ok(Action::await_change())
            }
        }
    });
    eventually("six reconciles", || calls.lock().unwrap().len() >= 6).await;
    patch(&api, "flaky", serde_json::json!({"data": {"k": "changed"}})).await;
    eventually("eight reconciles", || calls.lock().unwrap().len() >= 8).await;
    let times = calls.lock().unwrap().clone();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (i, gap) in gaps[..5].iter().enumerate() {
        let backoff = base * 2u32.pow(i as u32);
        assert!(
            *gap >= backoff,
            "retry {i} came after {gap:?}, before its backoff {backoff:?}"
        );
    }
    // After the success the next failure waits the base delay again, not
    // the 6th step (40 ms × 32 = 1.28 s) it would without the reset.
    assert!(gaps[6] >= base, "{gaps:?}");
    assert!(gaps[6] < base * 32, "backoff not reset: {gaps:?}");
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn a_hot_object_never_starves_the_others() {
    let (_, api) = setup("rt-hot").await;
    create(&api, "hot", &[]).await;
    for i in 0..20 {
        create(&api, &format!("cold-{i}"), &[]).await;
    }
    let counts = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let controller = Controller::new(api.clone(), made_here()).workers(2);
    let seen = counts.clone();
    let (stop, task) = spawn(controller, move |cm, _| {
        let seen = seen.clone();
        async move {
            let name = cm.name_any();
            *seen.lock().unwrap().entry(name.clone()).or_default() += 1;
            tokio::time::sleep(Duration::from_millis(5)).await;
            if name == "hot" {
                // Always wants to run again at once.
                Ok(Action::requeue(Duration::from_millis(1)))
            } else {
                Ok(Action::await_change())
            }
        }
    });
    eventually("every cold object reconciled", || {
        let counts = counts.lock().unwrap();
        (0..20).all(|i| counts.contains_key(&format!("cold-{i}")))
    })
    .await;
    eventually("the hot object to keep running", || {
        counts.lock().unwrap().get("hot").copied().unwrap_or(0) > 20
    })
    .await;
    let counts = counts.lock().unwrap().clone();
    assert!(
        (0..20).all(|i| counts[&format!("cold-{i}")] == 1),
        "{counts:?}"
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn concurrency_never_exceeds_the_worker_limit() {
    let (_, api) = setup("rt-workers").await;
    for i in 0..24 {
        create(&api, &format!("cm-{i}"), &[]).await;
    }
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(Mutex::new(HashSet::<String>::new()));
    let busy = Arc::new(Mutex::new(HashSet::<String>::new()));
    let metrics = Metrics::new();
    let controller = Controller::new(api.clone(), made_here())
        .name("limited")
        .workers(3)
        .metrics(metrics.clone());
    let (a, p, d, b) = (active.clone(), peak.clone(), done.clone(), busy.clone());
    let (stop, task) = spawn(controller, move |cm, _| {
        let (a, p, d, b) = (a.clone(), p.clone(), d.clone(), b.clone());
        async move {
            let name = cm.name_any();
            assert!(
                b.lock().unwrap().insert(name.clone()),
                "{name} in two workers"
            );
            let now = a.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(30)).await;
            a.fetch_sub(1, Ordering::SeqCst);
            b.lock().unwrap().remove(&name);
            d.lock().unwrap().insert(name);
            Ok(Action::await_change())
        }
    });
    eventually("all reconciled", || done.lock().unwrap().len() == 24).await;
    assert!(
        peak.load(Ordering::SeqCst) <= 3,
        "peak {}",
        peak.load(Ordering::SeqCst)
    );
    assert!(peak.load(Ordering::SeqCst) >= 2, "workers ran in parallel");
    let text = metrics.encode();
    assert!(
        text.contains(r#"controller_runtime_max_concurrent_reconciles{controller="limited"} 3"#)
    );
    assert!(
        text.contains(
            r#"controller_runtime_reconcile_total{controller="limited",result="success"} 24"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"pequod_reconcile_total{controller="limited",result="success"} 24"#));
    assert!(text.contains(r#"workqueue_adds_total{name="limited"}"#));
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn predicates_and_filters_select_events() {
    let (_, api) = setup("rt-predicates").await;
    create(&api, "watched", &[("tier", "a")]).await;
    create(&api, "ignored", &[("tier", "b")]).await;
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let controller = Controller::new(api.clone(), made_here())
        .predicate(predicates::labels)
        .filter(|cm: &ConfigMap| cm.labels().get("tier").is_some_and(|t| t == "a"));
    let seen = calls.clone();
    let (stop, task) = spawn(controller, move |cm, _| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(cm.name_any());
            Ok(Action::await_change())
        }
    });
    eventually("first reconcile", || calls.lock().unwrap().len() == 1).await;
    // A data change leaves the labels alone: filtered out by the predicate.
    patch(&api, "watched", serde_json::json!({"data": {"k": "2"}})).await;
    patch(
        &api,
        "ignored",
        serde_json::json!({"metadata": {"labels": {"x": "1"}}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(*calls.lock().unwrap(), ["watched"]);
    patch(
        &api,
        "watched",
        serde_json::json!({"metadata": {"labels": {"x": "1"}}}),
    )
    .await;
    eventually("label change reconciled", || {
        calls.lock().unwrap().len() == 2
    })
    .await;
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn owned_objects_trigger_their_owner() {
    let (client, api) = setup("rt-owns").await;
    let parent = create(&api, "parent", &[]).await;
    let owner = parent.controller_owner_ref(&()).unwrap();
    let mut child = create(&api, "child", &[]).await;
    child.metadata.owner_references = Some(vec![owner]);
    child.metadata.managed_fields = None;
    api.replace("child", &PostParams::default(), &child)
        .await
        .unwrap();
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let ns = api.resource_url().split('/').nth(4).unwrap().to_owned();
    let controller = Controller::new(
        api.clone(),
        watcher::Config::default().labels("role=parent"),
    )
    .owns(
        Api::<PartialObjectMeta<ConfigMap>>::namespaced(client, &ns),
        watcher::Config::default(),
    );
    patch(
        &api,
        "parent",
        serde_json::json!({"metadata": {"labels": {"role": "parent"}}}),
    )
    .await;
    let seen = calls.clone();
    let (stop, task) = spawn(controller, move |cm, _| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(cm.name_any());
            Ok(Action::await_change())
        }
    });
    eventually("initial reconciles", || !calls.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = calls.lock().unwrap().len();
    patch(
        &api,
        "child",
        serde_json::json!({"data": {"k": "child changed"}}),
    )
    .await;
    eventually("owner reconciled on child change", || {
        calls.lock().unwrap().len() > before
    })
    .await;
    assert!(calls.lock().unwrap().iter().all(|n| n == "parent"));
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn the_cache_drops_managed_fields_and_readiness_follows_sync() {
    let (_, api) = setup("rt-cache").await;
    create(&api, "big", &[]).await;
    assert!(
        api.get("big")
            .await
            .unwrap()
            .meta()
            .managed_fields
            .is_some()
    );
    let ready = ReadyFlag::new();
    let controller = Controller::new(api.clone(), made_here()).ready_flag(ready.clone());
    let store = controller.store();
    assert!(!ready.is_set());
    let (stop, task) = spawn(controller, |_, _| async { Ok(Action::await_change()) });
    eventually("cache synced", || ready.is_set()).await;
    let cached = store.state();
    assert_eq!(cached.len(), 1);
    assert!(cached[0].meta().managed_fields.is_none());
    stop.send(()).unwrap();
    task.await.unwrap();
    assert!(!ready.is_set(), "not ready after shutdown");
}

#[tokio::test]
async fn shutdown_lets_in_flight_reconciles_finish() {
    let (_, api) = setup("rt-shutdown").await;
    create(&api, "slow", &[]).await;
    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let controller = Controller::new(api.clone(), made_here());
    let (s, f) = (started.clone(), finished.clone());
    let (stop, task) = spawn(controller, move |_, _| {
        let (s, f) = (s.clone(), f.clone());
        async move {
            s.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(500)).await;
            f.fetch_add(1, Ordering::SeqCst);
            Ok(Action::requeue(Duration::from_millis(1)))
        }
    });
    eventually("reconcile started", || started.load(Ordering::SeqCst) == 1).await;
    stop.send(()).unwrap();
    task.await.unwrap();
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "in-flight reconcile finished"
    );
    assert_eq!(
        started.load(Ordering::SeqCst),
        1,
        "no new work after shutdown"
    );
}

#[tokio::test]
async fn overrunning_reconciles_time_out_and_retry() {
    let (_, api) = setup("rt-timeout").await;
    create(&api, "stuck", &[]).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let metrics = Metrics::new();
    let controller = Controller::new(api.clone(), made_here())
        .name("timeouts")
        .metrics(metrics.clone())
        .reconcile_timeout(Duration::from_millis(100));
    let c = calls.clone();
    let (stop, task) = spawn(controller, move |_, _| {
        let c = c.clone();
        async move {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Ok(Action::await_change())
        }
    });
    eventually("retried after the timeout", || {
        calls.load(Ordering::SeqCst) == 2
    })
    .await;
    let text = metrics.encode();
    assert!(
        text.contains(r#"controller_runtime_reconcile_errors_total{controller="timeouts"} 1"#),
        "{text}"
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}
