//! Pequod's embedded API server (`pequod up --no-controllers`, SQLite) against
//! the real kube-apiserver + etcd of `test/kube-apiserver/`, on the same
//! machine in one run, through the same kube-rs client code: `Api<ConfigMap>`
//! in a fresh namespace of each server, N objects, C requests in flight.
//!
//! Per server it measures create, get, update (PUT), merge patch and
//! server-side apply throughput and p50/p99 latency; the latency of a full
//! list of the N objects, unpaginated and with `limit=500`; watch delivery
//! latency (a watch open while a writer creates objects: from before the
//! create call, and from its return, to the event's arrival); the servers'
//! CPU time per write; and their resident memory idle at start and after the
//! load. The servers take turns for `--rounds` rounds, each in a fresh
//! namespace; it prints, per metric, the median over the rounds for both
//! servers and the ratio embedded ÷ kube-apiserver, and whether the issue's
//! goals are met (at least twice kube-apiserver's write throughput at a
//! quarter of its memory, watch delivery p99 under 10 ms). Figures are
//! printed, never asserted. The machine is shared: compare ratios, and run
//! it again before trusting a single figure.
//!
//! The reference server's memory is kube-apiserver's process plus the
//! harness process, which runs etcd embedded; kube-controller-manager (a
//! process of its own that the harness also starts) is shown apart and left
//! out of the ratio. The embedded server's memory is that of the
//! `pequod up` process.
//!
//! It runs the `pequod` binary: `$PEQUOD_BIN` when set, else `pequod` in the
//! target directory of this bench (build it first, in release mode like the
//! bench itself):
//!
//! ```sh
//! export CARGO_TARGET_DIR=/root/.cache/pequod/target-bench
//! cargo build --release -p pequod
//! cargo bench -p pequod-apiserver --bench apiserver -- \
//!     [--objects 1000] [--concurrency 16] [--watch 500] [--watch-writers 1] [--lists 10] \
//!     [--rounds 3]
//! ```

#![allow(clippy::print_stdout, reason = "a bench prints its figures")]

use std::collections::HashMap;
use std::error::Error;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{ListParams, ObjectMeta, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use pequod_testing::measure::{process_rss_kib, rss_kib};
use pequod_testing::{TestCluster, unique_name};
use serde_json::json;

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The bench's knobs, from `--name value` (or `--name=value`) arguments.
struct Args {
    objects: usize,
    concurrency: usize,
    watch: usize,
    watch_writers: usize,
    lists: usize,
    rounds: usize,
}

impl Args {
    fn parse() -> Self {
        let argv: Vec<String> = std::env::args().skip(1).collect();
        let get = |name: &str, default: usize| -> usize {
            let flag = format!("--{name}");
            let prefix = format!("--{name}=");
            argv.iter()
                .enumerate()
                .find_map(|(i, a)| {
                    if a == &flag {
                        argv.get(i + 1).cloned()
                    } else {
                        a.strip_prefix(&prefix).map(str::to_owned)
                    }
                })
                .and_then(|v| v.parse().ok())
                .filter(|&v: &usize| v > 0)
                .unwrap_or(default)
        };
        Self {
            objects: get("objects", 1000),
            concurrency: get("concurrency", 16),
            watch: get("watch", 500),
            watch_writers: get("watch-writers", 1),
            lists: get("lists", 10),
            rounds: get("rounds", 3),
        }
    }
}

// ---------------------------------------------------------------------------
// Processes: memory and CPU time from /proc.

/// Children of `pid`, with their command names.
fn children(pid: u32) -> Vec<(u32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| {
            let child: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).ok()?;
            let (head, tail) = stat.rsplit_once(')')?;
            let comm = head.split_once('(')?.1.to_owned();
            let ppid: u32 = tail.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == pid).then_some((child, comm))
        })
        .collect()
}

/// User plus system CPU time of `pid` (clock ticks taken as 1/100 s, the
/// Linux default).
fn cpu_time(pid: u32) -> Duration {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let fields: Vec<u64> = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|f| f.parse().ok())
                .collect();
            Some(fields.iter().sum::<u64>())
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn rss_of(pids: &[u32]) -> Option<u64> {
    pids.iter()
        .map(|p| rss_kib(&p.to_string()))
        .sum::<Option<u64>>()
}

// ---------------------------------------------------------------------------
// The servers.

