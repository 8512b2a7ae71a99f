//! `apps` workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet.

use super::Readiness;
use super::generic::{generation_set, or};
use super::object::{Malformed, Object};

/// The value the deployment controller treats as "no progress deadline" (`MaxInt32`).
const NO_DEADLINE: i64 = i32::MAX as i64;

/// Ready once every replica is updated, available and ready, and the controller reports
/// the new ReplicaSet available; failed when the progress deadline is exceeded.
pub(super) fn deployment(obj: Object<'_>) -> Result<Readiness, Malformed> {
    // Without a deadline the controller never sets `Progressing`.
    let mut progressing =
        obj.int_or(&["spec", "progressDeadlineSeconds"], NO_DEADLINE)? == NO_DEADLINE;
    let mut available = false;
    for c in obj.conditions()? {
        match c.kind {
            "Progressing" if c.reason == "ProgressDeadlineExceeded" => {
                return Ok(Readiness::failed(
                    "ProgressDeadlineExceeded",
                    or(c.message, "progress deadline exceeded"),
                ));
            }
            "Progressing" if c.status == "True" && c.reason == "NewReplicaSetAvailable" => {
                progressing = true
            }
            "Available" if c.status == "True" => available = true,
            _ => {}
        }
    }
    let spec = obj.int_or(&["spec", "replicas"], 1)?;
    let replicas = obj.int_or(&["status", "replicas"], 0)?;
    let updated = obj.int_or(&["status", "updatedReplicas"], 0)?;
    let ready = obj.int_or(&["status", "readyReplicas"], 0)?;
    let avail = obj.int_or(&["status", "availableReplicas"], 0)?;

    if spec > replicas {
        return Ok(less("LessReplicas", "replicas", replicas, spec));
    }
    if spec > updated {
        return Ok(less("LessUpdated", "updated", updated, spec));
    }
    if replicas > spec {
        return Ok(extra(replicas - spec));
    }
    if updated > avail {
        return Ok(less("LessAvailable", "available", avail, updated));
    }
    if spec > ready {
        return Ok(less("LessReady", "ready", ready, spec));
    }
    if !progressing {
        return Ok(Readiness::in_progress(
            "ReplicaSetNotAvailable",
            "the new ReplicaSet is not reported available yet",
        ));
    }
    if !available {
        return Ok(Readiness::in_progress(
            "DeploymentNotAvailable",
            "the Available condition is not True yet",
        ));
    }
    Ok(Readiness::ready(
        "Available",
        format!("Deployment available with {replicas} replicas"),
    ))
}

/// Ready once all replicas exist, are ready and run the update revision (or, with a
/// partition, once the replicas above it are updated); `OnDelete` sets are always ready.
pub(super) fn stateful_set(obj: Object<'_>) -> Result<Readiness, Malformed> {
    if obj.str(&["spec", "updateStrategy", "type"])? == Some("OnDelete") {
        return Ok(Readiness::ready(
            "OnDeleteStrategy",
            "StatefulSet uses the OnDelete update strategy: its pods are updated by hand",
        ));
    }
    let spec = obj.int_or(&["spec", "replicas"], 1)?;
    let replicas = obj.int_or(&["status", "replicas"], 0)?;
    let ready = obj.int_or(&["status", "readyReplicas"], 0)?;
    let current = obj.int_or(&["status", "currentReplicas"], 0)?;
    let updated = obj.int_or(&["status", "updatedReplicas"], 0)?;
    let partition = obj.int(&["spec", "updateStrategy", "rollingUpdate", "partition"])?;

    if spec > replicas {
        return Ok(less("LessReplicas", "replicas", replicas, spec));
    }
    if spec > ready {
        return Ok(less("LessReady", "ready", ready, spec));
    }
    if replicas > spec {
        return Ok(extra(replicas - spec));
    }
    if let Some(partition) = partition {
        let target = spec - partition;
        if updated < target {
            return Ok(less(
                "PartitionRollout",
                "updated above the partition",
                updated,
                target,
            ));
        }
        return Ok(Readiness::ready(
            "PartitionRolledOut",
            format!("partitioned rollout complete with {updated} updated replicas"),
        ));
    }
    if spec > current {
        return Ok(less("LessCurrent", "current", current, spec));
    }
    let current_revision = obj.str(&["status", "currentRevision"])?.unwrap_or("");
    let update_revision = obj.str(&["status", "updateRevision"])?.unwrap_or("");
    if current_revision != update_revision {
        return Ok(Readiness::in_progress(
            "RevisionMismatch",
            format!("rolling from revision {current_revision:?} to {update_revision:?}"),
        ));
    }
    Ok(Readiness::ready(
        "AllReplicasReady",
        format!("StatefulSet ready with {replicas} replicas"),
    ))
}

/// Ready once every node that should run a pod runs an updated, available, ready one.
pub(super) fn daemon_set(obj: Object<'_>) -> Result<Readiness, Malformed> {
    if let Some(verdict) = generation_set(obj, "DaemonSet")? {
        return Ok(verdict);
    }
    let Some(desired) = obj.int(&["status", "desiredNumberScheduled"])? else {
        return Ok(Readiness::in_progress(
            "NoDesiredNumber",
            "status.desiredNumberScheduled is not reported yet",
        ));
    };
    let checks = [
        ("LessCurrent", "scheduled", "currentNumberScheduled"),
        ("LessUpdated", "updated", "updatedNumberScheduled"),
        ("LessAvailable", "available", "numberAvailable"),
        ("LessReady", "ready", "numberReady"),
    ];
    for (reason, what, field) in checks {
        let have = obj.int_or(&["status", field], 0)?;
        if desired > have {
            return Ok(less(reason, what, have, desired));
        }
    }
    Ok(Readiness::ready(
        "AllScheduled",
        format!("DaemonSet ready on {desired} nodes"),
    ))
}

/// Ready once all replicas are labelled, available and ready, and none are left over.
pub(super) fn replica_set(obj: Object<'_>) -> Result<Readiness, Malformed> {
    let conditions = obj.conditions()?;
    if let Some(c) = conditions.iter().find(|c| c.is("ReplicaFailure", "True")) {
        return Ok(Readiness::in_progress(
            "ReplicaFailure",
            or(c.message, "the ReplicaSet could not create pods"),
        ));
    }
    let spec = obj.int_or(&["spec", "replicas"], 1)?;
    let replicas = obj.int_or(&["status", "replicas"], 0)?;
    let ready = obj.int_or(&["status", "readyReplicas"], 0)?;
    let avail = obj.int_or(&["status", "availableReplicas"], 0)?;
    if let Some(labelled) = obj.int(&["status", "fullyLabeledReplicas"])?
        && spec > labelled
    {
        return Ok(less("LessLabelled", "fully labelled", labelled, spec));
    }
    if spec > avail {
        return Ok(less("LessAvailable", "available", avail, spec));
    }
    if spec > ready {
        return Ok(less("LessReady", "ready", ready, spec));
    }
    if replicas > spec {
        return Ok(extra(replicas - spec));
    }
    Ok(Readiness::ready(
        "Available",
        format!("ReplicaSet available with {replicas} replicas"),
    ))
}

fn less(reason: &str, what: &str, have: i64, want: i64) -> Readiness {
    Readiness::in_progress(reason, format!("{have}/{want} replicas {what}"))
}

fn extra(count: i64) -> Readiness {
    Readiness::in_progress("ExtraPods", format!("{count} replicas pending termination"))
}
