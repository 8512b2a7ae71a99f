//! N WebService instances through the whole operator on the real
//! kube-apiserver: the Transform publishes the kind, the instance controller
//! renders every instance, the graph controller applies the graphs. Prints
//! the time until every graph has applied its first wave, then the steady
//! state over a window (reconciles per second and p50/p99 latency per
//! controller, from the operator's own metrics), and RSS per managed object.
//! No kubelet runs, so Deployments never become ready: in steady state every
//! graph is Progressing and re-examined every 5 s, as a real cluster's
//! rollouts would be.
//!
//! `cargo bench -p pequod-controllers --bench webservices -- [instances] [window-seconds]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark binary"
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cap::Cap;
use futures::StreamExt;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, PostParams};
use pequod_api::{NodePhase, ResourceGraph, Transform, TransformPhase};
use pequod_controllers::{resource_graph, transform};
use pequod_runtime::manager::{Manager, ManagerConfig};
use pequod_testing::measure::{apiserver_requests, arg, process_rss_kib, rss_kib};
use pequod_testing::{TestCluster, unique_name};
use serde_json::json;

/// Counts the bytes the heap holds, next to RSS (which also counts what the
/// allocator keeps after frees).
#[global_allocator]
static HEAP: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

/// Per controller: reconcile count and the cumulative latency histogram.
#[derive(Default, Clone)]
struct Sample {
    total: f64,
    buckets: Vec<(f64, f64)>,
}