/// One server under test.
struct Server {
    name: &'static str,
    kubeconfig: PathBuf,
    /// The processes whose memory and CPU count as the server's.
    pids: Vec<u32>,
    /// Processes shown apart (kube-controller-manager).
    others: Vec<(u32, String)>,
}

impl Server {
    fn rss_kib(&self) -> Option<u64> {
        if self.pids.is_empty() {
            // A shared harness (PEQUOD_TEST_KUBE_APISERVER_KUBECONFIG):
            // kube-apiserver alone, etcd unknown.
            return process_rss_kib("kube-apiserver");
        }
        rss_of(&self.pids)
    }

    fn cpu(&self) -> Duration {
        self.pids.iter().map(|&p| cpu_time(p)).sum()
    }
}

/// `pequod up`, killed and its data removed on drop.
struct PequodUp {
    child: Child,
    data_dir: PathBuf,
}

impl Drop for PequodUp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn pequod_bin() -> BenchResult<PathBuf> {
    if let Some(bin) = std::env::var_os("PEQUOD_BIN").filter(|b| !b.is_empty()) {
        return Ok(PathBuf::from(bin));
    }
    // This bench is <target>/release/deps/apiserver-<hash>.
    let exe = std::env::current_exe()?;
    let candidate = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("pequod"))
        .filter(|p| p.is_file());
    candidate.ok_or_else(|| {
        format!(
            "no pequod binary next to {}: run `cargo build --release -p pequod` with the same \
             CARGO_TARGET_DIR, or set PEQUOD_BIN",
            exe.display()
        )
        .into()
    })
}

