//! The `gitlab` action: a pipeline started with a trigger token ("Trigger a
//! pipeline with a token"), then polled with a `read_api` token ("Get a
//! single pipeline") until it reaches a final status.
//!
//! A timed-out pipeline is left running: cancelling it needs the `api`
//! scope, more than the polling token is asked to have.

use std::collections::BTreeMap;
use std::time::Duration;

use http::Method;
use http::header::{HeaderMap, HeaderValue};
use pequod_api::GitlabAction;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::client::{self, Response};
use super::document::spec_variables;
use super::{ActionError, Invocation, OUTPUT_EXCERPT_BYTES, Outcome, Secrets, duration_or, tail};

const DEFAULT_API_URL: &str = "https://gitlab.com/api/v4";
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// A pipeline, as both endpoints answer with it.
#[derive(Debug, Deserialize)]
struct Pipeline {
    id: u64,
    status: String,
    #[serde(default)]
    web_url: String,
}

pub(super) async fn run(
    action: &GitlabAction,
    invocation: &Invocation,
    secrets: &Secrets,
) -> Result<Outcome, ActionError> {
    let root = action.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
    client::parse_url(root, "gitlab.apiUrl")?;
    if action.project.is_empty() {
        return Err(ActionError::Config("gitlab.project is empty".to_owned()));
    }
    // The documented form is already encoded (`group%2Fproject`); a plain
    // path is encoded here rather than sent to the wrong endpoint.
    let project = action.project.replace('/', "%2F");
    let base = format!("{}/projects/{project}", root.trim_end_matches('/'));
    let poll_interval = duration_or(
        action.poll_interval.as_deref(),
        DEFAULT_POLL_INTERVAL,
        "gitlab.pollInterval",
    )?;
    let git_ref = action.git_ref.as_deref().unwrap_or("main");
    let trigger_token = secrets.get(&action.trigger_token_secret_ref).await?;
    let read_token = secrets.get(&action.token_secret_ref).await?;
    let mut read_headers = HeaderMap::new();
    let private = HeaderValue::from_str(&read_token).map_err(|_| {
        ActionError::Config(format!(
            "Secret {}: key {:?} is not usable as a token",
            action.token_secret_ref.name, action.token_secret_ref.key
        ))
    })?;
    read_headers.insert("private-token", private);

    let mut form = vec![
        ("token".to_owned(), trigger_token),
        ("ref".to_owned(), git_ref.to_owned()),
    ];
    for (key, value) in variables(action, invocation) {
        form.push((format!("variables[{key}]"), value));
    }
    let form = form
        .iter()
        .map(|(k, v)| format!("{}={}", client::encode(k), client::encode(v)))
        .collect::<Vec<_>>()
        .join("&");

    let mut log = Vec::new();
    let work = async {
        let trigger = format!("{base}/trigger/pipeline");
        let body = Some(("application/x-www-form-urlencoded", form.into_bytes()));
        let pipeline: Pipeline = call(&Method::POST, &trigger, HeaderMap::new(), body).await?;
        let id = pipeline.id;
        log.push(format!(
            "pipeline {id} {}: {}",
            pipeline.status, pipeline.web_url
        ));
        let mut last_status = pipeline.status;
        loop {
            client::pause(poll_interval).await;
            let url = format!("{base}/pipelines/{id}");
            let pipeline: Pipeline = call(&Method::GET, &url, read_headers.clone(), None).await?;
            if pipeline.status != last_status {
                log.push(format!(
                    "pipeline {id} {}: {}",
                    pipeline.status, pipeline.web_url
                ));
                last_status.clone_from(&pipeline.status);
            }
            if let Some(result) = finished(&pipeline) {
                return result;
            }
        }
    };
    let result = tokio::time::timeout(invocation.timeout, work).await;
    let output = tail(&log.join("\n"), OUTPUT_EXCERPT_BYTES);
    match result {
        Ok(Ok(mut outcome)) => {
            outcome.output = output;
            Ok(outcome)
        }
        Ok(Err(ActionError::Failed {
            message,
            output: body,
        })) => Err(ActionError::Failed {
            message,
            output: if body.is_empty() { output } else { body },
        }),
        Ok(Err(other)) => Err(other),
        Err(_) => Err(ActionError::TimedOut {
            after: invocation.timeout,
            output,
        }),
    }
}

/// The result of a pipeline in a final status; `None` while it may still
/// finish on its own (`scheduled` runs a delayed job when its time comes).
fn finished(pipeline: &Pipeline) -> Option<Result<Outcome, ActionError>> {
    let (id, url) = (pipeline.id, &pipeline.web_url);
    let failed = |message: String| {
        Some(Err(ActionError::Failed {
            message,
            output: String::new(),
        }))
    };
    match pipeline.status.as_str() {
        "success" => {
            let mut outputs = Map::new();
            outputs.insert("pipelineId".into(), json!(id));
            outputs.insert("pipelineUrl".into(), json!(url));
            outputs.insert("status".into(), json!("success"));
            Some(Ok(Outcome {
                outputs,
                conditions: Vec::new(),
                message: format!("pipeline {id} succeeded"),
                output: String::new(),
            }))
        }
        "failed" | "canceled" | "skipped" => {
            failed(format!("pipeline {id} {}: {url}", pipeline.status))
        }
        "manual" => failed(format!(
            "pipeline {id} waits for a manual job and will not finish on its own: {url}"
        )),
        _ => None,
    }
}

/// The spec's fields (`STORAGE_GB`), who the pipeline works for, then the
/// action's own variables, which win.
fn variables(action: &GitlabAction, invocation: &Invocation) -> BTreeMap<String, String> {
    let resource = &invocation.resource;
    let meta = |field: &str| {
        resource["metadata"][field]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let mut variables = spec_variables(resource);
    variables.insert(
        "PEQUOD_OPERATION".into(),
        invocation.operation.as_str().into(),
    );
    variables.insert("PEQUOD_NAME".into(), meta("name"));
    variables.insert("PEQUOD_NAMESPACE".into(), meta("namespace"));
    variables.extend(action.variables.clone());
    variables
}

/// One API call whose answer is a pipeline; GitLab's `message` (or
/// `error`) explains a refusal.
async fn call(
    method: &Method,
    url: &str,
    headers: HeaderMap,
    body: Option<(&'static str, Vec<u8>)>,
) -> Result<Pipeline, ActionError> {
    let uri = client::parse_url(url, "gitlab.apiUrl")?;
    let response = client::send(method, &uri, headers, body).await?;
    if !response.status.is_success() {
        return Err(refusal(method, url, &response));
    }
    serde_json::from_str(&response.body).map_err(|e| ActionError::Failed {
        message: format!("{method} {url}: not a pipeline: {e}"),
        output: tail(&response.body, OUTPUT_EXCERPT_BYTES),
    })
}

fn refusal(method: &Method, url: &str, response: &Response) -> ActionError {
    let said = serde_json::from_str::<Value>(&response.body)
        .ok()
        .and_then(|b| {
            let text = b.get("message").or_else(|| b.get("error"))?;
            // Validation errors come as {"message": {"base": ["…"]}}.
            Some(
                text.as_str()
                    .map_or_else(|| text.to_string(), str::to_owned),
            )
        })
        .unwrap_or_else(|| client::first_line(&response.body).to_owned());
    let mut message = format!("{method} {url}: {}", response.status_line());
    if !said.is_empty() {
        message = format!("{message}: {said}");
    }
    ActionError::Failed {
        message,
        output: tail(&response.body, OUTPUT_EXCERPT_BYTES),
    }
}
