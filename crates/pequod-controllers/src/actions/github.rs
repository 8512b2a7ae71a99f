//! The `githubActions` action: a `workflow_dispatch` of a workflow, then
//! the run polled until it completes, through GitHub's REST API (version
//! `2022-11-28`).
//!
//! The run is known from the dispatch's answer (`return_run_details`,
//! GitHub since February 2026). Servers that answer `204 No Content`
//! instead (older GitHub Enterprise Server) leave only a race: Pequod lists
//! the workflow's `workflow_dispatch` runs on the ref created since just
//! before the dispatch and takes the newest. A run dispatched by someone
//! else on the same workflow and ref within the same seconds may be taken
//! for Pequod's; only the dispatch answer rules that out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use pequod_api::GithubActionsAction;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::client::{self, Response};
use super::{ActionError, Invocation, OUTPUT_EXCERPT_BYTES, Outcome, Secrets, duration_or, tail};

const DEFAULT_API_URL: &str = "https://api.github.com";
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);
/// How much earlier than Pequod's clock GitHub's may date a run it created
/// after the dispatch.
const CLOCK_SLACK: Duration = Duration::from_secs(5);
/// How long stopping a timed-out run may take.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(10);

/// A workflow run, as "Get a workflow run" and "List workflow runs" show it.
#[derive(Clone, Debug, Deserialize)]
struct Run {
    id: u64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    html_url: String,
    #[serde(default)]
    created_at: String,
}

#[derive(Deserialize)]
struct RunList {
    workflow_runs: Vec<Run>,
}

#[derive(Deserialize)]
struct RunDetails {
    workflow_run_id: u64,
}

/// One repository's API, with the token's headers.
struct Api {
    base: String,
    headers: HeaderMap,
}

/// What a run has got to: kept outside the timed work so that a timeout
/// can still cancel the run and report how far it got.
#[derive(Default)]
struct Progress {
    run_id: Option<u64>,
    status: Option<String>,
    log: Vec<String>,
}

pub(super) async fn run(
    action: &GithubActionsAction,
    invocation: &Invocation,
    secrets: &Secrets,
) -> Result<Outcome, ActionError> {
    let repository = match action.repository.split_once('/') {
        Some((owner, repo)) if !owner.is_empty() && !repo.is_empty() && !repo.contains('/') => {
            format!("{}/{}", client::encode(owner), client::encode(repo))
        }
        _ => {
            return Err(ActionError::Config(format!(
                "githubActions.repository: {:?} is not owner/repo",
                action.repository
            )));
        }
    };
    let root = action.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
    client::parse_url(root, "githubActions.apiUrl")?;
    let poll_interval = duration_or(
        action.poll_interval.as_deref(),
        DEFAULT_POLL_INTERVAL,
        "githubActions.pollInterval",
    )?;
    let token = secrets.get(&action.token_secret_ref).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        ACCEPT,
        HeaderValue::from_static("application/vnd.github+json"),
    );
    headers.insert(
        "x-github-api-version",
        HeaderValue::from_static("2022-11-28"),
    );
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        ActionError::Config(format!(
            "Secret {}: key {:?} is not usable as a token",
            action.token_secret_ref.name, action.token_secret_ref.key
        ))
    })?;
    headers.insert(AUTHORIZATION, bearer);
    let api = Api {
        base: format!("{}/repos/{repository}", root.trim_end_matches('/')),
        headers,
    };

    let mut progress = Progress::default();
    let work = dispatch_and_wait(&api, action, invocation, poll_interval, &mut progress);
    if let Ok(result) = tokio::time::timeout(invocation.timeout, work).await {
        return result;
    }
    // The run would go on without anyone waiting for it: stop it.
    if let Some(id) = progress.run_id {
        let path = format!("/actions/runs/{id}/cancel");
        let cancel = api.call(&Method::POST, &path, None);
        let line = match tokio::time::timeout(CANCEL_TIMEOUT, cancel).await {
            Ok(Ok(_)) => format!("cancelled workflow run {id}"),
            Ok(Err(e)) => format!("cancelling workflow run {id}: {e}"),
            Err(_) => format!("cancelling workflow run {id}: no answer"),
        };
        progress.note(line);
    }
    Err(ActionError::TimedOut {
        after: invocation.timeout,
        output: progress.output(),
    })
}

async fn dispatch_and_wait(
    api: &Api,
    action: &GithubActionsAction,
    invocation: &Invocation,
    poll_interval: Duration,
    progress: &mut Progress,
) -> Result<Outcome, ActionError> {
    let workflow = client::encode(&action.workflow);
    let git_ref = action.git_ref.as_deref().unwrap_or("main");
    let mut body = json!({"ref": git_ref, "inputs": inputs(action, invocation),
        "return_run_details": true});
    let since = rfc3339(SystemTime::now() - CLOCK_SLACK);
    let dispatches = format!("/actions/workflows/{workflow}/dispatches");
    let answer = match api.call(&Method::POST, &dispatches, Some(&body)).await {
        // A server older than the parameter may refuse it by name.
        Err(ActionError::Failed { message, .. })
            if message.contains("422 Unprocessable Entity")
                && message.contains("return_run_details") =>
        {
            if let Some(fields) = body.as_object_mut() {
                fields.remove("return_run_details");
            }
            api.call(&Method::POST, &dispatches, Some(&body)).await?
        }
        other => other?,
    };
    let run_id = match serde_json::from_str::<RunDetails>(&answer.body) {
        Ok(details) if answer.status == StatusCode::OK => details.workflow_run_id,
        _ => {
            progress.note(format!(
                "dispatched {}; looking for its run",
                action.workflow
            ));
            let listing = format!(
                "/actions/workflows/{workflow}/runs?event=workflow_dispatch&branch={}&created=%3E%3D{}",
                client::encode(git_ref),
                client::encode(&since)
            );
            find_run(api, &listing, &since, poll_interval).await?
        }
    };
    progress.run_id = Some(run_id);
    loop {
        let run: Run = api.get(&format!("/actions/runs/{run_id}")).await?;
        let status = run.status.clone().unwrap_or_default();
        if progress.status.as_ref() != Some(&status) {
            progress.note(format!("workflow run {run_id} {status}: {}", run.html_url));
            progress.status = Some(status.clone());
        }
        if status == "completed" {
            return finished(&run, progress);
        }
        client::pause(poll_interval).await;
    }
}

