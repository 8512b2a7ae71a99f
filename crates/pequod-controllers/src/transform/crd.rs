//! The CustomResourceDefinition of a kind Pequod publishes: its names,
//! scope and printer columns from the Transform (or ActionReconciler), its
//! `spec` schema from the module's `#Spec` (or the reconciler's schema), and
//! a status Pequod writes.

use std::collections::BTreeMap;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionVersion, CustomResourceSubresourceStatus,
    CustomResourceSubresources, CustomResourceValidation, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use pequod_api::{ActionReconciler, PrinterColumn, Scope, Transform};

/// A Transform whose names cannot make a valid CRD.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("spec.{field}: {message}")]
pub struct CrdError {
    /// The Transform field at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// The names, scope and columns of a published kind, and who publishes it.
#[derive(Clone, Debug)]
pub struct KindNames<'a> {
    /// API group.
    pub group: &'a str,
    /// API version.
    pub version: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Plural, when not guessed from the kind.
    pub plural: Option<&'a str>,
    /// Short names for `kubectl`.
    pub short_names: &'a [String],
    /// Scope.
    pub scope: Scope,
    /// Extra printer columns (between `Phase` and `Age`).
    pub printer_columns: &'a [PrinterColumn],
    /// The label naming the publisher, and its value.
    pub publisher: (&'static str, &'a str),
    /// The schema's description of an object of the kind.
    pub description: String,
    /// The status schema's description.
    pub status_description: &'static str,
}

impl<'a> KindNames<'a> {
    /// The kind a Transform publishes.
    pub fn of_transform(transform: &'a Transform) -> Self {
        let spec = &transform.spec;
        Self {
            group: &spec.group,
            version: &spec.version,
            kind: &spec.kind,
            plural: spec.plural.as_deref(),
            short_names: &spec.short_names,
            scope: spec.scope,
            printer_columns: &spec.printer_columns,
            publisher: (
                pequod_api::TRANSFORM_LABEL,
                transform.metadata.name.as_deref().unwrap_or_default(),
            ),
            description: format!(
                "{} instance, rendered by Pequod from its platform module.",
                spec.kind
            ),
            status_description: "Projected by Pequod from the instance's ResourceGraph.",
        }
    }

    /// The kind an ActionReconciler reconciles.
    pub fn of_action_reconciler(reconciler: &'a ActionReconciler) -> Self {
        let spec = &reconciler.spec;
        Self {
            group: &spec.group,
            version: &spec.version,
            kind: &spec.kind,
            plural: spec.plural.as_deref(),
            short_names: &spec.short_names,
            scope: spec.scope,
            printer_columns: &spec.printer_columns,
            publisher: (
                pequod_api::ACTION_RECONCILER_LABEL,
                reconciler.metadata.name.as_deref().unwrap_or_default(),
            ),
            description: format!(
                "{}, reconciled by Pequod through its ActionReconciler's actions.",
                spec.kind
            ),
            status_description: "Written by Pequod: phase, conditions, outputs of the last successful action.",
        }
    }

    /// The plural resource name.
    pub fn plural(&self) -> String {
        self.plural
            .map_or_else(|| pluralize(&self.kind.to_ascii_lowercase()), str::to_owned)
    }
}

/// The CRD for `transform`'s kind, with `spec_schema` as its `spec`.
pub fn generated_crd(
    transform: &Transform,
    spec_schema: JSONSchemaProps,
) -> Result<CustomResourceDefinition, CrdError> {
    kind_crd(&KindNames::of_transform(transform), spec_schema)
}

