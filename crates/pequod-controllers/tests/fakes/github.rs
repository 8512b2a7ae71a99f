//! GitHub's Actions REST API, as docs.github.com describes it, for the
//! endpoints Pequod uses: "Create a workflow dispatch event", "Get a
//! workflow run", "List workflow runs for a workflow", "Cancel a workflow
//! run". Runs go queued → in_progress → completed after a scripted number
//! of polls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Log, serve, timestamp_before};

/// How the fake behaves.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    /// The token it accepts.
    pub(crate) token: String,
    /// The one workflow file the repository has.
    pub(crate) workflow: String,
    /// How a run ends.
    pub(crate) conclusion: String,
    /// How many times a run is read before it is completed.
    pub(crate) polls: usize,
    /// Whether it honours `return_run_details` (GitHub since February 2026)
    /// or answers 204 like older GitHub Enterprise Server.
    pub(crate) run_details: bool,
    /// Whether runs ever complete.
    pub(crate) completes: bool,
    /// Whether the token has used up its hourly requests.
    pub(crate) rate_limited: bool,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            token: "ghp_good".into(),
            workflow: "provision.yaml".into(),
            conclusion: "success".into(),
            polls: 2,
            run_details: true,
            completes: true,
            rate_limited: false,
        }
    }
}

struct Run {
    id: u64,
    branch: String,
    created_at: String,
    reads: usize,
    cancelled: bool,
}

struct Fake {
    script: Script,
    base: String,
    runs: Vec<Run>,
}

type Shared = Arc<Mutex<Fake>>;

/// A running fake GitHub.
pub(crate) struct FakeGithub {
    /// Its API root, for `apiUrl`.
    pub(crate) url: String,
    /// What it was sent.
    pub(crate) log: Log,
}

const BRANCHES: [&str; 2] = ["main", "release"];

