//! The command-line grammar: one variant per subcommand.

use clap::{Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

/// Parses the command line. `pequod cue …` goes through [`CueCli`], a tree
/// with the `cue` command alone: building every subcommand's flags, then
/// freeing them, cost as much as evaluating a small module.
pub(crate) fn parse() -> Cli {
    if std::env::args_os().nth(1).is_some_and(|a| a == "cue") {
        let CueCli {
            command: CueOnly::Cue(command),
        } = CueCli::parse();
        return Cli {
            command: Command::Cue(command),
        };
    }
    Cli::parse()
}

/// Pequod renders platform abstractions written in CUE into graphs of
/// Kubernetes resources and drives them to their desired state.
#[derive(Debug, Parser)]
#[command(name = "pequod", version = crate::cmd::version::SHORT, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

// Deferred: a subcommand's flags are built only when it is the one run,
// not the whole tree at every start.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub(crate) enum Command {
    /// Print the version, the git commit and the Kubernetes API version Pequod targets.
    Version {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = VersionFormat::Text)]
        output: VersionFormat,
    },
    /// Run Pequod standalone: the embedded API server and every controller in one process.
    Up(UpArgs),
    /// Run the operator against a cluster (KUBECONFIG, or in-cluster config).
    Run(RunArgs),
    /// Render an instance through a platform module and print its ResourceGraph (no cluster needed).
    Render(RenderArgs),
    /// Evaluate CUE like the official `cue` command.
    #[command(subcommand)]
    Cue(CueCommand),
    /// Show the Reconciliation records of an object an ActionReconciler reconciles, oldest first.
    History(HistoryArgs),
    /// Print a ResourceGraph's dependency graph as Mermaid or Graphviz DOT, by wave.
    Graph {
        /// The ResourceGraph YAML file (`-` for standard input).
        #[arg(short = 'f', long = "filename", value_name = "FILE")]
        file: std::path::PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Print the CustomResourceDefinitions of Pequod's kinds (Transform, ResourceGraph, ActionReconciler, Reconciliation).
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

/// [`Cli`] cut down to its `cue` command: the same name, version and `cue`
/// subtree, so that help, errors and parsed values are the same (tested).
#[derive(Debug, Parser)]
#[command(name = "pequod", version = crate::cmd::version::SHORT, propagate_version = true)]
struct CueCli {
    #[command(subcommand)]
    command: CueOnly,
}

/// The one subcommand of [`CueCli`], documented as [`Command::Cue`] is.
#[derive(Debug, Subcommand)]
enum CueOnly {
    /// Evaluate CUE like the official `cue` command.
    #[command(subcommand)]
    Cue(CueCommand),
}

/// Flags of `pequod run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Kubeconfig to use instead of $KUBECONFIG, ~/.kube/config or the in-cluster config.
    #[arg(long, env = "KUBECONFIG", value_name = "PATH")]
    pub(crate) kubeconfig: Option<std::path::PathBuf>,
    /// Where /metrics is served (`0` disables it).
    #[arg(long, default_value = ":8443", value_name = "ADDR")]
    pub(crate) metrics_bind_address: String,
    /// Where /healthz and /readyz are served (`0` disables them).
    #[arg(long, default_value = ":8081", value_name = "ADDR")]
    pub(crate) health_probe_bind_address: String,
    /// Run the controllers only while holding the leader Lease.
    #[arg(long)]
    pub(crate) leader_elect: bool,
    /// Namespace of the leader Lease (default: $POD_NAMESPACE, else pequod-system).
    #[arg(
        long,
        env = "POD_NAMESPACE",
        default_value = "pequod-system",
        value_name = "NS"
    )]
    pub(crate) leader_election_namespace: String,
    /// Name of the leader Lease.
    #[arg(long, default_value = "pequod-controller-manager", value_name = "NAME")]
    pub(crate) leader_election_id: String,
    /// How long a Lease holds without renewal.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub(crate) leader_elect_lease_duration: std::time::Duration,
    /// How long the leader keeps trying to renew before it stops leading.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(crate) leader_elect_renew_deadline: std::time::Duration,
    /// Time between attempts to acquire or renew.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub(crate) leader_elect_retry_period: std::time::Duration,
    /// Server-side applies in flight at once within one wave of a graph.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrent_applies: u16,
    /// ResourceGraphs reconciled at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrent_reconciles: u16,
    /// Install or update Pequod's CRDs at start.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub(crate) install_crds: bool,
    /// Port of the HTTPS server for the validating admission webhooks (`0` disables them).
    #[arg(long, default_value_t = pequod_runtime::webhook::DEFAULT_WEBHOOK_PORT)]
    pub(crate) webhook_port: u16,
    /// Directory holding the webhook's `tls.crt` and `tls.key` (re-read when they change);
    /// without it a CA and certificate are generated at start.
    #[arg(long, value_name = "DIR")]
    pub(crate) webhook_cert_dir: Option<std::path::PathBuf>,
    /// How the API server reaches the webhooks: `https://HOST:PORT` outside the cluster,
    /// default the Service `pequod-webhook-service` in the Lease namespace.
    #[arg(long, value_name = "URL")]
    pub(crate) webhook_url: Option<String>,
    #[command(flatten)]
    pub(crate) logging: LoggingArgs,
}

