//! Workload status without a kubelet.
//!
//! The embedded server runs neither kube-controller-manager nor kubelets, and
//! Pequod documents that built-in workload kinds are ready once stored.
//! [`simulate_status`] writes the status those components would converge to
//! for a healthy object, so kstatus-style readiness checks (observed
//! generation, replica counts, `Available`/`Complete`/`Ready` conditions)
//! hold. Fields of `status` the simulation does not own are kept, and a
//! condition that keeps its status keeps its transition time.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Sets the converged status of a built-in workload kind in place; `now` is
/// the RFC 3339 time stamped on new conditions. Other kinds are left alone.
pub fn simulate_status(group: &str, kind: &str, obj: &mut Value, now: &str) {
    match (group, kind) {
        ("apps", "Deployment") => deployment(obj, now),
        ("apps", "StatefulSet") => stateful_set(obj),
        ("apps", "DaemonSet") => daemon_set(obj),
        ("apps", "ReplicaSet") => replica_set(obj),
        ("batch", "Job") => job(obj, now),
        ("", "Pod") => pod(obj, now),
        ("", "PersistentVolumeClaim") => pvc(obj),
        ("", "Namespace") => namespace(obj),
        ("", "Service") => service(obj),
        _ => {}
    }
}

/// Runs `f` on the object's `status` map (a fresh one when missing or not
/// an object) and stores the result back.
fn edit_status(obj: &mut Value, f: impl FnOnce(&mut Map<String, Value>)) {
    let mut status = match obj.get_mut("status").map(Value::take) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    f(&mut status);
    if let Some(root) = obj.as_object_mut() {
        root.insert("status".into(), Value::Object(status));
    }
}

fn generation(obj: &Value) -> i64 {
    obj.pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

fn replicas(obj: &Value) -> i64 {
    obj.pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

fn name(obj: &Value) -> String {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Go's `int32` fields tagged `omitempty` vanish when zero.
fn set_count(status: &mut Map<String, Value>, key: &str, n: i64) {
    if n == 0 {
        status.remove(key);
    } else {
        status.insert(key.into(), json!(n));
    }
}

/// A stable stand-in for the controller's pod-template-hash: a 32-bit digest
/// of the template, its decimal digits mapped through `rand.SafeEncodeString`
/// as the controller maps its FNV hash, so names look like `web-5d8f7c9b6`.
fn template_hash(obj: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let template = obj
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let digest = Sha256::digest(template.to_string().as_bytes());
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    n.to_string()
        .bytes()
        .map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect()
}

/// Upserts a condition by type; an existing condition with the same status
/// keeps its timestamps, as controllers only bump them on transitions.
fn set_condition(
    status: &mut Map<String, Value>,
    mut condition: Value,
    time_keys: &[&str],
    now: &str,
) {
    let conditions = status.entry("conditions").or_insert_with(|| json!([]));
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Some(list) = conditions.as_array_mut() else {
        return;
    };
    let type_ = condition["type"].clone();
    let existing = list.iter_mut().find(|c| c.get("type") == Some(&type_));
    for key in time_keys {
        let kept = existing
            .as_ref()
            .filter(|c| c.get("status") == condition.get("status"))
            .and_then(|c| c.get(*key))
            .filter(|v| !v.is_null())
            .cloned();
        condition[*key] = kept.unwrap_or_else(|| json!(now));
    }
    match existing {
        Some(slot) => *slot = condition,
        None => list.push(condition),
    }
}

fn deployment(obj: &mut Value, now: &str) {
    let (n, generation) = (replicas(obj), generation(obj));
    let rs_name = format!("{}-{}", name(obj), template_hash(obj));
    edit_status(obj, |status| {
        status.insert("observedGeneration".into(), json!(generation));
        for key in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ] {
            set_count(status, key, n);
        }
        status.remove("unavailableReplicas");
        let times = ["lastUpdateTime", "lastTransitionTime"];
        set_condition(
            status,
            json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                   "message": "Deployment has minimum availability."}),
            &times,
            now,
        );
        set_condition(
            status,
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                   "message": format!("ReplicaSet \"{rs_name}\" has successfully progressed.")}),
            &times,
            now,
        );
    });
}

fn stateful_set(obj: &mut Value) {
    let (n, generation) = (replicas(obj), generation(obj));
    let revision = format!("{}-{}", name(obj), template_hash(obj));
    edit_status(obj, |status| {
        status.insert("observedGeneration".into(), json!(generation));
        // replicas and availableReplicas are not omitempty in apps/v1.
        status.insert("replicas".into(), json!(n));
        for key in ["readyReplicas", "currentReplicas", "updatedReplicas"] {
            set_count(status, key, n);
        }
        status.insert("availableReplicas".into(), json!(n));
        status.insert("currentRevision".into(), json!(revision));
        status.insert("updateRevision".into(), json!(revision));
        status.entry("collisionCount").or_insert_with(|| json!(0));
    });
}

