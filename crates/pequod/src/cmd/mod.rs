//! What each subcommand does.

pub(crate) mod completions;
pub(crate) mod crds;
pub(crate) mod graph;
pub(crate) mod run;
pub(crate) mod version;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Version { output } => version::run(output),
        Command::Run(args) => run::run(args),
        Command::Graph { file, format } => graph::run(&file, format),
        Command::Crds { out_dir } => crds::run(out_dir.as_deref()),
        Command::Completions { shell } => completions::run(shell),
    }
}
