//! Field selectors: `a=b`, `a==b`, `a!=b`, joined by commas, over the few
//! fields each kind makes selectable.

use serde_json::Value;

use super::selectable::{field_value, supported_fields, unsupported_message};

/// A field selector that could not be parsed or names an unsupported field;
/// the message is the one kube-apiserver returns with its 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FieldSelectorError(String);

/// One `field=value` or `field!=value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTerm {
    /// The field path, e.g. `spec.nodeName`.
    pub field: String,
    /// The (unescaped) value.
    pub value: String,
    /// Whether the term is `!=`.
    pub negated: bool,
}

/// A parsed field selector: every term must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

impl FieldSelector {
    /// Parses `s`, rejecting any field not in `supported` with
    /// `field label not supported: <field>` (the wording of custom resources
    /// and of most built-in kinds).
    pub fn parse(s: &str, supported: &[&str]) -> Result<Self, FieldSelectorError> {
        Self::parse_with(s, supported, |field| {
            format!("field label not supported: {field}")
        })
    }

    /// Parses `s` for a built-in kind: its [`supported_fields`] and the
    /// rejection kube-apiserver words for that kind.
    pub fn parse_for_kind(s: &str, group: &str, kind: &str) -> Result<Self, FieldSelectorError> {
        Self::parse_with(s, supported_fields(group, kind), |field| {
            unsupported_message(group, kind, field)
        })
    }

    fn parse_with(
        s: &str,
        supported: &[&str],
        unsupported: impl Fn(&str) -> String,
    ) -> Result<Self, FieldSelectorError> {
        let mut parts = split_terms(s);
        parts.sort();
        let mut terms = Vec::new();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let (field, op, raw) = split_term(&part).ok_or_else(|| {
                FieldSelectorError(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ))
            })?;
            let value = unescape(raw)?;
            terms.push(FieldTerm {
                field: field.to_string(),
                value,
                negated: op == "!=",
            });
        }
        match terms
            .iter()
            .find(|t| !supported.contains(&t.field.as_str()))
        {
            Some(term) => Err(FieldSelectorError(unsupported(&term.field))),
            None => Ok(Self { terms }),
        }
    }

    /// The terms, sorted as kube-apiserver sorts them.
    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    /// Whether the selector places no restriction.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether `obj` satisfies every term, reading each field from the object
    /// as the kind's field-label conversion would.
    pub fn matches(&self, obj: &Value) -> bool {
        self.terms
            .iter()
            .all(|t| (field_value(obj, &t.field) == t.value) != t.negated)
    }
}

/// Splits on commas that are not escaped with a backslash.
fn split_terms(s: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == ',' {
            terms.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    terms.push(current);
    terms
}

/// Finds the first unescaped operator, trying `!=`, `==` then `=` at each position.
fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    let bytes = term.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        for op in ["!=", "==", "="] {
            if term[i..].starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
        i += 1;
    }
    None
}

