//! Named liveness and readiness checks, reported the way kube-apiserver
//! reports its own `/healthz` and `/readyz`.
//!
//! Register a check by name with a closure ([`HealthChecks::add_readyz`]) or
//! a shared flag ([`HealthChecks::readyz_flag`]); [`crate::serve`] exposes
//! them over HTTP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// A check: `Ok(())` when healthy, else why not.
pub type Check = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Which probe a check belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// `/healthz`: the process is alive.
    Healthz,
    /// `/readyz`: the process can serve.
    Readyz,
}

impl Probe {
    /// `healthz` or `readyz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthz => "healthz",
            Self::Readyz => "readyz",
        }
    }
}

/// A boolean a component sets when it becomes ready. Clones share it.
#[derive(Clone, Debug, Default)]
pub struct ReadyFlag(Arc<AtomicBool>);

impl ReadyFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets or clears the flag.
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Release);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The checks of both probes. Clones share them; `ping` is always there.
#[derive(Clone)]
pub struct HealthChecks {
    checks: Arc<RwLock<Vec<(Probe, String, Check)>>>,
}

impl std::fmt::Debug for HealthChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthChecks").finish_non_exhaustive()
    }
}

impl Default for HealthChecks {
    fn default() -> Self {
        Self::new()
    }
}

impl HealthChecks {
    /// Both probes with just the always-passing `ping` check.
    pub fn new() -> Self {
        let this = Self {
            checks: Arc::default(),
        };
        this.add(Probe::Healthz, "ping", || Ok(()));
        this.add(Probe::Readyz, "ping", || Ok(()));
        this
    }

    /// Adds (or replaces) the check `name` of `probe`.
    pub fn add(
        &self,
        probe: Probe,
        name: impl Into<String>,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) {
        let name = name.into();
        let mut checks = self.checks.write().unwrap_or_else(PoisonError::into_inner);
        checks.retain(|(p, n, _)| !(*p == probe && *n == name));
        checks.push((probe, name, Arc::new(check)));
    }

    /// Adds the liveness check `name`.
    pub fn add_healthz(
        &self,
        name: impl Into<String>,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) {
        self.add(Probe::Healthz, name, check);
    }

    /// Adds the readiness check `name`.
    pub fn add_readyz(
        &self,
        name: impl Into<String>,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) {
        self.add(Probe::Readyz, name, check);
    }

    /// Adds the readiness check `name`, passing once the returned flag is set.
    pub fn readyz_flag(&self, name: impl Into<String>) -> ReadyFlag {
        let flag = ReadyFlag::new();
        let watched = flag.clone();
        self.add_readyz(name, move || {
            if watched.is_set() {
                Ok(())
            } else {
                Err("not yet".to_owned())
            }
        });
        flag
    }

    /// Runs the checks of `probe`, all of them or only `only`, skipping the
    /// names in `exclude`. `None` if `only` names no check.
    pub fn run(&self, probe: Probe, only: Option<&str>, exclude: &[String]) -> Option<Report> {
        let checks: Vec<(String, Check)> = self
            .checks
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(p, n, _)| *p == probe && only.is_none_or(|o| o == n))
            .filter(|(_, n, _)| !exclude.contains(n))
            .map(|(_, n, c)| (n.clone(), Arc::clone(c)))
            .collect();
        if only.is_some() && checks.is_empty() {
            return None;
        }
        let results = checks.into_iter().map(|(n, c)| (n, c())).collect();
        Some(Report { probe, results })
    }
}

/// The outcome of one probe.
#[derive(Clone, Debug)]
pub struct Report {
    /// The probe that ran.
    pub probe: Probe,
    /// Each check by name, in registration order.
    pub results: Vec<(String, Result<(), String>)>,
}

impl Report {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(|(_, r)| r.is_ok())
    }

    /// The body: `ok`, or one `[+]name ok` / `[-]name failed: why` line per
    /// check and a closing verdict when `verbose` or when a check failed.
    pub fn render(&self, verbose: bool) -> String {
        if self.passed() && !verbose {
            return "ok".to_owned();
        }
        let mut out = String::new();
        for (name, result) in &self.results {
            match result {
                Ok(()) => out.push_str(&format!("[+]{name} ok\n")),
                Err(why) => out.push_str(&format!("[-]{name} failed: {why}\n")),
            }
        }
        let verdict = if self.passed() { "passed" } else { "failed" };
        out.push_str(&format!("{} check {verdict}\n", self.probe.as_str()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_follows_flags_and_closures() {
        let checks = HealthChecks::new();
        let synced = checks.readyz_flag("informers-synced");
        checks.add_readyz("leader-or-standby", || Ok(()));
        let report = checks.run(Probe::Readyz, None, &[]).unwrap();
        assert!(!report.passed());
        assert_eq!(
            report.render(false),
            "[+]ping ok\n[-]informers-synced failed: not yet\n[+]leader-or-standby ok\nreadyz check failed\n"
        );
        synced.set(true);
        let report = checks.run(Probe::Readyz, None, &[]).unwrap();
        assert!(report.passed());
        assert_eq!(report.render(false), "ok");
        assert!(report.render(true).ends_with("readyz check passed\n"));
    }

    #[test]
    fn single_checks_and_exclusions() {
        let checks = HealthChecks::new();
        let _flag = checks.readyz_flag("informers-synced");
        assert!(checks.run(Probe::Readyz, Some("nope"), &[]).is_none());
        let only = checks.run(Probe::Readyz, Some("ping"), &[]).unwrap();
        assert!(only.passed());
        let excluded = checks
            .run(Probe::Readyz, None, &["informers-synced".to_owned()])
            .unwrap();
        assert!(excluded.passed());
        assert!(checks.run(Probe::Healthz, None, &[]).unwrap().passed());
    }
}
