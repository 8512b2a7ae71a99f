//! Column definitions of built-in kinds, following kube-apiserver's
//! `pkg/printers/internalversion` (the server always prints the wide
//! columns; they carry priority 1). Column descriptions are overlaid from
//! `descriptions.json`, captured from kube-apiserver v1.37's own tables.

use std::sync::LazyLock;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::cells::*;
use super::cluster_columns::{
    access_modes, controller_revision, endpoint_slice, endpoints, ingress_class, node,
    persistent_volume, priority_class, storage_class, storage_class_columns, webhook_configuration,
};
use super::format::format_labels;
use super::format::translate_timestamp_since;
use super::network_columns::{ingress, service};
use super::workload_columns::{cron_job, daemon_set, deployment, hpa, job, pod};
use super::{CellFn, Column, name_column};

/// The columns kube-apiserver prints for a built-in kind (`group` is empty
/// for the core group). Kinds without a dedicated printer get Name and Age.
pub fn builtin_columns(group: &str, kind: &str) -> Vec<Column> {
    let mut columns = vec![name_column()];
    match (group, kind) {
        ("", "Namespace") => {
            columns.push(col(
                "Status",
                "string",
                "The status of the namespace",
                0,
                |o, _| Value::String(string(o, "/status/phase")),
            ));
            columns.push(age());
        }
        ("", "ConfigMap") => {
            columns.push(col(
                "Data",
                "string",
                "Data contains the configuration data.",
                0,
                |o, _| json!(len(o, "/data") + len(o, "/binaryData")),
            ));
            columns.push(age());
        }
        ("", "Secret") => {
            columns.push(col(
                "Type",
                "string",
                "Used to facilitate programmatic handling of secret data.",
                0,
                |o, _| Value::String(string(o, "/type")),
            ));
            columns.push(col(
                "Data",
                "string",
                "Data contains the secret data.",
                0,
                |o, _| json!(len(o, "/data")),
            ));
            columns.push(age());
        }
        ("", "Service") => service(&mut columns),
        ("", "Pod") => pod(&mut columns),
        ("", "PersistentVolumeClaim") => pvc(&mut columns),
        ("", "ResourceQuota") => resource_quota(&mut columns),
        ("", "Event") => columns = event::<false>(),
        ("events.k8s.io", "Event") => columns = event::<true>(),
        ("apps", "Deployment") => deployment(&mut columns),
        ("apps", "StatefulSet") => {
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
            columns.push(age());
            columns.extend(container_columns());
        }
        ("apps", "DaemonSet") => daemon_set(&mut columns),
        ("apps", "ReplicaSet") => {
            columns.push(col(
                "Desired",
                "integer",
                "Replicas is the number of desired pods.",
                0,
                |o, _| json!(replicas(o)),
            ));
            columns.push(col(
                "Current",
                "integer",
                "Replicas is the most recently observed number of replicas.",
                0,
                |o, _| json!(int(o, "/status/replicas")),
            ));
            columns.push(col(
                "Ready",
                "integer",
                "The number of ready replicas for this replica set.",
                0,
                |o, _| json!(int(o, "/status/readyReplicas")),
            ));
            columns.push(age());
            columns.extend(container_columns());
            columns.push(selector_column(
                "Selector is a label query over pods that should match the replica count.",
                |o, _| json!(format_label_selector(o, "/spec/selector")),
            ));
        }
        ("batch", "Job") => job(&mut columns),
        ("batch", "CronJob") => cron_job(&mut columns),
        ("networking.k8s.io", "Ingress") => ingress(&mut columns),
        ("networking.k8s.io", "NetworkPolicy") => {
            columns.push(col(
                "Pod-Selector",
                "string",
                "Selects the pods to which this NetworkPolicy object applies.",
                0,
                |o, _| json!(format_label_selector(o, "/spec/podSelector")),
            ));
            columns.push(age());
        }
        ("autoscaling", "HorizontalPodAutoscaler") => hpa(&mut columns),
        ("policy", "PodDisruptionBudget") => {
            columns.push(col(
                "Min Available",
                "string",
                "The minimum number of pods that must be available.",
                0,
                |o, _| int_or_string_or_na(o, "/spec/minAvailable"),
            ));
            columns.push(col(
                "Max Unavailable",
                "string",
                "The maximum number of pods that may be unavailable.",
                0,
                |o, _| int_or_string_or_na(o, "/spec/maxUnavailable"),
            ));
            columns.push(col(
                "Allowed Disruptions",
                "integer",
                "Calculated number of pods that may be disrupted at this time.",
                0,
                |o, _| json!(int(o, "/status/disruptionsAllowed")),
            ));
            columns.push(age());
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            role_binding(&mut columns, kind)
        }
        ("coordination.k8s.io", "Lease") => {
            columns.push(col(
                "Holder",
                "string",
                "holderIdentity contains the identity of the holder of a current lease.",
                0,
                |o, _| json!(string(o, "/spec/holderIdentity")),
            ));
            columns.push(age());
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(&mut columns),
        ("", "Node") => node(&mut columns),
        ("discovery.k8s.io", "EndpointSlice") => endpoint_slice(&mut columns),
        ("apps", "ControllerRevision") => controller_revision(&mut columns),
        ("", "PersistentVolume") => persistent_volume(&mut columns),
        ("", "Endpoints") => endpoints(&mut columns),
        ("", "ReplicationController") => replication_controller(&mut columns),
        ("storage.k8s.io", "StorageClass") => storage_class_columns(&mut columns),
        ("networking.k8s.io", "IngressClass") => ingress_class(&mut columns),
        ("scheduling.k8s.io", "PriorityClass") => priority_class(&mut columns),
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => webhook_configuration(&mut columns),
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") | ("", "LimitRange") => {
            columns.push(created_at())
        }
        _ => columns.push(age()),
    }
    overlay_descriptions(group, kind, &mut columns);
    columns
}

