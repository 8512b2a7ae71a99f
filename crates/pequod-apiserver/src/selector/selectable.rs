//! Which fields each kind lets a field selector use, how kube-apiserver
//! rejects the others, and how each field reads from an object.

use serde_json::Value;

const META: &[&str] = &["metadata.name", "metadata.namespace"];
const POD: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
    // Old v1 clients' name for spec.nodeName.
    "spec.host",
];
const EVENT: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];
const EVENTS_K8S_IO: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "regarding.apiVersion",
    "regarding.resourceVersion",
    "regarding.fieldPath",
    "reason",
    "reportingController",
    "type",
];
const SECRET: &[&str] = &["metadata.name", "metadata.namespace", "type"];
// Namespaces and Nodes are cluster-scoped: their conversion rejects metadata.namespace.
const NAMESPACE: &[&str] = &["metadata.name", "status.phase"];
const NODE: &[&str] = &["metadata.name", "spec.unschedulable"];
const SERVICE: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.clusterIP",
    "spec.type",
];
const REPLICATION_CONTROLLER: &[&str] = &["metadata.name", "metadata.namespace", "status.replicas"];
const JOB: &[&str] = &["metadata.name", "metadata.namespace", "status.successful"];
const CSR: &[&str] = &["metadata.name", "spec.signerName"];

/// The fields kube-apiserver lets a `fieldSelector` use for a built-in kind
/// (its field-label conversion; kinds without one accept `metadata.name`
/// and `metadata.namespace`).
pub fn supported_fields(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("", "Pod") => POD,
        ("", "Event") => EVENT,
        ("events.k8s.io", "Event") => EVENTS_K8S_IO,
        ("", "Secret") => SECRET,
        ("", "Namespace") => NAMESPACE,
        ("", "Service") => SERVICE,
        ("", "Node") => NODE,
        ("", "ReplicationController") => REPLICATION_CONTROLLER,
        ("batch", "Job") => JOB,
        ("certificates.k8s.io", "CertificateSigningRequest") => CSR,
        _ => META,
    }
}

/// The fields a custom resource version supports: `metadata.name`,
/// `metadata.namespace` when the resource is namespaced, and the version's
/// `selectableFields[].jsonPath` (the JSON array; paths like `.spec.color`).
pub fn crd_supported_fields(selectable_fields: &Value, namespaced: bool) -> Vec<String> {
    let mut fields = vec!["metadata.name".to_string()];
    if namespaced {
        fields.push("metadata.namespace".to_string());
    }
    for f in selectable_fields.as_array().into_iter().flatten() {
        if let Some(path) = f.get("jsonPath").and_then(Value::as_str) {
            fields.push(path.trim_start_matches('.').to_string());
        }
    }
    fields
}

/// kube-apiserver's message for a field outside the kind's supported set: it
/// depends on whether the kind registers its own field-label conversion.
pub(super) fn unsupported_message(group: &str, kind: &str, field: &str) -> String {
    match (group, kind) {
        ("batch", "Job") => format!("field label {field:?} not supported for Job"),
        (
            "",
            "Pod" | "Node" | "ReplicationController" | "Event" | "Namespace" | "Secret" | "Service",
        )
        | ("events.k8s.io", "Event")
        | ("certificates.k8s.io", "CertificateSigningRequest") => {
            format!("field label not supported: {field}")
        }
        _ => format!(
            "{field:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        ),
    }
}

/// The string kube-apiserver compares for `field` (absent fields are `""`,
/// except those the server renders from a non-pointer Go value).
pub(super) fn field_value(obj: &Value, field: &str) -> String {
    let path = match field {
        "source" => "source.component",
        "deprecatedSource" => "deprecatedSource.component",
        "status.successful" => "status.succeeded",
        "spec.host" => "spec.nodeName",
        // Accepted by the Pod conversion but never filled in by the
        // registry, so only `status.podIPs=` matches.
        "status.podIPs" => return String::new(),
        other => other,
    };
    let mut cur = Some(obj);
    for seg in path.split('.') {
        cur = cur.and_then(|v| v.get(seg));
    }
    match cur {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Null) | None => match field {
            "spec.unschedulable" | "spec.hostNetwork" => "false".to_string(),
            "status.successful" | "status.replicas" => "0".to_string(),
            _ => String::new(),
        },
        Some(other) => other.to_string(),
    }
}
