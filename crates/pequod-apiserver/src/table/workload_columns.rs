//! Printers of workload kinds: Pod, Deployment, DaemonSet, Job, CronJob and
//! HorizontalPodAutoscaler (`printPod`, `printDeployment`, … in
//! kube-apiserver's `pkg/printers/internalversion`).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::cells::*;
use super::format::{format_labels, human_duration, parse_time, translate_timestamp_since};
use super::{CellFn, Column};

pub(super) fn deployment(columns: &mut Vec<Column>) {
    columns.push(col(
        "Ready",
        "string",
        "Number of the pod with ready state",
        0,
        |o, _| {
            json!(format!(
                "{}/{}",
                int(o, "/status/readyReplicas"),
                replicas(o)
            ))
        },
    ));
    columns.push(col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0, |o, _| {
        json!(int(o, "/status/updatedReplicas"))
    }));
    columns.push(col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0, |o, _| {
        json!(int(o, "/status/availableReplicas"))
    }));
    columns.push(age());
    columns.extend(container_columns());
    columns.push(selector_column("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", |o, _| {
        json!(selector_string(o, "/spec/selector"))
    }));
}

pub(super) fn daemon_set(columns: &mut Vec<Column>) {
    let counts: [(&str, &str, CellFn); 5] = [
        (
            "Desired",
            "The total number of nodes that should be running the daemon pod.",
            |o, _| json!(int(o, "/status/desiredNumberScheduled")),
        ),
        (
            "Current",
            "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
            |o, _| json!(int(o, "/status/currentNumberScheduled")),
        ),
        (
            "Ready",
            "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
            |o, _| json!(int(o, "/status/numberReady")),
        ),
        (
            "Up-to-date",
            "The total number of nodes that are running updated daemon pod",
            |o, _| json!(int(o, "/status/updatedNumberScheduled")),
        ),
        (
            "Available",
            "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
            |o, _| json!(int(o, "/status/numberAvailable")),
        ),
    ];
    for (name, description, f) in counts {
        columns.push(col(name, "integer", description, 0, f));
    }
    columns.push(col(
        "Node Selector",
        "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node.",
        0,
        |o, _| {
            json!(format_labels(
                o.pointer("/spec/template/spec/nodeSelector")
                    .and_then(Value::as_object)
            ))
        },
    ));
    columns.push(age());
    columns.extend(container_columns());
    columns.push(selector_column(
        "A label query over pods that are managed by the daemon set.",
        |o, _| json!(format_label_selector(o, "/spec/selector")),
    ));
}

pub(super) fn job(columns: &mut Vec<Column>) {
    columns.push(col("Status", "string", "Status of the job.", 0, |o, _| {
        json!(job_status(o))
    }));
    columns.push(col(
        "Completions",
        "string",
        "The number of pods which reached phase Succeeded.",
        0,
        |o, _| {
            let succeeded = int(o, "/status/succeeded");
            let text = match o.pointer("/spec/completions").and_then(Value::as_i64) {
                Some(c) => format!("{succeeded}/{c}"),
                None => match o.pointer("/spec/parallelism").and_then(Value::as_i64) {
                    Some(p) if p > 1 => format!("{succeeded}/1 of {p}"),
                    _ => format!("{succeeded}/1"),
                },
            };
            json!(text)
        },
    ));
    columns.push(col(
        "Duration",
        "string",
        "Time required to complete the job.",
        0,
        |o, now| {
            let start = text(o, "/status/startTime").and_then(parse_time);
            let end = text(o, "/status/completionTime")
                .and_then(parse_time)
                .unwrap_or(now);
            json!(start.map_or_else(String::new, |s| human_duration(
                end.as_second() - s.as_second()
            )))
        },
    ));
    columns.push(age());
    columns.extend(container_columns());
    columns.push(selector_column(
        "A label query over pods that should match the pod count.",
        |o, _| json!(format_label_selector(o, "/spec/selector")),
    ));
}