/// Column descriptions as kube-apiserver v1.37 reports them, by kind (`Kind`
/// for the core group, `group/Kind` otherwise) and column name.
static DESCRIPTIONS: LazyLock<Option<Map<String, Value>>> =
    LazyLock::new(|| serde_json::from_str(include_str!("descriptions.json")).ok());

fn overlay_descriptions(group: &str, kind: &str, columns: &mut [Column]) {
    let key = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{group}/{kind}")
    };
    let Some(texts) = DESCRIPTIONS
        .as_ref()
        .and_then(|d| d.get(&key))
        .and_then(Value::as_object)
    else {
        return;
    };
    for column in columns {
        if let Some(text) = texts.get(&column.name).and_then(Value::as_str) {
            column.description = text.to_string();
        }
    }
}

/// The CustomResourceDefinition printer of apiextensions-apiserver.
fn crd(columns: &mut Vec<Column>) {
    columns.push(col("Scope", "string", "Cluster/Namespaced", 0, |o, _| {
        json!(string(o, "/spec/scope"))
    }));
    columns.push(col("Versions", "string", "Served versions", 0, |o, _| {
        json!(crd_versions(o))
    }));
    columns.push(created_at());
    columns.push(col("Group", "string", "API group", 1, |o, _| {
        json!(string(o, "/spec/group"))
    }));
    columns.push(col("Kind", "string", "CustomResource kind", 1, |o, _| {
        json!(string(o, "/spec/names/kind"))
    }));
    columns.push(col("ShortNames", "string", "Short names", 1, |o, _| {
        let names: Vec<&str> = o
            .pointer("/spec/names/shortNames")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        json!(names.join(","))
    }));
    columns.push(col(
        "Established",
        "boolean",
        "Established status",
        1,
        |o, _| json!(has_condition(o, "Established")),
    ));
}

