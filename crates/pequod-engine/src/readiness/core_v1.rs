//! Core (`v1`) kinds: Pod, PersistentVolumeClaim, Service, Namespace.

use super::Readiness;
use super::generic::or;
use super::object::{Malformed, Object};

/// Ready when succeeded, or running with the `Ready` condition true; failed when the pod
/// failed or a container is in `CrashLoopBackOff`.
pub(super) fn pod(obj: Object<'_>) -> Result<Readiness, Malformed> {
    let conditions = obj.conditions()?;
    match obj.str(&["status", "phase"])?.unwrap_or("") {
        "Succeeded" => Ok(Readiness::ready(
            "PodSucceeded",
            "Pod completed successfully",
        )),
        "Failed" => Ok(Readiness::failed(
            or(obj.str(&["status", "reason"])?.unwrap_or(""), "PodFailed"),
            or(
                obj.str(&["status", "message"])?.unwrap_or(""),
                "Pod completed unsuccessfully",
            ),
        )),
        "Running" => {
            if conditions.iter().any(|c| c.is("Ready", "True")) {
                return Ok(Readiness::ready("PodReady", "Pod is running and ready"));
            }
            let looping = crash_looping(obj)?;
            if !looping.is_empty() {
                return Ok(Readiness::failed(
                    "ContainerCrashLooping",
                    format!("containers in CrashLoopBackOff: {}", looping.join(", ")),
                ));
            }
            Ok(Readiness::in_progress(
                "PodRunningNotReady",
                "Pod is running but not ready",
            ))
        }
        "Pending" => {
            if let Some(c) = conditions
                .iter()
                .find(|c| c.is("PodScheduled", "False") && c.reason == "Unschedulable")
            {
                return Ok(Readiness::in_progress(
                    "PodUnschedulable",
                    or(c.message, "Pod cannot be scheduled yet"),
                ));
            }
            Ok(Readiness::in_progress("PodPending", "Pod is pending"))
        }
        "" => Ok(Readiness::in_progress(
            "PodNotObserved",
            "Pod has no phase yet",
        )),
        other => Ok(Readiness::in_progress(
            "UnknownPhase",
            format!("Pod is in phase {other:?}"),
        )),
    }
}

/// Names of the containers waiting in `CrashLoopBackOff`.
fn crash_looping<'a>(obj: Object<'a>) -> Result<Vec<&'a str>, Malformed> {
    let mut names = Vec::new();
    for (i, status) in obj
        .array(&["status", "containerStatuses"])?
        .iter()
        .enumerate()
    {
        let status = Object::new(status);
        let reason = status
            .str(&["state", "waiting", "reason"])
            .map_err(|Malformed(m)| Malformed(format!("status.containerStatuses[{i}]: {m}")))?;
        if reason == Some("CrashLoopBackOff") {
            let name = status.str(&["name"]).ok().flatten().unwrap_or("<unnamed>");
            names.push(name);
        }
    }
    Ok(names)
}

/// Ready when bound to a volume; failed when the volume was lost.
pub(super) fn pvc(obj: Object<'_>) -> Result<Readiness, Malformed> {
    match obj.str(&["status", "phase"])? {
        Some("Bound") => Ok(Readiness::ready("Bound", "PersistentVolumeClaim is bound")),
        Some("Lost") => Ok(Readiness::failed(
            "ClaimLost",
            "PersistentVolumeClaim lost its volume",
        )),
        phase => Ok(Readiness::in_progress(
            "NotBound",
            format!(
                "PersistentVolumeClaim is not bound (phase {})",
                phase.unwrap_or("unknown")
            ),
        )),
    }
}

/// A `LoadBalancer` service is ready once the load balancer reports an ingress point;
/// every other type is ready at once.
pub(super) fn service(obj: Object<'_>) -> Result<Readiness, Malformed> {
    let kind = obj.str(&["spec", "type"])?.unwrap_or("ClusterIP");
    if kind == "LoadBalancer"
        && obj
            .array(&["status", "loadBalancer", "ingress"])?
            .is_empty()
    {
        return Ok(Readiness::in_progress(
            "NoLoadBalancerIngress",
            "LoadBalancer Service has no status.loadBalancer.ingress yet",
        ));
    }
    Ok(Readiness::ready(
        "ServiceReady",
        format!("{kind} Service is ready"),
    ))
}

/// Ready when `Active`; a terminating namespace stays in progress.
pub(super) fn namespace(obj: Object<'_>) -> Result<Readiness, Malformed> {
    match obj.str(&["status", "phase"])? {
        Some("Active") => Ok(Readiness::ready("Active", "Namespace is active")),
        Some("Terminating") => Ok(Readiness::in_progress(
            "Terminating",
            "Namespace is terminating",
        )),
        Some(other) => Ok(Readiness::in_progress(
            "NotActive",
            format!("Namespace is in phase {other:?}"),
        )),
        None => Ok(Readiness::in_progress(
            "NotActive",
            "Namespace has no phase yet",
        )),
    }
}
