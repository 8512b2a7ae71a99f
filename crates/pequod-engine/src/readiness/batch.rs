//! `batch` Job.

use super::Readiness;
use super::generic::or;
use super::object::{Malformed, Object};

/// Ready when complete (or suspended); failed when the `Failed` or `FailureTarget`
/// condition is true; in progress while it has not started or is still running.
pub(super) fn job(obj: Object<'_>) -> Result<Readiness, Malformed> {
    let parallelism = obj.int_or(&["spec", "parallelism"], 1)?;
    let completions = obj.int_or(&["spec", "completions"], parallelism)?;
    let succeeded = obj.int_or(&["status", "succeeded"], 0)?;
    let active = obj.int_or(&["status", "active"], 0)?;
    let failed = obj.int_or(&["status", "failed"], 0)?;
    for c in obj.conditions()? {
        if c.status != "True" {
            continue;
        }
        match c.kind {
            "Complete" => {
                return Ok(Readiness::ready(
                    "JobComplete",
                    format!("Job complete: {succeeded}/{completions} succeeded"),
                ));
            }
            "Failed" | "FailureTarget" => {
                let detail = if c.message.is_empty() {
                    format!("Job failed: {failed} pods failed")
                } else {
                    format!("Job failed ({}): {}", or(c.reason, c.kind), c.message)
                };
                return Ok(Readiness::failed("JobFailed", detail));
            }
            "Suspended" => return Ok(Readiness::ready("JobSuspended", "Job is suspended")),
            _ => {}
        }
    }
    if obj.str(&["status", "startTime"])?.unwrap_or("").is_empty() {
        return Ok(Readiness::in_progress(
            "JobNotStarted",
            "Job has not started yet",
        ));
    }
    Ok(Readiness::in_progress(
        "JobRunning",
        format!(
            "Job running: {succeeded}/{completions} succeeded, {active} active, {failed} failed"
        ),
    ))
}