/// The newest run of the listing created at or after `since`, waiting for
/// GitHub to create it.
async fn find_run(
    api: &Api,
    listing: &str,
    since: &str,
    poll_interval: Duration,
) -> Result<u64, ActionError> {
    loop {
        let list: RunList = api.get(listing).await?;
        let newest = list
            .workflow_runs
            .into_iter()
            .filter(|r| r.created_at.as_str() >= since)
            .max_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)));
        if let Some(run) = newest {
            return Ok(run.id);
        }
        client::pause(poll_interval).await;
    }
}

fn finished(run: &Run, progress: &Progress) -> Result<Outcome, ActionError> {
    let conclusion = run
        .conclusion
        .clone()
        .unwrap_or_else(|| "unknown".to_owned());
    if conclusion != "success" {
        return Err(ActionError::Failed {
            message: format!("workflow run {} {conclusion}: {}", run.id, run.html_url),
            output: progress.output(),
        });
    }
    let mut outputs = Map::new();
    outputs.insert("runId".into(), json!(run.id));
    outputs.insert("runUrl".into(), json!(run.html_url));
    outputs.insert("conclusion".into(), json!(conclusion));
    Ok(Outcome {
        outputs,
        conditions: Vec::new(),
        message: format!("workflow run {} succeeded", run.id),
        output: progress.output(),
    })
}

/// The spec's top-level fields under their own names (strings as they are,
/// other values as compact JSON), then the action's own inputs.
fn inputs(action: &GithubActionsAction, invocation: &Invocation) -> Map<String, Value> {
    let mut inputs = Map::new();
    if let Some(spec) = invocation.resource.get("spec").and_then(Value::as_object) {
        for (key, value) in spec {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            inputs.insert(key.clone(), Value::String(text));
        }
    }
    for (key, value) in &action.inputs {
        inputs.insert(key.clone(), Value::String(value.clone()));
    }
    inputs
}

impl Progress {
    fn note(&mut self, line: String) {
        self.log.push(line);
    }

    fn output(&self) -> String {
        tail(&self.log.join("\n"), OUTPUT_EXCERPT_BYTES)
    }
}

impl Api {
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ActionError> {
        let response = self.call(&Method::GET, path, None).await?;
        serde_json::from_str(&response.body).map_err(|e| ActionError::Failed {
            message: format!("GET {}{path}: unexpected answer: {e}", self.base),
            output: tail(&response.body, OUTPUT_EXCERPT_BYTES),
        })
    }

    async fn call(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, ActionError> {
        let url = client::parse_url(&format!("{}{path}", self.base), "githubActions.apiUrl")?;
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        let response = client::send(method, &url, self.headers.clone(), body).await?;
        if response.status.is_success() {
            return Ok(response);
        }
        let said = serde_json::from_str::<Value>(&response.body)
            .ok()
            .and_then(|b| b.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| client::first_line(&response.body).to_owned());
        let mut message = format!("{method} {url}: {}", response.status_line());
        if let Some(limit) = rate_limit(&response) {
            message = format!("{message}: {limit}");
        }
        if !said.is_empty() {
            message = format!("{message}: {said}");
        }
        Err(ActionError::Failed {
            message,
            output: tail(&response.body, OUTPUT_EXCERPT_BYTES),
        })
    }
}

/// GitHub's word that the token is rate limited (403 or 429 with
/// `retry-after`, or no requests left), for the message.
fn rate_limit(response: &Response) -> Option<String> {
    if !matches!(response.status.as_u16(), 403 | 429) {
        return None;
    }
    if let Some(seconds) = response.header("retry-after") {
        return Some(format!("rate limited by GitHub, retry after {seconds}s"));
    }
    if response.header("x-ratelimit-remaining") != Some("0") {
        return None;
    }
    let resets = response
        .header("x-ratelimit-reset")
        .and_then(|s| s.parse::<u64>().ok())
        .map(|epoch| rfc3339(UNIX_EPOCH + Duration::from_secs(epoch)));
    Some(match resets {
        Some(at) => format!("GitHub API rate limit exhausted until {at}"),
        None => "GitHub API rate limit exhausted".to_owned(),
    })
}

/// `2026-02-19T10:30:00Z`: the form GitHub writes `created_at` in, so that
/// such timestamps compare as strings.
fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::rfc3339;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_771_497_000);
        assert_eq!(rfc3339(t), "2026-02-19T10:30:00Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400 + 86_399);
        assert_eq!(rfc3339(leap), "2000-02-29T23:59:59Z");
    }
}