fn job_status(o: &Value) -> &'static str {
    if has_condition(o, "Complete") {
        "Complete"
    } else if has_condition(o, "Failed") {
        "Failed"
    } else if o.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating"
    } else if has_condition(o, "Suspended") {
        "Suspended"
    } else if has_condition(o, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

pub(super) fn cron_job(columns: &mut Vec<Column>) {
    columns.push(col(
        "Schedule",
        "string",
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
        0,
        |o, _| json!(string(o, "/spec/schedule")),
    ));
    columns.push(col(
        "Timezone",
        "string",
        "The time zone name for the given schedule.",
        0,
        |o, _| or_none(string(o, "/spec/timeZone")),
    ));
    columns.push(col(
        "Suspend",
        "boolean",
        "This flag tells the controller to suspend subsequent executions.",
        0,
        |o, _| {
            json!(match o.pointer("/spec/suspend").and_then(Value::as_bool) {
                Some(true) => "True",
                Some(false) => "False",
                None => "<unset>",
            })
        },
    ));
    columns.push(col(
        "Active",
        "integer",
        "A list of pointers to currently running jobs.",
        0,
        |o, _| json!(len(o, "/status/active")),
    ));
    columns.push(col(
        "Last Schedule",
        "string",
        "Information when was the last time the job was successfully scheduled.",
        0,
        |o, now| match text(o, "/status/lastScheduleTime") {
            Some(t) => json!(translate_timestamp_since(Some(t), now)),
            None => json!("<none>"),
        },
    ));
    columns.push(age());
    columns.extend(job_template_container_columns());
    columns.push(selector_column(
        "A label query over pods that should match the pod count.",
        |o, _| json!(format_label_selector(o, "/spec/jobTemplate/spec/selector")),
    ));
}

pub(super) fn pod(columns: &mut Vec<Column>) {
    columns.push(col(
        "Ready",
        "string",
        "The aggregate readiness state of this pod for accepting traffic.",
        0,
        |o, _| {
            let (ready, total, _, _) = pod_summary(o);
            json!(format!("{ready}/{total}"))
        },
    ));
    columns.push(col(
        "Status",
        "string",
        "The aggregate status of the containers in this pod.",
        0,
        |o, _| json!(pod_summary(o).2),
    ));
    columns.push(col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0, |o, now| {
        let (_, _, _, (restarts, last)) = pod_summary(o);
        json!(match last {
            Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now.as_second() - t.as_second())),
            _ => restarts.to_string(),
        })
    }));
    columns.push(age());
    columns.push(col(
        "IP",
        "string",
        "podIP address allocated to the pod.",
        1,
        |o, _| or_none(string(o, "/status/podIPs/0/ip")),
    ));
    columns.push(col(
        "Node",
        "string",
        "NodeName indicates in which node this pod is scheduled.",
        1,
        |o, _| or_none(string(o, "/spec/nodeName")),
    ));
    columns.push(col(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
        1,
        |o, _| or_none(string(o, "/status/nominatedNodeName")),
    ));
    columns.push(col(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness.",
        1,
        |o, _| {
            let gates: Vec<&str> = o
                .pointer("/spec/readinessGates")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|g| text(g, "/conditionType"))
                .collect();
            if gates.is_empty() {
                return json!("<none>");
            }
            let met = gates.iter().filter(|g| has_condition(o, g)).count();
            json!(format!("{met}/{}", gates.len()))
        },
    ));
}