fn start_pequod() -> BenchResult<(PequodUp, Server)> {
    let bin = pequod_bin()?;
    let data_dir = std::env::temp_dir().join(unique_name("pequod-bench"));
    std::fs::create_dir_all(&data_dir)?;
    let log = std::fs::File::create(data_dir.join("pequod.log"))?;
    let mut child = Command::new(&bin)
        .args([
            "up",
            "--no-controllers",
            "--quiet",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(&data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let up = PequodUp {
        child,
        data_dir: data_dir.clone(),
    };
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("Pequod is up") => break,
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => {
                return Err(format!(
                    "pequod up exited before it was up; see {}",
                    data_dir.join("pequod.log").display()
                )
                .into());
            }
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    let server = Server {
        name: "embedded",
        kubeconfig: data_dir.join("kubeconfig"),
        pids: vec![up.child.id()],
        others: Vec::new(),
    };
    Ok((up, server))
}

fn start_kube_apiserver() -> BenchResult<Server> {
    let shared = std::env::var_os(pequod_testing::KUBE_APISERVER_KUBECONFIG_ENV)
        .is_some_and(|v| !v.is_empty());
    let cluster = TestCluster::kube_apiserver()?;
    let mut pids = Vec::new();
    let mut others = Vec::new();
    if shared {
        println!(
            "note: {} is set: kube-apiserver is shared, its memory is kube-apiserver's alone \
             and its CPU time is not measured",
            pequod_testing::KUBE_APISERVER_KUBECONFIG_ENV
        );
    } else {
        // The harness is this process's child (its run script execs it); it
        // hosts etcd and starts kube-apiserver and kube-controller-manager.
        let harness = children(std::process::id())
            .into_iter()
            .find(|(_, comm)| comm == "harness")
            .ok_or("the kube-apiserver harness is not a child of this process")?;
        pids.push(harness.0);
        for (pid, comm) in children(harness.0) {
            if comm == "kube-apiserver" {
                pids.push(pid);
            } else {
                others.push((pid, comm));
            }
        }
        if pids.len() < 2 {
            return Err("no kube-apiserver process under the harness".into());
        }
    }
    Ok(Server {
        name: "kube-apiserver",
        kubeconfig: cluster.kubeconfig().to_owned(),
        pids,
        others,
    })
}

async fn client(kubeconfig: &Path) -> BenchResult<Client> {
    let kc = Kubeconfig::read_from(kubeconfig)?;
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

// ---------------------------------------------------------------------------
// Measurements.

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short vector"
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// Latencies (sorted), wall time and server CPU time of one phase.
struct Phase {
    latencies: Vec<Duration>,
    elapsed: Duration,
    cpu: Duration,
}

impl Phase {
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn p(&self, q: f64) -> f64 {
        ms(percentile(&self.latencies, q))
    }

    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    fn cpu_ms_per_op(&self) -> f64 {
        ms(self.cpu) / self.latencies.len().max(1) as f64
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `op(0..n)` with `concurrency` in flight, timing each call.
async fn phase<F, Fut>(server: &Server, n: usize, concurrency: usize, op: F) -> BenchResult<Phase>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(), kube::Error>>,
{
    let cpu0 = server.cpu();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures::stream::iter(0..n)
        .map(|i| {
            let call = op(i);
            async move {
                let t = Instant::now();
                call.await.map(|()| t.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .try_collect()
        .await?;
    let elapsed = started.elapsed();
    latencies.sort();
    Ok(Phase {
        latencies,
        elapsed,
        cpu: server.cpu().saturating_sub(cpu0),
    })
}

/// `times` sequential calls of `op`, timed.
async fn repeat<F, Fut>(server: &Server, times: usize, op: F) -> BenchResult<Phase>
where
    F: Fn() -> Fut,
    Fut: Future<Output = BenchResult<()>>,
{
    let cpu0 = server.cpu();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(times);
    for _ in 0..times {
        let t = Instant::now();
        op().await?;
        latencies.push(t.elapsed());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Ok(Phase {
        latencies,
        elapsed,
        cpu: server.cpu().saturating_sub(cpu0),
    })
}

/// What one server measured.
struct Figures {
    /// In the order measured.
    phases: Vec<(&'static str, Phase)>,
    /// Watch delivery from before the create call, and from its return.
    watch_from_call: Vec<Duration>,
    watch_from_return: Vec<Duration>,
    rss_idle: Option<u64>,
    rss_loaded: Option<u64>,
    others_rss: Vec<(String, Option<u64>)>,
}

fn config_map(name: String, data: serde_json::Value) -> BenchResult<ConfigMap> {
    Ok(serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": "bench"}},
        "data": data,
    }))?)
}

/// About 300 bytes of data per object.
fn payload(i: usize, round: &str) -> serde_json::Value {
    json!({"round": round, "index": i.to_string(), "payload": "x".repeat(256)})
}

async fn measure(server: &Server, args: &Args, round: usize) -> BenchResult<Figures> {
    println!("round {}: measuring {}", round + 1, server.name);
    let client = client(&server.kubeconfig).await?;
    let ns_name = unique_name("bench");
    Api::<Namespace>::all(client.clone())
        .create(
            &PostParams::default(),
            &Namespace {
                metadata: ObjectMeta {
                    name: Some(ns_name.clone()),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            },
        )
        .await?;
    let api: Api<ConfigMap> = Api::namespaced(client, &ns_name);
    let (n, c) = (args.objects, args.concurrency);
    let rss_idle = server.rss_kib();
    let mut phases = Vec::new();

    let objects: Vec<ConfigMap> = (0..n)
        .map(|i| config_map(format!("cm-{i}"), payload(i, "create")))
        .collect::<BenchResult<_>>()?;
    let replaced: Vec<ConfigMap> = (0..n)
        .map(|i| config_map(format!("cm-{i}"), payload(i, "update")))
        .collect::<BenchResult<_>>()?;
    let pp = PostParams::default();

    let create = phase(server, n, c, |i| {
        let (api, pp, obj) = (&api, &pp, &objects[i]);
        async move { api.create(pp, obj).await.map(drop) }
    })
    .await?;
    phases.push(("create", create));

    let get = phase(server, n, c, |i| {
        let api = &api;
        async move { api.get(&format!("cm-{i}")).await.map(drop) }
    })
    .await?;
    phases.push(("get", get));

    // Unconditional replace (no resourceVersion in the body).
    let update = phase(server, n, c, |i| {
        let (api, pp, obj) = (&api, &pp, &replaced[i]);
        async move { api.replace(&format!("cm-{i}"), pp, obj).await.map(drop) }
    })
    .await?;
    phases.push(("update (PUT)", update));

    let merge = PatchParams::default();
    let patch = phase(server, n, c, |i| {
        let (api, merge) = (&api, &merge);
        async move {
            let body = json!({"data": {"round": "merge"}});
            api.patch(&format!("cm-{i}"), merge, &Patch::Merge(&body))
                .await
                .map(drop)
        }
    })
    .await?;
    phases.push(("merge patch", patch));

    // Server-side apply by a second manager, the way Pequod writes.
    let ssa = PatchParams::apply("pequod-bench").force();
    let apply = phase(server, n, c, |i| {
        let (api, ssa) = (&api, &ssa);
        async move {
            let body = json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("cm-{i}"), "labels": {"applied": "true"}},
                "data": {"applied": i.to_string()},
            });
            api.patch(&format!("cm-{i}"), ssa, &Patch::Apply(&body))
                .await
                .map(drop)
        }
    })
    .await?;
    phases.push(("apply (SSA)", apply));

    // Re-apply the same object: a no-op write for the server to detect.
    let apply_noop = phase(server, n, c, |i| {
        let (api, ssa) = (&api, &ssa);
        async move {
            let body = json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("cm-{i}"), "labels": {"applied": "true"}},
                "data": {"applied": i.to_string()},
            });
            api.patch(&format!("cm-{i}"), ssa, &Patch::Apply(&body))
                .await
                .map(drop)
        }
    })
    .await?;
    phases.push(("apply (SSA, unchanged)", apply_noop));

    let list = repeat(server, args.lists, || {
        let api = &api;
        async move {
            let got = api.list(&ListParams::default()).await?;
            check_count(bench_objects(&got.items), n)
        }
    })
    .await?;
    phases.push(("list", list));

    let paged = repeat(server, args.lists, || {
        let api = &api;
        async move {
            let mut count = 0;
            let mut token: Option<String> = None;
            loop {
                let mut lp = ListParams::default().limit(500);
                if let Some(t) = &token {
                    lp = lp.continue_token(t);
                }
                let page = api.list(&lp).await?;
                count += bench_objects(&page.items);
                token = page.metadata.continue_.filter(|t| !t.is_empty());
                if token.is_none() {
                    break;
                }
            }
            check_count(count, n)
        }
    })
    .await?;
    phases.push(("list (limit=500)", paged));

    let (watch_from_call, watch_from_return) = watch(&api, args).await?;
    let rss_loaded = server.rss_kib();
    let others_rss = server
        .others
        .iter()
        .map(|(pid, comm)| (comm.clone(), rss_kib(&pid.to_string())))
        .collect();
    Ok(Figures {
        phases,
        watch_from_call,
        watch_from_return,
        rss_idle,
        rss_loaded,
        others_rss,
    })
}

/// The objects this bench made: kube-controller-manager adds
/// `kube-root-ca.crt` to every namespace.
fn bench_objects(items: &[ConfigMap]) -> usize {
    items
        .iter()
        .filter(|cm| {
            cm.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("cm-"))
        })
        .count()
}

fn check_count(got: usize, want: usize) -> BenchResult<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("listed {got} objects, expected {want}").into())
    }
}

