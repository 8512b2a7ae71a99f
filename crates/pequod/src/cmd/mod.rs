//! What each subcommand does.

pub(crate) mod completions;
pub(crate) mod crds;
pub(crate) mod cue;
pub(crate) mod graph;
pub(crate) mod history;
pub(crate) mod render;
pub(crate) mod run;
pub(crate) mod up;
pub(crate) mod version;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Version { output } => version::run(output),
        Command::Up(args) => up::run(args),
        Command::Run(args) => run::run(args),
        Command::Render(args) => render::run(&args),
        Command::Cue(command) => cue::run(&command),
        Command::History(args) => history::run(args),
        Command::Graph { file, format } => graph::run(&file, format),
        Command::Crds { out_dir } => crds::run(out_dir.as_deref()),
        Command::Completions { shell } => completions::run(shell),
    }
}
