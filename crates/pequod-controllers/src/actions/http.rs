//! The `http` action: the payload document sent to a service, which answers
//! with the result document — at once, or after `202 Accepted` at a status
//! URL polled until the work is done.

use std::time::Duration;

use http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, LOCATION};
use http::{Method, StatusCode, Uri};
use pequod_api::HttpAction;
use serde_json::Value;

use super::client::{self, Response};
use super::document::{parse_result, payload};
use super::{ActionError, Invocation, OUTPUT_EXCERPT_BYTES, Outcome, Secrets, duration_or, tail};

const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

pub(super) async fn run(
    action: &HttpAction,
    invocation: &Invocation,
    secrets: &Secrets,
) -> Result<Outcome, ActionError> {
    let method_name = action
        .method
        .as_deref()
        .unwrap_or("POST")
        .to_ascii_uppercase();
    let method = Method::from_bytes(method_name.as_bytes()).map_err(|_| {
        ActionError::Config(format!("http.method: {method_name:?} is not a method"))
    })?;
    let url = client::parse_url(&action.url, "http.url")?;
    let poll_interval = duration_or(
        action.poll_interval.as_deref(),
        DEFAULT_POLL_INTERVAL,
        "http.pollInterval",
    )?;
    let mut headers = HeaderMap::new();
    for (name, value) in &action.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            return Err(ActionError::Config(format!(
                "http.headers: {name:?} is not a valid header"
            )));
        };
        headers.insert(name, value);
    }
    if let Some(reference) = &action.bearer_token_secret_ref {
        let token = secrets.get(reference).await?;
        let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            ActionError::Config(format!(
                "Secret {}: key {:?} is not usable as a bearer token",
                reference.name, reference.key
            ))
        })?;
        headers.insert(AUTHORIZATION, value);
    }
    let body = serde_json::to_vec(&payload(invocation)).unwrap_or_default();
    let work = async {
        let mut response = client::send(
            &method,
            &url,
            headers.clone(),
            Some(("application/json", body)),
        )
        .await?;
        let (mut answered_method, mut answered_url) = (method.clone(), url.clone());
        let mut polling = false;
        while response.status == StatusCode::ACCEPTED {
            // The first 202 must say where to look (else the service took
            // the work without reporting on it); a status URL's own 202
            // may name the next one or mean "still working, ask again".
            let status_url = match status_url(&response, &answered_url)? {
                Some(next) => next,
                None if polling => answered_url.clone(),
                None => break,
            };
            client::pause(poll_interval).await;
            response = client::send(&Method::GET, &status_url, headers.clone(), None).await?;
            (answered_method, answered_url, polling) = (Method::GET, status_url, true);
        }
        outcome(&answered_method, &answered_url, &response)
    };
    tokio::time::timeout(invocation.timeout, work)
        .await
        .unwrap_or(Err(ActionError::TimedOut {
            after: invocation.timeout,
            output: String::new(),
        }))
}

/// Where a `202 Accepted` says to look next: its `Location` header, else a
/// `statusUrl` in its body; none means the service accepted the work and
/// will not report on it.
fn status_url(response: &Response, request_url: &Uri) -> Result<Option<Uri>, ActionError> {
    let from_body = serde_json::from_str::<Value>(&response.body)
        .ok()
        .and_then(|b| {
            b.get("statusUrl")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let Some(location) = response
        .header(LOCATION.as_str())
        .map(str::to_owned)
        .or(from_body)
    else {
        return Ok(None);
    };
    client::resolve(request_url, &location)
        .map(Some)
        .map_err(|e| ActionError::Failed {
            message: format!("{request_url} answered 202 with a bad status URL: {e}"),
            output: tail(&response.body, OUTPUT_EXCERPT_BYTES),
        })
}

/// The final answer as an outcome: 2xx carries the result document,
/// anything else is a failure quoting the service's first line.
fn outcome(method: &Method, url: &Uri, response: &Response) -> Result<Outcome, ActionError> {
    let output = tail(&response.body, OUTPUT_EXCERPT_BYTES);
    if !response.status.is_success() {
        let line = client::first_line(&response.body);
        let mut message = format!("{method} {url}: {}", response.status_line());
        if !line.is_empty() {
            message = format!("{message}: {line}");
        }
        return Err(ActionError::Failed { message, output });
    }
    let mut outcome = parse_result(&response.body).map_err(|e| ActionError::Failed {
        message: format!("{method} {url} answered {} but {e}", response.status_line()),
        output: output.clone(),
    })?;
    outcome.output = output;
    Ok(outcome)
}
