//! Whether a new version of a generated kind's schema would break the
//! instances that already exist: the one home of the rule "a Transform's
//! schema change must not invalidate what developers already wrote".
//!
//! A change breaks when an object valid under the old schema can be
//! rejected, or lose data, under the new one: a field removed (pruned), a
//! type changed, a field newly required without a default, an enum
//! narrowed, a bound or length tightened, a pattern changed, unknown fields
//! no longer preserved.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};

/// One way the new schema breaks existing objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakingChange {
    /// The field, e.g. `spec.replicas`.
    pub path: String,
    /// What changed, e.g. `maximum lowered from 10 to 5`.
    pub reason: String,
}

impl std::fmt::Display for BreakingChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Every breaking change from `old` to `new`, for the schema rooted at `path`.
pub fn breaking_changes(
    path: &str,
    old: &JSONSchemaProps,
    new: &JSONSchemaProps,
) -> Vec<BreakingChange> {
    let mut found = Vec::new();
    compare(path, old, new, &mut found);
    found
}

fn compare(
    path: &str,
    old: &JSONSchemaProps,
    new: &JSONSchemaProps,
    out: &mut Vec<BreakingChange>,
) {
    let mut breaks = |reason: String| {
        out.push(BreakingChange {
            path: path.to_owned(),
            reason,
        });
    };
    if old.type_ != new.type_ && !int_or_string_widening(old, new) {
        breaks(format!(
            "type changed from {} to {}",
            show(&old.type_),
            show(&new.type_)
        ));
        return; // nothing below compares meaningfully
    }
    if old.x_kubernetes_preserve_unknown_fields == Some(true)
        && new.x_kubernetes_preserve_unknown_fields != Some(true)
    {
        breaks("unknown fields are no longer preserved".to_owned());
    }
    if let Some(new_enum) = &new.enum_ {
        match &old.enum_ {
            None => breaks("now limited to an enum".to_owned()),
            Some(old_enum) => {
                let dropped: Vec<String> = old_enum
                    .iter()
                    .filter(|v| !new_enum.contains(v))
                    .map(|v| v.0.to_string())
                    .collect();
                if !dropped.is_empty() {
                    breaks(format!("enum no longer allows {}", dropped.join(", ")));
                }
            }
        }
    }
    if old.pattern != new.pattern && new.pattern.is_some() {
        breaks(format!(
            "pattern changed from {} to {}",
            show(&old.pattern),
            show(&new.pattern)
        ));
    }
    tightened_min(&mut breaks, "minimum", old.minimum, new.minimum);
    tightened_max(&mut breaks, "maximum", old.maximum, new.maximum);
    if new.exclusive_minimum == Some(true)
        && old.exclusive_minimum != Some(true)
        && new.minimum.is_some()
    {
        breaks("minimum became exclusive".to_owned());
    }
    if new.exclusive_maximum == Some(true)
        && old.exclusive_maximum != Some(true)
        && new.maximum.is_some()
    {
        breaks("maximum became exclusive".to_owned());
    }
    tightened_min(
        &mut breaks,
        "minLength",
        old.min_length.map(to_f64),
        new.min_length.map(to_f64),
    );
    tightened_max(
        &mut breaks,
        "maxLength",
        old.max_length.map(to_f64),
        new.max_length.map(to_f64),
    );
    tightened_min(
        &mut breaks,
        "minItems",
        old.min_items.map(to_f64),
        new.min_items.map(to_f64),
    );
    tightened_max(
        &mut breaks,
        "maxItems",
        old.max_items.map(to_f64),
        new.max_items.map(to_f64),
    );

    let old_props = old.properties.clone().unwrap_or_default();
    let new_props = new.properties.clone().unwrap_or_default();
    let preserves_unknown = new.x_kubernetes_preserve_unknown_fields == Some(true);
    for (name, old_prop) in &old_props {
        let child = format!("{path}.{name}");
        match new_props.get(name) {
            Some(new_prop) => compare(&child, old_prop, new_prop, out),
            None if !preserves_unknown && additional(new).is_none() => out.push(BreakingChange {
                path: child,
                reason: "field removed (existing values would be pruned)".to_owned(),
            }),
            None => {}
        }
    }
    let old_required = old.required.clone().unwrap_or_default();
    for name in new.required.iter().flatten() {
        let has_default = new_props.get(name).is_some_and(|p| p.default.is_some());
        if !old_required.contains(name) && !has_default {
            out.push(BreakingChange {
                path: format!("{path}.{name}"),
                reason: "newly required without a default".to_owned(),
            });
        }
    }
    if let (Some(old_items), Some(new_items)) = (items(old), items(new)) {
        compare(&format!("{path}[*]"), old_items, new_items, out);
    }
    match (additional_schema(old), additional_schema(new)) {
        (Some(o), Some(n)) => compare(&format!("{path}[*]"), o, n, out),
        _ if additional(old).is_some() && additional(new).is_none() && old_props.is_empty() => out
            .push(BreakingChange {
                path: path.to_owned(),
                reason: "no longer accepts arbitrary keys".to_owned(),
            }),
        _ => {}
    }
}

