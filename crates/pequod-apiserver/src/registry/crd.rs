//! A CustomResourceDefinition's served resources, and the checks
//! kube-apiserver makes before accepting one.

use serde_json::Value;

use super::{NameRule, Resource, Scale};
use crate::api::error::FieldCause;

/// A CRD that cannot be served, with the field causes of the 422.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid CustomResourceDefinition")]
pub struct CrdError(pub Vec<FieldCause>);

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn required(field: &str) -> FieldCause {
    FieldCause {
        reason: "FieldValueRequired",
        field: field.to_owned(),
        message: "Required value".to_owned(),
    }
}

fn invalid(field: &str, value: &str, why: &str) -> FieldCause {
    FieldCause {
        reason: "FieldValueInvalid",
        field: field.to_owned(),
        message: format!("Invalid value: \"{value}\": {why}"),
    }
}

/// The resources CRD `crd` serves (one per served version), after checking
/// what kube-apiserver checks of its names and versions.
pub fn crd_resources(crd: &Value) -> Result<Vec<Resource>, CrdError> {
    let mut causes = Vec::new();
    let name = s(crd, &["metadata", "name"]).unwrap_or_default();
    let group = s(crd, &["spec", "group"]).unwrap_or_default();
    let plural = s(crd, &["spec", "names", "plural"]).unwrap_or_default();
    let kind = s(crd, &["spec", "names", "kind"]).unwrap_or_default();
    let scope = s(crd, &["spec", "scope"]).unwrap_or_default();
    if group.is_empty() {
        causes.push(required("spec.group"));
    } else if !group.contains('.') {
        causes.push(invalid(
            "spec.group",
            group,
            "should be a domain with at least one dot",
        ));
    }
    if plural.is_empty() {
        causes.push(required("spec.names.plural"));
    }
    if kind.is_empty() {
        causes.push(required("spec.names.kind"));
    }
    if !plural.is_empty() && !group.is_empty() && name != format!("{plural}.{group}") {
        causes.push(invalid(
            "metadata.name",
            name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    if scope != "Namespaced" && scope != "Cluster" {
        causes.push(FieldCause {
            reason: "FieldValueNotSupported",
            field: "spec.scope".to_owned(),
            message: format!(
                "Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\""
            ),
        });
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        causes.push(FieldCause {
            reason: "FieldValueInvalid",
            field: "spec.versions".to_owned(),
            message:
                "Invalid value: \"null\": must have exactly one version marked as storage version"
                    .to_owned(),
        });
    } else if versions
        .iter()
        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .count()
        != 1
    {
        causes.push(FieldCause {
            reason: "FieldValueInvalid",
            field: "spec.versions".to_owned(),
            message: "Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version".to_owned(),
        });
    }
    if !causes.is_empty() {
        return Err(CrdError(causes));
    }
    let names = &crd["spec"]["names"];
    let singular = s(names, &["singular"])
        .map(str::to_owned)
        .unwrap_or_else(|| kind.to_lowercase());
    let mut out = Vec::new();
    for v in &versions {
        if v.get("served").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let scale = v.pointer("/subresources/scale").map(|sc| Scale {
            spec_replicas: s(sc, &["specReplicasPath"])
                .unwrap_or(".spec.replicas")
                .to_owned(),
            status_replicas: s(sc, &["statusReplicasPath"])
                .unwrap_or(".status.replicas")
                .to_owned(),
            label_selector: s(sc, &["labelSelectorPath"]).map(str::to_owned),
        });
        out.push(Resource {
            group: group.to_owned(),
            version: s(v, &["name"]).unwrap_or_default().to_owned(),
            plural: plural.to_owned(),
            singular: singular.clone(),
            kind: kind.to_owned(),
            namespaced: scope == "Namespaced",
            short_names: strings(names.get("shortNames")),
            categories: strings(names.get("categories")),
            status: v.pointer("/subresources/status").is_some(),
            scale,
            generation: true,
            names: NameRule::PathSegment,
            crd_schema: Some(
                v.pointer("/schema/openAPIV3Schema")
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})),
            ),
            printer_columns: Some(
                v.get("additionalPrinterColumns")
                    .cloned()
                    .unwrap_or_else(|| Value::Array(Vec::new())),
            ),
            selectable_fields: v
                .get("selectableFields")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|f| s(f, &["jsonPath"]))
                        .map(|p| p.trim_start_matches('.').to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            preferred: v.get("storage").and_then(Value::as_bool) == Some(true),
        });
    }
    Ok(out)
}