fn daemon_set(obj: &mut Value) {
    let generation = generation(obj);
    edit_status(obj, |status| {
        // One node: the embedded control plane's single virtual node.
        for key in [
            "currentNumberScheduled",
            "desiredNumberScheduled",
            "numberReady",
        ] {
            status.insert(key.into(), json!(1));
        }
        status.insert("numberMisscheduled".into(), json!(0));
        status.insert("observedGeneration".into(), json!(generation));
        status.insert("updatedNumberScheduled".into(), json!(1));
        status.insert("numberAvailable".into(), json!(1));
        status.remove("numberUnavailable");
    });
}

fn replica_set(obj: &mut Value) {
    let (n, generation) = (replicas(obj), generation(obj));
    edit_status(obj, |status| {
        status.insert("replicas".into(), json!(n));
        for key in ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] {
            set_count(status, key, n);
        }
        status.insert("observedGeneration".into(), json!(generation));
    });
}

fn job(obj: &mut Value, now: &str) {
    let suspended = obj.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
    let completions = obj
        .pointer("/spec/completions")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let indexed = obj.pointer("/spec/completionMode").and_then(Value::as_str) == Some("Indexed");
    let times = ["lastProbeTime", "lastTransitionTime"];
    edit_status(obj, |status| {
        if suspended {
            set_condition(
                status,
                json!({"type": "Suspended", "status": "True", "reason": "JobSuspended", "message": "Job suspended"}),
                &times,
                now,
            );
            return;
        }
        status.entry("startTime").or_insert_with(|| json!(now));
        status.entry("completionTime").or_insert_with(|| json!(now));
        set_count(status, "succeeded", completions);
        status.insert("ready".into(), json!(0));
        status.insert("terminating".into(), json!(0));
        status.insert("uncountedTerminatedPods".into(), json!({}));
        status.remove("active");
        if indexed && completions > 0 {
            let indexes = if completions == 1 {
                "0".to_string()
            } else {
                format!("0-{}", completions - 1)
            };
            status.insert("completedIndexes".into(), json!(indexes));
        }
        for type_ in ["SuccessCriteriaMet", "Complete"] {
            set_condition(
                status,
                json!({"type": type_, "status": "True", "reason": "CompletionsReached",
                       "message": "Reached expected number of succeeded pods"}),
                &times,
                now,
            );
        }
    });
}

fn pod(obj: &mut Value, now: &str) {
    let spec = obj.get("spec").cloned().unwrap_or(Value::Null);
    let container_status = |c: &Value, state: Value, ready: bool| {
        let previous = obj
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .into_iter()
            .chain(
                obj.pointer("/status/initContainerStatuses")
                    .and_then(Value::as_array),
            )
            .flatten()
            .find(|s| s.get("name") == c.get("name"));
        let restarts = previous
            .and_then(|p| p.get("restartCount"))
            .cloned()
            .unwrap_or(json!(0));
        let state = previous
            .and_then(|p| p.get("state"))
            .filter(|s| s.get("running").is_some() && state.get("running").is_some())
            .cloned()
            .unwrap_or(state);
        json!({
            "name": c.get("name").cloned().unwrap_or(Value::Null),
            "state": state,
            "lastState": {},
            "ready": ready,
            "restartCount": restarts,
            "image": c.get("image").cloned().unwrap_or(Value::Null),
            "imageID": "",
            "started": ready,
        })
    };
    let running = json!({"running": {"startedAt": now}});
    let containers: Vec<Value> = spec
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| container_status(c, running.clone(), true))
        .collect();
    let init: Vec<Value> = spec
        .get("initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            // Sidecars (restartPolicy Always) keep running; others completed.
            if c.get("restartPolicy").and_then(Value::as_str) == Some("Always") {
                container_status(c, running.clone(), true)
            } else {
                let done = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}});
                container_status(c, done, false)
            }
        })
        .collect();
    edit_status(obj, |status| {
        status.insert("phase".into(), json!("Running"));
        for type_ in [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ] {
            set_condition(
                status,
                json!({"type": type_, "status": "True", "lastProbeTime": null}),
                &["lastTransitionTime"],
                now,
            );
        }
        status.entry("startTime").or_insert_with(|| json!(now));
        status.insert("containerStatuses".into(), Value::Array(containers));
        if init.is_empty() {
            status.remove("initContainerStatuses");
        } else {
            status.insert("initContainerStatuses".into(), Value::Array(init));
        }
    });
}

