//! Benchmarks: work-queue throughput and memory per cached object.
//!
//! `cargo bench -p pequod-runtime` prints items/s through add → get → done
//! with no-op processing, and the resident memory a reflector store takes per
//! object with and without `managedFields`.

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry, ObjectMeta};
use kube::runtime::reflector;
use kube::runtime::watcher::Event;
use pequod_runtime::queue::{QueueConfig, WorkQueue};

fn main() {
    if let Ok(mode) = std::env::var(STORE_MODE) {
        return store_only(&mode);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for workers in [1, 10] {
        for keys in [1_000u64, 100_000] {
            let rate = runtime.block_on(throughput(keys, workers));
            println!("queue: {keys} distinct keys, {workers} workers: {rate:.0} items/s");
        }
    }
    let rate = runtime.block_on(hot_key_throughput(200_000));
    println!("queue: one key re-added while processing, 10 workers: {rate:.0} handouts/s");
    // Each store is measured in a fresh process so freed memory from one
    // measurement cannot hide the growth of the next.
    for mode in ["keep", "strip"] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .env(STORE_MODE, mode)
            .output()
            .unwrap();
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

const STORE_MODE: &str = "PEQUOD_BENCH_STORE";

fn store_only(mode: &str) {
    let strip = mode == "strip";
    let per_object = store_memory(20_000, strip);
    let what = if strip {
        "managedFields stripped"
    } else {
        "with managedFields"
    };
    println!("store: {per_object:.0} resident bytes per cached ConfigMap ({what})");
}

/// Items per second through add → get → done.
async fn throughput(keys: u64, workers: usize) -> f64 {
    let queue = WorkQueue::<u64>::new(QueueConfig::controller_runtime());
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (queue, done) = (queue.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(claim) = queue.get().await {
                queue.forget(claim.key());
                drop(claim);
                if done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 == keys {
                    queue.shut_down();
                }
            }
        }));
    }
    for key in 0..keys {
        queue.add(key);
    }
    for task in tasks {
        task.await.unwrap();
    }
    keys as f64 / start.elapsed().as_secs_f64()
}

/// Handouts per second of one key that is re-added on every run.
async fn hot_key_throughput(runs: u64) -> f64 {
    let queue = WorkQueue::<u64>::new(QueueConfig::controller_runtime());
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (queue, done) = (queue.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(claim) = queue.get().await {
                queue.add(*claim.key());
                drop(claim);
                if done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 >= runs {
                    queue.shut_down();
                }
            }
        }));
    }
    queue.add(0);
    for task in tasks {
        task.await.unwrap();
    }
    runs as f64 / start.elapsed().as_secs_f64()
}

fn resident_bytes() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0
}

/// A ConfigMap as a controller caches it: labels, an annotation, some data
/// and two managedFields entries as kubectl and a controller leave them.
fn config_map(i: usize) -> ConfigMap {
    let fields = |manager: &str| ManagedFieldsEntry {
        api_version: Some("v1".into()),
        fields_type: Some("FieldsV1".into()),
        fields_v1: Some(FieldsV1(serde_json::json!({
            "f:data": {"f:config.yaml": {}, "f:mode": {}},
            "f:metadata": {"f:labels": {"f:app": {}, "f:tier": {}},
                           "f:annotations": {"f:pequod.io/revision": {}}}
        }))),
        manager: Some(manager.into()),
        operation: Some("Apply".into()),
        ..ManagedFieldsEntry::default()
    };
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(format!("config-{i}")),
            namespace: Some("default".into()),
            uid: Some(format!("00000000-0000-0000-0000-{i:012}")),
            resource_version: Some(i.to_string()),
            labels: Some([("app".into(), "web".into()), ("tier".into(), "a".into())].into()),
            annotations: Some([("pequod.io/revision".into(), "3".into())].into()),
            managed_fields: Some(vec![fields("kubectl"), fields("pequod")]),
            ..ObjectMeta::default()
        },
        data: Some(
            [
                ("config.yaml".into(), "listen: 8080\nlog: info\n".into()),
                ("mode".into(), "production".into()),
            ]
            .into(),
        ),
        ..ConfigMap::default()
    }
}

/// Resident bytes per object of a reflector store of `n` ConfigMaps.
fn store_memory(n: usize, strip: bool) -> f64 {
    let (reader, mut writer) = reflector::store::<ConfigMap>();
    let before = resident_bytes();
    writer.apply_watcher_event(&Event::Init);
    for i in 0..n {
        let mut cm = config_map(i);
        if strip {
            cm.metadata.managed_fields = None;
        }
        writer.apply_watcher_event(&Event::InitApply(cm));
    }
    writer.apply_watcher_event(&Event::InitDone);
    let after = resident_bytes();
    assert_eq!(reader.len(), n);
    (after - before) / n as f64
}
