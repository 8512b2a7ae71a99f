//! Pequod's task runner. `cargo xtask help` lists the tasks.

#![allow(clippy::print_stdout, reason = "a task runner reports on stdout")]

mod harness;
mod hot_functions;
mod prerequisites;
mod shell;
mod test;
mod test_results;

use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask <task>

tasks:
  test [-- <cargo test args>]   install what the tests need, lint, and run the whole
                                test suite against the real kube-apiserver
  hot-functions                 record the functions `pequod cue` runs (callgrind) and
                                write the link order that keeps them together
  help                          this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("hot-functions") => hot_functions::run(),
        Some("help" | "--help" | "-h") | None => {
            eprint!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