impl FakeGithub {
    /// Starts a fake whose repository has one earlier dispatched run (an
    /// hour old, failed), which the 204 fallback must not mistake for its
    /// own.
    pub(crate) async fn start(script: Script) -> Self {
        let earlier = Run {
            id: 1000,
            branch: "main".into(),
            created_at: timestamp_before(Duration::from_secs(3600)),
            reads: usize::MAX,
            cancelled: false,
        };
        let shared: Shared = Arc::new(Mutex::new(Fake {
            script,
            base: String::new(),
            runs: vec![earlier],
        }));
        let router = Router::new()
            .route(
                "/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches",
                post(dispatch),
            )
            .route(
                "/repos/{owner}/{repo}/actions/workflows/{workflow}/runs",
                get(list_runs),
            )
            .route("/repos/{owner}/{repo}/actions/runs/{id}", get(get_run))
            .route(
                "/repos/{owner}/{repo}/actions/runs/{id}/cancel",
                post(cancel_run),
            )
            .with_state(shared.clone());
        let log = Log::default();
        let url = serve(router, &log).await;
        shared.lock().unwrap().base.clone_from(&url);
        Self { url, log }
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({"message": message, "documentation_url": "https://docs.github.com/rest",
        "status": status.as_u16().to_string()});
    (status, axum::Json(body)).into_response()
}

/// GitHub's checks on every request, a User-Agent then the token: the
/// refusal, if any.
fn refusal(fake: &Fake, headers: &HeaderMap) -> Option<Response> {
    if !headers.contains_key("user-agent") {
        return Some(error(
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
        ));
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("token "));
    if fake.script.rate_limited {
        let body = json!({"message": "API rate limit exceeded for user ID 1.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"});
        let limits = [
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1771497000"),
        ];
        return Some((StatusCode::FORBIDDEN, limits, axum::Json(body)).into_response());
    }
    match token {
        None => Some(error(StatusCode::UNAUTHORIZED, "Requires authentication")),
        Some(t) if t == fake.script.token => None,
        Some(_) => Some(error(StatusCode::UNAUTHORIZED, "Bad credentials")),
    }
}

fn run_json(fake: &Fake, run: &Run, path: (&str, &str)) -> Value {
    let (owner, repo) = path;
    let (status, conclusion) = if run.cancelled {
        ("completed", Some("cancelled".to_owned()))
    } else if run.reads == usize::MAX {
        ("completed", Some("failure".to_owned()))
    } else if fake.script.completes && run.reads > fake.script.polls {
        ("completed", Some(fake.script.conclusion.clone()))
    } else if run.reads <= 1 {
        ("queued", None)
    } else {
        ("in_progress", None)
    };
    json!({
        "id": run.id, "name": "provision", "head_branch": run.branch, "run_attempt": 1,
        "event": "workflow_dispatch", "status": status, "conclusion": conclusion,
        "url": format!("{}/repos/{owner}/{repo}/actions/runs/{}", fake.base, run.id),
        "html_url": format!("https://github.example/{owner}/{repo}/actions/runs/{}", run.id),
        "created_at": run.created_at, "updated_at": run.created_at,
    })
}

async fn dispatch(
    State(shared): State<Shared>,
    Path((owner, repo, workflow)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut fake = shared.lock().unwrap();
    if let Some(refused) = refusal(&fake, &headers) {
        return refused;
    }
    if workflow != fake.script.workflow {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Problems parsing JSON");
    };
    let Some(git_ref) = body["ref"].as_str() else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request.\n\n\"ref\" wasn't supplied.",
        );
    };
    if !BRANCHES.contains(&git_ref) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("No ref found for: {git_ref}"),
        );
    }
    let inputs = body["inputs"].as_object().cloned().unwrap_or_default();
    if inputs.values().any(|v| !v.is_string()) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request.\n\nFor 'properties/inputs', values are not strings.",
        );
    }
    let id = 2000 + fake.runs.len() as u64;
    fake.runs.push(Run {
        id,
        branch: git_ref.to_owned(),
        created_at: timestamp_before(Duration::ZERO),
        reads: 0,
        cancelled: false,
    });
    if body["return_run_details"] == json!(true) && fake.script.run_details {
        let details = json!({
            "workflow_run_id": id,
            "run_url": format!("{}/repos/{owner}/{repo}/actions/runs/{id}", fake.base),
            "html_url": format!("https://github.example/{owner}/{repo}/actions/runs/{id}"),
        });
        return (StatusCode::OK, axum::Json(details)).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn list_runs(
    State(shared): State<Shared>,
    Path((owner, repo, workflow)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let fake = shared.lock().unwrap();
    if let Some(refused) = refusal(&fake, &headers) {
        return refused;
    }
    if workflow != fake.script.workflow {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let since = query
        .get("created")
        .and_then(|c| c.strip_prefix(">="))
        .unwrap_or_default();
    let mut runs: Vec<&Run> = fake
        .runs
        .iter()
        .filter(|_| query.get("event").is_none_or(|e| e == "workflow_dispatch"))
        .filter(|r| query.get("branch").is_none_or(|b| *b == r.branch))
        .filter(|r| r.created_at.as_str() >= since)
        .collect();
    runs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let runs: Vec<Value> = runs
        .into_iter()
        .map(|r| run_json(&fake, r, (&owner, &repo)))
        .collect();
    axum::Json(json!({"total_count": runs.len(), "workflow_runs": runs})).into_response()
}

async fn get_run(
    State(shared): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
) -> Response {
    let mut fake = shared.lock().unwrap();
    if let Some(refused) = refusal(&fake, &headers) {
        return refused;
    }
    let Some(index) = fake.runs.iter().position(|r| r.id == id) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let run = &mut fake.runs[index];
    run.reads = run.reads.saturating_add(1);
    let fake = &*fake;
    axum::Json(run_json(fake, &fake.runs[index], (&owner, &repo))).into_response()
}

async fn cancel_run(
    State(shared): State<Shared>,
    Path((_owner, _repo, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
) -> Response {
    let mut fake = shared.lock().unwrap();
    if let Some(refused) = refusal(&fake, &headers) {
        return refused;
    }
    let Some(run) = fake.runs.iter_mut().find(|r| r.id == id) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    run.cancelled = true;
    (StatusCode::ACCEPTED, axum::Json(json!({}))).into_response()
}
