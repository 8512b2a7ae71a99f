//! `pequod run`: the operator against an existing cluster.

use std::process::ExitCode;

use anyhow::Context;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use pequod_controllers::resource_graph;
use pequod_engine::EngineConfig;
use pequod_runtime::leader::{LeaderElectionConfig, default_identity};
use pequod_runtime::manager::{Manager, ManagerConfig, shutdown_signal};

use crate::cli::RunArgs;

pub(crate) fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    // A second init (tests in one process) is harmless.
    let _ = pequod_runtime::logging::init(args.logging.zap_log_level, args.logging.zap_encoder);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(operate(args))?;
    Ok(ExitCode::SUCCESS)
}

/// A client from `kubeconfig`, or KUBECONFIG / `~/.kube/config` / the
/// in-cluster configuration.
pub(crate) async fn connect(kubeconfig: Option<&std::path::Path>) -> anyhow::Result<Client> {
    let config = match kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?
        }
        None => Config::infer()
            .await
            .context("no kubeconfig and not in a cluster")?,
    };
    Ok(Client::try_from(config)?)
}

async fn operate(args: RunArgs) -> anyhow::Result<()> {
    let client = connect(args.kubeconfig.as_deref()).await?;
    let version = client
        .apiserver_version()
        .await
        .context("reaching the API server")?;
    tracing::info!(server = %version.git_version, "connected");

    if args.install_crds {
        install_crds(&client).await?;
    }

    let leader_election = args.leader_elect.then(|| LeaderElectionConfig {
        lease_duration: args.leader_elect_lease_duration,
        renew_deadline: args.leader_elect_renew_deadline,
        retry_period: args.leader_elect_retry_period,
        ..LeaderElectionConfig::new(
            args.leader_election_namespace.clone(),
            args.leader_election_id.clone(),
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
    let webhooks = start_webhooks(&client, &args, manager.metrics().clone()).await?;
    let running = start_controllers(
        manager,
        args.max_concurrent_applies,
        args.max_concurrent_reconciles,
        &args.leader_election_namespace,
    )
    .await?;
    tracing::info!(
        metrics = ?running.metrics_addr(),
        health = ?running.health_addr(),
        leader_election = args.leader_elect,
        "running the Transform and ResourceGraph controllers"
    );
    running.wait(shutdown_signal()).await?;
    for task in webhooks {
        task.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// Serves the validating webhooks (unless `--webhook-port 0`) and keeps
/// their configuration registered; returns the tasks to stop at exit.
async fn start_webhooks(
    client: &Client,
    args: &RunArgs,
    metrics: pequod_runtime::metrics::Metrics,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    use pequod_controllers::webhooks::{self, Endpoint};
    use pequod_runtime::webhook::Tls;

    if args.webhook_port == 0 {
        return Ok(Vec::new());
    }
    let service = "pequod-webhook-service";
    let namespace = &args.leader_election_namespace;
    let (endpoint, names) = match &args.webhook_url {
        Some(url) => {
            let host = url
                .trim_start_matches("https://")
                .split(['/', ':'])
                .next()
                .unwrap_or_default()
                .to_owned();
            (Endpoint::Url(url.clone()), vec![host])
        }
        None => (
            Endpoint::Service {
                namespace: namespace.clone(),
                name: service.to_owned(),
            },
            vec![
                format!("{service}.{namespace}.svc"),
                format!("{service}.{namespace}.svc.cluster.local"),
            ],
        ),
    };
    let tls = match &args.webhook_cert_dir {
        Some(dir) => Tls::from_dir(dir).context("reading the webhook certificate")?,
        None => Tls::self_signed(&names).context("generating the webhook certificate")?,
    };
    // With a certificate directory, its ca.crt (as cert-manager writes it)
    // is the bundle; otherwise the generated CA.
    let ca_bundle = match &args.webhook_cert_dir {
        Some(dir) => std::fs::read_to_string(dir.join("ca.crt")).ok(),
        None => tls.ca_bundle().map(str::to_owned),
    };
    let addr = std::net::SocketAddr::from(([0, 0, 0, 0], args.webhook_port));
    let server = webhooks::server(client.clone(), metrics)
        .start(addr, &tls, std::future::pending())
        .await
        .context("starting the webhook server")?;
    tracing::info!(addr = %server.local_addr(), ?endpoint, "serving admission webhooks");
    let mut tasks = vec![tokio::spawn(async move {
        if let Err(error) = server.wait().await {
            tracing::error!(%error, "webhook server failed");
        }
    })];
    if args.webhook_cert_dir.is_some() {
        tasks.push(tls.watch(std::time::Duration::from_secs(30)));
    }
    tasks.push(webhooks::keep_registered(
        client.clone(),
        endpoint,
        ca_bundle,
    ));
    Ok(tasks)
}

/// Adds Pequod's controllers (Transform, and through it the instance
/// controllers; ResourceGraph; ActionReconciler, and through it the
/// reconciled kinds' controllers) to `manager` and starts it. Records of
/// cluster-scoped reconciled objects go to `system_namespace`.
pub(crate) async fn start_controllers(
    mut manager: Manager,
    max_concurrent_applies: u16,
    max_concurrent_reconciles: u16,
    system_namespace: &str,
) -> anyhow::Result<pequod_runtime::manager::Running> {
    resource_graph::add_to(
        &mut manager,
        resource_graph::Config {
            engine: EngineConfig {
                max_concurrent_applies: usize::from(max_concurrent_applies),
                ..EngineConfig::default()
            },
            concurrency: max_concurrent_reconciles,
            ..resource_graph::Config::default()
        },
    );
    pequod_controllers::transform::controller::add_to(&mut manager);
    pequod_controllers::action_reconciler::controller::add_to(&mut manager, system_namespace);
    manager.start().await.context("starting the manager")
}

/// Server-side applies Pequod's CRDs with field manager `pequod`.
pub(crate) async fn install_crds(client: &Client) -> anyhow::Result<()> {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::{Api, Patch, PatchParams};
    use kube::runtime::wait::{await_condition, conditions};

    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in pequod_api::crds() {
        let name = crd.metadata.name.clone().unwrap_or_default();
        api.patch(
            &name,
            &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
            &Patch::Apply(&crd),
        )
        .await
        .with_context(|| format!("installing CRD {name}"))?;
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            await_condition(api.clone(), &name, conditions::is_crd_established()),
        )
        .await
        .with_context(|| format!("CRD {name} not established after 60s"))??;
        tracing::info!(crd = %name, "installed");
    }
    Ok(())
}