/// Flags of `pequod history`.
#[derive(Debug, clap::Args)]
pub(crate) struct HistoryArgs {
    /// The object, as KIND/NAME (kind, plural or short name, optionally KIND.GROUP).
    #[arg(value_name = "KIND/NAME")]
    pub(crate) object: String,
    /// The object's namespace (for a namespaced kind).
    #[arg(short, long)]
    pub(crate) namespace: Option<String>,
    /// Where records of cluster-scoped objects are kept.
    #[arg(long, default_value = "pequod-system")]
    pub(crate) history_namespace: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = HistoryFormat::Table)]
    pub(crate) output: HistoryFormat,
    /// The kubeconfig to use (default: KUBECONFIG or ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub(crate) kubeconfig: Option<std::path::PathBuf>,
}

/// How `pequod history` prints records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum HistoryFormat {
    /// A table, messages shortened.
    Table,
    /// A table with whole messages.
    Wide,
    /// The Reconciliation objects as JSON.
    Json,
    /// The Reconciliation objects as YAML.
    Yaml,
}

/// Flags of `pequod up`.
#[derive(Debug, clap::Args)]
pub(crate) struct UpArgs {
    /// Where the database, certificates, token and kubeconfig live.
    #[arg(long, default_value = ".pequod", value_name = "DIR")]
    pub(crate) data_dir: std::path::PathBuf,
    /// Address the API server listens on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:6443", value_name = "ADDR")]
    pub(crate) listen: String,
    /// Database to keep state in: `sqlite://PATH` (default: SQLite at DIR/pequod.db).
    #[arg(long, env = "PEQUOD_DATABASE_URL", value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// Where /metrics is served (`0`, the default here, disables it).
    #[arg(long, default_value = "0", value_name = "ADDR")]
    pub(crate) metrics_bind_address: String,
    /// Where /healthz and /readyz are served (`0`, the default here, disables them).
    #[arg(long, default_value = "0", value_name = "ADDR")]
    pub(crate) health_probe_bind_address: String,
    /// Server-side applies in flight at once within one wave of a graph.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrent_applies: u16,
    /// ResourceGraphs reconciled at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrent_reconciles: u16,
    /// Do not print graph progress on standard output.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Campaign for the `pequod-leader` Lease so that one of several servers on one database
    /// runs the controllers (default: on with PostgreSQL, off with SQLite).
    #[arg(long, value_name = "BOOL")]
    pub(crate) leader_elect: Option<bool>,
    /// Serve the API only: no CRDs, Transforms or controllers (for benchmarks and API tests).
    #[arg(long)]
    pub(crate) no_controllers: bool,
    #[command(flatten)]
    pub(crate) logging: LoggingArgs,
}

