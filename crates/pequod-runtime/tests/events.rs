//! Events and finalizers on the real kube-apiserver.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use kube::api::{DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::events::{EventRecorder, reasons};
use pequod_runtime::finalizer::{Step, finalize};
use pequod_testing::TestCluster;
use tokio::sync::oneshot;

async fn setup(prefix: &str) -> (Client, String, Api<ConfigMap>) {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    let ns = cluster.create_namespace(&client, prefix).await.unwrap();
    let api = Api::namespaced(client.clone(), &ns);
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("subject".to_owned()),
            labels: Some(BTreeMap::from([(
                "runtime-test".to_owned(),
                "true".to_owned(),
            )])),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    api.create(&PostParams::default(), &cm).await.unwrap();
    (client, ns, api)
}

async fn eventually(what: &str, mut cond: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn repeated_events_are_aggregated_into_a_series() {
    let (client, ns, api) = setup("rt-events").await;
    let subject = api.get("subject").await.unwrap();
    let recorder = EventRecorder::new(client.clone(), "pequod", Some("pod-a".to_owned()));
    for _ in 0..3 {
        recorder
            .warning(&subject, reasons::APPLY_FAILED, "Apply", "forbidden")
            .await
            .unwrap();
    }
    recorder
        .normal(&subject, "Reconciled", "Reconcile", "all good")
        .await
        .unwrap();
    let events = Api::<Event>::namespaced(client, &ns)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items;
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e.reason.as_deref() == Some("ApplyFailed"))
        .collect();
    assert_eq!(failed.len(), 1, "one Event for three repeats");
    let event = failed[0];
    assert_eq!(event.type_.as_deref(), Some("Warning"));
    assert_eq!(event.note.as_deref(), Some("forbidden"));
    assert_eq!(event.reporting_controller.as_deref(), Some("pequod"));
    assert_eq!(event.series.as_ref().map(|s| s.count), Some(3));
    assert_eq!(
        event.regarding.as_ref().and_then(|r| r.name.as_deref()),
        Some("subject")
    );
    assert!(
        events
            .iter()
            .any(|e| e.reason.as_deref() == Some("Reconciled"))
    );
}

#[tokio::test]
async fn a_finalizer_is_added_then_cleanup_runs_before_deletion() {
    let (_, _, api) = setup("rt-finalizer").await;
    let applies = Arc::new(AtomicUsize::new(0));
    let cleanups = Arc::new(AtomicUsize::new(0));
    let controller = Controller::new(
        api.clone(),
        watcher::Config::default().labels("runtime-test"),
    );
    let (a, c, fapi) = (applies.clone(), cleanups.clone(), api.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(controller.run(
        move |obj: Arc<ConfigMap>, _: Arc<()>| {
            let (a, c, fapi) = (a.clone(), c.clone(), fapi.clone());
            async move {
                finalize(&fapi, "example.com/cleanup", obj, |step| async move {
                    match step {
                        Step::Apply(_) => a.fetch_add(1, Ordering::SeqCst),
                        Step::Cleanup(_) => c.fetch_add(1, Ordering::SeqCst),
                    };
                    Ok::<_, std::io::Error>(Action::await_change())
                })
                .await
            }
        },
        Arc::new(()),
        async {
            let _ = stopped.await;
        },
    ));
    eventually("the apply branch", async || {
        applies.load(Ordering::SeqCst) > 0
    })
    .await;
    let live = api.get("subject").await.unwrap();
    assert_eq!(live.finalizers(), ["example.com/cleanup"]);
    assert_eq!(cleanups.load(Ordering::SeqCst), 0);

    api.delete("subject", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the object to go", async || {
        api.get_opt("subject").await.unwrap().is_none()
    })
    .await;
    assert_eq!(
        cleanups.load(Ordering::SeqCst),
        1,
        "cleanup ran once, before it went"
    );
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}
