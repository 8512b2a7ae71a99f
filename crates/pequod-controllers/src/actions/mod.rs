//! Actions: how an ActionReconciler makes the world match an object — a
//! program, an HTTP service, a GitHub Actions workflow or a GitLab pipeline.
//!
//! Every action gets the same [`Invocation`] and answers with the same
//! [`Outcome`]: outputs for `status.outputs`, custom conditions, and an
//! excerpt of what it printed for the history.

mod client;
mod command;
mod document;
mod github;
mod gitlab;
mod http;
mod secrets;

use std::time::Duration;

use pequod_api::{ActionSpec, Operation, Trigger};
use serde_json::{Map, Value};

pub use document::{CustomCondition, parse_result, payload, spec_variables, upper_snake};
pub use secrets::Secrets;

/// How much of an action's output a Reconciliation keeps.
pub const OUTPUT_EXCERPT_BYTES: usize = 4096;

/// One run of an action.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// `apply` or `destroy`.
    pub operation: Operation,
    /// What started the attempt.
    pub trigger: Trigger,
    /// The object: `apiVersion`, `kind`, `metadata` (name, namespace, uid,
    /// generation, labels, annotations) and `spec`.
    pub resource: Value,
    /// The outputs of the last successful run (`status.outputs`).
    pub outputs: Map<String, Value>,
    /// The limit on the run; the action stops what it started when it
    /// passes.
    pub timeout: Duration,
}

/// What a successful run reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Values for `status.outputs`.
    pub outputs: Map<String, Value>,
    /// Conditions the action sets on the object besides Pequod's own.
    pub conditions: Vec<CustomCondition>,
    /// A one-line summary for the history (may be empty).
    pub message: String,
    /// The tail of what the action printed, at most
    /// [`OUTPUT_EXCERPT_BYTES`].
    pub output: String,
}

/// Why a run failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// The action ran and reported failure.
    #[error("{message}")]
    Failed {
        /// What went wrong, one line where possible.
        message: String,
        /// The tail of what the action printed.
        output: String,
    },
    /// The action overran its timeout and was stopped.
    #[error("timed out after {}s", after.as_secs())]
    TimedOut {
        /// The timeout.
        after: Duration,
        /// The tail of what the action printed before it was stopped.
        output: String,
    },
    /// The action is not usable as configured (a bad URL, a missing Secret):
    /// retried like a failure, since a Secret may yet appear.
    #[error("{0}")]
    Config(String),
}

impl ActionError {
    /// What the action printed, for the history.
    pub fn output(&self) -> &str {
        match self {
            Self::Failed { output, .. } | Self::TimedOut { output, .. } => output,
            Self::Config(_) => "",
        }
    }
}

/// Runs `action` for `invocation`.
pub async fn run(
    action: &ActionSpec,
    invocation: &Invocation,
    secrets: &Secrets,
) -> Result<Outcome, ActionError> {
    match (
        &action.command,
        &action.http,
        &action.github_actions,
        &action.gitlab,
    ) {
        (Some(command), None, None, None) => command::run(command, invocation).await,
        (None, Some(http), None, None) => http::run(http, invocation, secrets).await,
        (None, None, Some(github), None) => github::run(github, invocation, secrets).await,
        (None, None, None, Some(gitlab)) => gitlab::run(gitlab, invocation, secrets).await,
        _ => Err(ActionError::Config(
            "an action sets exactly one of command, http, githubActions, gitlab".to_owned(),
        )),
    }
}

/// Checks an action's configuration without running it.
pub fn validate(action: &ActionSpec) -> Result<(), String> {
    let set = [
        action.command.is_some(),
        action.http.is_some(),
        action.github_actions.is_some(),
        action.gitlab.is_some(),
    ]
    .into_iter()
    .filter(|s| *s)
    .count();
    if set != 1 {
        return Err(format!(
            "an action sets exactly one of command, http, githubActions, gitlab (this one sets {set})"
        ));
    }
    if let Some(command) = &action.command
        && command.command.first().is_none_or(String::is_empty)
    {
        return Err("command.command names no program".to_owned());
    }
    Ok(())
}

/// The last `limit` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut start = text.len() - limit;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

/// A duration field of an action, or its default.
pub(crate) fn duration_or(
    text: Option<&str>,
    default: Duration,
    field: &str,
) -> Result<Duration, ActionError> {
    match text {
        None => Ok(default),
        Some(t) => pequod_engine::duration::parse(t)
            .ok_or_else(|| ActionError::Config(format!("{field}: {t:?} is not a duration"))),
    }
}