/// Logging flags, named as in controller-runtime's zap options; `RUST_LOG`
/// takes precedence when set.
#[derive(Debug, clap::Args)]
pub(crate) struct LoggingArgs {
    /// Log level: debug, info, error (or a number: 1 debug, 2+ trace).
    #[arg(long, default_value = "info")]
    pub(crate) zap_log_level: pequod_runtime::logging::LogLevel,
    /// Log format: json or console.
    #[arg(long, default_value = "json")]
    pub(crate) zap_encoder: pequod_runtime::logging::LogEncoder,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    pequod_engine::duration::parse(text)
        .ok_or_else(|| format!("{text:?} is not a duration like 15s or 1m30s"))
}

/// Flags of `pequod render`.
#[derive(Debug, clap::Args)]
pub(crate) struct RenderArgs {
    /// A module directory, or the name of a bundled module (e.g. webservice).
    #[arg(long, value_name = "DIR|NAME")]
    pub(crate) module: String,
    /// The instance YAML (`-` for standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub(crate) file: std::path::PathBuf,
    /// An API group the cluster serves, for `context.capabilities` (repeatable).
    #[arg(long = "capability", value_name = "GROUP")]
    pub(crate) capabilities: Vec<String>,
    /// YAML map of node id to live object, for `observed`.
    #[arg(long, value_name = "FILE")]
    pub(crate) observed: Option<std::path::PathBuf>,
    /// YAML map of reference id to object, for `refs` (what the module's `references` name).
    #[arg(long, value_name = "FILE")]
    pub(crate) refs: Option<std::path::PathBuf>,
}

/// `pequod cue …`.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub(crate) enum CueCommand {
    /// Export concrete values as JSON, YAML or CUE, like `cue export`.
    Export(CueExportArgs),
    /// Print the evaluated (possibly incomplete) value as CUE, like `cue eval`.
    Eval(CueEvalArgs),
    /// Print the schema: fields with their types, defaults and constraints, like `cue def`.
    Def(CueDefArgs),
    /// Validate a package, alone or against YAML or JSON data files, like `cue vet`.
    Vet(CueVetArgs),
}

/// Flags of `pequod cue eval`.
#[derive(Debug, clap::Args)]
pub(crate) struct CueEvalArgs {
    /// CUE files, or directories whose .cue files form one package (default: .), and YAML or
    /// JSON data files unified with it.
    #[arg(value_parser = input_parser())]
    pub(crate) inputs: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub(crate) output: CueOutputArgs,
    /// Require concrete values, as export does; definitions and hidden fields are left out.
    #[arg(short = 'c', long = "concrete")]
    pub(crate) concrete: bool,
    /// Show hidden and optional fields too (`-H -O`).
    #[arg(short = 'a', long = "all")]
    pub(crate) all: bool,
    /// Show hidden fields (`_x`).
    #[arg(short = 'H', long = "show-hidden")]
    pub(crate) show_hidden: bool,
    /// Show optional fields (`x?`).
    #[arg(short = 'O', long = "show-optional")]
    pub(crate) show_optional: bool,
    /// Simplify the output: a struct of one field is printed on its parent's line
    /// (`a: b: c: 1`).
    #[arg(short = 's', long = "simplify")]
    pub(crate) simplify: bool,
}

