//! What kube-apiserver's hand-written strategies and validators do for the
//! built-in kinds beyond their schemas: `stringData`, cluster IPs, required
//! fields the types leave optional, immutable fields.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::api::error::{ApiError, FieldCause};
use crate::api::meta;
use crate::registry::Resource;

fn invalid(field: &str, message: String) -> FieldCause {
    FieldCause {
        reason: "FieldValueInvalid",
        field: field.to_owned(),
        message,
    }
}

fn required(field: &str) -> FieldCause {
    FieldCause {
        reason: "FieldValueRequired",
        field: field.to_owned(),
        message: "Required value".to_owned(),
    }
}

/// Where a kind keeps its pod spec.
fn pod_spec_path(res: &Resource) -> Option<&'static str> {
    match (res.group.as_str(), res.kind.as_str()) {
        ("", "Pod") => Some("/spec"),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") | ("batch", "Job") => {
            Some("/spec/template/spec")
        }
        ("batch", "CronJob") => Some("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// Fills what the real server's create/update strategies fill: a Secret's
/// `stringData` merged into `data`, a Service's cluster IP.
pub(crate) fn prepare(
    res: &Resource,
    obj: &mut Value,
    old: Option<&Value>,
    taken_ips: &dyn Fn(&str) -> bool,
) {
    match (res.group.as_str(), res.kind.as_str()) {
        ("", "Secret") => {
            if let Some(Value::Object(string_data)) =
                obj.as_object_mut().and_then(|m| m.remove("stringData"))
            {
                let data = obj
                    .as_object_mut()
                    .map(|m| m.entry("data").or_insert_with(|| json!({})));
                if let Some(Value::Object(data)) = data {
                    for (k, v) in string_data {
                        let text = v.as_str().unwrap_or_default();
                        data.insert(
                            k,
                            json!(base64::engine::general_purpose::STANDARD.encode(text)),
                        );
                    }
                }
            }
        }
        ("", "Service") => {
            let ty = obj
                .pointer("/spec/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP")
                .to_owned();
            if ty == "ExternalName" {
                return;
            }
            let spec = obj
                .as_object_mut()
                .map(|m| m.entry("spec").or_insert_with(|| json!({})));
            let Some(Value::Object(spec)) = spec else {
                return;
            };
            let previous = old.and_then(|o| o.pointer("/spec/clusterIP")).cloned();
            match (spec.get("clusterIP").and_then(Value::as_str), previous) {
                (Some("None"), _) => {}
                (None | Some(""), Some(prev)) => {
                    spec.insert("clusterIP".into(), prev);
                }
                (None | Some(""), None) => {
                    let seed = u32::from_le_bytes(
                        uuid::Uuid::new_v4().as_bytes()[..4]
                            .try_into()
                            .unwrap_or_default(),
                    );
                    let ip = allocate_ip(seed, taken_ips);
                    spec.insert("clusterIP".into(), json!(ip));
                }
                _ => {}
            }
            if let Some(ip) = spec.get("clusterIP").cloned() {
                spec.insert("clusterIPs".into(), json!([ip]));
            }
            spec.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
        }
        _ => {}
    }
}

/// A free address in 10.96.0.0/12, the default service range.
fn allocate_ip(seed: u32, taken: &dyn Fn(&str) -> bool) -> String {
    let size: u32 = 1 << 20;
    let mut n = seed % size;
    for _ in 0..size {
        // Skip the network address and .1 (the `kubernetes` service's).
        if n > 1 {
            let ip = format!("10.{}.{}.{}", 96 + (n >> 16), (n >> 8) & 0xff, n & 0xff);
            if !taken(&ip) {
                return ip;
            }
        }
        n = (n + 1) % size;
    }
    "10.96.0.2".to_owned()
}

/// The checks the real validators make that the OpenAPI schemas cannot.
pub(crate) fn validate(res: &Resource, obj: &Value, old: Option<&Value>) -> Vec<FieldCause> {
    let mut causes = Vec::new();
    if let Some(path) = pod_spec_path(res) {
        for list in ["containers", "initContainers"] {
            let pointer = format!("{path}/{list}");
            for (i, c) in obj
                .pointer(&pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if c.get("image")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    causes.push(required(&format!("{}[{i}].image", dotted(&pointer))));
                }
            }
        }
    }
    match (res.group.as_str(), res.kind.as_str()) {
        ("", "Service") => {
            let ty = obj
                .pointer("/spec/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP");
            if !matches!(
                ty,
                "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
            ) {
                causes.push(FieldCause {
                    reason: "FieldValueNotSupported",
                    field: "spec.type".into(),
                    message: format!("Unsupported value: \"{ty}\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""),
                });
            }
            let headless = obj.pointer("/spec/clusterIP").and_then(Value::as_str) == Some("None");
            let ports = obj
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .is_some_and(|p| !p.is_empty());
            if ty != "ExternalName" && !headless && !ports {
                causes.push(required("spec.ports"));
            }
        }
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => {
            match obj.pointer("/spec/selector") {
                None | Some(Value::Null) => causes.push(required("spec.selector")),
                Some(selector) => {
                    let labels: Map<String, Value> = obj
                        .pointer("/spec/template/metadata/labels")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    let matches = crate::selector::from_label_selector_object(selector)
                        .map(|s| s.matches(&labels))
                        .unwrap_or(false);
                    if !matches {
                        causes.push(invalid(
                            "spec.template.metadata.labels",
                            format!(
                                "Invalid value: {}: `selector` does not match template `labels`",
                                Value::Object(labels)
                            ),
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    if let Some(old) = old {
        for field in immutable_fields(res, old) {
            let pointer = format!("/{}", field.replace('.', "/"));
            let (before, after) = (old.pointer(&pointer), obj.pointer(&pointer));
            if before != after {
                let shown = after.map(Value::to_string).unwrap_or_else(|| "null".into());
                causes.push(invalid(
                    field,
                    format!("Invalid value: {shown}: field is immutable"),
                ));
            }
        }
    }
    causes
}

fn immutable_fields(res: &Resource, old: &Value) -> Vec<&'static str> {
    match (res.group.as_str(), res.kind.as_str()) {
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => {
            vec!["spec.selector"]
        }
        ("batch", "Job") => vec!["spec.selector", "spec.completionMode"],
        ("", "Service") => vec!["spec.clusterIP"],
        ("", "Secret") if old.get("immutable").and_then(Value::as_bool) != Some(true) => {
            vec!["type"]
        }
        ("", "ConfigMap") if old.get("immutable").and_then(Value::as_bool) == Some(true) => {
            vec!["data", "binaryData", "immutable"]
        }
        ("", "Secret") if old.get("immutable").and_then(Value::as_bool) == Some(true) => {
            vec!["data", "immutable", "type"]
        }
        _ => Vec::new(),
    }
}

/// The 422 for `causes`, if any.
pub(crate) fn check(res: &Resource, obj: &Value, old: Option<&Value>) -> Result<(), ApiError> {
    let causes = validate(res, obj, old);
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(res.subject(), meta::name(obj), &causes))
    }
}