fn pvc(obj: &mut Value) {
    let storage = obj.pointer("/spec/resources/requests/storage").cloned();
    let modes = obj.pointer("/spec/accessModes").cloned();
    edit_status(obj, |status| {
        status.insert("phase".into(), json!("Bound"));
        if let Some(modes) = modes {
            status.insert("accessModes".into(), modes);
        }
        if let Some(storage) = storage {
            status.insert("capacity".into(), json!({"storage": storage}));
        }
    });
}

fn namespace(obj: &mut Value) {
    let terminating = obj
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    edit_status(obj, |status| {
        status.insert(
            "phase".into(),
            json!(if terminating { "Terminating" } else { "Active" }),
        );
    });
}

fn service(obj: &mut Value) {
    if obj.pointer("/spec/type").and_then(Value::as_str) != Some("LoadBalancer") {
        return;
    }
    edit_status(obj, |status| {
        status.insert(
            "loadBalancer".into(),
            json!({"ingress": [{"ip": "127.0.0.1", "ipMode": "VIP"}]}),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2024-05-01T12:00:00Z";

    fn simulated(group: &str, kind: &str, mut obj: Value) -> Value {
        simulate_status(group, kind, &mut obj, NOW);
        obj
    }

    fn condition<'v>(obj: &'v Value, type_: &str) -> &'v Value {
        obj["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == type_)
            .unwrap()
    }

    fn deployment_obj() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "generation": 4},
               "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})
    }

    #[test]
    fn deployment_is_available_and_progressed() {
        let d = simulated("apps", "Deployment", deployment_obj());
        let s = &d["status"];
        assert_eq!(s["observedGeneration"], 4);
        for key in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ] {
            assert_eq!(s[key], 3, "{key}");
        }
        let available = condition(&d, "Available");
        assert_eq!(available["status"], "True");
        assert_eq!(available["reason"], "MinimumReplicasAvailable");
        assert_eq!(available["message"], "Deployment has minimum availability.");
        assert_eq!(available["lastUpdateTime"], NOW);
        assert_eq!(available["lastTransitionTime"], NOW);
        let progressing = condition(&d, "Progressing");
        assert_eq!(progressing["reason"], "NewReplicaSetAvailable");
        let message = progressing["message"].as_str().unwrap();
        assert!(
            message.starts_with("ReplicaSet \"web-")
                && message.ends_with("\" has successfully progressed.")
        );
    }

    #[test]
    fn deployment_defaults_and_zero_replicas() {
        let mut obj = deployment_obj();
        obj["spec"].as_object_mut().unwrap().remove("replicas");
        assert_eq!(
            simulated("apps", "Deployment", obj)["status"]["availableReplicas"],
            1
        );
        let mut obj = deployment_obj();
        obj["spec"]["replicas"] = json!(0);
        let s = simulated("apps", "Deployment", obj)["status"].clone();
        // Zero counts are omitted, as the Go omitempty int32 fields are.
        assert!(s.get("replicas").is_none() && s.get("readyReplicas").is_none());
    }

    #[test]
    fn unchanged_conditions_keep_their_times_and_foreign_fields_survive() {
        let mut obj = deployment_obj();
        obj["status"] = json!({
            "collisionCount": 2,
            "conditions": [
                {"type": "Available", "status": "True", "lastUpdateTime": "2020-01-01T00:00:00Z", "lastTransitionTime": "2020-01-01T00:00:00Z"},
                {"type": "ReplicaFailure", "status": "False"}
            ]
        });
        let d = simulated("apps", "Deployment", obj);
        assert_eq!(d["status"]["collisionCount"], 2);
        assert_eq!(
            condition(&d, "Available")["lastTransitionTime"],
            "2020-01-01T00:00:00Z"
        );
        assert_eq!(condition(&d, "ReplicaFailure")["status"], "False");
        assert_eq!(condition(&d, "Progressing")["lastTransitionTime"], NOW);
    }

    #[test]
    fn statefulset_revisions_match() {
        let sts = simulated(
            "apps",
            "StatefulSet",
            json!({"metadata": {"name": "db", "generation": 2}, "spec": {"replicas": 2, "template": {}}}),
        );
        let s = &sts["status"];
        assert_eq!(s["observedGeneration"], 2);
        assert_eq!(s["replicas"], 2);
        assert_eq!(s["readyReplicas"], 2);
        assert_eq!(s["currentReplicas"], 2);
        assert_eq!(s["updatedReplicas"], 2);
        assert_eq!(s["availableReplicas"], 2);
        assert_eq!(s["currentRevision"], s["updateRevision"]);
        assert!(s["currentRevision"].as_str().unwrap().starts_with("db-"));
    }

    #[test]
    fn daemonset_and_replicaset() {
        let ds = simulated(
            "apps",
            "DaemonSet",
            json!({"metadata": {"name": "a", "generation": 3}, "spec": {}}),
        );
        let s = &ds["status"];
        for key in [
            "desiredNumberScheduled",
            "currentNumberScheduled",
            "numberReady",
            "numberAvailable",
            "updatedNumberScheduled",
        ] {
            assert_eq!(s[key], 1, "{key}");
        }
        assert_eq!(s["numberMisscheduled"], 0);
        assert_eq!(s["observedGeneration"], 3);
        let rs = simulated(
            "apps",
            "ReplicaSet",
            json!({"metadata": {"name": "r"}, "spec": {"replicas": 2}}),
        );
        assert_eq!(
            rs["status"],
            json!({"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 2, "observedGeneration": 1})
        );
    }

    #[test]
    fn job_completes() {
        let job = simulated(
            "batch",
            "Job",
            json!({"metadata": {"name": "j"}, "spec": {"completions": 3, "completionMode": "Indexed"}}),
        );
        let s = &job["status"];
        assert_eq!(s["succeeded"], 3);
        assert_eq!(s["startTime"], NOW);
        assert_eq!(s["completionTime"], NOW);
        assert_eq!(s["completedIndexes"], "0-2");
        for type_ in ["SuccessCriteriaMet", "Complete"] {
            let c = condition(&job, type_);
            assert_eq!(c["status"], "True");
            assert_eq!(c["reason"], "CompletionsReached");
        }
        let default = simulated(
            "batch",
            "Job",
            json!({"metadata": {"name": "j"}, "spec": {}}),
        );
        assert_eq!(default["status"]["succeeded"], 1);
        let suspended = simulated(
            "batch",
            "Job",
            json!({"metadata": {"name": "j"}, "spec": {"suspend": true}}),
        );
        assert_eq!(condition(&suspended, "Suspended")["status"], "True");
        assert!(suspended["status"].get("completionTime").is_none());
    }

    #[test]
    fn pod_runs_and_is_ready() {
        let pod = simulated(
            "",
            "Pod",
            json!({"metadata": {"name": "p"}, "spec": {
                "initContainers": [{"name": "setup", "image": "busybox"}],
                "containers": [{"name": "app", "image": "nginx"}]}}),
        );
        let s = &pod["status"];
        assert_eq!(s["phase"], "Running");
        for type_ in ["PodScheduled", "Initialized", "ContainersReady", "Ready"] {
            assert_eq!(condition(&pod, type_)["status"], "True", "{type_}");
        }
        let app = &s["containerStatuses"][0];
        assert_eq!(app["name"], "app");
        assert_eq!(app["ready"], true);
        assert_eq!(app["started"], true);
        assert_eq!(app["state"]["running"]["startedAt"], NOW);
        assert_eq!(
            s["initContainerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed"
        );
        // The table printer agrees: 1/1 Running.
        let columns = crate::table::builtin_columns("", "Pod");
        let t = crate::table::table(
            &columns,
            &[pod],
            crate::table::IncludeObject::None,
            json!({}),
        );
        assert_eq!(t["rows"][0]["cells"][1], "1/1");
        assert_eq!(t["rows"][0]["cells"][2], "Running");
    }

    #[test]
    fn pvc_namespace_service() {
        let pvc = simulated(
            "",
            "PersistentVolumeClaim",
            json!({"metadata": {"name": "d"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}),
        );
        assert_eq!(
            pvc["status"],
            json!({"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}})
        );
        let ns = simulated("", "Namespace", json!({"metadata": {"name": "n"}}));
        assert_eq!(ns["status"]["phase"], "Active");
        let lb = simulated(
            "",
            "Service",
            json!({"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"}}),
        );
        assert_eq!(
            lb["status"]["loadBalancer"]["ingress"][0]["ip"],
            "127.0.0.1"
        );
        let cluster_ip = simulated(
            "",
            "Service",
            json!({"metadata": {"name": "s"}, "spec": {"type": "ClusterIP"}}),
        );
        assert!(cluster_ip.get("status").is_none());
    }

    #[test]
    fn other_kinds_are_untouched() {
        let cm = json!({"metadata": {"name": "c"}, "status": {"x": 1}});
        assert_eq!(simulated("", "ConfigMap", cm.clone()), cm);
        let custom = json!({"metadata": {"name": "w"}});
        assert_eq!(
            simulated("example.com", "Deployment", custom.clone()),
            custom
        );
    }
}