/// Flags `pequod cue export` and `pequod cue eval` share: what to print,
/// how and where.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct CueOutputArgs {
    /// Print only this field path (e.g. `resources.deployment`); repeatable, each printed in turn.
    #[arg(short = 'e', long = "expression", value_name = "PATH")]
    pub(crate) expression: Vec<String>,
    /// Output format (default: from the `-o` file's extension, else JSON for export and CUE
    /// for eval; `json` and `yaml` need concrete values).
    #[arg(long = "out", value_enum)]
    pub(crate) out: Option<CueOut>,
    /// Write to this file instead of standard output (`-` for standard output), optionally
    /// prefixed by its format (`yaml:out.txt`).
    #[arg(short = 'o', long = "outfile", value_name = "FILE")]
    pub(crate) outfile: Option<String>,
    /// Overwrite the `-o` file if it exists.
    #[arg(short = 'f', long = "force")]
    pub(crate) force: bool,
    /// Place each data file's value (or the package's, without data files) at this label:
    /// `name:` literally, a field of the data (`kind`), or a string interpolating fields
    /// (`"\(kind)-\(id)"`); repeatable, outermost first.
    #[arg(short = 'l', long = "path", value_name = "LABEL")]
    pub(crate) path: Vec<String>,
    /// Gather the data files' values placed at the same `-l` labels in a list.
    #[arg(long = "list")]
    pub(crate) list: bool,
    /// Evaluate `-l` labels against `filename`, `index`, `recordCount` and `data` (the
    /// record) instead of the record itself.
    #[arg(long = "with-context")]
    pub(crate) with_context: bool,
    /// Proceed in the presence of errors: eval prints each in place as `_|_ // why` (export
    /// still fails, as `cue export -i` does).
    #[arg(short = 'i', long = "ignore")]
    pub(crate) ignore: bool,
    /// Package name for the CUE output (`package NAME`); must match the package's own.
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    pub(crate) package: Option<String>,
    /// Set the value of a `@tag(name)` field (`name=value`), or a bare
    /// `word` for a `short=` tag value or an `@if(word)` build tag.
    #[arg(short = 't', long = "inject", value_name = "name=value")]
    pub(crate) inject: Vec<String>,
}

/// Flags of `pequod cue def`.
#[derive(Debug, clap::Args)]
pub(crate) struct CueDefArgs {
    /// CUE files, or directories whose .cue files form one package (default: .).
    pub(crate) inputs: Vec<std::path::PathBuf>,
    /// Print only this field path (e.g. `#Config`).
    #[arg(short = 'e', long = "expression", value_name = "PATH")]
    pub(crate) expression: Option<String>,
    /// Set the value of a `@tag(name)` field (`name=value`), or a bare
    /// `word` for a `short=` tag value or an `@if(word)` build tag.
    #[arg(short = 't', long = "inject", value_name = "name=value")]
    pub(crate) inject: Vec<String>,
}

/// Flags of `pequod cue vet`.
#[derive(Debug, clap::Args)]
pub(crate) struct CueVetArgs {
    /// CUE files, or directories whose .cue files form one package (default: .), then YAML
    /// or JSON data files, each validated against the package on its own.
    pub(crate) inputs: Vec<std::path::PathBuf>,
    /// Require concrete values (`-c`), or allow incomplete ones (`-c=false`). Without the
    /// flag an incomplete package fails with a hint; data files must always be concrete.
    #[arg(
        short = 'c',
        long = "concrete",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_name = "BOOL"
    )]
    pub(crate) concrete: Option<bool>,
    /// Set the value of a `@tag(name)` field (`name=value`), or a bare
    /// `word` for a `short=` tag value or an `@if(word)` build tag.
    #[arg(short = 't', long = "inject", value_name = "name=value")]
    pub(crate) inject: Vec<String>,
}

/// Flags of `pequod cue export`.
#[derive(Debug, clap::Args)]
pub(crate) struct CueExportArgs {
    /// CUE files, or directories whose .cue files form one package (default: .), and YAML or
    /// JSON data files unified with it.
    #[arg(value_parser = input_parser())]
    pub(crate) inputs: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub(crate) output: CueOutputArgs,
    /// Escape `<`, `>` and `&` in JSON strings as HTML needs.
    #[arg(long = "escape")]
    pub(crate) escape: bool,
}

/// Input paths as given, the empty one too: the command, not the parser,
/// says what is wrong with it, as the official CLI does.
fn input_parser() -> impl clap::builder::TypedValueParser<Value = std::path::PathBuf> {
    use clap::builder::TypedValueParser as _;
    clap::builder::OsStringValueParser::new().map(std::path::PathBuf::from)
}

