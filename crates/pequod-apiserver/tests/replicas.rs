//! Two stores on one PostgreSQL database, as two `pequod up` replicas: a CRD
//! created through one is served by the other, and the other's garbage
//! collector deletes dependents of an owner deleted through the first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use pequod_apiserver::api::query::WriteOptions;
use pequod_apiserver::storage::postgres::PostgresStorage;
use pequod_apiserver::store::{DeleteOptions, Store, StoreOptions};
use pequod_testing::postgres::PostgresServer;
use serde_json::json;

async fn replica(url: &str) -> Arc<Store<PostgresStorage>> {
    let storage = Arc::new(PostgresStorage::connect(url).await.unwrap());
    let options = StoreOptions {
        follow_log: true,
        ..StoreOptions::default()
    };
    let store = Store::open(storage, options).await.unwrap();
    store.spawn_background();
    store
}

fn writer() -> WriteOptions {
    WriteOptions {
        field_manager: "replicas-test".into(),
        field_manager_given: true,
        ..WriteOptions::default()
    }
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_crds_and_garbage_collection() {
    let server = PostgresServer::start().unwrap_or_else(|e| panic!("{e}"));
    let a = replica(&server.url()).await;
    let b = replica(&server.url()).await;

    // A CRD created through A is served by B.
    let crds = a
        .registry()
        .get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        .unwrap();
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.replicas.test.pequod.io"},
        "spec": {"group": "replicas.test.pequod.io", "scope": "Namespaced",
                 "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                 "versions": [{"name": "v1", "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                          "x-kubernetes-preserve-unknown-fields": true}}}]}
    });
    a.create(&crds, None, crd, &writer()).await.unwrap();
    eventually("B serving the CRD created through A", async || {
        b.registry()
            .get("replicas.test.pequod.io", "v1", "gadgets")
            .is_some()
    })
    .await;
    let gadgets = b
        .registry()
        .get("replicas.test.pequod.io", "v1", "gadgets")
        .unwrap();
    let owner = b
        .create(
            &gadgets,
            Some("default"),
            json!({"apiVersion": "replicas.test.pequod.io/v1", "kind": "Gadget",
                   "metadata": {"name": "owner"}}),
            &writer(),
        )
        .await
        .unwrap()
        .object;

    // A dependent written through B, its owner deleted through A: A's
    // collector knows the dependent from the log and deletes it.
    let configmaps = a.registry().get("", "v1", "configmaps").unwrap();
    b.create(
        &configmaps,
        Some("default"),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "dependent", "ownerReferences": [{
                   "apiVersion": "replicas.test.pequod.io/v1", "kind": "Gadget",
                   "name": "owner", "uid": owner["metadata"]["uid"]}]}}),
        &writer(),
    )
    .await
    .unwrap();
    eventually("A seeing the Gadget written through B", async || {
        a.get(&gadgets, Some("default"), "owner").await.is_ok()
    })
    .await;
    // Give A's follower the dependent's write before the owner goes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.delete(
        &gadgets,
        Some("default"),
        "owner",
        &DeleteOptions::default(),
    )
    .await
    .unwrap();
    eventually("the dependent collected", async || {
        a.get(&configmaps, Some("default"), "dependent")
            .await
            .is_err()
    })
    .await;
}
