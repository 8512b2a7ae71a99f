//! `pequod version`.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::VersionFormat;

/// The version shown by `pequod --version`.
pub(crate) const SHORT: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("PEQUOD_GIT_COMMIT"),
    ")"
);

/// What `pequod version` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionInfo {
    version: &'static str,
    git_commit: &'static str,
    kubernetes_api_version: &'static str,
}

const INFO: VersionInfo = VersionInfo {
    version: env!("CARGO_PKG_VERSION"),
    git_commit: env!("PEQUOD_GIT_COMMIT"),
    kubernetes_api_version: pequod_api::KUBERNETES_API_VERSION,
};

pub(crate) fn run(format: VersionFormat) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match format {
        VersionFormat::Text => {
            writeln!(out, "pequod {}", INFO.version)?;
            writeln!(out, "git commit: {}", INFO.git_commit)?;
            writeln!(out, "kubernetes api: v{}", INFO.kubernetes_api_version)?;
        }
        VersionFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &INFO)?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