/// When a create call started, and when it returned.
type Sent = (Instant, Option<Instant>);

/// A watch from the current revision while `args.watch` objects are
/// created by `args.watch_writers` writers: per object, the time from
/// before its create call, and from the call's return, to its ADDED event.
async fn watch(api: &Api<ConfigMap>, args: &Args) -> BenchResult<(Vec<Duration>, Vec<Duration>)> {
    let n = args.watch;
    let rv = api
        .list(&ListParams::default().limit(1))
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let stream = api.watch(&WatchParams::default().timeout(120), &rv).await?;
    let objects: Vec<ConfigMap> = (0..n)
        .map(|i| config_map(format!("w-{i}"), payload(i, "watch")))
        .collect::<BenchResult<_>>()?;
    // name -> (before the call, after it returned)
    let sent: Arc<Mutex<HashMap<String, Sent>>> = Arc::default();
    let pp = PostParams::default();
    let writer = futures::stream::iter(objects.iter())
        .map(|obj| {
            let (api, pp, sent) = (api, &pp, &sent);
            async move {
                let name = obj.metadata.name.clone().unwrap_or_default();
                if let Ok(mut s) = sent.lock() {
                    s.insert(name.clone(), (Instant::now(), None));
                }
                api.create(pp, obj).await?;
                let done = Instant::now();
                if let Ok(mut s) = sent.lock()
                    && let Some(e) = s.get_mut(&name)
                {
                    e.1 = Some(done);
                }
                Ok::<_, kube::Error>(())
            }
        })
        .buffer_unordered(args.watch_writers)
        .try_collect::<Vec<()>>();
    let reader = async {
        let mut arrived: HashMap<String, Instant> = HashMap::new();
        let mut stream = std::pin::pin!(stream);
        while arrived.len() < n {
            match stream.try_next().await? {
                Some(WatchEvent::Added(cm)) => {
                    let name = cm.metadata.name.unwrap_or_default();
                    if name.starts_with("w-") {
                        arrived.insert(name, Instant::now());
                    }
                }
                Some(WatchEvent::Error(e)) => return Err(format!("watch error: {e:?}").into()),
                Some(_) => {}
                None => return Err("the watch ended early".into()),
            }
        }
        BenchResult::Ok(arrived)
    };
    let (written, arrived) = tokio::time::timeout(Duration::from_secs(120), async {
        tokio::join!(writer, reader)
    })
    .await
    .map_err(|_| "the watch phase took over 120 s")?;
    written?;
    let arrived = arrived?;
    let sent = sent.lock().map_err(|e| e.to_string())?;
    let mut from_call = Vec::with_capacity(n);
    let mut from_return = Vec::with_capacity(n);
    for (name, at) in arrived {
        if let Some((before, after)) = sent.get(&name) {
            from_call.push(at.saturating_duration_since(*before));
            if let Some(after) = after {
                from_return.push(at.saturating_duration_since(*after));
            }
        }
    }
    from_call.sort();
    from_return.sort();
    Ok((from_call, from_return))
}

