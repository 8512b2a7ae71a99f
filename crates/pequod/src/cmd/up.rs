//! `pequod up`: the embedded API server and all of Pequod's controllers in
//! one process, with the bundled Transforms installed and graph progress
//! shown on the terminal.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use futures::StreamExt;
use kube::api::{Api, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use kube::{Client, Config, ResourceExt};
use pequod_api::ResourceGraph;
use pequod_apiserver::embedded::{self, Embedded};
use pequod_apiserver::store::StoreOptions;
use pequod_runtime::leader::{LeaderElectionConfig, default_identity};
use pequod_runtime::manager::{Manager, ManagerConfig, shutdown_signal};

use crate::cli::UpArgs;

pub(crate) fn run(args: UpArgs) -> anyhow::Result<ExitCode> {
    let _ = pequod_runtime::logging::init(args.logging.zap_log_level, args.logging.zap_encoder);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(up(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn up(args: UpArgs) -> anyhow::Result<()> {
    let server = embedded::start(embedded::Config {
        data_dir: args.data_dir.clone(),
        listen: args.listen.clone(),
        database_url: args.database_url.clone(),
        store: StoreOptions::default(),
    })
    .await
    .context("starting the embedded API server")?;
    tracing::info!(url = %server.url, data_dir = %args.data_dir.display(), "API server listening");
    if args.no_controllers {
        print_next_steps(&server, false);
        shutdown_signal().await;
        server.shutdown().await;
        return Ok(());
    }
    let client = client_for(&server).await?;
    crate::cmd::run::install_crds(&client).await?;
    install_transforms(&client).await?;
    ensure_namespace(&client, SYSTEM_NAMESPACE).await?;
    // Several servers on one PostgreSQL share the API; the Lease, kept in
    // that same store, lets one of them run the controllers. A SQLite data
    // dir has one server (its lock file sees to that): nothing to elect.
    let shared = args
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
    let leader_election = args.leader_elect.unwrap_or(shared).then(|| {
        LeaderElectionConfig::new(
            SYSTEM_NAMESPACE.to_owned(),
            LEASE_NAME.to_owned(),
            default_identity(),
        )
    });
    let manager = Manager::new(
        client.clone(),
        ManagerConfig {
            metrics_bind_address: args.metrics_bind_address.clone(),
            health_probe_bind_address: args.health_probe_bind_address.clone(),
            leader_election,
            ..ManagerConfig::default()
        },
    );
    let running = crate::cmd::run::start_controllers(
        manager,
        args.max_concurrent_applies,
        args.max_concurrent_reconciles,
        SYSTEM_NAMESPACE,
    )
    .await?;
    print_next_steps(&server, true);
    let progress = (!args.quiet).then(|| tokio::spawn(show_progress(client)));
    running.wait(shutdown_signal()).await?;
    if let Some(p) = progress {
        p.abort();
    }
    server.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// Where `pequod up` keeps its Lease and the records of cluster-scoped
/// reconciled objects.
const SYSTEM_NAMESPACE: &str = "pequod-system";

/// The Lease the controllers of several `pequod up` servers campaign for.
const LEASE_NAME: &str = "pequod-leader";

async fn ensure_namespace(client: &Client, name: &str) -> anyhow::Result<()> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: Api<Namespace> = Api::all(client.clone());
    let namespace =
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    api.patch(
        name,
        &PatchParams::apply(pequod_api::FIELD_MANAGER),
        &Patch::Apply(&namespace),
    )
    .await
    .with_context(|| format!("creating namespace {name}"))?;
    Ok(())
}

async fn client_for(server: &Embedded) -> anyhow::Result<Client> {
    let kubeconfig = Kubeconfig::read_from(&server.kubeconfig)
        .with_context(|| format!("reading {}", server.kubeconfig.display()))?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

/// Server-side applies the Transform each bundled module ships.
async fn install_transforms(client: &Client) -> anyhow::Result<()> {
    let api: Api<pequod_api::Transform> = Api::all(client.clone());
    for (module, yaml) in pequod_controllers::modules::bundled_transforms() {
        let transform: pequod_api::Transform = serde_yaml::from_str(yaml)
            .with_context(|| format!("the Transform of bundled module {module}"))?;
        let name = transform.name_any();
        api.patch(
            &name,
            &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
            &Patch::Apply(&transform),
        )
        .await
        .with_context(|| format!("installing Transform {name}"))?;
        tracing::info!(transform = %name, module, "installed");
    }
    Ok(())
}

#[allow(
    clippy::print_stdout,
    reason = "what to run next is the command's output"
)]
fn print_next_steps(server: &Embedded, controllers: bool) {
    let kubeconfig = server.kubeconfig.display();
    if !controllers {
        println!(
            "Pequod is up: API server {url}, state in {dir} (the API only: no controllers).\n\n\
             \x20 export KUBECONFIG={kubeconfig}\n\
             \x20 kubectl api-resources\n\n\
             Stop with Ctrl-C.\n",
            url = server.url,
            dir = server
                .kubeconfig
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
        let _ = std::io::stdout().flush();
        return;
    }
    println!(
        "Pequod is up: API server {url}, state in {dir}.\n\n\
         Next, in another terminal:\n\
         \x20 export KUBECONFIG={kubeconfig}\n\
         \x20 kubectl get transforms\n\
         \x20 kubectl apply -f examples/webservice.yaml\n\
         \x20 kubectl wait --for=condition=Ready webservice/shop --timeout=60s\n\
         \x20 kubectl get resourcegraph shop -o yaml\n\n\
         Graph progress follows here; stop with Ctrl-C.\n",
        url = server.url,
        dir = server
            .kubeconfig
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    let _ = std::io::stdout().flush();
}

/// Prints each node's phase changes as the ResourceGraph controller
/// reports them.
#[allow(
    clippy::print_stdout,
    reason = "graph progress is the command's output"
)]
async fn show_progress(client: Client) {
    let api: Api<ResourceGraph> = Api::all(client);
    let mut seen: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut events = std::pin::pin!(watcher(api, watcher::Config::default()));
    while let Some(event) = events.next().await {
        let Ok(watcher::Event::Apply(graph) | watcher::Event::InitApply(graph)) = event else {
            continue;
        };
        let graph_name = format!(
            "{}/{}",
            graph.namespace().unwrap_or_default(),
            graph.name_any()
        );
        let Some(status) = &graph.status else {
            continue;
        };
        for node in &status.node_states {
            let object = node
                .object_ref
                .as_ref()
                .map(|o| format!("{}/{}", o.kind, o.name))
                .unwrap_or_default();
            let line = format!(
                "{graph_name}  wave {}  {:<16} {:<32} {:?}{}",
                node.wave,
                node.id,
                object,
                node.phase,
                node.message
                    .as_deref()
                    .map(|m| format!("  {m}"))
                    .unwrap_or_default()
            );
            let key = (graph_name.clone(), node.id.clone());
            if seen.get(&key) != Some(&line) {
                println!("{line}");
                seen.insert(key, line);
            }
        }
        if let Some(phase) = &status.phase {
            let line = format!("{graph_name}  graph {phase:?}");
            let key = (graph_name.clone(), String::new());
            if seen.get(&key) != Some(&line) {
                println!("{line}");
                seen.insert(key, line);
            }
        }
        let _ = std::io::stdout().flush();
    }
}