/// Ready containers, total containers, status reason and restarts (count and
/// last restart) as `printPod` computes them; sidecars (init containers with
/// `restartPolicy: Always`) count as containers.
fn pod_summary(o: &Value) -> (usize, usize, String, (i64, Option<Timestamp>)) {
    let list = |ptr: &str| {
        o.pointer(ptr)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let init_specs = list("/spec/initContainers");
    let is_sidecar = |name: Option<&Value>| {
        init_specs.iter().any(|c| {
            c.get("name") == name
                && c.get("restartPolicy").and_then(Value::as_str) == Some("Always")
        })
    };
    let sidecars = init_specs
        .iter()
        .filter(|c| is_sidecar(c.get("name")))
        .count();
    let total = list("/spec/containers").len() + sidecars;
    let mut reason = text(o, "/status/reason")
        .filter(|r| !r.is_empty())
        .or_else(|| text(o, "/status/phase"))
        .unwrap_or_default()
        .to_string();
    let gated = list("/status/conditions").iter().any(|c| {
        text(c, "/type") == Some("PodScheduled") && text(c, "/reason") == Some("SchedulingGated")
    });
    if gated {
        reason = "SchedulingGated".into();
    }
    let finished = |c: &Value| text(c, "/lastState/terminated/finishedAt").and_then(parse_time);
    let later = |a: Option<Timestamp>, b: Option<Timestamp>| a.max(b);
    let (mut restarts, mut last_restart) = (0, None);
    let (mut sidecar_restarts, mut sidecar_last_restart) = (0, None);
    let mut ready = 0;
    let mut initializing = false;
    let init_statuses = list("/status/initContainerStatuses");
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += int(c, "/restartCount");
        last_restart = later(last_restart, finished(c));
        let sidecar = is_sidecar(c.get("name"));
        if sidecar {
            sidecar_restarts += int(c, "/restartCount");
            sidecar_last_restart = later(sidecar_last_restart, finished(c));
        }
        let terminated = c.pointer("/state/terminated");
        if terminated.is_some_and(|t| int(t, "/exitCode") == 0) {
            continue;
        }
        if sidecar && c.get("started").and_then(Value::as_bool) == Some(true) {
            if c.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        let waiting = text(c, "/state/waiting/reason").filter(|r| !r.is_empty());
        reason = if let Some(t) = terminated {
            match text(t, "/reason").filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None if int(t, "/signal") != 0 => format!("Init:Signal:{}", int(t, "/signal")),
                None => format!("Init:ExitCode:{}", int(t, "/exitCode")),
            }
        } else if let Some(w) = waiting.filter(|r| *r != "PodInitializing") {
            format!("Init:{w}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }
    if !initializing || has_condition(o, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        for c in list("/status/containerStatuses").iter().rev() {
            restarts += int(c, "/restartCount");
            last_restart = later(last_restart, finished(c));
            if let Some(w) = text(c, "/state/waiting/reason").filter(|r| !r.is_empty()) {
                reason = w.to_string();
            } else if let Some(t) = c.pointer("/state/terminated") {
                reason = match text(t, "/reason").filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None if int(t, "/signal") != 0 => format!("Signal:{}", int(t, "/signal")),
                    None => format!("ExitCode:{}", int(t, "/exitCode")),
                };
            } else if c.get("ready").and_then(Value::as_bool) == Some(true)
                && c.pointer("/state/running").is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if has_condition(o, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .into();
        }
    }
    if o.pointer("/metadata/deletionTimestamp")
        .is_some_and(|d| !d.is_null())
    {
        let terminal = matches!(text(o, "/status/phase"), Some("Succeeded" | "Failed"));
        if text(o, "/status/reason") == Some("NodeLost") {
            reason = "Unknown".into();
        } else if !terminal {
            reason = "Terminating".into();
        }
    }
    (ready, total, reason, (restarts, last_restart))
}

/// Pods that finished carry a `Completed` row condition, as `printPod` adds.
pub(super) fn row_conditions(o: &Value) -> Option<Value> {
    if text(o, "/kind") != Some("Pod") || text(o, "/apiVersion") != Some("v1") {
        return None;
    }
    let (reason, message) = match text(o, "/status/phase") {
        Some("Succeeded") => ("Succeeded", "The pod has completed successfully."),
        Some("Failed") => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{"type": "Completed", "status": "True", "reason": reason, "message": message}]))
}

pub(super) fn hpa(columns: &mut Vec<Column>) {
    columns.push(col(
        "Reference",
        "string",
        "scaleTargetRef points to the target resource to scale.",
        0,
        |o, _| {
            json!(format!(
                "{}/{}",
                string(o, "/spec/scaleTargetRef/kind"),
                string(o, "/spec/scaleTargetRef/name")
            ))
        },
    ));
    columns.push(col("Targets", "string", "metrics contains the specifications for which to use to calculate the desired replica count.", 0, |o, _| {
        json!(hpa_targets(o))
    }));
    columns.push(col(
        "MinPods",
        "string",
        "minReplicas is the lower limit for the number of replicas.",
        0,
        |o, _| {
            o.pointer("/spec/minReplicas")
                .and_then(Value::as_i64)
                .map_or_else(|| json!("<unset>"), |n| json!(n.to_string()))
        },
    ));
    columns.push(col(
        "MaxPods",
        "string",
        "maxReplicas is the upper limit for the number of replicas.",
        0,
        |o, _| json!(int(o, "/spec/maxReplicas")),
    ));
    columns.push(col(
        "Replicas",
        "string",
        "currentReplicas is current number of replicas of pods managed by this autoscaler.",
        0,
        |o, _| json!(int(o, "/status/currentReplicas")),
    ));
    columns.push(age());
}

/// `formatHPAMetrics`: each metric as `current/target`, the current value
/// taken from the status entry at the same index; two at most.
fn hpa_targets(o: &Value) -> String {
    let specs = o
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if specs.is_empty() {
        return "<none>".into();
    }
    let statuses = o
        .pointer("/status/currentMetrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let unknown = || "<unknown>".to_string();
    let parts: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let status = statuses.get(i);
            let current = |ptr: &str| {
                status
                    .and_then(|s| s.pointer(ptr))
                    .map(quantity)
                    .unwrap_or_else(unknown)
            };
            match text(spec, "/type").unwrap_or_default() {
                kind @ ("Resource" | "ContainerResource") => {
                    let key = if kind == "Resource" {
                        "resource"
                    } else {
                        "containerResource"
                    };
                    let name = string(spec, &format!("/{key}/name"));
                    if let Some(target) = spec.pointer(&format!("/{key}/target/averageValue")) {
                        format!(
                            "{name}: {}/{}",
                            current(&format!("/{key}/current/averageValue")),
                            quantity(target)
                        )
                    } else {
                        let percent =
                            |v: Option<&Value>| v.and_then(Value::as_i64).map(|n| format!("{n}%"));
                        let now = percent(status.and_then(|s| {
                            s.pointer(&format!("/{key}/current/averageUtilization"))
                        }))
                        .unwrap_or_else(unknown);
                        let target =
                            percent(spec.pointer(&format!("/{key}/target/averageUtilization")))
                                .unwrap_or_else(|| "<auto>".into());
                        format!("{name}: {now}/{target}")
                    }
                }
                "Pods" => format!(
                    "{}/{}",
                    current("/pods/current/averageValue"),
                    spec.pointer("/pods/target/averageValue")
                        .map(quantity)
                        .unwrap_or_default()
                ),
                kind @ ("Object" | "External") => {
                    let key = if kind == "Object" {
                        "object"
                    } else {
                        "external"
                    };
                    match spec.pointer(&format!("/{key}/target/averageValue")) {
                        Some(target) => format!(
                            "{}/{} (avg)",
                            current(&format!("/{key}/current/averageValue")),
                            quantity(target)
                        ),
                        None => format!(
                            "{}/{}",
                            current(&format!("/{key}/current/value")),
                            spec.pointer(&format!("/{key}/target/value"))
                                .map(quantity)
                                .unwrap_or_default()
                        ),
                    }
                }
                _ => "<unknown type>".into(),
            }
        })
        .collect();
    if parts.len() > 2 {
        format!("{} + {} more...", parts[..2].join(", "), parts.len() - 2)
    } else {
        parts.join(", ")
    }
}
