//! The remote actions — `http`, `githubActions`, `gitlab` — against local
//! fakes of a provisioning service, GitHub and GitLab, with their tokens
//! read from Secrets on the embedded API server.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod fakes;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};
use pequod_api::{
    ActionSpec, GithubActionsAction, GitlabAction, HttpAction, Operation, SecretKeyRef, Trigger,
};
use pequod_controllers::actions::{self, ActionError, Invocation, Outcome, Secrets};
use pequod_testing::TestCluster;
use serde_json::{Value, json};

use fakes::github::{self, FakeGithub};
use fakes::gitlab::{self, FakeGitlab};
use fakes::service::{FakeService, JOB_POLLS};

const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: &str = "50ms";

/// A namespace holding a Secret `tokens` with the given keys.
async fn secrets(tokens: &[(&str, &str)]) -> Secrets {
    let cluster = TestCluster::embedded().unwrap();
    let client = cluster.client().await.unwrap();
    let namespace = cluster.create_namespace(&client, "actions").await.unwrap();
    let data = tokens
        .iter()
        .map(|(k, v)| ((*k).to_owned(), ByteString(format!("{v}\n").into_bytes())))
        .collect();
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some("tokens".into()),
            ..ObjectMeta::default()
        },
        data: Some(data),
        ..Secret::default()
    };
    Api::<Secret>::namespaced(client.clone(), &namespace)
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
    Secrets::new(client, namespace)
}

fn token(key: &str) -> SecretKeyRef {
    SecretKeyRef {
        namespace: None,
        name: "tokens".into(),
        key: key.into(),
    }
}

fn invocation(timeout: Duration) -> Invocation {
    Invocation {
        operation: Operation::Apply,
        trigger: Trigger::Create,
        resource: json!({"apiVersion": "infra.example.com/v1", "kind": "DatabaseCluster",
            "metadata": {"name": "orders", "namespace": "team-a", "uid": "u-1", "generation": 2},
            "spec": {"engine": "postgres", "storageGb": 500, "ha": true}}),
        outputs: serde_json::Map::new(),
        timeout,
    }
}

async fn run(action: ActionSpec, secrets: &Secrets) -> Result<Outcome, ActionError> {
    actions::run(&action, &invocation(TIMEOUT), secrets).await
}

