//! A provisioning service of the kind the `http` action calls: it answers
//! the payload document with a result document, at once (`/provision`),
//! after `202 Accepted` and a relative `Location` (`/jobs`) or a
//! `statusUrl` in the body (`/jobs-by-body`), or with an error
//! (`/broken`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Log, serve};

/// How many times a job's status is read before it is done.
pub(crate) const JOB_POLLS: usize = 2;

#[derive(Default)]
struct Fake {
    base: String,
    reads: usize,
}

type Shared = Arc<Mutex<Fake>>;

/// A running fake service.
pub(crate) struct FakeService {
    /// Its base URL.
    pub(crate) url: String,
    /// What it was sent.
    pub(crate) log: Log,
}

impl FakeService {
    pub(crate) async fn start() -> Self {
        let shared: Shared = Arc::default();
        let router = Router::new()
            .route("/provision", post(provision))
            .route("/jobs", post(start_job))
            .route("/jobs-by-body", post(start_job_by_body))
            .route("/jobs/{id}/status", get(job_status))
            .route("/broken", post(broken))
            .with_state(shared.clone());
        let log = Log::default();
        let url = serve(router, &log).await;
        shared.lock().unwrap().base.clone_from(&url);
        Self { url, log }
    }
}

/// The result for a payload: an endpoint named after the spec's engine.
fn result(payload: &Value) -> Value {
    let engine = payload["spec"]["engine"].as_str().unwrap_or("unknown");
    json!({
        "outputs": {"endpoint": format!("{engine}.db.internal:5432"),
            "operation": payload["operation"]},
        "conditions": [{"type": "Provisioned", "status": "True", "reason": "Done",
            "message": "instance is up"}],
        "message": "provisioned",
    })
}

async fn provision(body: String) -> Response {
    match serde_json::from_str::<Value>(&body) {
        Ok(payload) => axum::Json(result(&payload)).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("not JSON: {e}")).into_response(),
    }
}

async fn start_job() -> Response {
    (StatusCode::ACCEPTED, [(LOCATION, "jobs/7/status")]).into_response()
}

async fn start_job_by_body(State(shared): State<Shared>) -> Response {
    let base = shared.lock().unwrap().base.clone();
    let body = json!({"statusUrl": format!("{base}/jobs/8/status")});
    (StatusCode::ACCEPTED, axum::Json(body)).into_response()
}

async fn job_status(State(shared): State<Shared>, Path(id): Path<u64>) -> Response {
    let mut fake = shared.lock().unwrap();
    fake.reads += 1;
    if fake.reads <= JOB_POLLS {
        return (
            StatusCode::ACCEPTED,
            axum::Json(json!({"state": "running"})),
        )
            .into_response();
    }
    fake.reads = 0;
    let payload = json!({"operation": "apply", "spec": {"engine": format!("job{id}")}});
    axum::Json(result(&payload)).into_response()
}

async fn broken() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "database unavailable\n  at pool.connect (pool.js:42)\n",
    )
        .into_response()
}
