//! Helpers for tests that run `pequod up` as a user starts it: a data
//! directory of the test's own, the running process, and `kubectl`.

#![allow(dead_code, reason = "each test binary uses part of the helpers")]

use std::io::{BufRead, BufReader, Read as _, Seek as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub(crate) const WEBSERVICE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/webservice.yaml"
);

/// How long `pequod up` may take to print its next steps.
pub(crate) const STARTUP: Duration = Duration::from_secs(30);

/// A data directory of the test's own, removed when the test passes (kept
/// for a look when it fails).
pub(crate) struct DataDir(pub(crate) PathBuf);

impl DataDir {
    pub(crate) fn new(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(pequod_testing::unique_name(prefix));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Where every run's stderr (the logs) is appended.
    pub(crate) fn log(&self) -> PathBuf {
        self.0.with_extension("log")
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "data directory kept: {}; logs: {}",
                self.0.display(),
                self.log().display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
            let _ = std::fs::remove_dir_all(self.0.with_extension("kubectl-cache"));
            let _ = std::fs::remove_file(self.log());
        }
    }
}

/// A running `pequod up`, killed when dropped (a failing test included).
pub(crate) struct Up {
    pub(crate) child: Child,
    pub(crate) kubeconfig: PathBuf,
    pub(crate) url: String,
    stdout: Arc<Mutex<Vec<String>>>,
    log: PathBuf,
}

impl Up {
    /// Starts `pequod up` on a port the kernel picks.
    pub(crate) fn start(dir: &DataDir, extra: &[&str]) -> Self {
        Self::start_on(dir, "127.0.0.1:0", extra)
    }

    /// Starts `pequod up --listen listen` and waits for its next steps.
    pub(crate) fn start_on(dir: &DataDir, listen: &str, extra: &[&str]) -> Self {
        Self::start_with(dir, listen, extra, &[])
    }

    /// Starts `pequod up --listen listen` with extra environment variables.
    pub(crate) fn start_with(
        dir: &DataDir,
        listen: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.log())
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pequod"))
            .arg("up")
            .arg("--data-dir")
            .arg(&dir.0)
            .args(["--listen", listen, "--zap-encoder", "console"])
            .args(extra)
            .env_remove("PEQUOD_DATABASE_URL")
            .env_remove("KUBECONFIG")
            .envs(env.iter().copied())
            // Relative paths in the examples (the no8s scripts) are from the
            // repository root, where the README runs `pequod up`.
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("pequod up starts");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let lines = stdout.clone();
        let pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                lines.lock().unwrap().push(line);
            }
        });
        let mut up = Self {
            child,
            kubeconfig: dir.0.join("kubeconfig"),
            url: String::new(),
            stdout,
            log: dir.log(),
        };
        let deadline = Instant::now() + STARTUP;
        let url = loop {
            let found = up.stdout().iter().find_map(|l| {
                l.strip_prefix("Pequod is up: API server ")
                    .and_then(|rest| rest.split_once(','))
                    .map(|(url, _)| url.to_owned())
            });
            if let Some(url) = found {
                break url;
            }
            if let Some(status) = up.child.try_wait().unwrap() {
                panic!("pequod up exited with {status}:\n{}", up.logs());
            }
            assert!(
                Instant::now() < deadline,
                "pequod up not up after {STARTUP:?}:\n{}",
                up.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let kubeconfig = std::fs::read_to_string(&up.kubeconfig).unwrap();
        assert!(
            kubeconfig.contains(&format!("server: {url}")),
            "the kubeconfig names the server {url}:\n{kubeconfig}"
        );
        up.url = url;
        up
    }

    /// Lines `pequod up` printed on stdout so far.
    pub(crate) fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// The tail of every run's stderr in this data directory.
    pub(crate) fn logs(&self) -> String {
        let mut file = std::fs::File::open(&self.log).unwrap();
        let len = file.metadata().unwrap().len();
        file.seek(std::io::SeekFrom::Start(len.saturating_sub(8000)))
            .unwrap();
        let mut tail = String::new();
        let _ = file.read_to_string(&mut tail);
        tail
    }

    /// The server's port.
    pub(crate) fn port(&self) -> u16 {
        self.url.rsplit_once(':').unwrap().1.parse().unwrap()
    }

    pub(crate) fn kubectl(&self) -> Kubectl {
        Kubectl(self.kubeconfig.clone())
    }

    /// SIGTERM, then waits for a clean exit.
    pub(crate) fn terminate(self) {
        self.stop("-TERM");
    }

    /// SIGINT (Ctrl-C), then waits for a clean exit.
    pub(crate) fn interrupt(self) {
        self.stop("-INT");
    }

    pub(crate) fn stop(mut self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "pequod up still running 20s after kill {signal}:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(
            status.success(),
            "pequod up exits cleanly on kill {signal}, got {status}:\n{}",
            self.logs()
        );
    }

    /// SIGKILL, and reaps the process.
    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "pequod up stdout:\n{}\npequod up logs (tail):\n{}",
                self.stdout().join("\n"),
                self.logs()
            );
        }
    }
}

/// kubectl with a kubeconfig.
pub(crate) struct Kubectl(pub(crate) PathBuf);

impl Kubectl {
    pub(crate) fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = pequod_testing::kubectl_for(&self.0)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(stdin.unwrap_or_default().as_bytes())
            .unwrap();
        drop(pipe);
        child.wait_with_output().unwrap()
    }

    /// Runs kubectl, fails unless it succeeds, and returns its stdout.
    pub(crate) fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Retries until kubectl succeeds (discovery of a new CRD may lag).
    pub(crate) fn eventually_ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.run(args, stdin);
            if out.status.success() {
                return String::from_utf8(out.stdout).unwrap();
            }
            assert!(
                Instant::now() < deadline,
                "kubectl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&args, None)).unwrap()
    }

    /// Whether `kubectl get args` says NotFound.
    pub(crate) fn gone(&self, args: &[&str]) -> bool {
        let out = self.run(&[&["get"], args].concat(), None);
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("NotFound")
    }
}

/// Polls `check` until it holds or `timeout` passes.
pub(crate) fn eventually(timeout: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not after {timeout:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
