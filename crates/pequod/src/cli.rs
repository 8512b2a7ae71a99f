//! The command-line grammar: one variant per subcommand.

use clap::{Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

/// Pequod renders platform abstractions written in CUE into graphs of
/// Kubernetes resources and drives them to their desired state.
#[derive(Debug, Parser)]
#[command(name = "pequod", version = crate::cmd::version::SHORT, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the version, the git commit and the Kubernetes API version Pequod targets.
    Version {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = VersionFormat::Text)]
        output: VersionFormat,
    },
    /// Run the operator against a cluster (KUBECONFIG, or in-cluster config).
    Run(RunArgs),
    /// Print a ResourceGraph's dependency graph as Mermaid or Graphviz DOT, by wave.
    Graph {
        /// The ResourceGraph YAML file (`-` for standard input).
        #[arg(short = 'f', long = "filename", value_name = "FILE")]
        file: std::path::PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Print the CustomResourceDefinitions of Pequod's kinds (Transform, ResourceGraph).
    Crds {
        /// Write one `<group>_<plural>.yaml` file per CRD into this directory instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<std::path::PathBuf>,
    },
    /// Print a shell completion script, e.g. `pequod completions bash > /etc/bash_completion.d/pequod`.
    Completions {
        /// The shell to generate completions for.
        shell: Shell,
    },
}

/// Flags of `pequod run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Kubeconfig to use instead of $KUBECONFIG, ~/.kube/config or the in-cluster config.
    #[arg(long, env = "KUBECONFIG", value_name = "PATH")]
    pub(crate) kubeconfig: Option<std::path::PathBuf>,
    /// Server-side applies in flight at once within one wave of a graph.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrent_applies: u16,
    /// ResourceGraphs reconciled at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrent_reconciles: u16,
    /// Install or update Pequod's CRDs at start.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub(crate) install_crds: bool,
    #[command(flatten)]
    pub(crate) logging: LoggingArgs,
}

/// Logging flags, named as in controller-runtime's zap options; `RUST_LOG`
/// takes precedence when set.
#[derive(Debug, clap::Args)]
pub(crate) struct LoggingArgs {
    /// Log level.
    #[arg(long, value_enum, default_value_t = LogLevel::Info)]
    pub(crate) zap_log_level: LogLevel,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogEncoder::Json)]
    pub(crate) zap_encoder: LogEncoder,
}

/// `--zap-log-level`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LogLevel {
    /// Everything, for debugging.
    Debug,
    /// Progress and problems.
    Info,
    /// Problems only.
    Error,
}

/// `--zap-encoder`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LogEncoder {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Console,
}

/// How `pequod graph` prints.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// How `pequod version` prints.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum VersionFormat {
    /// One fact per line, for people.
    Text,
    /// A JSON object, for scripts.
    Json,
}
