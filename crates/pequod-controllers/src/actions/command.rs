//! The `command` action: a program run with the object as JSON on stdin and
//! in environment variables.
//!
//! The program runs in a process group of its own so that a timeout (or a
//! cancelled reconcile) stops everything it started, not just the program.

use std::process::Stdio;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use pequod_api::CommandAction;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::document::{parse_result, payload, spec_variables};
use super::{ActionError, Invocation, OUTPUT_EXCERPT_BYTES, Outcome, tail};

/// The most stdout a program may print: its result document.
const MAX_STDOUT: usize = 1 << 20;

pub(super) async fn run(
    action: &CommandAction,
    invocation: &Invocation,
) -> Result<Outcome, ActionError> {
    let Some((program, args)) = action.command.split_first() else {
        return Err(ActionError::Config(
            "command.command names no program".to_owned(),
        ));
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(environment(invocation))
        .envs(&action.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(dir) = &action.working_dir {
        command.current_dir(dir);
    }
    let mut child = command
        .spawn()
        .map_err(|e| ActionError::Config(format!("starting {program:?}: {e}")))?;
    // Whatever ends this run — success, timeout, or the reconcile being
    // dropped — the process group goes with it.
    let _group = child.id().map(GroupGuard);

    let input = serde_json::to_vec(&payload(invocation)).unwrap_or_default();
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(ActionError::Config(
            "the program's pipes are missing".into(),
        ));
    };
    let feed = async move {
        // A program that does not read its input closes the pipe early;
        // that is its choice, not a failure.
        let _ = stdin.write_all(&input).await;
        drop(stdin);
    };
    let work = async {
        let ((), out, err, status) = tokio::join!(
            feed,
            read_limited(stdout, MAX_STDOUT),
            read_tail(stderr, OUTPUT_EXCERPT_BYTES),
            child.wait()
        );
        (out, err, status)
    };
    let Ok((stdout, stderr, status)) = tokio::time::timeout(invocation.timeout, work).await else {
        return Err(ActionError::TimedOut {
            after: invocation.timeout,
            output: String::new(),
        });
    };
    let status =
        status.map_err(|e| ActionError::Config(format!("waiting for {program:?}: {e}")))?;
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_owned(),
        };
        let last_line = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        let message = if last_line.is_empty() {
            format!("{program} {how}")
        } else {
            format!("{program} {how}: {}", last_line.trim())
        };
        return Err(ActionError::Failed {
            message,
            output: stderr,
        });
    }
    let stdout = stdout.map_err(|message| ActionError::Failed {
        message,
        output: stderr.clone(),
    })?;
    let mut outcome = parse_result(&stdout).map_err(|message| ActionError::Failed {
        message: format!("{program} succeeded but {message}"),
        output: tail(&stdout, OUTPUT_EXCERPT_BYTES),
    })?;
    outcome.output = stderr;
    Ok(outcome)
}

/// The variables a program sees: who it works for and on what.
fn environment(invocation: &Invocation) -> Vec<(String, String)> {
    let resource = &invocation.resource;
    let meta = |field: &str| match &resource["metadata"][field] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut env = vec![
        (
            "PEQUOD_OPERATION".to_owned(),
            invocation.operation.as_str().to_owned(),
        ),
        (
            "PEQUOD_TRIGGER".to_owned(),
            invocation.trigger.as_str().to_owned(),
        ),
        (
            "PEQUOD_API_VERSION".to_owned(),
            resource["apiVersion"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        (
            "PEQUOD_KIND".to_owned(),
            resource["kind"].as_str().unwrap_or_default().to_owned(),
        ),
        ("PEQUOD_NAME".to_owned(), meta("name")),
        ("PEQUOD_NAMESPACE".to_owned(), meta("namespace")),
        ("PEQUOD_UID".to_owned(), meta("uid")),
        ("PEQUOD_GENERATION".to_owned(), meta("generation")),
        ("PEQUOD_SPEC".to_owned(), resource["spec"].to_string()),
        (
            "PEQUOD_OUTPUTS".to_owned(),
            Value::Object(invocation.outputs.clone()).to_string(),
        ),
    ];
    env.extend(
        spec_variables(resource)
            .into_iter()
            .map(|(k, v)| (format!("PEQUOD_SPEC_{k}"), v)),
    );
    env
}

/// Reads all of `reader`, failing past `limit` bytes (but still draining it,
/// so the program never blocks on a full pipe).
async fn read_limited(mut reader: impl AsyncRead + Unpin, limit: usize) -> Result<String, String> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    let mut total = 0usize;
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                total += n;
                if total <= limit {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
        }
    }
    if total > limit {
        return Err(format!(
            "stdout is {total} bytes, more than a result document may be ({limit})"
        ));
    }
    Ok(String::from_utf8_lossy(&kept).into_owned())
}