/// `--out` of `pequod cue export` and `pequod cue eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CueOut {
    /// JSON, indented as `cue export` prints it.
    Json,
    /// YAML.
    Yaml,
    /// CUE, as `cue export --out cue` prints it.
    Cue,
    /// A string value as it is, on its own line.
    Text,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use clap::{CommandFactory, FromArgMatches};

    use super::*;

    /// What a tree makes of `argv`: the parsed command, or the error's
    /// kind, exit code and text (help and version are errors too).
    fn outcome<T: CommandFactory + FromArgMatches>(
        argv: &[&str],
        into_cli: impl Fn(T) -> Cli,
    ) -> String {
        match T::command().try_get_matches_from(argv) {
            Ok(matches) => format!("{:?}", into_cli(T::from_arg_matches(&matches).unwrap())),
            Err(e) => format!("{:?} {} {}", e.kind(), e.exit_code(), e.render()),
        }
    }

    #[test]
    fn the_cue_tree_parses_as_the_whole_tree_does() {
        let cases: &[&[&str]] = &[
            &["pequod", "cue"],
            &["pequod", "cue", "--help"],
            &["pequod", "cue", "-h"],
            &["pequod", "cue", "--version"],
            &["pequod", "cue", "-V"],
            &["pequod", "cue", "help"],
            &["pequod", "cue", "help", "export"],
            &["pequod", "cue", "help", "bogus"],
            &["pequod", "cue", "export", "--help"],
            &["pequod", "cue", "export", "-h"],
            &["pequod", "cue", "export", "--version"],
            &["pequod", "cue", "eval", "--help"],
            &["pequod", "cue", "def", "--help"],
            &["pequod", "cue", "vet", "--help"],
            &["pequod", "cue", "exprot"],
            &["pequod", "cue", "--out", "json"],
            &["pequod", "cue", "export", "--bogus"],
            &["pequod", "cue", "export", "-e"],
            &["pequod", "cue", "export", "--out", "xml"],
            &["pequod", "cue", "export"],
            &[
                "pequod", "cue", "export", ".", "x.yaml", "--out", "yaml", "-t", "a=b", "-e", "x",
            ],
            &["pequod", "cue", "eval", "a.cue", "--out", "cue"],
            &["pequod", "cue", "def", "-e", "#Spec"],
            &["pequod", "cue", "vet", "-c=false", "a.cue"],
            &["pequod", "cue", "vet", "-c", "a.cue"],
            &["pequod", "cue", "vet", "-c", "false"],
            &[
                "pequod", "cue", "export", "-e", "a", "-e", "b.c", "-o", "x.yaml", "--force",
            ],
            &[
                "pequod", "cue", "export", "--escape", "-p", "pkg", "-f", "-o", "-",
            ],
            &[
                "pequod", "cue", "eval", "-c", "-a", "-H", "-O", "-e", "x", "-e", "y",
            ],
            &[
                "pequod",
                "cue",
                "eval",
                "--show-hidden",
                "--outfile",
                "o.cue",
            ],
            &["pequod", "cue", "eval", "--escape"],
            &["pequod", "cue", "eval", "-i", "a.cue"],
            &["pequod", "cue", "export", "", "json:", "-"],
            &[
                "pequod", "cue", "export", "-l", "a:", "--path", "kind", "x.json",
            ],
            &["/usr/local/bin/pequod", "cue", "export", "--help"],
            &["/usr/local/bin/pequod", "cue", "exprot"],
        ];
        for argv in cases {
            let whole = outcome::<Cli>(argv, |c| c);
            let cut = outcome::<CueCli>(argv, |c| {
                let CueOnly::Cue(command) = c.command;
                Cli {
                    command: Command::Cue(command),
                }
            });
            assert_eq!(cut, whole, "{argv:?}");
        }
    }
}