// ---------------------------------------------------------------------------
// The report.

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or_else(String::new, |kib| format!(", {} MiB RAM", kib / 1024));
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default();
    format!("nproc {cpus}, {model}{mem}, load average {load} at start")
}

/// One line of the table; `higher` says whether more is better.
struct Row {
    metric: String,
    embedded: Option<f64>,
    kube: Option<f64>,
    higher: bool,
}

fn row(metric: impl Into<String>, embedded: f64, kube: f64, higher: bool) -> Row {
    Row {
        metric: metric.into(),
        embedded: Some(embedded),
        kube: Some(kube),
        higher,
    }
}

#[allow(clippy::cast_precision_loss, reason = "KiB counts far below 2^52")]
fn mib(kib: Option<u64>) -> Option<f64> {
    kib.map(|k| k as f64 / 1024.0)
}

fn print_table(rows: &[Row]) {
    let fmt = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2}"));
    println!(
        "{:<40} {:>12} {:>15} {:>14}  better",
        "metric", "embedded", "kube-apiserver", "embedded/kube"
    );
    println!("{}", "-".repeat(92));
    for r in rows {
        let (ratio, better) = match (r.embedded, r.kube) {
            (Some(e), Some(k)) if k > 0.0 && e > 0.0 => {
                let better = if (e > k) == r.higher {
                    "embedded"
                } else {
                    "kube-apiserver"
                };
                (format!("{:.2}", e / k), better)
            }
            _ => ("n/a".to_owned(), ""),
        };
        println!(
            "{:<40} {:>12} {:>15} {:>14}  {better}",
            r.metric,
            fmt(r.embedded),
            fmt(r.kube),
            ratio
        );
    }
}

fn rows(e: &Figures, k: &Figures) -> Vec<Row> {
    let mut out = Vec::new();
    for (name, pe) in &e.phases {
        let Some((_, pk)) = k.phases.iter().find(|(n, _)| n == name) else {
            continue;
        };
        if name.starts_with("list") {
            out.push(row(format!("{name} p50 (ms)"), pe.p(0.5), pk.p(0.5), false));
            out.push(row(
                format!("{name} p99 (ms)"),
                pe.p(0.99),
                pk.p(0.99),
                false,
            ));
            continue;
        }
        out.push(row(
            format!("{name} (objects/s)"),
            pe.per_second(),
            pk.per_second(),
            true,
        ));
        out.push(row(format!("{name} p50 (ms)"), pe.p(0.5), pk.p(0.5), false));
        out.push(row(
            format!("{name} p99 (ms)"),
            pe.p(0.99),
            pk.p(0.99),
            false,
        ));
        out.push(row(
            format!("{name} server CPU (ms/op)"),
            pe.cpu_ms_per_op(),
            pk.cpu_ms_per_op(),
            false,
        ));
    }
    let w = |v: &[Duration], q| ms(percentile(v, q));
    for (label, ve, vk) in [
        (
            "watch delivery from call",
            &e.watch_from_call,
            &k.watch_from_call,
        ),
        (
            "watch delivery from return",
            &e.watch_from_return,
            &k.watch_from_return,
        ),
    ] {
        out.push(row(
            format!("{label} p50 (ms)"),
            w(ve, 0.5),
            w(vk, 0.5),
            false,
        ));
        out.push(row(
            format!("{label} p99 (ms)"),
            w(ve, 0.99),
            w(vk, 0.99),
            false,
        ));
    }
    out
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Per metric, the median over the rounds of each server's figure.
fn combine(rounds: &[Vec<Row>]) -> Vec<Row> {
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    first
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let pick = |f: fn(&Row) -> Option<f64>| {
                median(
                    rounds
                        .iter()
                        .filter_map(|round| round.get(i).and_then(f))
                        .collect(),
                )
            };
            Row {
                metric: r.metric.clone(),
                embedded: pick(|r| r.embedded),
                kube: pick(|r| r.kube),
                higher: r.higher,
            }
        })
        .collect()
}

