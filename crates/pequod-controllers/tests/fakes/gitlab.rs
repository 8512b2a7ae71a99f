//! GitLab's REST API (v4), as docs.gitlab.com describes it, for the two
//! endpoints Pequod uses: "Trigger a pipeline with a token" and "Get a
//! single pipeline". Pipelines go created → pending → running → a scripted
//! final status.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Log, form_fields, serve, timestamp_before};

/// The project the fake hosts, by id and by path.
const PROJECT_ID: u64 = 42;
const PROJECT_PATH: &str = "group/project";

/// How the fake behaves.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    /// The pipeline trigger token it accepts.
    pub(crate) trigger_token: String,
    /// The `PRIVATE-TOKEN` it accepts.
    pub(crate) token: String,
    /// How a pipeline ends.
    pub(crate) final_status: String,
    /// How many times a pipeline is read before it ends.
    pub(crate) polls: usize,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            trigger_token: "glptt-good".into(),
            token: "glpat-good".into(),
            final_status: "success".into(),
            polls: 2,
        }
    }
}

struct Pipeline {
    id: u64,
    git_ref: String,
    created_at: String,
    reads: usize,
}

struct Fake {
    script: Script,
    pipelines: Vec<Pipeline>,
}

type Shared = Arc<Mutex<Fake>>;

/// A running fake GitLab.
pub(crate) struct FakeGitlab {
    /// Its API root, for `apiUrl` (`…/api/v4`).
    pub(crate) url: String,
    /// What it was sent.
    pub(crate) log: Log,
}

impl FakeGitlab {
    pub(crate) async fn start(script: Script) -> Self {
        let shared: Shared = Arc::new(Mutex::new(Fake {
            script,
            pipelines: Vec::new(),
        }));
        let router = Router::new()
            .route("/api/v4/projects/{id}/trigger/pipeline", post(trigger))
            .route("/api/v4/projects/{id}/pipelines/{pipeline}", get(pipeline))
            .with_state(shared);
        let log = Log::default();
        let url = format!("{}/api/v4", serve(router, &log).await);
        Self { url, log }
    }
}

fn error(status: StatusCode, message: Value) -> Response {
    (status, axum::Json(json!({"message": message}))).into_response()
}

fn known_project(id: &str) -> bool {
    id == PROJECT_ID.to_string() || id == PROJECT_PATH
}

fn pipeline_json(pipeline: &Pipeline, status: &str) -> Value {
    let id = pipeline.id;
    json!({
        "id": id, "iid": id - 100, "project_id": PROJECT_ID, "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
        "ref": pipeline.git_ref, "status": status, "source": "trigger",
        "created_at": pipeline.created_at, "updated_at": pipeline.created_at,
        "web_url": format!("https://gitlab.example/{PROJECT_PATH}/-/pipelines/{id}"),
    })
}

async fn trigger(State(shared): State<Shared>, Path(id): Path<String>, body: String) -> Response {
    let mut fake = shared.lock().unwrap();
    let fields = form_fields(&body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // An unknown project or a wrong token both look like nothing there.
    if !known_project(&id) || field("token") != Some(fake.script.trigger_token.as_str()) {
        return error(StatusCode::NOT_FOUND, json!("404 Not Found"));
    }
    let git_ref = field("ref").unwrap_or_default().to_owned();
    if git_ref != "main" {
        return error(
            StatusCode::BAD_REQUEST,
            json!({"base": ["Reference not found"]}),
        );
    }
    let pipeline = Pipeline {
        id: 500 + fake.pipelines.len() as u64,
        git_ref,
        created_at: timestamp_before(Duration::ZERO),
        reads: 0,
    };
    let answer = pipeline_json(&pipeline, "created");
    fake.pipelines.push(pipeline);
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

async fn pipeline(
    State(shared): State<Shared>,
    Path((id, pipeline)): Path<(String, u64)>,
    headers: HeaderMap,
) -> Response {
    let mut fake = shared.lock().unwrap();
    let token = headers
        .get("private-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if token != fake.script.token {
        return error(StatusCode::UNAUTHORIZED, json!("401 Unauthorized"));
    }
    if !known_project(&id) {
        return error(StatusCode::NOT_FOUND, json!("404 Project Not Found"));
    }
    let (polls, final_status) = (fake.script.polls, fake.script.final_status.clone());
    let Some(found) = fake.pipelines.iter_mut().find(|p| p.id == pipeline) else {
        return error(StatusCode::NOT_FOUND, json!("404 Not found"));
    };
    found.reads += 1;
    let status = match found.reads {
        r if r > polls => final_status.as_str(),
        1 => "pending",
        _ => "running",
    };
    axum::Json(pipeline_json(found, status)).into_response()
}
