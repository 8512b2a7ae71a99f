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

/// How `pequod version` prints.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum VersionFormat {
    /// One fact per line, for people.
    Text,
    /// A JSON object, for scripts.
    Json,
}
