//! How fast Pequod's CUE handles the bundled webservice module: parsing its
//! sources, compiling the module from disk, evaluating and exporting it with
//! the `full` fixture, and re-rendering one compiled module with 1,000
//! different inputs (the controller's steady state: one time per render).
//!
//! `cargo bench -p pequod-cue --bench cue`

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails by panicking; criterion_main! generates an undocumented main"
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use pequod_cue::{Compiled, Tags};
use serde_json::Value;

/// How many distinct inputs the re-render benchmark cycles through.
const RENDER_INPUTS: usize = 1_000;

fn module_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../modules/webservice")
}

/// The package's `.cue` files as `(name, source)`, in name order.
fn module_sources() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(module_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The `full` fixture's top-level fields (`input`, `context`, `observed`),
/// injected one by one as Pequod injects an instance.
fn full_fixture() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(module_dir().join("testdata/full.yaml")).unwrap();
    let data: Value = serde_yaml::from_str(&text).unwrap();
    data.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The fixture with `input.metadata.name` and `input.spec.replicas` varied.
fn varied_fixture(base: &[(String, Value)], i: usize) -> Vec<(String, Value)> {
    let mut inject = base.to_vec();
    let (_, input) = inject.iter_mut().find(|(k, _)| k == "input").unwrap();
    input["metadata"]["name"] = Value::from(format!("shop-{i}"));
    input["spec"]["replicas"] = Value::from(i % 20 + 1);
    inject
}

fn render(compiled: &Compiled, inject: &[(String, Value)]) -> String {
    let inject: Vec<(&str, Value)> = inject
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let mut inst = compiled.eval_with(&inject);
    let root = inst.root();
    inst.to_json(root, true).unwrap()
}

fn webservice(c: &mut Criterion) {
    let dir = module_dir();
    let sources = module_sources();
    let fixture = full_fixture();
    let compiled = Compiled::from_dir(&dir, ".", &Tags::default()).unwrap();

    // The numbers mean nothing if the output is wrong.
    let golden = std::fs::read_to_string(dir.join("testdata/full.golden.json")).unwrap();
    assert_eq!(render(&compiled, &fixture), golden.trim_end());

    let mut group = c.benchmark_group("webservice");
    group
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);

    group.bench_function("parse", |b| {
        b.iter(|| {
            for (name, src) in &sources {
                black_box(pequod_cue::parse_file(name, src).unwrap());
            }
        });
    });
    group.bench_function("compile_from_dir", |b| {
        b.iter(|| black_box(Compiled::from_dir(&dir, ".", &Tags::default()).unwrap()));
    });
    group.bench_function("eval_export_full", |b| {
        b.iter(|| black_box(render(&compiled, &fixture)));
    });

    // One iteration is one render; consecutive iterations take the next of
    // 1,000 distinct inputs, so the figure is the time per render.
    let inputs: Vec<Vec<(String, Value)>> = (0..RENDER_INPUTS)
        .map(|i| varied_fixture(&fixture, i))
        .collect();
    assert!(render(&compiled, &inputs[7]).contains("\"shop-7\""));
    let mut next = 0;
    group.bench_function("rerender_per_input", |b| {
        b.iter(|| {
            let out = render(&compiled, &inputs[next % RENDER_INPUTS]);
            next += 1;
            black_box(out)
        });
    });
    group.finish();
}

criterion_group!(benches, webservice);
criterion_main!(benches);
