//! The `test/kube-apiserver` harness as a child process of the test binary.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::Error;

/// A running harness. It stops by itself when this process exits: the pipe
/// to its standard input closes and it was started with `--exit-on-stdin-eof`.
#[derive(Debug)]
pub(crate) struct Harness {
    kubeconfig: PathBuf,
    _child: Child,
    _stdin: ChildStdin,
}

impl Harness {
    /// Starts the harness and waits for its `ready:` line.
    pub(crate) fn start() -> Result<Self, Error> {
        let fail = |message: String| Error::Start {
            what: "kube-apiserver harness",
            message,
        };
        let kubeconfig = std::env::temp_dir().join(format!(
            "pequod-test-{}.kubeconfig",
            crate::unique_name("kube-apiserver")
        ));
        // The script that builds (when needed) and starts the harness.
        let run_script = crate::workspace_root().join("test/kube-apiserver/run");
        let mut child = Command::new(&run_script)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--exit-on-stdin-eof")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| fail(format!("{}: {e}", run_script.display())))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| fail("no stdin pipe".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| fail("no stdout pipe".into()))?;

        let mut lines = BufReader::new(stdout).lines();
        let ready = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("ready:") => break line,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(fail(e.to_string())),
                None => {
                    let status = child.wait().map_err(|e| fail(e.to_string()))?;
                    return Err(fail(format!(
                        "exited ({status}) before it was ready; its error is above"
                    )));
                }
            }
        };
        // Written past the test harness's output capture, so every log shows
        // which real server the tests ran against.
        let _ = writeln!(std::io::stderr(), "pequod-testing: {ready}");
        // Keep draining stdout so the harness never blocks writing to it.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self {
            kubeconfig,
            _child: child,
            _stdin: stdin,
        })
    }

    pub(crate) fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }
}