fn failure(result: Result<Outcome, ActionError>) -> (String, String) {
    match result {
        Err(ActionError::Failed { message, output }) => (message, output),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn http(url: String) -> HttpAction {
    HttpAction {
        url,
        poll_interval: Some(POLL.into()),
        ..HttpAction::default()
    }
}

fn http_spec(action: HttpAction) -> ActionSpec {
    ActionSpec {
        http: Some(action),
        ..ActionSpec::default()
    }
}

#[tokio::test]
async fn http_sends_the_payload_with_the_bearer_token_and_reads_the_result() {
    let service = FakeService::start().await;
    let secrets = secrets(&[("service", "s3cret")]).await;
    let mut action = http(format!("{}/provision", service.url));
    action.bearer_token_secret_ref = Some(token("service"));
    action.headers = BTreeMap::from([("X-Team".into(), "platform".into())]);
    let outcome = run(http_spec(action), &secrets).await.unwrap();
    assert_eq!(outcome.outputs["endpoint"], "postgres.db.internal:5432");
    assert_eq!(outcome.outputs["operation"], "apply");
    assert_eq!(outcome.conditions[0].type_, "Provisioned");
    assert_eq!(outcome.message, "provisioned");
    assert!(
        outcome.output.contains("\"endpoint\""),
        "{}",
        outcome.output
    );

    let sent = &service.log.matching("POST", "/provision")[0];
    assert_eq!(sent.header("authorization"), "Bearer s3cret");
    assert_eq!(sent.header("x-team"), "platform");
    assert_eq!(sent.header("content-type"), "application/json");
    let payload: Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(payload["trigger"], "create");
    assert_eq!(payload["spec"]["storageGb"], 500);
    assert_eq!(payload["resource"]["metadata"]["name"], "orders");
}

#[tokio::test]
async fn http_polls_a_202_until_the_job_is_done() {
    let service = FakeService::start().await;
    let secrets = secrets(&[]).await;
    // Location "jobs/7/status" is relative to the request's URL.
    let outcome = run(http_spec(http(format!("{}/jobs", service.url))), &secrets)
        .await
        .unwrap();
    assert_eq!(outcome.outputs["endpoint"], "job7.db.internal:5432");
    assert_eq!(
        service.log.matching("GET", "/jobs/7/status").len(),
        JOB_POLLS + 1
    );

    let outcome = run(
        http_spec(http(format!("{}/jobs-by-body", service.url))),
        &secrets,
    )
    .await
    .unwrap();
    assert_eq!(outcome.outputs["endpoint"], "job8.db.internal:5432");
}

#[tokio::test]
async fn http_errors_quote_the_status_and_the_body() {
    let service = FakeService::start().await;
    let secrets = secrets(&[]).await;
    let url = format!("{}/broken", service.url);
    let (message, output) = failure(run(http_spec(http(url.clone())), &secrets).await);
    assert_eq!(
        message,
        format!("POST {url}: 500 Internal Server Error: database unavailable")
    );
    assert!(output.contains("pool.js:42"), "{output}");

    // Nothing listens on port 9: a failure to retry, not a configuration error.
    let (message, _) = failure(run(http_spec(http("http://127.0.0.1:9/x".into())), &secrets).await);
    assert!(
        message.to_lowercase().contains("connection refused"),
        "{message}"
    );
}

#[tokio::test]
async fn http_without_its_secret_is_a_config_error() {
    let service = FakeService::start().await;
    let secrets = secrets(&[]).await;
    let mut action = http(format!("{}/provision", service.url));
    action.bearer_token_secret_ref = Some(SecretKeyRef {
        namespace: None,
        name: "absent".into(),
        key: "token".into(),
    });
    let err = run(http_spec(action), &secrets).await.unwrap_err();
    assert!(
        matches!(&err, ActionError::Config(m) if m.contains("absent")),
        "{err:?}"
    );
    assert!(service.log.matching("POST", "/provision").is_empty());
}

fn github_spec(api_url: &str, workflow: &str) -> ActionSpec {
    ActionSpec {
        github_actions: Some(GithubActionsAction {
            repository: "acme/infra".into(),
            workflow: workflow.into(),
            git_ref: Some("release".into()),
            inputs: BTreeMap::from([("engine".into(), "postgres-16".into())]),
            token_secret_ref: token("github"),
            api_url: Some(api_url.into()),
            poll_interval: Some(POLL.into()),
        }),
        ..ActionSpec::default()
    }
}

#[tokio::test]
async fn github_dispatches_and_follows_the_run_it_was_told_of() {
    let github = FakeGithub::start(github::Script::default()).await;
    let secrets = secrets(&[("github", "ghp_good")]).await;
    let outcome = run(github_spec(&github.url, "provision.yaml"), &secrets)
        .await
        .unwrap();
    assert_eq!(outcome.message, "workflow run 2001 succeeded");
    assert_eq!(outcome.outputs["runId"], 2001);
    assert_eq!(
        outcome.outputs["runUrl"],
        "https://github.example/acme/infra/actions/runs/2001"
    );
    assert_eq!(outcome.outputs["conclusion"], "success");
    assert!(outcome.output.contains("in_progress"), "{}", outcome.output);

    let sent = &github.log.matching("POST", "/dispatches")[0];
    assert_eq!(
        sent.uri,
        "/repos/acme/infra/actions/workflows/provision.yaml/dispatches"
    );
    assert_eq!(sent.header("authorization"), "Bearer ghp_good");
    assert_eq!(sent.header("accept"), "application/vnd.github+json");
    assert_eq!(sent.header("x-github-api-version"), "2022-11-28");
    assert!(sent.header("user-agent").starts_with("pequod/"));
    let body: Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["ref"], "release");
    assert_eq!(body["return_run_details"], true);
    // Spec fields under their own names, the action's inputs winning.
    assert_eq!(
        body["inputs"],
        json!({"engine": "postgres-16", "storageGb": "500", "ha": "true"})
    );
    assert!(github.log.matching("GET", "/runs?").is_empty());
}

#[tokio::test]
async fn github_finds_the_run_by_listing_when_the_dispatch_answers_204() {
    let script = github::Script {
        run_details: false,
        ..github::Script::default()
    };
    let github = FakeGithub::start(script).await;
    let secrets = secrets(&[("github", "ghp_good")]).await;
    let outcome = run(github_spec(&github.url, "provision.yaml"), &secrets)
        .await
        .unwrap();
    // Run 1000, an hour older and failed, is not taken for this dispatch.
    assert_eq!(outcome.outputs["runId"], 2001);
    let listed = &github.log.matching("GET", "/runs?")[0];
    assert!(
        listed
            .uri
            .contains("event=workflow_dispatch&branch=release&created=%3E%3D"),
        "{}",
        listed.uri
    );
}

#[tokio::test]
async fn github_reports_a_failed_run_and_bad_credentials() {
    let script = github::Script {
        conclusion: "failure".into(),
        ..github::Script::default()
    };
    let github = FakeGithub::start(script).await;
    let secrets = secrets(&[("github", "ghp_good"), ("stale", "ghp_revoked")]).await;
    let (message, _) = failure(run(github_spec(&github.url, "provision.yaml"), &secrets).await);
    assert_eq!(
        message,
        "workflow run 2001 failure: https://github.example/acme/infra/actions/runs/2001"
    );

    let mut spec = github_spec(&github.url, "provision.yaml");
    if let Some(g) = spec.github_actions.as_mut() {
        g.token_secret_ref = token("stale");
    }
    let (message, _) = failure(run(spec, &secrets).await);
    assert!(
        message.contains("401 Unauthorized: Bad credentials"),
        "{message}"
    );

    let (message, _) = failure(run(github_spec(&github.url, "missing.yaml"), &secrets).await);
    assert!(message.ends_with("404 Not Found: Not Found"), "{message}");
}

#[tokio::test]
async fn github_says_when_the_token_is_rate_limited() {
    let script = github::Script {
        rate_limited: true,
        ..github::Script::default()
    };
    let github = FakeGithub::start(script).await;
    let secrets = secrets(&[("github", "ghp_good")]).await;
    let (message, _) = failure(run(github_spec(&github.url, "provision.yaml"), &secrets).await);
    assert!(
        message.ends_with(
            "403 Forbidden: GitHub API rate limit exhausted until 2026-02-19T10:30:00Z: \
             API rate limit exceeded for user ID 1."
        ),
        "{message}"
    );
}

#[tokio::test]
async fn github_times_out_and_cancels_a_run_that_never_completes() {
    let script = github::Script {
        completes: false,
        ..github::Script::default()
    };
    let github = FakeGithub::start(script).await;
    let secrets = secrets(&[("github", "ghp_good")]).await;
    let started = Instant::now();
    let result = actions::run(
        &github_spec(&github.url, "provision.yaml"),
        &invocation(Duration::from_secs(1)),
        &secrets,
    )
    .await;
    let Err(ActionError::TimedOut { after, output }) = result else {
        panic!("{result:?}");
    };
    assert_eq!(after, Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(output.contains("cancelled workflow run 2001"), "{output}");
    assert_eq!(github.log.matching("POST", "/runs/2001/cancel").len(), 1);
}

fn gitlab_spec(api_url: &str, project: &str) -> ActionSpec {
    ActionSpec {
        gitlab: Some(GitlabAction {
            project: project.into(),
            git_ref: None,
            variables: BTreeMap::from([("ENGINE".into(), "postgres-16".into())]),
            trigger_token_secret_ref: token("trigger"),
            token_secret_ref: token("gitlab"),
            api_url: Some(api_url.into()),
            poll_interval: Some(POLL.into()),
        }),
        ..ActionSpec::default()
    }
}

#[tokio::test]
async fn gitlab_triggers_a_pipeline_with_variables_and_waits_for_it() {
    let gitlab = FakeGitlab::start(gitlab::Script::default()).await;
    let secrets = secrets(&[("trigger", "glptt-good"), ("gitlab", "glpat-good")]).await;
    let outcome = run(gitlab_spec(&gitlab.url, "group%2Fproject"), &secrets)
        .await
        .unwrap();
    assert_eq!(outcome.message, "pipeline 500 succeeded");
    assert_eq!(outcome.outputs["pipelineId"], 500);
    assert_eq!(
        outcome.outputs["pipelineUrl"],
        "https://gitlab.example/group/project/-/pipelines/500"
    );
    assert_eq!(outcome.outputs["status"], "success");
    assert!(outcome.output.contains("running"), "{}", outcome.output);

    let sent = &gitlab.log.matching("POST", "/trigger/pipeline")[0];
    assert_eq!(
        sent.uri,
        "/api/v4/projects/group%2Fproject/trigger/pipeline"
    );
    let fields: BTreeMap<String, String> = fakes::form_fields(&sent.body).into_iter().collect();
    assert_eq!(fields["token"], "glptt-good");
    assert_eq!(fields["ref"], "main");
    assert_eq!(fields["variables[ENGINE]"], "postgres-16");
    assert_eq!(fields["variables[STORAGE_GB]"], "500");
    assert_eq!(fields["variables[HA]"], "true");
    assert_eq!(fields["variables[PEQUOD_OPERATION]"], "apply");
    assert_eq!(fields["variables[PEQUOD_NAME]"], "orders");
    assert_eq!(fields["variables[PEQUOD_NAMESPACE]"], "team-a");
    let polled = gitlab.log.matching("GET", "/pipelines/500");
    assert_eq!(polled[0].header("private-token"), "glpat-good");
}

#[tokio::test]
async fn gitlab_reports_failed_and_manual_pipelines() {
    let secrets = secrets(&[("trigger", "glptt-good"), ("gitlab", "glpat-good")]).await;
    let script = gitlab::Script {
        final_status: "failed".into(),
        ..gitlab::Script::default()
    };
    let gitlab = FakeGitlab::start(script).await;
    let (message, output) = failure(run(gitlab_spec(&gitlab.url, "42"), &secrets).await);
    assert_eq!(
        message,
        "pipeline 500 failed: https://gitlab.example/group/project/-/pipelines/500"
    );
    assert!(output.contains("pipeline 500 running"), "{output}");

    let script = gitlab::Script {
        final_status: "manual".into(),
        ..gitlab::Script::default()
    };
    let gitlab = FakeGitlab::start(script).await;
    let (message, _) = failure(run(gitlab_spec(&gitlab.url, "42"), &secrets).await);
    assert!(message.contains("waits for a manual job"), "{message}");
}

#[tokio::test]
async fn gitlab_refuses_wrong_tokens() {
    let gitlab = FakeGitlab::start(gitlab::Script::default()).await;
    let secrets = secrets(&[
        ("trigger", "glptt-good"),
        ("gitlab", "glpat-good"),
        ("bad", "nope"),
    ])
    .await;
    let mut spec = gitlab_spec(&gitlab.url, "42");
    if let Some(g) = spec.gitlab.as_mut() {
        g.token_secret_ref = token("bad");
    }
    let (message, _) = failure(run(spec, &secrets).await);
    assert!(
        message.contains("/pipelines/500: 401 Unauthorized: 401 Unauthorized"),
        "{message}"
    );

    let mut spec = gitlab_spec(&gitlab.url, "42");
    if let Some(g) = spec.gitlab.as_mut() {
        g.trigger_token_secret_ref = token("bad");
    }
    let (message, _) = failure(run(spec, &secrets).await);
    assert!(
        message.ends_with("404 Not Found: 404 Not Found"),
        "{message}"
    );
    assert!(!message.contains("nope"), "the token leaked: {message}");
}
