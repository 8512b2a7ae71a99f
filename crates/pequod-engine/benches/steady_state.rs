//! The engine on the real kube-apiserver: N graphs of three ConfigMaps in
//! two waves are driven to Ready, then reconciled again and again in steady
//! state (nothing to apply: every node read, hashed and checked). Prints
//! reconciles per second, p50/p99 latency, and the RSS of this process and
//! of kube-apiserver measured in the same run.
//!
//! `cargo bench -p pequod-engine --bench steady_state -- [graphs] [rounds] [concurrency]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark binary"
)]

use std::time::{Duration, Instant};

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::ApiResource;
use kube::api::{Patch, PatchParams, PostParams};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::watcher;
use pequod_api::{GraphPhase, ResourceGraph};
use pequod_engine::LiveCache;
use pequod_engine::applyset::PART_OF_LABEL;
use pequod_engine::{Engine, EngineConfig};
use pequod_testing::TestCluster;
use pequod_testing::measure::{arg, process_rss_kib, rss_kib};
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let graphs_n = usize::try_from(arg(0, 200)).unwrap_or(200);
    let rounds = usize::try_from(arg(1, 5)).unwrap_or(5);
    let concurrency = usize::try_from(arg(2, 16)).unwrap_or(16);
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    cluster
        .apply_crds(&client, &pequod_api::crds())
        .await
        .unwrap();
    let ns = cluster.create_namespace(&client, "bench").await.unwrap();
    let api: Api<ResourceGraph> = Api::namespaced(client.clone(), &ns);
    let engine = Engine::new(client.clone(), EngineConfig::default());
    let rss_before = rss_kib("self").unwrap_or(0);

    let cm = |name: String| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}});
    for i in 0..graphs_n {
        let graph: ResourceGraph = serde_json::from_value(json!({
            "apiVersion": "pequod.io/v1alpha1", "kind": "ResourceGraph", "metadata": {"name": format!("g{i}")},
            "spec": {"nodes": [
                {"id": "a", "object": cm(format!("g{i}-a"))},
                {"id": "b", "object": cm(format!("g{i}-b"))},
                {"id": "c", "dependsOn": ["a", "b"], "object": cm(format!("g{i}-c"))}
            ]}
        }))
        .unwrap();
        api.create(&PostParams::default(), &graph).await.unwrap();
    }

    // One reconcile as the controller does it: read, execute, write status.
    let step = |name: String| {
        let api = api.clone();
        let engine = engine.clone();
        async move {
            let started = Instant::now();
            let graph = api.get(&name).await.unwrap();
            let outcome = engine.reconcile(&graph).await;
            if graph.status.as_ref() != Some(&outcome.status) {
                let patch = json!({"apiVersion": "pequod.io/v1alpha1", "kind": "ResourceGraph", "status": outcome.status});
                api.patch_status(
                    &name,
                    &PatchParams::apply("pequod").force(),
                    &Patch::Apply(&patch),
                )
                .await
                .unwrap();
            }
            (started.elapsed(), outcome.status.phase, outcome.applied)
        }
    };
    let names: Vec<String> = (0..graphs_n).map(|i| format!("g{i}")).collect();

    // To Ready: two waves, so two passes (plus one if readiness lags).
    let started = Instant::now();
    let mut passes = 0;
    loop {
        passes += 1;
        let results: Vec<_> = futures::stream::iter(names.clone())
            .map(step)
            .buffer_unordered(concurrency)
            .collect()
            .await;
        if results
            .iter()
            .all(|(_, phase, _)| *phase == Some(GraphPhase::Ready))
            || passes > 5
        {
            break;
        }
    }
    let to_ready = started.elapsed();

    // Steady state, as the controller sees it: graphs come from its cache,
    // so a reconcile costs only what the engine itself asks the server for.
    let graphs = api.list(&Default::default()).await.unwrap().items;
    let direct = steady(&engine, &graphs, rounds, concurrency).await;

    // The same, with live objects read from a watch-fed cache.
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let (store, writer) = reflector::store();
    let config = watcher::Config::default().labels(PART_OF_LABEL);
    let watch = reflector::reflector(writer, watcher::watcher(configmaps, config));
    tokio::spawn(watch.for_each(|_| async {}));
    store.wait_until_ready().await.unwrap();
    let cached_engine = Engine::new(client.clone(), EngineConfig::default())
        .with_cache(Arc::new(ConfigMapCache(store)));
    let cached = steady(&cached_engine, &graphs, rounds, concurrency).await;
    let rss_after = rss_kib("self").unwrap_or(0);
    let apiserver = process_rss_kib("kube-apiserver");

    println!(
        "engine steady state on the real kube-apiserver ({} CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("  graphs: {graphs_n} x 3 ConfigMaps in 2 waves, concurrency {concurrency}");
    println!(
        "  to Ready: {:.2}s in {passes} passes ({:.0} objects/s)",
        to_ready.as_secs_f64(),
        (graphs_n * 3) as f64 / to_ready.as_secs_f64()
    );
    for (what, (latencies, elapsed, sent)) in [
        ("reading the API server", &direct),
        ("reading a watch cache", &cached),
    ] {
        #[allow(clippy::cast_precision_loss)]
        let per_second = latencies.len() as f64 / elapsed.as_secs_f64();
        println!(
            "  steady, {what}: {} reconciles in {:.2}s = {per_second:.0}/s, p50 {:.2} ms, p99 {:.2} ms, re-sent {sent}",
            latencies.len(),
            elapsed.as_secs_f64(),
            percentile(latencies, 0.5).as_secs_f64() * 1e3,
            percentile(latencies, 0.99).as_secs_f64() * 1e3,
        );
    }
    println!(
        "  bench RSS {} MiB (+{} KiB over the graphs)",
        rss_after / 1024,
        rss_after.saturating_sub(rss_before)
    );
    if let Some(kib) = apiserver {
        println!("  kube-apiserver RSS {} MiB", kib / 1024);
    }
}

/// Reconciles every graph `rounds` times, `concurrency` at once.
async fn steady(
    engine: &Engine,
    graphs: &[ResourceGraph],
    rounds: usize,
    concurrency: usize,
) -> (Vec<Duration>, Duration, usize) {
    let mut latencies = Vec::with_capacity(graphs.len() * rounds);
    let mut sent = 0;
    let started = Instant::now();
    for _ in 0..rounds {
        let results: Vec<(Duration, usize)> = futures::stream::iter(graphs)
            .map(|g| async move {
                let t = Instant::now();
                let o = engine.reconcile(g).await;
                (t.elapsed(), o.applied)
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        for (latency, applied) in results {
            latencies.push(latency);
            sent += applied;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    (latencies, elapsed, sent)
}

/// A watch-fed cache of ConfigMaps, as the controller keeps one per kind.
struct ConfigMapCache(Store<ConfigMap>);

impl LiveCache for ConfigMapCache {
    fn cached(
        &self,
        _: &ApiResource,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<serde_json::Value> {
        let object = self.0.get(&ObjectRef::new(name).within(namespace?))?;
        serde_json::to_value(&*object).ok()
    }
}