/// The CRD of a published kind, with `spec_schema` as its `spec`.
pub fn kind_crd(
    names: &KindNames<'_>,
    spec_schema: JSONSchemaProps,
) -> Result<CustomResourceDefinition, CrdError> {
    let fail = |field, message: String| Err(CrdError { field, message });
    if !is_dns_subdomain(names.group) || !names.group.contains('.') {
        return fail(
            "group",
            format!(
                "{:?} must be a DNS subdomain with a dot, e.g. platform.example.com",
                names.group
            ),
        );
    }
    if !is_version(names.version) {
        return fail(
            "version",
            format!("{:?} must look like v1, v1beta2 or v1alpha1", names.version),
        );
    }
    if !names.kind.starts_with(|c: char| c.is_ascii_uppercase())
        || !names.kind.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return fail(
            "kind",
            format!(
                "{:?} must be alphanumeric and start with an upper-case letter",
                names.kind
            ),
        );
    }
    let singular = names.kind.to_ascii_lowercase();
    let plural = names.plural();
    if !is_dns_label(&plural) {
        return fail(
            "plural",
            format!("{plural:?} must be a lower-case DNS label"),
        );
    }
    let requires_spec = spec_schema.required.as_ref().is_some_and(|r| !r.is_empty());
    let schema = JSONSchemaProps {
        type_: Some("object".into()),
        description: Some(names.description.clone()),
        required: requires_spec.then(|| vec!["spec".to_owned()]),
        properties: Some(BTreeMap::from([
            (
                "spec".to_owned(),
                JSONSchemaProps {
                    type_: Some("object".into()),
                    ..spec_schema
                },
            ),
            (
                "status".to_owned(),
                JSONSchemaProps {
                    type_: Some("object".into()),
                    description: Some(names.status_description.into()),
                    x_kubernetes_preserve_unknown_fields: Some(true),
                    ..JSONSchemaProps::default()
                },
            ),
        ])),
        ..JSONSchemaProps::default()
    };
    let column = |name: &str, type_: &str, json_path: &str, priority: Option<i32>| {
        CustomResourceColumnDefinition {
            name: name.into(),
            type_: type_.into(),
            json_path: json_path.into(),
            priority,
            ..CustomResourceColumnDefinition::default()
        }
    };
    let mut columns = vec![
        column(
            "Ready",
            "string",
            ".status.conditions[?(@.type==\"Ready\")].status",
            None,
        ),
        column("Phase", "string", ".status.phase", None),
    ];
    columns.extend(
        names
            .printer_columns
            .iter()
            .map(|c| CustomResourceColumnDefinition {
                description: c.description.clone(),
                ..column(&c.name, &c.type_, &c.json_path, c.priority)
            }),
    );
    columns.push(column("Age", "date", ".metadata.creationTimestamp", None));

    Ok(CustomResourceDefinition {
        metadata: ObjectMeta {
            name: Some(format!("{plural}.{}", names.group)),
            labels: Some(BTreeMap::from([(
                names.publisher.0.to_owned(),
                names.publisher.1.to_owned(),
            )])),
            ..ObjectMeta::default()
        },
        spec: CustomResourceDefinitionSpec {
            group: names.group.to_owned(),
            names: CustomResourceDefinitionNames {
                kind: names.kind.to_owned(),
                list_kind: Some(format!("{}List", names.kind)),
                plural,
                singular: Some(singular),
                short_names: (!names.short_names.is_empty()).then(|| names.short_names.to_vec()),
                categories: Some(vec!["pequod".into()]),
            },
            scope: match names.scope {
                Scope::Namespaced => "Namespaced".into(),
                Scope::Cluster => "Cluster".into(),
            },
            versions: vec![CustomResourceDefinitionVersion {
                name: names.version.to_owned(),
                served: true,
                storage: true,
                schema: Some(CustomResourceValidation {
                    open_api_v3_schema: Some(schema),
                }),
                subresources: Some(CustomResourceSubresources {
                    // The status subresource is switched on by an empty object (its
                    // Default, JSON null, would leave it off).
                    status: Some(CustomResourceSubresourceStatus(serde_json::json!({}))),
                    scale: None,
                }),
                additional_printer_columns: Some(columns),
                ..CustomResourceDefinitionVersion::default()
            }],
            ..CustomResourceDefinitionSpec::default()
        },
        status: None,
    })
}

