//! `pequod history KIND/NAME`: the Reconciliation records of an object an
//! ActionReconciler reconciles, oldest first.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context, bail};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::{Api, Client, ResourceExt};
use pequod_api::{ActionReconciler, Reconciliation};

use crate::cli::{HistoryArgs, HistoryFormat};

pub(crate) fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(history(args))
}

async fn history(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let client = crate::cmd::run::connect(args.kubeconfig.as_deref()).await?;
    let Some((kind, name)) = args.object.split_once('/') else {
        bail!("name the object as KIND/NAME, e.g. databasecluster/production-pg");
    };
    let reconciler = find_reconciler(&client, kind).await?;
    let spec = &reconciler.spec;
    let plural = spec.plural.clone().unwrap_or_else(|| {
        pequod_controllers::transform::crd::pluralize(&spec.kind.to_ascii_lowercase())
    });
    let gvk = GroupVersionKind::gvk(&spec.group, &spec.version, &spec.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, &plural);
    let namespaced = spec.scope == pequod_api::Scope::Namespaced;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    let objects: Api<DynamicObject> = if namespaced {
        Api::namespaced_with(client.clone(), &namespace, &resource)
    } else {
        Api::all_with(client.clone(), &resource)
    };
    let object = objects.get_opt(name).await?.with_context(|| {
        if namespaced {
            format!("{} {namespace}/{name} not found", spec.kind)
        } else {
            format!("{} {name} not found", spec.kind)
        }
    })?;
    let records_namespace = if namespaced {
        namespace
    } else {
        args.history_namespace.clone()
    };
    let records: Api<Reconciliation> = Api::namespaced(client, &records_namespace);
    let selector = format!(
        "{}={}",
        pequod_api::RESOURCE_UID_LABEL,
        object.uid().unwrap_or_default()
    );
    let mut items = records
        .list(&ListParams::default().labels(&selector))
        .await?
        .items;
    items.sort_by_key(|r| r.spec.start_time.0);
    let out = match args.output {
        HistoryFormat::Table => table(&items, false),
        HistoryFormat::Wide => table(&items, true),
        HistoryFormat::Json => serde_json::to_string_pretty(&items)? + "\n",
        HistoryFormat::Yaml => serde_yaml::to_string(&items)?,
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The ActionReconciler whose kind `kind` names: its kind, plural, singular
/// or a short name, optionally with `.group`, case-insensitively.
async fn find_reconciler(client: &Client, kind: &str) -> anyhow::Result<ActionReconciler> {
    let api: Api<ActionReconciler> = Api::all(client.clone());
    let all = api
        .list(&ListParams::default())
        .await
        .context("listing ActionReconcilers")?
        .items;
    let wanted = kind.to_ascii_lowercase();
    let (name, group) = wanted
        .split_once('.')
        .map_or((wanted.as_str(), None), |(n, g)| (n, Some(g)));
    let matches = |r: &ActionReconciler| {
        let s = &r.spec;
        let lower = s.kind.to_ascii_lowercase();
        let plural = s
            .plural
            .clone()
            .unwrap_or_else(|| pequod_controllers::transform::crd::pluralize(&lower));
        let named = name == lower
            || name == plural
            || s.short_names.iter().any(|n| n.eq_ignore_ascii_case(name));
        named && group.is_none_or(|g| g == s.group)
    };
    let mut found: Vec<ActionReconciler> = all.into_iter().filter(matches).collect();
    match found.len() {
        0 => bail!("no ActionReconciler reconciles a kind named {kind:?}"),
        1 => Ok(found.remove(0)),
        _ => bail!("{kind:?} names kinds of several groups: write KIND.GROUP/NAME"),
    }
}

/// The records as `kubectl get` prints a table.
fn table(items: &[Reconciliation], wide: bool) -> String {
    if items.is_empty() {
        return "No reconciliations recorded.\n".to_owned();
    }
    let mut rows = vec![vec![
        "STARTED".to_owned(),
        "TRIGGER".to_owned(),
        "OPERATION".to_owned(),
        "RESULT".to_owned(),
        "DURATION".to_owned(),
        "GENERATION".to_owned(),
        "MESSAGE".to_owned(),
    ]];
    for r in items {
        let s = &r.spec;
        let mut message = s.message.replace('\n', " ");
        if !wide && message.chars().count() > 80 {
            message = message.chars().take(77).collect::<String>() + "...";
        }
        rows.push(vec![
            s.start_time.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            s.trigger.as_str().to_owned(),
            s.operation.as_str().to_owned(),
            format!("{:?}", s.result),
            s.duration.clone(),
            s.generation.map(|g| g.to_string()).unwrap_or_default(),
            message,
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let last = row.len() - 1;
        for (i, cell) in row.iter().enumerate() {
            if i == last {
                let _ = writeln!(out, "{cell}");
            } else {
                let _ = write!(out, "{cell:<width$}   ", width = widths[i]);
            }
        }
    }
    out
}