fn unescape(raw: &str) -> Result<String, FieldSelectorError> {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('\\' | ',' | '=')) => out.push(e),
                other => {
                    let seq = other.map_or_else(|| "\\".to_string(), |o| format!("\\{o}"));
                    return Err(FieldSelectorError(format!(
                        "invalid field selector: invalid escape sequence: {seq}"
                    )));
                }
            },
            ',' | '=' => {
                return Err(FieldSelectorError(format!(
                    "invalid field selector: unescaped character in value: {}",
                    // Go formats the rune with %v: its code point.
                    u32::from(c)
                )));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::{crd_supported_fields, supported_fields};
    use serde_json::json;

    const META: &[&str] = &["metadata.name", "metadata.namespace"];

    fn pod() -> Value {
        json!({
            "metadata": {"name": "web-0", "namespace": "prod"},
            "spec": {"nodeName": "node-a", "restartPolicy": "Always"},
            "status": {"phase": "Running", "podIP": "10.0.0.7"}
        })
    }

    fn pod_selector(s: &str) -> FieldSelector {
        FieldSelector::parse(s, supported_fields("", "Pod")).unwrap()
    }

    #[test]
    fn equality_terms_match_pod_fields() {
        assert!(pod_selector("metadata.name=web-0").matches(&pod()));
        assert!(pod_selector("metadata.name==web-0,status.phase=Running").matches(&pod()));
        assert!(!pod_selector("spec.nodeName!=node-a").matches(&pod()));
        assert!(pod_selector("status.nominatedNodeName=").matches(&pod()));
        // `kubectl get pods --field-selector spec.nodeName=` lists unscheduled pods.
        assert!(!pod_selector("spec.nodeName=").matches(&pod()));
        assert!(pod_selector("").matches(&pod()));
        assert!(pod_selector("spec.hostNetwork=false").matches(&pod()));
    }

    #[test]
    fn unsupported_fields_are_rejected_like_kube_apiserver() {
        let err = FieldSelector::parse("spec.foo=bar", supported_fields("", "Pod")).unwrap_err();
        assert_eq!(err.to_string(), "field label not supported: spec.foo");
        let err =
            FieldSelector::parse("spec.nodeName=x", supported_fields("", "ConfigMap")).unwrap_err();
        assert_eq!(err.to_string(), "field label not supported: spec.nodeName");
        assert!(
            FieldSelector::parse("metadata.namespace=x", supported_fields("", "ConfigMap")).is_ok()
        );
    }

    #[test]
    fn syntax_errors() {
        let err = FieldSelector::parse("metadata.name", META).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'"
        );
        let err = FieldSelector::parse("metadata.name=a=b", META).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid field selector: unescaped character in value: 61"
        );
        let err = FieldSelector::parse("metadata.name=a\\b", META).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid field selector: invalid escape sequence: \\b"
        );
    }

    #[test]
    fn escaped_values() {
        let s = FieldSelector::parse("metadata.name=a\\,b\\=c", META).unwrap();
        assert_eq!(s.terms()[0].value, "a,b=c");
        assert!(s.matches(&json!({"metadata": {"name": "a,b=c"}})));
    }

    #[test]
    fn event_fields() {
        let event = json!({
            "metadata": {"name": "e1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web-0", "uid": "u1"},
            "reason": "Scheduled", "type": "Normal",
            "source": {"component": "default-scheduler"}
        });
        let s = FieldSelector::parse(
            "involvedObject.kind=Pod,involvedObject.name=web-0,source=default-scheduler,type=Normal",
            supported_fields("", "Event"),
        )
        .unwrap();
        assert!(s.matches(&event));
        let s = FieldSelector::parse(
            "regarding.name=web-0",
            supported_fields("events.k8s.io", "Event"),
        )
        .unwrap();
        assert!(s.matches(&json!({"regarding": {"name": "web-0"}})));
    }

    #[test]
    fn non_pointer_fields_have_zero_values() {
        let node = json!({"metadata": {"name": "n"}, "spec": {}});
        let s =
            FieldSelector::parse("spec.unschedulable=false", supported_fields("", "Node")).unwrap();
        assert!(s.matches(&node));
        // Cluster-scoped kinds with their own conversion reject metadata.namespace.
        let err =
            FieldSelector::parse("metadata.namespace=x", supported_fields("", "Node")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field label not supported: metadata.namespace"
        );
        assert!(
            FieldSelector::parse("metadata.namespace=", supported_fields("", "Namespace")).is_err()
        );
        // The legacy spec.host label reads spec.nodeName.
        let s = FieldSelector::parse("spec.host=node-a", supported_fields("", "Pod")).unwrap();
        assert!(s.matches(&json!({"spec": {"nodeName": "node-a"}})));
        let s = FieldSelector::parse("spec.type=LoadBalancer", supported_fields("", "Service"))
            .unwrap();
        assert!(s.matches(&json!({"spec": {"type": "LoadBalancer"}})));
        let job = json!({"metadata": {"name": "j"}, "status": {"succeeded": 1}});
        let s =
            FieldSelector::parse("status.successful=1", supported_fields("batch", "Job")).unwrap();
        assert!(s.matches(&job));
        let s = FieldSelector::parse(
            "status.replicas=0",
            supported_fields("", "ReplicationController"),
        )
        .unwrap();
        assert!(s.matches(&json!({"metadata": {"name": "rc"}})));
        // apps/v1 ReplicaSets have no field-label conversion of their own.
        assert!(FieldSelector::parse_for_kind("status.replicas=0", "apps", "ReplicaSet").is_err());
    }

    #[test]
    fn crd_selectable_fields() {
        let fields = crd_supported_fields(&json!([{"jsonPath": ".spec.color"}]), true);
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        let s = FieldSelector::parse("spec.color=blue", &refs).unwrap();
        assert!(s.matches(&json!({"spec": {"color": "blue"}})));
        assert!(FieldSelector::parse("spec.size=1", &refs).is_err());
    }

    #[test]
    fn rejections_are_worded_per_kind() {
        let err = |s: &str, g: &str, k: &str| {
            FieldSelector::parse_for_kind(s, g, k)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("spec.foo=x", "batch", "Job"),
            "field label \"spec.foo\" not supported for Job"
        );
        assert_eq!(
            err("spec.x=y", "apps", "Deployment"),
            "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        assert_eq!(
            err("source=x", "events.k8s.io", "Event"),
            "field label not supported: source"
        );
        // A cluster-scoped custom resource has no metadata.namespace.
        let fields = crd_supported_fields(&Value::Null, false);
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        let e = FieldSelector::parse("metadata.namespace=", &refs).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field label not supported: metadata.namespace"
        );
    }

    /// `testdata/field_matches.json`: objects kube-apiserver v1.37 stored and,
    /// per selector, the names it listed (or its error).
    #[test]
    fn matches_kube_apiserver_listings() {
        let fixture: Value =
            serde_json::from_str(include_str!("testdata/field_matches.json")).unwrap();
        for kind in fixture.as_array().unwrap() {
            let (group, name) = (
                kind["group"].as_str().unwrap(),
                kind["kind"].as_str().unwrap(),
            );
            for case in kind["cases"].as_array().unwrap() {
                let text = case["selector"].as_str().unwrap();
                match FieldSelector::parse_for_kind(text, group, name) {
                    Ok(selector) => {
                        let got: Vec<&Value> = kind["objects"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|o| selector.matches(o))
                            .map(|o| &o["metadata"]["name"])
                            .collect();
                        let want: Vec<&Value> = case["matches"]
                            .as_array()
                            .unwrap_or_else(|| panic!("{name} {text:?}: {}", case["error"]))
                            .iter()
                            .collect();
                        assert_eq!(got, want, "{name} {text:?}");
                    }
                    Err(e) => assert_eq!(
                        Some(e.to_string().as_str()),
                        case["error"].as_str(),
                        "{name} {text:?}"
                    ),
                }
            }
        }
    }
}
