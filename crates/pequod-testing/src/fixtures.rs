//! Kinds tests make up: a namespaced custom resource with a status
//! subresource and no schema, whose readiness a test sets by patching its
//! status as its (absent) controller would.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionSpec,
    CustomResourceDefinitionVersion, CustomResourceSubresourceStatus, CustomResourceSubresources,
    CustomResourceValidation, JSONSchemaProps,
};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ObjectMeta};
use kube::{Api, Client};

/// A namespaced CRD for `kind` (`plural`) in `group`, version `v1`, that
/// accepts any fields and has a status subresource.
pub fn schemaless_crd(group: &str, kind: &str, plural: &str) -> CustomResourceDefinition {
    CustomResourceDefinition {
        metadata: ObjectMeta {
            name: Some(format!("{plural}.{group}")),
            ..ObjectMeta::default()
        },
        spec: CustomResourceDefinitionSpec {
            group: group.to_owned(),
            scope: "Namespaced".to_owned(),
            names: CustomResourceDefinitionNames {
                kind: kind.to_owned(),
                plural: plural.to_owned(),
                singular: Some(kind.to_ascii_lowercase()),
                ..CustomResourceDefinitionNames::default()
            },
            versions: vec![CustomResourceDefinitionVersion {
                name: "v1".to_owned(),
                served: true,
                storage: true,
                subresources: Some(CustomResourceSubresources {
                    // The status subresource is switched on by an empty object (its
                    // Default, JSON null, would leave it off).
                    status: Some(CustomResourceSubresourceStatus(serde_json::json!({}))),
                    scale: None,
                }),
                schema: Some(CustomResourceValidation {
                    open_api_v3_schema: Some(JSONSchemaProps {
                        type_: Some("object".to_owned()),
                        x_kubernetes_preserve_unknown_fields: Some(true),
                        ..JSONSchemaProps::default()
                    }),
                }),
                ..CustomResourceDefinitionVersion::default()
            }],
            ..CustomResourceDefinitionSpec::default()
        },
        status: None,
    }
}

/// An API for objects of a [`schemaless_crd`] kind in `namespace`.
pub fn schemaless_api(
    client: &Client,
    namespace: &str,
    group: &str,
    kind: &str,
    plural: &str,
) -> Api<DynamicObject> {
    let resource =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural);
    Api::namespaced_with(client.clone(), namespace, &resource)
}