/// The last `limit` bytes of `reader`.
async fn read_tail(mut reader: impl AsyncRead + Unpin, limit: usize) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * limit {
                    kept.drain(..kept.len() - limit);
                }
            }
        }
    }
    tail(&String::from_utf8_lossy(&kept), limit)
}

/// Kills a process group when dropped.
struct GroupGuard(u32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0) {
            // The group may be gone already; nothing to do then.
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use std::time::{Duration, Instant};

    use pequod_api::{CommandAction, Operation, Trigger};
    use serde_json::json;

    use super::run;
    use crate::actions::{ActionError, Invocation};

    const TEST_TIMEOUT: Duration = Duration::from_secs(10);

    fn invocation(timeout: Duration) -> Invocation {
        Invocation {
            operation: Operation::Apply,
            trigger: Trigger::Create,
            resource: json!({"apiVersion": "infra.example.com/v1", "kind": "DatabaseCluster",
                "metadata": {"name": "pg", "namespace": "default", "uid": "u-1", "generation": 3},
                "spec": {"engine": "postgres", "storageGb": 500}}),
            outputs: json!({"endpoint": "old"}).as_object().unwrap().clone(),
            timeout,
        }
    }

    fn sh(script: &str) -> CommandAction {
        CommandAction {
            command: vec!["sh".into(), "-c".into(), script.into()],
            ..CommandAction::default()
        }
    }

    #[tokio::test]
    async fn stdin_env_and_result() {
        let script = r#"
            input=$(cat)
            case "$input" in *'"storageGb":500'*) ;; *) echo "bad stdin: $input" >&2; exit 3;; esac
            echo "provisioning $PEQUOD_NAMESPACE/$PEQUOD_NAME gen $PEQUOD_GENERATION" >&2
            printf '{"outputs": {"endpoint": "%s-%s:5432", "previous": %s}, "conditions": [{"type": "Provisioned", "status": "True", "reason": "Done"}]}' \
              "$PEQUOD_SPEC_ENGINE" "$PEQUOD_SPEC_STORAGE_GB" "$PEQUOD_OUTPUTS"
        "#;
        let outcome = run(&sh(script), &invocation(TEST_TIMEOUT)).await.unwrap();
        assert_eq!(outcome.outputs["endpoint"], "postgres-500:5432");
        assert_eq!(outcome.outputs["previous"], json!({"endpoint": "old"}));
        assert_eq!(outcome.conditions[0].type_, "Provisioned");
        assert_eq!(outcome.output, "provisioning default/pg gen 3\n");
    }

    #[tokio::test]
    async fn failure_carries_stderr_tail() {
        let script = "echo step one >&2; echo 'quota exceeded' >&2; exit 7";
        let err = run(&sh(script), &invocation(TEST_TIMEOUT))
            .await
            .unwrap_err();
        let ActionError::Failed { message, output } = err else {
            panic!("{err:?}");
        };
        assert_eq!(message, "sh exited with status 7: quota exceeded");
        assert_eq!(output, "step one\nquota exceeded\n");
    }

    #[tokio::test]
    async fn bad_stdout_and_missing_program_are_failures() {
        let err = run(&sh("echo hello"), &invocation(TEST_TIMEOUT))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not a JSON document"), "{err}");
        let missing = CommandAction {
            command: vec!["/nonexistent/provision".into()],
            ..CommandAction::default()
        };
        let err = run(&missing, &invocation(TEST_TIMEOUT)).await.unwrap_err();
        assert!(matches!(err, ActionError::Config(_)), "{err:?}");
    }

    #[tokio::test]
    async fn timeout_kills_the_process_group() {
        let dir = std::env::temp_dir().join(format!("pequod-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let marker = dir.join("grandchild-survived");
        // The grandchild would write the marker after 2 s unless its group is
        // killed with the program.
        let script = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let started = Instant::now();
        let err = run(&sh(&script), &invocation(Duration::from_millis(300)))
            .await
            .unwrap_err();
        assert!(matches!(err, ActionError::TimedOut { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert!(
            !marker.exists(),
            "a process of the group outlived the timeout"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
