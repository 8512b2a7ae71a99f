//! Runs every fixture under `testdata/readiness/<kind>/<case>.yaml` through the
//! readiness rules; see `testdata/readiness/README.md` for the format.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use pequod_engine::readiness::{ReadinessStatus, evaluate};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    expected: Expected,
    object: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    status: ReadinessStatus,
    reason: String,
}

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/readiness")
}

#[test]
fn every_fixture_matches_its_expected_readiness() {
    let mut per_dir: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixture_root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let dir_name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let name = format!("{dir_name}/{}", file.file_name().unwrap().to_string_lossy());
            let text = fs::read_to_string(&file).unwrap();
            let fixture: Fixture =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));

            let kind = fixture.object["kind"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            assert!(
                dir_name == "generic" || dir_name == kind,
                "{name}: a {kind} belongs in {kind}/"
            );
            let prefix = match fixture.expected.status {
                ReadinessStatus::Ready => "ready-",
                ReadinessStatus::InProgress => "progressing-",
                ReadinessStatus::Failed => "failed-",
            };
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                file_name.starts_with(prefix),
                "{name}: name must start with {prefix}"
            );

            let got = evaluate(&fixture.object);
            if got.status != fixture.expected.status || got.reason != fixture.expected.reason {
                failures.push(format!(
                    "{name}: expected {} ({}), got {} ({}): {}",
                    fixture.expected.status,
                    fixture.expected.reason,
                    got.status,
                    got.reason,
                    got.message
                ));
            }
            assert!(!got.message.is_empty(), "{name}: empty message");
            *per_dir.entry(dir_name.clone()).or_default() += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (dir, count) in &per_dir {
        assert!(*count >= 3, "{dir}/ has only {count} cases");
    }
    for kind in [
        "deployment",
        "statefulset",
        "daemonset",
        "replicaset",
        "job",
        "pod",
        "persistentvolumeclaim",
        "service",
        "customresourcedefinition",
        "namespace",
        "generic",
    ] {
        assert!(per_dir.contains_key(kind), "no fixtures for {kind}");
    }
    println!(
        "{} fixtures checked: {per_dir:?}",
        per_dir.values().sum::<usize>()
    );
}

/// Every path of a JSON value, as keys and indices.
fn paths(value: &serde_json::Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let children: Vec<(String, &serde_json::Value)> = match value {
        serde_json::Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in children {
        prefix.push(key);
        out.push(prefix.clone());
        paths(child, prefix, out);
        prefix.pop();
    }
}

#[test]
fn fixtures_with_any_field_of_the_wrong_type_never_panic() {
    let replacements = [
        serde_json::json!(null),
        serde_json::json!("x"),
        serde_json::json!(-1),
        serde_json::json!(1.5),
        serde_json::json!(true),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([{"type": 1}]),
    ];
    let mut evaluated = 0;
    for dir in fs::read_dir(fixture_root()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in fs::read_dir(&dir).unwrap() {
            let text = fs::read_to_string(file.unwrap().path()).unwrap();
            let fixture: Fixture = serde_yaml::from_str(&text).unwrap();
            let mut all = Vec::new();
            paths(&fixture.object, &mut Vec::new(), &mut all);
            for path in all {
                for replacement in &replacements {
                    let mut object = fixture.object.clone();
                    let escaped: Vec<String> = path
                        .iter()
                        .map(|k| k.replace('~', "~0").replace('/', "~1"))
                        .collect();
                    let pointer = format!("/{}", escaped.join("/"));
                    *object.pointer_mut(&pointer).unwrap() = replacement.clone();
                    let got = evaluate(&object);
                    assert!(
                        !got.reason.is_empty() && !got.message.is_empty(),
                        "{pointer}: {got:?}"
                    );
                    evaluated += 1;
                }
            }
        }
    }
    assert!(evaluated > 1000, "only {evaluated} mutations");
}
