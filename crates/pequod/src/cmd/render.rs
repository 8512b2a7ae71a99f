//! `pequod render`: an instance through a module, as a ResourceGraph.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use pequod_controllers::instance::fetch;
use pequod_controllers::instance::render::{CompiledModule, RenderInput};
use pequod_controllers::modules::Module;
use serde_json::{Value, json};

use crate::cli::RenderArgs;

pub(crate) fn run(args: &RenderArgs) -> anyhow::Result<ExitCode> {
    let module_path = Path::new(&args.module);
    let module = if module_path.is_dir() {
        Module::from_dir(module_path)?
    } else {
        Module::bundled(&args.module)?
    };
    let instance: Value = serde_yaml::from_str(&read(&args.file)?)
        .with_context(|| format!("{} is not YAML", args.file.display()))?;
    let observed = match &args.observed {
        Some(file) => serde_yaml::from_str(&read(file)?)
            .with_context(|| format!("{} is not a YAML map", file.display()))?,
        None => serde_json::Map::new(),
    };
    let refs = match &args.refs {
        Some(file) => serde_yaml::from_str(&read(file)?)
            .with_context(|| format!("{} is not a YAML map", file.display()))?,
        None => serde_json::Map::new(),
    };
    let compiled = CompiledModule::compile(&module)?;
    let mut input = RenderInput {
        instance: instance.clone(),
        capabilities: args.capabilities.clone(),
        observed,
        refs,
        ..RenderInput::default()
    };
    let missing: Vec<String> = compiled
        .references(&input)?
        .into_iter()
        .filter(|(id, _)| !input.refs.contains_key(id))
        .map(|(id, r)| format!("{id} ({} {})", r.kind, r.name))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "the module references {}: pass them with --refs FILE (a YAML map of id to object)",
            missing.join(", ")
        );
    }
    let fetches = compiled.fetch_specs(&input)?;
    if !fetches.is_empty() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let dir = fetch::default_cache_dir();
        for (id, spec) in fetches {
            let objects = runtime
                .block_on(fetch::fetch(&spec, &dir))
                .map_err(|e| anyhow::anyhow!("fetch.{id}: {e}"))?;
            input.fetched.insert(id, Value::Array(objects));
        }
    }
    let rendered = compiled.render(&input)?;

    let mut err = std::io::stderr().lock();
    if !rendered.violations.is_empty() {
        writeln!(err, "policy violations:")?;
        for v in &rendered.violations {
            writeln!(err, "  - {v}")?;
        }
        return Ok(ExitCode::FAILURE);
    }
    for (id, why) in &rendered.pending {
        writeln!(err, "node {id} is not rendered yet: {why}")?;
    }
    let name = instance
        .pointer("/metadata/name")
        .cloned()
        .unwrap_or(Value::Null);
    let mut metadata =
        json!({"name": name, "labels": {pequod_api::TRANSFORM_LABEL: module_name(&module)}});
    if let Some(ns) = instance.pointer("/metadata/namespace") {
        metadata["namespace"] = ns.clone();
    }
    let graph = json!({
        "apiVersion": "pequod.io/v1alpha1",
        "kind": "ResourceGraph",
        "metadata": metadata,
        "spec": {"nodes": rendered.nodes},
    });
    std::io::stdout()
        .lock()
        .write_all(serde_yaml::to_string(&graph)?.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn module_name(module: &Module) -> &str {
    let origin = module.origin.trim_end_matches('/');
    origin
        .strip_prefix("bundled:")
        .unwrap_or_else(|| origin.rsplit('/').next().unwrap_or(origin))
}

fn read(file: &Path) -> anyhow::Result<String> {
    if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
    }
}