/// `int` → `int | string` (x-kubernetes-int-or-string) accepts everything it did.
fn int_or_string_widening(old: &JSONSchemaProps, new: &JSONSchemaProps) -> bool {
    new.x_kubernetes_int_or_string == Some(true)
        && matches!(old.type_.as_deref(), Some("integer" | "string"))
}

fn tightened_min(breaks: &mut impl FnMut(String), what: &str, old: Option<f64>, new: Option<f64>) {
    match (old, new) {
        (None, Some(n)) => breaks(format!("{what} {n} added")),
        (Some(o), Some(n)) if n > o => breaks(format!("{what} raised from {o} to {n}")),
        _ => {}
    }
}

fn tightened_max(breaks: &mut impl FnMut(String), what: &str, old: Option<f64>, new: Option<f64>) {
    match (old, new) {
        (None, Some(n)) => breaks(format!("{what} {n} added")),
        (Some(o), Some(n)) if n < o => breaks(format!("{what} lowered from {o} to {n}")),
        _ => {}
    }
}

#[allow(
    clippy::cast_precision_loss,
    reason = "schema bounds are far below 2^52"
)]
fn to_f64(v: i64) -> f64 {
    v as f64
}

fn items(s: &JSONSchemaProps) -> Option<&JSONSchemaProps> {
    match &s.items {
        Some(JSONSchemaPropsOrArray::Schema(schema)) => Some(schema),
        _ => None,
    }
}

/// `additionalProperties`, when present and not `false`.
fn additional(s: &JSONSchemaProps) -> Option<&JSONSchemaPropsOrBool> {
    s.additional_properties
        .as_ref()
        .filter(|a| !matches!(a, JSONSchemaPropsOrBool::Bool(false)))
}

fn additional_schema(s: &JSONSchemaProps) -> Option<&JSONSchemaProps> {
    match &s.additional_properties {
        Some(JSONSchemaPropsOrBool::Schema(schema)) => Some(schema),
        _ => None,
    }
}

fn show(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
    use serde_json::json;

    use super::breaking_changes;

    fn schema(v: serde_json::Value) -> JSONSchemaProps {
        serde_json::from_value(v).unwrap()
    }

    fn base() -> serde_json::Value {
        json!({"type": "object", "required": ["image"], "properties": {
            "image": {"type": "string", "pattern": "^[a-z]"},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
            "tier": {"type": "string", "enum": ["web", "worker"]},
            "env": {"type": "object", "additionalProperties": {"type": "string"}},
            "ports": {"type": "array", "maxItems": 5, "items": {"type": "object", "properties": {"port": {"type": "integer"}}}}
        }})
    }

    fn changes(new: serde_json::Value) -> Vec<String> {
        breaking_changes("spec", &schema(base()), &schema(new))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn compatible_changes_pass() {
        let mut v = base();
        // Wider bounds, a new optional field, a new enum value, a new required field with a default.
        v["properties"]["replicas"]["maximum"] = json!(20);
        v["properties"]["tier"]["enum"] = json!(["web", "worker", "batch"]);
        v["properties"]["timeout"] = json!({"type": "integer", "default": 30});
        v["required"] = json!(["image", "timeout"]);
        v["properties"]["replicas"]["x-kubernetes-int-or-string"] = json!(true);
        assert_eq!(changes(v), Vec::<String>::new());
    }

    #[test]
    fn each_breaking_change_is_named_with_its_path() {
        let mut v = base();
        v["properties"].as_object_mut().unwrap().remove("tier");
        v["properties"]["replicas"]["maximum"] = json!(5);
        v["properties"]["image"]["type"] = json!("integer");
        v["properties"]["ports"]["items"]["properties"]["port"]["minimum"] = json!(1024);
        v["properties"]["env"]["additionalProperties"] = json!({"type": "string", "maxLength": 10});
        v["properties"]["name"] = json!({"type": "string"});
        v["required"] = json!(["image", "name"]);
        assert_eq!(
            changes(v),
            vec![
                "spec.env[*]: maxLength 10 added",
                "spec.image: type changed from string to integer",
                "spec.ports[*].port: minimum 1024 added",
                "spec.replicas: maximum lowered from 10 to 5",
                "spec.tier: field removed (existing values would be pruned)",
                "spec.name: newly required without a default",
            ]
        );
    }

    #[test]
    fn enums_and_patterns() {
        let mut v = base();
        v["properties"]["tier"]["enum"] = json!(["web"]);
        v["properties"]["image"]["pattern"] = json!("^[a-z]+$");
        assert_eq!(
            changes(v),
            vec![
                "spec.image: pattern changed from ^[a-z] to ^[a-z]+$",
                "spec.tier: enum no longer allows \"worker\""
            ]
        );
    }
}