fn print_goals(rows: &[Row]) {
    let find = |metric: &str| rows.iter().find(|r| r.metric == metric);
    println!("\ngoals (printed, not asserted):");
    for name in ["create", "update (PUT)", "merge patch", "apply (SSA)"] {
        if let Some(Row {
            embedded: Some(e),
            kube: Some(k),
            ..
        }) = find(&format!("{name} (objects/s)"))
        {
            let x = e / k;
            let verdict = if x >= 2.0 { "met" } else { "NOT met" };
            println!("  {name} throughput >= 2x kube-apiserver: {x:.2}x, {verdict}");
        }
    }
    if let Some(Row {
        embedded: Some(e),
        kube: Some(k),
        ..
    }) = find("RSS after the load (MiB)")
    {
        let x = e / k;
        let verdict = if x <= 0.25 { "met" } else { "NOT met" };
        println!("  RSS after load <= 1/4 of kube-apiserver+etcd: {x:.3}x, {verdict}");
    }
    for from in ["call", "return"] {
        if let Some(Row {
            embedded: Some(p99),
            ..
        }) = find(&format!("watch delivery from {from} p99 (ms)"))
        {
            let verdict = if *p99 < 10.0 { "met" } else { "NOT met" };
            println!("  embedded watch delivery p99 (from {from}) < 10 ms: {p99:.2} ms, {verdict}");
        }
    }
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let args = Args::parse();
    println!("machine: {}", machine());
    println!(
        "objects {}, concurrency {}, watch {} objects by {} writer(s), {} lists, {} rounds; one \
         kube-rs client per server, HTTPS with a bearer token, ConfigMaps of ~300 bytes of data",
        args.objects, args.concurrency, args.watch, args.watch_writers, args.lists, args.rounds
    );

    let started = Instant::now();
    let kube = start_kube_apiserver()?;
    println!(
        "kube-apiserver + etcd up in {:.1}s (pids {:?}: harness with etcd, kube-apiserver)",
        started.elapsed().as_secs_f64(),
        kube.pids
    );
    let started = Instant::now();
    let (_pequod, embedded) = start_pequod()?;
    println!(
        "pequod up --no-controllers in {:.1}s (pid {:?})",
        started.elapsed().as_secs_f64(),
        embedded.pids
    );

    // Rounds alternate between the servers (the other one idles), each in
    // a fresh namespace, so that the machine's load drifts over both.
    let mut rounds = Vec::new();
    let mut rss = Vec::new();
    let mut others_rss = Vec::new();
    for round in 0..args.rounds {
        let (e, k) = if round % 2 == 0 {
            let e = measure(&embedded, &args, round).await?;
            (e, measure(&kube, &args, round).await?)
        } else {
            let k = measure(&kube, &args, round).await?;
            (measure(&embedded, &args, round).await?, k)
        };
        rounds.push(rows(&e, &k));
        rss.push((e.rss_idle, e.rss_loaded, k.rss_idle, k.rss_loaded));
        others_rss = k.others_rss;
    }
    println!("\nmedian over {} rounds:\n", args.rounds);
    let mut table = combine(&rounds);
    if let (Some(first), Some(last)) = (rss.first(), rss.last()) {
        table.push(Row {
            metric: "RSS idle at start (MiB)".into(),
            embedded: mib(first.0),
            kube: mib(first.2),
            higher: false,
        });
        table.push(Row {
            metric: "RSS after the load (MiB)".into(),
            embedded: mib(last.1),
            kube: mib(last.3),
            higher: false,
        });
    }
    print_table(&table);
    println!(
        "(kube-apiserver's RSS is kube-apiserver + the harness process hosting etcd; not \
         counted:{})",
        others_rss
            .iter()
            .map(|(comm, rss)| format!(
                " {comm} {} MiB",
                mib(*rss).map_or_else(|| "n/a".to_owned(), |m| format!("{m:.1}"))
            ))
            .collect::<String>()
    );
    print_goals(&table);
    Ok(())
}
