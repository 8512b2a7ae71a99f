#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use kube::runtime::watcher;
use kube::{Client, ResourceExt};
use pequod_testing::TestCluster;
use serde_json::json;

use super::Cache;

async fn create(api: &Api<ConfigMap>, name: &str) {
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap();
    api.create(&PostParams::default(), &cm).await.unwrap();
}

async fn namespace(cluster: &TestCluster, client: &Client) -> Api<ConfigMap> {
    let ns = cluster.create_namespace(client, "cache").await.unwrap();
    Api::namespaced(client.clone(), &ns)
}

/// Reads names from `stream` until every one of `want` was seen.
async fn until_seen(
    stream: &mut futures::stream::BoxStream<'static, super::Update<ConfigMap>>,
    want: &BTreeSet<String>,
) {
    let mut seen = BTreeSet::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while !want.is_subset(&seen) {
            let object = stream.next().await.expect("the stream ended");
            seen.insert(object.name_any());
        }
    })
    .await
    .unwrap_or_else(|_| panic!("saw {} of {}", seen.len(), want.len()));
}

#[tokio::test]
async fn one_watch_per_kind_and_selector() {
    let cluster = TestCluster::embedded().unwrap();
    let client = cluster.client().await.unwrap();
    let api = namespace(cluster, &client).await;
    let cache = Cache::new();
    let a = cache.informer(api.clone(), watcher::Config::default());
    let b = cache.informer(api.clone(), watcher::Config::default());
    assert_eq!(cache.len(), 1);
    let labelled = cache.informer(api.clone(), watcher::Config::default().labels("app=x"));
    assert_eq!(cache.len(), 2);
    create(&api, "one").await;
    a.store().wait_until_ready().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !b.store().state().iter().any(|c| c.name_any() == "one") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert!(labelled.store().state().is_empty());
    drop((a, b, labelled));
    assert!(cache.is_empty(), "informers nobody uses are not kept");
}

#[tokio::test]
async fn late_subscribers_are_caught_up_and_idle_ones_stall_nobody() {
    let cluster = TestCluster::embedded().unwrap();
    let client = cluster.client().await.unwrap();
    let api = namespace(cluster, &client).await;
    let cache = Cache::new();
    let informer = cache.informer(api.clone(), watcher::Config::default());
    let mut early = informer.subscribe();
    // Subscribed and never read: with a bounded dispatcher this one would
    // hold back every other reader.
    let _idle = informer.subscribe();
    informer.store().wait_until_ready().await.unwrap();
    let mut want = BTreeSet::new();
    for i in 0..150 {
        let name = format!("cm-{i}");
        create(&api, &name).await;
        want.insert(name);
    }
    until_seen(&mut early, &want).await;
    assert_eq!(informer.subscriber_count(), 2);

    // One that joins now is sent what is cached, then what changes.
    let mut late = cache
        .informer(api.clone(), watcher::Config::default())
        .subscribe();
    until_seen(&mut late, &want).await;
    create(&api, "after").await;
    until_seen(&mut late, &BTreeSet::from(["after".to_owned()])).await;
    drop(late);
    assert_eq!(informer.subscriber_count(), 2);
}