fn sample(text: &str) -> BTreeMap<String, Sample> {
    let mut out: BTreeMap<String, Sample> = BTreeMap::new();
    for line in text.lines() {
        let label = |key: &str| {
            line.split(&format!("{key}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_owned)
        };
        let value = line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        if line.starts_with("controller_runtime_reconcile_total{") {
            if let Some(c) = label("controller") {
                out.entry(c).or_default().total += value;
            }
        } else if line.starts_with("controller_runtime_reconcile_time_seconds_bucket{")
            && let (Some(c), Some(le)) = (label("controller"), label("le"))
        {
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap_or(f64::INFINITY)
            };
            out.entry(c).or_default().buckets.push((le, value));
        }
    }
    out
}

/// The bucket bound below which `q` of the window's reconciles fell.
fn quantile(before: &Sample, after: &Sample, q: f64) -> f64 {
    let deltas: Vec<(f64, f64)> = after
        .buckets
        .iter()
        .map(|(le, n)| {
            (
                *le,
                n - before
                    .buckets
                    .iter()
                    .find(|(l, _)| l == le)
                    .map_or(0.0, |(_, m)| *m),
            )
        })
        .collect();
    let total = deltas.last().map_or(0.0, |(_, n)| *n);
    deltas
        .iter()
        .find(|(_, n)| *n >= q * total)
        .map_or(f64::NAN, |(le, _)| *le)
}

/// A manager serving neither metrics nor probes (the bench reads its
/// registry directly).
fn quiet_manager(client: &kube::Client) -> Manager {
    Manager::new(
        client.clone(),
        ManagerConfig {
            metrics_bind_address: "0".into(),
            health_probe_bind_address: "0".into(),
            ..ManagerConfig::default()
        },
    )
}

#[tokio::main]
async fn main() {
    // Quiet unless RUST_LOG asks (warnings name failed reconciles).
    if std::env::var_os("RUST_LOG").is_some() {
        use pequod_runtime::logging::{LogEncoder, LogLevel, init};
        init(LogLevel::Warn, LogEncoder::Console).unwrap();
    }
    let instances = arg(0, 1000);
    let window = Duration::from_secs(arg(1, 30));
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    cluster
        .apply_crds(&client, &pequod_api::crds())
        .await
        .unwrap();
    let rss_start = rss_kib("self").unwrap_or(0);
    let heap_start = HEAP.allocated();
    // The most the heap held at once: RSS keeps what the allocator got
    // at the peak, not what is in use now.
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    {
        let peak = std::sync::Arc::clone(&peak);
        std::thread::spawn(move || {
            loop {
                peak.fetch_max(HEAP.allocated(), std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        });
    }

    let mut manager = quiet_manager(&client);
    let metrics = manager.metrics().clone();
    resource_graph::add_to(&mut manager, resource_graph::Config::default());
    transform::controller::add_to(&mut manager);
    let running = manager.start().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(running.wait(async {
        let _ = stopped.await;
    }));

    let name = unique_name("bench");
    let group = format!("{name}.platform.bench.pequod.io");
    let transforms: Api<Transform> = Api::all(client.clone());
    let t: Transform = serde_json::from_value(json!({"apiVersion": "pequod.io/v1alpha1", "kind": "Transform", "metadata": {"name": name},
        "spec": {"cueRef": {"type": "Embedded", "ref": "webservice"}, "group": group, "version": "v1alpha1", "kind": "WebService"}}))
    .unwrap();
    transforms.create(&PostParams::default(), &t).await.unwrap();
    while transforms
        .get(&name)
        .await
        .unwrap()
        .status
        .and_then(|s| s.phase)
        != Some(TransformPhase::Ready)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let ns = cluster.create_namespace(&client, "bench").await.unwrap();
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&group, "v1alpha1", "WebService"),
        "webservices",
    );
    let webservices: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
    let started = Instant::now();
    futures::stream::iter(0..instances)
        .for_each_concurrent(16, |i| {
            let api = webservices.clone();
            let group = group.clone();
            async move {
                let ws: DynamicObject = serde_json::from_value(
                    json!({"apiVersion": format!("{group}/v1alpha1"), "kind": "WebService",
                    "metadata": {"name": format!("ws{i}")},
                    "spec": {"image": format!("ghcr.io/acme/app{i}:1.0.{i}"), "replicas": 1,
                             "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}}}}),
                )
                .unwrap();
                api.create(&PostParams::default(), &ws).await.unwrap();
            }
        })
        .await;
    let created = started.elapsed();

    // Every graph has applied its first waves: ServiceAccount ready, Deployment applied.
    let graphs: Api<ResourceGraph> = Api::namespaced(client.clone(), &ns);
    loop {
        // Read in pages: a list of every graph at once would be the largest
        // allocation of this process, and its RSS is what is measured.
        let mut done = 0;
        let mut params = ListParams::default().limit(50);
        loop {
            let page = graphs.list(&params).await.unwrap();
            done += page
                .items
                .iter()
                .filter(|g| {
                    g.status.as_ref().is_some_and(|s| {
                        s.node_states.iter().any(|n| {
                            n.id == "deployment"
                                && n.object_ref.as_ref().is_some_and(|o| o.uid.is_some())
                                && n.phase != NodePhase::Pending
                        })
                    })
                })
                .count();
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params = params.continue_token(&token),
                _ => break,
            }
        }
        if done as u64 >= instances {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "only {done} of {instances} graphs applied after 30 min"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let applied = started.elapsed();

    // Steady state.
    let before = sample(&metrics.encode());
    tokio::time::sleep(window).await;
    let after = sample(&metrics.encode());
    let rss = rss_kib("self").unwrap_or(0);
    println!(
        "{instances} WebService instances on the real kube-apiserver ({} CPUs, controllers in this process)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "  created in {:.1}s; every graph applied ServiceAccount + Deployment after {:.1}s ({:.0} instances/s)",
        created.as_secs_f64(),
        applied.as_secs_f64(),
        instances as f64 / applied.as_secs_f64()
    );
    for (controller, a) in &after {
        let b = before.get(controller).cloned().unwrap_or_default();
        let rate = (a.total - b.total) / window.as_secs_f64();
        println!(
            "  steady state, {controller}: {rate:.0} reconciles/s, p50 <= {:.3} ms, p99 <= {:.3} ms (histogram bucket bounds)",
            quantile(&b, a, 0.5) * 1e3,
            quantile(&b, a, 0.99) * 1e3
        );
    }
    let heap = HEAP.allocated();
    let heap_peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    // What the caches hold at the least: each object's JSON without
    // managedFields, as the API server lists it.
    let json_size = |items: Vec<serde_json::Value>| {
        let n = items.len().max(1);
        let bytes: usize = items
            .into_iter()
            .map(|mut o| {
                if let Some(m) = o.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                    m.remove("managedFields");
                }
                serde_json::to_vec(&o).map_or(0, |b| b.len())
            })
            .sum();
        bytes / n
    };
    let listed = |api: Api<DynamicObject>| async move {
        api.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|o| serde_json::to_value(o).unwrap())
            .collect::<Vec<_>>()
    };
    let kind = |group: &str, version: &str, kind: &str, plural: &str| {
        Api::<DynamicObject>::namespaced_with(
            client.clone(),
            &ns,
            &ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk(group, version, kind),
                plural,
            ),
        )
    };
    let sizes = [
        ("instance", json_size(listed(webservices.clone()).await)),
        (
            "graph",
            json_size(
                listed(kind(
                    "pequod.io",
                    "v1alpha1",
                    "ResourceGraph",
                    "resourcegraphs",
                ))
                .await,
            ),
        ),
        (
            "ServiceAccount",
            json_size(listed(kind("", "v1", "ServiceAccount", "serviceaccounts")).await),
        ),
        (
            "Deployment",
            json_size(listed(kind("apps", "v1", "Deployment", "deployments")).await),
        ),
    ];
    println!(
        "  RSS {} MiB ({} MiB at start); {:.1} KiB per instance (instance, graph, 2 objects cached)",
        rss / 1024,
        rss_start / 1024,
        rss.saturating_sub(rss_start) as f64 / instances as f64
    );
    // The reference: the API server holding the same objects (and more:
    // the pods' worth of Deployments, events, its own caches).
    if let Some(server) = process_rss_kib("kube-apiserver") {
        println!(
            "  kube-apiserver RSS {} MiB in the same run: Pequod's growth is {:.2}x of the server's total",
            server / 1024,
            rss.saturating_sub(rss_start) as f64 / server as f64
        );
    }
    println!(
        "  heap in use {} MiB ({} MiB at start, {} MiB at the peak); {:.1} KiB per instance",
        heap >> 20,
        heap_start >> 20,
        heap_peak >> 20,
        heap.saturating_sub(heap_start) as f64 / 1024.0 / instances as f64
    );
    println!(
        "  JSON per cached object (no managedFields): {}",
        sizes
            .iter()
            .map(|(what, bytes)| format!("{what} {bytes} B"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = stop.send(());
    let _ = task.await;

    // Capacity: a restarted graph controller re-examines every graph at once
    // (its initial list fills the queue), so its rate is bound by the
    // controller, not by how often graphs change. The first reconciles wait
    // for the member kinds to be listed; the rate is taken after that.
    let requests_before = apiserver_requests(&client).await.unwrap();
    let mut manager = quiet_manager(&client);
    let metrics = manager.metrics().clone();
    let config = resource_graph::Config::default();
    let workers = config.concurrency;
    resource_graph::add_to(&mut manager, config);
    let restarted = Instant::now();
    let running = manager.start().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(running.wait(async {
        let _ = stopped.await;
    }));
    // Watched from a thread of its own: tokio's timers lag while the
    // runtime's workers are all busy reconciling.
    let watched = metrics.clone();
    let target = instances as f64;
    let (first_count, first, drained) = tokio::task::spawn_blocking(move || {
        let count = || {
            sample(&watched.encode())
                .get("resourcegraph")
                .map_or(0.0, |s| s.total)
        };
        let mut first_count = count();
        while first_count < 1.0 {
            std::thread::sleep(Duration::from_micros(500));
            first_count = count();
        }
        let first = Instant::now();
        while count() < target {
            std::thread::sleep(Duration::from_micros(500));
        }
        (first_count, first, first.elapsed())
    })
    .await
    .unwrap();
    let synced = first.duration_since(restarted);
    let requests_after = apiserver_requests(&client).await.unwrap();
    let all = sample(&metrics.encode())
        .get("resourcegraph")
        .cloned()
        .unwrap_or_default();
    let none = Sample::default();
    println!(
        "  restart, resourcegraph ({workers} workers): first graph reconciled after {:.2}s (members listed); \
         the other {:.0} in {:.3}s = {:.0} reconciles/s; p50 <= {:.3} ms, p99 <= {:.3} ms",
        synced.as_secs_f64(),
        instances as f64 - first_count,
        drained.as_secs_f64(),
        (instances as f64 - first_count) / drained.as_secs_f64(),
        quantile(&none, &all, 0.5) * 1e3,
        quantile(&none, &all, 0.99) * 1e3
    );
    // What the restart cost the API server (the lists and watches of graphs
    // and members, and the bench's own /metrics reads, included).
    let calls: Vec<String> = requests_after
        .iter()
        .map(|(verb, n)| (verb, n - requests_before.get(verb).copied().unwrap_or(0.0)))
        .filter(|(_, n)| *n > 0.0)
        .map(|(verb, n)| format!("{verb} {n:.0}"))
        .collect();
    println!("  restart, API requests: {}", calls.join(", "));
    let _ = stop.send(());
    let _ = task.await;
}
