//! `pequod cue export` against the official `cue export`, side by side: the
//! same module and data file, each run as a fresh process (what a user or a
//! CI job pays), N times each, interleaved. Prints the median and p90 of each,
//! the ratio `cue / pequod` and the machine.
//!
//! Build the CLI first, in the same target directory:
//!
//! ```text
//! cargo build --release -p pequod
//! cargo bench -p pequod-cue --bench cli [-- RUNS]
//! ```
//!
//! `PEQUOD_BIN` names another `pequod` binary; `PEQUOD_CUE_ORACLE` another
//! `cue`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark binary fails by panicking and reports on stdout"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs of each CLI when no count is given on the command line.
const DEFAULT_RUNS: usize = 30;

/// The arguments both CLIs get, run from the module's directory.
const ARGS: [&str; 5] = ["export", ".", "testdata/full.yaml", "--out", "json"];

/// `$PEQUOD_BIN`, else `pequod` in the target directory this bench was built
/// in (`target/release/deps/cli-…` → `target/release/pequod`).
fn pequod_bin() -> PathBuf {
    let bin = std::env::var_os("PEQUOD_BIN").map_or_else(
        || {
            let exe = std::env::current_exe().unwrap();
            let profile_dir = exe.parent().and_then(Path::parent).unwrap();
            profile_dir.join(format!("pequod{}", std::env::consts::EXE_SUFFIX))
        },
        PathBuf::from,
    );
    assert!(
        bin.is_file(),
        "pequod binary not found at {}: run `cargo build --release -p pequod` with the same \
         CARGO_TARGET_DIR first, or set PEQUOD_BIN",
        bin.display()
    );
    bin
}

fn command(bin: &Path, prefix: &[&str], dir: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(prefix).args(ARGS).current_dir(dir);
    cmd
}

/// Runs the command once, checking it succeeds; returns stdout and the time.
fn run(cmd: &mut Command) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, took)
}

/// The `q`-quantile (nearest rank) of sorted samples.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; a bare number sets the run count.
    let runs = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(DEFAULT_RUNS)
        .max(1);
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../modules/webservice");
    let pequod = pequod_bin();
    let cue = pequod_testing::cue_oracle();

    // Same bytes first; this also warms the page cache for both binaries.
    let (ours, _) = run(&mut command(&pequod, &["cue"], &module));
    let (theirs, _) = run(&mut command(&cue, &[], &module));
    assert!(
        ours == theirs,
        "outputs differ\n--- pequod\n{}\n--- cue\n{}",
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs)
    );

    let mut times_pequod = Vec::with_capacity(runs);
    let mut times_cue = Vec::with_capacity(runs);
    for _ in 0..runs {
        times_pequod.push(run(&mut command(&pequod, &["cue"], &module)).1);
        times_cue.push(run(&mut command(&cue, &[], &module)).1);
    }
    times_pequod.sort();
    times_cue.sort();

    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("machine: {nproc} CPUs, {}", cpu_model());
    println!(
        "command: <cli> {} (in modules/webservice), {runs} runs each, identical output ({} bytes)",
        ARGS.join(" "),
        ours.len()
    );
    println!("pequod: {}", pequod.display());
    println!("cue:    {}", cue.display());
    let (p50, p90) = (quantile(&times_pequod, 0.5), quantile(&times_pequod, 0.9));
    let (c50, c90) = (quantile(&times_cue, 0.5), quantile(&times_cue, 0.9));
    println!(
        "pequod cue export: median {:7.2} ms  p90 {:7.2} ms",
        ms(p50),
        ms(p90)
    );
    println!(
        "cue export:        median {:7.2} ms  p90 {:7.2} ms",
        ms(c50),
        ms(c90)
    );
    println!(
        "ratio cue / pequod: median {:.1}x  p90 {:.1}x (goal: >= 5x)",
        ms(c50) / ms(p50),
        ms(c90) / ms(p90)
    );
}
