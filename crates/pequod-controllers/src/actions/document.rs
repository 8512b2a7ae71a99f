//! The two JSON documents every action shares: the payload it is given and
//! the result it answers with.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Invocation, Outcome};

/// A condition an action sets on the object, next to Pequod's `Ready`,
/// `Reconciling` and `Degraded`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CustomCondition {
    /// Its type, e.g. `ReplicationHealthy`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// A CamelCase reason.
    #[serde(default)]
    pub reason: String,
    /// A human-readable message.
    #[serde(default)]
    pub message: String,
}

/// The document an action receives (a command on stdin, an HTTP service as
/// the body, a workflow as its `payload` input):
/// `{"operation", "trigger", "resource", "spec", "outputs"}`.
pub fn payload(invocation: &Invocation) -> Value {
    json!({
        "operation": invocation.operation.as_str(),
        "trigger": invocation.trigger.as_str(),
        "resource": invocation.resource,
        "spec": invocation.resource.get("spec").cloned().unwrap_or_else(|| json!({})),
        "outputs": invocation.outputs,
    })
}

/// The spec's top-level fields as strings (strings as they are, other values
/// as JSON), keyed in upper snake case (`storageGb` → `STORAGE_GB`): the
/// environment of a command, the inputs of a workflow, the variables of a
/// pipeline.
pub fn spec_variables(resource: &Value) -> BTreeMap<String, String> {
    let Some(spec) = resource.get("spec").and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    spec.iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (upper_snake(key), text)
        })
        .collect()
}

/// `storageGb` → `STORAGE_GB`, `engine_version` → `ENGINE_VERSION`,
/// `tls.enabled` → `TLS_ENABLED`.
pub fn upper_snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut previous_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultDocument {
    #[serde(default)]
    outputs: Map<String, Value>,
    #[serde(default)]
    conditions: Vec<CustomCondition>,
    #[serde(default)]
    message: String,
}

/// Reads an action's result document: empty means success with nothing to
/// report; otherwise `{"outputs": {…}, "conditions": […], "message": "…"}`.
pub fn parse_result(text: &str) -> Result<Outcome, String> {
    if text.trim().is_empty() {
        return Ok(Outcome::default());
    }
    let document: ResultDocument = serde_json::from_str(text).map_err(|e| {
        format!(
            "the result is not a JSON document {{\"outputs\": {{…}}, \"conditions\": […]}}: {e}"
        )
    })?;
    for condition in &document.conditions {
        if !matches!(condition.status.as_str(), "True" | "False" | "Unknown") {
            return Err(format!(
                "condition {:?}: status must be True, False or Unknown, not {:?}",
                condition.type_, condition.status
            ));
        }
        if condition.type_.is_empty()
            || matches!(
                condition.type_.as_str(),
                "Ready" | "Reconciling" | "Degraded"
            )
        {
            return Err(format!(
                "condition type {:?} is empty or one Pequod sets itself",
                condition.type_
            ));
        }
    }
    Ok(Outcome {
        outputs: document.outputs,
        conditions: document.conditions,
        message: document.message,
        output: String::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use serde_json::json;

    use super::{parse_result, spec_variables, upper_snake};

    #[test]
    fn variables() {
        assert_eq!(upper_snake("storageGb"), "STORAGE_GB");
        assert_eq!(upper_snake("engine_version"), "ENGINE_VERSION");
        assert_eq!(upper_snake("tls.enabled"), "TLS_ENABLED");
        assert_eq!(upper_snake("HTTPPort"), "HTTPPORT");
        let vars = spec_variables(&json!({"spec": {"engine": "postgres", "storageGb": 500,
            "ha": true, "tags": {"a": 1}}}));
        assert_eq!(vars["ENGINE"], "postgres");
        assert_eq!(vars["STORAGE_GB"], "500");
        assert_eq!(vars["HA"], "true");
        assert_eq!(vars["TAGS"], r#"{"a":1}"#);
        assert!(spec_variables(&json!({})).is_empty());
    }

    #[test]
    fn results() {
        assert!(parse_result("  \n").unwrap().outputs.is_empty());
        let outcome = parse_result(
            r#"{"outputs": {"endpoint": "db:5432"}, "conditions": [{"type": "Replicated", "status": "True", "reason": "InSync"}]}"#,
        )
        .unwrap();
        assert_eq!(outcome.outputs["endpoint"], "db:5432");
        assert_eq!(outcome.conditions[0].reason, "InSync");
        assert!(parse_result("not json").unwrap_err().contains("not a JSON"));
        assert!(parse_result(r#"{"output": {}}"#).is_err());
        assert!(
            parse_result(r#"{"conditions": [{"type": "Ready", "status": "True"}]}"#)
                .unwrap_err()
                .contains("Pequod sets itself")
        );
        assert!(parse_result(r#"{"conditions": [{"type": "X", "status": "yes"}]}"#).is_err());
    }
}