/// English plurals of a lower-case kind, the way Kubernetes tools guess them.
pub fn pluralize(singular: &str) -> String {
    let consonant_y = singular.ends_with('y')
        && !singular.ends_with("ay")
        && !singular.ends_with("ey")
        && !singular.ends_with("oy")
        && !singular.ends_with("uy");
    if consonant_y {
        format!("{}ies", &singular[..singular.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| singular.ends_with(e))
    {
        format!("{singular}es")
    } else {
        format!("{singular}s")
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (major, tail) = rest.split_at(digits);
    let positive =
        |n: &str| !n.is_empty() && !n.starts_with('0') && n.chars().all(|c| c.is_ascii_digit());
    positive(major)
        && (tail.is_empty()
            || tail
                .strip_prefix("alpha")
                .or_else(|| tail.strip_prefix("beta"))
                .is_some_and(positive))
}

#[cfg(test)]
mod tests {
    use pequod_api::Transform;
    use serde_json::json;

    use super::{generated_crd, is_version, pluralize};

    fn transform(spec: serde_json::Value) -> Transform {
        serde_json::from_value(
            json!({"apiVersion": "pequod.io/v1alpha1", "kind": "Transform",
            "metadata": {"name": "webservice"}, "spec": spec}),
        )
        .unwrap()
    }

    #[test]
    fn names_and_versions() {
        assert_eq!(pluralize("webservice"), "webservices");
        assert_eq!(pluralize("policy"), "policies");
        assert_eq!(pluralize("gateway"), "gateways");
        assert_eq!(pluralize("databaseclass"), "databaseclasses");
        for ok in ["v1", "v1alpha1", "v2beta3", "v10"] {
            assert!(is_version(ok), "{ok}");
        }
        for bad in ["1", "v0", "v1alpha", "v1gamma1", "v01", "V1"] {
            assert!(!is_version(bad), "{bad}");
        }
    }

    #[test]
    fn crd_from_transform() {
        let t = transform(
            json!({"cueRef": {"type": "Embedded", "ref": "webservice"}, "group": "platform.pequod.io",
            "version": "v1alpha1", "kind": "WebService", "shortNames": ["ws"],
            "printerColumns": [{"name": "Image", "type": "string", "jsonPath": ".spec.image"}]}),
        );
        let schema = serde_json::from_value(
            json!({"required": ["image"], "properties": {"image": {"type": "string"}}}),
        )
        .unwrap();
        let crd = generated_crd(&t, schema).unwrap();
        assert_eq!(
            crd.metadata.name.as_deref(),
            Some("webservices.platform.pequod.io")
        );
        assert_eq!(crd.spec.names.short_names, Some(vec!["ws".to_owned()]));
        let version = &crd.spec.versions[0];
        let columns: Vec<&str> = version
            .additional_printer_columns
            .iter()
            .flatten()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(columns, ["Ready", "Phase", "Image", "Age"]);
        let root = version
            .schema
            .as_ref()
            .unwrap()
            .open_api_v3_schema
            .as_ref()
            .unwrap();
        assert_eq!(root.required, Some(vec!["spec".to_owned()]));
        assert_eq!(
            crd.metadata.labels.unwrap()["pequod.io/transform"],
            "webservice"
        );
    }

    #[test]
    fn bad_names_are_refused_with_the_field() {
        let base = json!({"cueRef": {"type": "Inline", "inline": ""}, "group": "platform.pequod.io", "version": "v1", "kind": "App"});
        for (field, value) in [
            ("group", "nodots"),
            ("version", "one"),
            ("kind", "app"),
            ("plural", "Apps"),
        ] {
            let mut spec = base.clone();
            spec[field] = json!(value);
            let err = generated_crd(&transform(spec), Default::default()).unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
    }
}
