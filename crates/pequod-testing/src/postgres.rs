//! A private PostgreSQL server for one test: `initdb` into a fresh
//! directory under the system temp dir, `postgres` on a free port of
//! 127.0.0.1 (its socket in that directory too), trust authentication.
//!
//! The server runs as a child process and is stopped, and its directory
//! removed, when the [`PostgresServer`] is dropped. It is started through
//! `setpriv --pdeathsig KILL` when `setpriv` is there, so it also dies with
//! the thread that started it should the test binary be killed. PostgreSQL
//! refuses to run as root: as root, the server runs as the `postgres` user
//! (or `nobody` when there is none).
//!
//! The binaries come from the newest `/usr/lib/postgresql/<version>/bin`
//! (the `postgresql` apt package `cargo xtask` installs), or from the
//! directory [`POSTGRES_BIN_ENV`] names.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::Error;

/// Names a directory holding `initdb`, `postgres` and `pg_isready`, instead
/// of the newest `/usr/lib/postgresql/<version>/bin`.
pub const POSTGRES_BIN_ENV: &str = "PEQUOD_POSTGRES_BIN";

/// How long the server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a fast shutdown may take before the server is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running PostgreSQL server, stopped and deleted on drop.
#[derive(Debug)]
pub struct PostgresServer {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
    bin: PathBuf,
    user: Option<(u32, u32)>,
    setpriv: bool,
}

fn start_error(message: impl Into<String>) -> Error {
    Error::Start {
        what: "PostgreSQL server",
        message: message.into(),
    }
}

/// The directory of the server binaries.
fn bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os(POSTGRES_BIN_ENV) {
        let dir = PathBuf::from(dir);
        if dir.join("initdb").is_file() {
            return Ok(dir);
        }
        return Err(start_error(format!(
            "{POSTGRES_BIN_ENV}={} has no initdb",
            dir.display()
        )));
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().ok_or_else(|| {
        start_error(
            "PostgreSQL server binaries not found: no /usr/lib/postgresql/<version>/bin/initdb. \
             Install them (apt-get install postgresql; `cargo xtask` prerequisites do) \
             or point PEQUOD_POSTGRES_BIN at a directory with initdb, postgres and pg_isready",
        )
    })
}

/// The uid and gid to run the server as, when running as root.
fn server_user() -> Result<Option<(u32, u32)>, Error> {
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd")
        .map_err(|e| start_error(format!("reading /etc/passwd: {e}")))?;
    let ids = |user: &str| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            match fields.as_slice() {
                [name, _, uid, gid, ..] if *name == user => {
                    Some((uid.parse().ok()?, gid.parse().ok()?))
                }
                _ => None,
            }
        })
    };
    ids("postgres")
        .or_else(|| ids("nobody"))
        .map(Some)
        .ok_or_else(|| {
            start_error("running as root, and neither a postgres nor a nobody user exists")
        })
}

fn has_setpriv() -> bool {
    Command::new("setpriv")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `program`, run as `user` (through setpriv when there is one), dying with
/// the starting thread when `pdeathsig`.
fn command(program: &Path, user: Option<(u32, u32)>, setpriv: bool, pdeathsig: bool) -> Command {
    if setpriv {
        let mut c = Command::new("setpriv");
        if let Some((uid, gid)) = user {
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups");
        }
        if pdeathsig {
            c.arg("--pdeathsig=KILL");
        }
        c.arg("--").arg(program);
        c
    } else {
        let mut c = Command::new(program);
        if let Some((uid, gid)) = user {
            std::os::unix::process::CommandExt::uid(&mut c, uid);
            std::os::unix::process::CommandExt::gid(&mut c, gid);
        }
        c
    }
}

fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| start_error(format!("finding a free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| start_error(format!("finding a free port: {e}")))
}

/// Removes the directories of servers whose test binary was killed before
/// it could clean up (their servers died with it).
fn sweep_stale(temp: &Path) {
    for entry in std::fs::read_dir(temp).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("pequod-pg-"))
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn log_tail(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl PostgresServer {
    /// Initializes a database cluster in a fresh temp directory and starts a
    /// server on it; returns once it accepts connections. Call it from the
    /// test's own thread (the server dies with the thread that started it).
    pub fn start() -> Result<Self, Error> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let bin = bin_dir()?;
        let user = server_user()?;
        let setpriv = has_setpriv();
        sweep_stale(&std::env::temp_dir());
        let dir = std::env::temp_dir().join(format!(
            "pequod-pg-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| start_error(format!("creating {}: {e}", dir.display())))?;
        // From here on, dropping `server` removes the directory.
        let mut server = Self {
            dir,
            port: 0,
            child: None,
            bin,
            user,
            setpriv,
        };
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&server.dir, Some(uid), Some(gid))
                .map_err(|e| start_error(format!("chown {}: {e}", server.dir.display())))?;
        }
        let data = server.dir.join("data");
        let out = command(&server.bin.join("initdb"), user, setpriv, false)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ])
            .output()
            .map_err(|e| start_error(format!("running {}/initdb: {e}", server.bin.display())))?;
        if !out.status.success() {
            return Err(start_error(format!(
                "initdb failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }

        server.port = free_port()?;
        server.run()?;
        Ok(server)
    }

    /// Starts `postgres` on the cluster and waits until it accepts
    /// connections.
    fn run(&mut self) -> Result<(), Error> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("postgres.log"))
            .map_err(|e| start_error(format!("creating the server log: {e}")))?;
        let log_err = log
            .try_clone()
            .map_err(|e| start_error(format!("creating the server log: {e}")))?;
        let child = command(&self.bin.join("postgres"), self.user, self.setpriv, true)
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-k")
            .arg(&self.dir)
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .args(["-c", "max_connections=200"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| start_error(format!("running {}/postgres: {e}", self.bin.display())))?;
        self.child = Some(child);

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(start_error(format!(
                    "postgres exited ({status}):\n{}",
                    log_tail(&self.dir)
                )));
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
                .args(["-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(start_error(format!(
                    "not ready after {READY_TIMEOUT:?}:\n{}",
                    log_tail(&self.dir)
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again after [`PostgresServer::stop`], on the same
    /// data and port; does nothing while it runs.
    pub fn restart(&mut self) -> Result<(), Error> {
        if self.child.is_some() {
            return Ok(());
        }
        self.run()
    }

    /// A connection URL for the `postgres` database as the `postgres` user.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (a fast shutdown: connections are closed), keeping
    /// its directory until drop. Stopping a stopped server does nothing.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGINT is PostgreSQL's fast shutdown.
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
            }
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
