//! Logging set-up from `--zap-log-level`, `--zap-encoder` and `RUST_LOG`.

use tracing_subscriber::EnvFilter;

use crate::cli::{LogEncoder, LogLevel, LoggingArgs};

/// Installs the global subscriber; logs go to stderr.
pub(crate) fn init(args: &LoggingArgs) {
    let level = match args.zap_log_level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Error => "error",
    };
    // Pequod's own crates at the chosen level; libraries one step quieter.
    let default = format!(
        "warn,pequod={level},pequod_controllers={level},pequod_engine={level},pequod_runtime={level}"
    );
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests) is harmless, so its error is ignored.
    let _ = match args.zap_encoder {
        LogEncoder::Json => builder.json().try_init(),
        LogEncoder::Console => builder.try_init(),
    };
}