/// Served versions, highest Kubernetes version priority first, the storage
/// version marked: `v1(storage),v1beta1`.
fn crd_versions(o: &Value) -> String {
    let mut served: Vec<(&str, bool)> = o
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("served").and_then(Value::as_bool) == Some(true))
        .map(|v| {
            let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
            (
                name,
                v.get("storage").and_then(Value::as_bool) == Some(true),
            )
        })
        .collect();
    served.sort_by_key(|(name, _)| version_priority(name));
    served
        .into_iter()
        .map(|(name, storage)| {
            if storage {
                format!("{name}(storage)")
            } else {
                name.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Sort key of `version.CompareKubeAwareVersionStrings`: GA before beta
/// before alpha, higher numbers first, then non-Kubernetes names
/// alphabetically.
fn version_priority(name: &str) -> (u8, std::cmp::Reverse<u64>, std::cmp::Reverse<u64>, String) {
    use std::cmp::Reverse;
    let parsed = name.strip_prefix('v').and_then(|rest| {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let major: u64 = rest[..digits].parse().ok()?;
        let tail = &rest[digits..];
        let (rank, minor) = if tail.is_empty() {
            (0, "0")
        } else if let Some(m) = tail.strip_prefix("beta") {
            (1, m)
        } else if let Some(m) = tail.strip_prefix("alpha") {
            (2, m)
        } else {
            return None;
        };
        let minor: u64 = minor.parse().ok()?;
        Some((rank, major, minor))
    });
    match parsed {
        Some((rank, major, minor)) => (rank, Reverse(major), Reverse(minor), String::new()),
        None => (3, Reverse(0), Reverse(0), name.to_string()),
    }
}

fn pvc(columns: &mut Vec<Column>) {
    columns.push(col(
        "Status",
        "string",
        "phase represents the current phase of PersistentVolumeClaim.",
        0,
        |o, _| {
            json!(if o.pointer("/metadata/deletionTimestamp").is_some() {
                "Terminating".to_string()
            } else {
                string(o, "/status/phase")
            })
        },
    ));
    columns.push(col(
        "Volume",
        "string",
        "volumeName is the binding reference to the PersistentVolume backing this claim.",
        0,
        |o, _| json!(string(o, "/spec/volumeName")),
    ));
    columns.push(col(
        "Capacity",
        "string",
        "capacity represents the actual resources of the underlying volume.",
        0,
        |o, _| {
            // Shown only once the claim names its volume, as printPersistentVolumeClaim does.
            if string(o, "/spec/volumeName").is_empty() {
                return json!("");
            }
            json!(string(o, "/status/capacity/storage"))
        },
    ));
    columns.push(col(
        "Access Modes",
        "string",
        "accessModes contains the actual access modes the volume backing the PVC has.",
        0,
        |o, _| {
            if string(o, "/spec/volumeName").is_empty() {
                return json!("");
            }
            json!(access_modes(o, "/status/accessModes"))
        },
    ));
    columns.push(col(
        "StorageClass",
        "string",
        "StorageClass of the pvc",
        0,
        |o, _| json!(storage_class(o)),
    ));
    columns.push(col(
        "VolumeAttributesClass",
        "string",
        "VolumeAttributesClass of the pvc",
        0,
        |o, _| json!(text(o, "/spec/volumeAttributesClassName").unwrap_or("<unset>")),
    ));
    columns.push(age());
    columns.push(col(
        "VolumeMode",
        "string",
        "volumeMode defines what type of volume is required by the claim.",
        1,
        |o, _| json!(text(o, "/spec/volumeMode").unwrap_or("<unset>")),
    ));
}

fn resource_quota(columns: &mut Vec<Column>) {
    fn quota(o: &Value, limits: bool) -> Value {
        let mut names: Vec<&String> = o
            .pointer("/status/hard")
            .and_then(Value::as_object)
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        names.sort();
        let parts: Vec<String> = names
            .into_iter()
            .filter(|n| n.starts_with("limits.") == limits)
            .map(|n| {
                let q = |base: &str| {
                    o.pointer(base)
                        .and_then(|m| m.get(n.as_str()))
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .unwrap_or_else(|| "0".into())
                };
                format!("{n}: {}/{}", q("/status/used"), q("/status/hard"))
            })
            .collect();
        json!(parts.join(", "))
    }
    columns.push(col(
        "Request",
        "string",
        "Request represents a minimum amount of cpu/memory that a container may consume.",
        0,
        |o, _| quota(o, false),
    ));
    columns.push(col("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", 0, |o, _| quota(o, true)));
    columns.push(age());
}

fn role_binding(columns: &mut Vec<Column>, kind: &str) {
    let what = if kind == "RoleBinding" {
        "roleBinding"
    } else {
        "clusterRoleBinding"
    };
    columns.push(col("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.", 0, |o, _| {
        json!(format!("{}/{}", string(o, "/roleRef/kind"), string(o, "/roleRef/name")))
    }));
    columns.push(age());
    let subjects: [(&str, CellFn); 3] = [
        ("Users", |o, _| json!(subjects(o, "User"))),
        ("Groups", |o, _| json!(subjects(o, "Group"))),
        ("ServiceAccounts", |o, _| {
            json!(subjects(o, "ServiceAccount"))
        }),
    ];
    for (name, f) in subjects {
        columns.push(col(name, "string", &format!("{name} in the {what}"), 1, f));
    }
}

/// `rbac.SubjectsStrings`: names of one subject kind, service accounts as `namespace/name`.
fn subjects(o: &Value, kind: &str) -> String {
    let names: Vec<String> = o
        .pointer("/subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| text(s, "/kind") == Some(kind))
        .map(|s| match kind {
            "ServiceAccount" => format!("{}/{}", string(s, "/namespace"), string(s, "/name")),
            _ => string(s, "/name"),
        })
        .collect();
    names.join(", ")
}

fn event<const EVENTS_API: bool>() -> Vec<Column> {
    let mut name = name_column();
    name.priority = 1;
    vec![
        col(
            "Last Seen",
            "string",
            "The time at which the most recent occurrence of this event was recorded.",
            0,
            |o, now| {
                let o = &*event_view::<EVENTS_API>(o);
                json!(event_times(o, now).1)
            },
        ),
        col(
            "Type",
            "string",
            "Type of this event (Normal, Warning), new types could be added in the future",
            0,
            |o, _| {
                let o = &*event_view::<EVENTS_API>(o);
                json!(string(o, "/type"))
            },
        ),
        col(
            "Reason",
            "string",
            "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
            0,
            |o, _| {
                let o = &*event_view::<EVENTS_API>(o);
                json!(string(o, "/reason"))
            },
        ),
        col(
            "Object",
            "string",
            "The object that this event is about.",
            0,
            |o, _| {
                let o = &*event_view::<EVENTS_API>(o);
                let kind = string(o, "/involvedObject/kind").to_lowercase();
                json!(
                    match text(o, "/involvedObject/name").filter(|n| !n.is_empty()) {
                        Some(n) => format!("{kind}/{n}"),
                        None => kind,
                    }
                )
            },
        ),
        col(
            "Subobject",
            "string",
            "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.",
            1,
            |o, _| {
                let o = &*event_view::<EVENTS_API>(o);
                json!(string(o, "/involvedObject/fieldPath"))
            },
        ),
        col(
            "Source",
            "string",
            "The component reporting this event. Should be a short machine understandable string.",
            1,
            |o, _| {
                let o = &*event_view::<EVENTS_API>(o);
                let first = |a: &str, b: &str| {
                    let a = string(o, a);
                    if a.is_empty() { string(o, b) } else { a }
                };
                let component = first("/source/component", "/reportingComponent");
                let host = first("/source/host", "/reportingInstance");
                json!(if host.is_empty() {
                    component
                } else {
                    format!("{component}, {host}")
                })
            },
        ),
        col(
            "Message",
            "string",
            "A human-readable description of the status of this operation.",
            0,
            |o, _| {
                let o = &*event_view::<EVENTS_API>(o);
                json!(string(o, "/message").trim())
            },
        ),
        col(
            "First Seen",
            "string",
            "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
            1,
            |o, now| {
                let o = &*event_view::<EVENTS_API>(o);
                json!(event_times(o, now).0)
            },
        ),
        col(
            "Count",
            "string",
            "The number of times this event has occurred.",
            1,
            |o, _| {
                let o = &*event_view::<EVENTS_API>(o);
                let count = o
                    .pointer("/series/count")
                    .and_then(Value::as_i64)
                    .unwrap_or_else(|| match int(o, "/count") {
                        0 => 1,
                        n => n,
                    });
                json!(count)
            },
        ),
        name,
    ]
}

/// An events.k8s.io/v1 Event read through the core/v1 field names the
/// printer uses (both are served from the same storage).
fn event_view<const EVENTS_API: bool>(o: &Value) -> std::borrow::Cow<'_, Value> {
    if !EVENTS_API {
        return std::borrow::Cow::Borrowed(o);
    }
    let mut core = o.clone();
    let renames = [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
        ("reportingController", "reportingComponent"),
    ];
    if let Some(map) = core.as_object_mut() {
        for (from, to) in renames {
            if let Some(v) = map.remove(from) {
                map.insert(to.to_string(), v);
            }
        }
    }
    std::borrow::Cow::Owned(core)
}

/// First and last seen, falling back to `eventTime` and `series` as `printEvent` does.
fn event_times(o: &Value, now: Timestamp) -> (String, String) {
    let first = match text(o, "/firstTimestamp") {
        Some(t) => translate_timestamp_since(Some(t), now),
        None => translate_timestamp_since(text(o, "/eventTime"), now),
    };
    let last = if let Some(t) = text(o, "/series/lastObservedTime") {
        translate_timestamp_since(Some(t), now)
    } else if let Some(t) = text(o, "/lastTimestamp") {
        translate_timestamp_since(Some(t), now)
    } else {
        first.clone()
    };
    (first, last)
}

/// `printReplicationController`: like a ReplicaSet, with a map selector.
fn replication_controller(columns: &mut Vec<Column>) {
    columns.push(col(
        "Desired",
        "integer",
        "Replicas is the number of desired replicas.",
        0,
        |o, _| json!(replicas(o)),
    ));
    columns.push(col(
        "Current",
        "integer",
        "Replicas is the most recently observed number of replicas.",
        0,
        |o, _| json!(int(o, "/status/replicas")),
    ));
    columns.push(col(
        "Ready",
        "integer",
        "The number of ready replicas for this replication controller.",
        0,
        |o, _| json!(int(o, "/status/readyReplicas")),
    ));
    columns.push(age());
    columns.extend(container_columns());
    columns.push(selector_column(
        "Selector is a label query over pods that should match the Replicas count.",
        |o, _| {
            json!(format_labels(
                o.pointer("/spec/selector").and_then(Value::as_object)
            ))
        },
    ));
}
