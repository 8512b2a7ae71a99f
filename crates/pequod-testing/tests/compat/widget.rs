//! `Widget`: the custom resource most CRD tests use, with a structural
//! schema (validation, defaults, a preserve-unknown-fields subtree, a
//! list-map), status and scale subresources and printer columns, served
//! as `v1` (storage) and `v2` in a group of the test's own.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ApiResource, DeleteParams, DynamicObject, GroupVersionKind};
use kube::{Api, Client};
use serde_json::{Value, json};

use crate::Ctx;

/// A `Widget` CRD installed for one test.
pub(crate) struct Widgets {
    pub(crate) group: String,
    pub(crate) client: Client,
}

impl Widgets {
    /// Installs the CRD in a fresh group and waits until it is Established.
    pub(crate) async fn install(ctx: &Ctx) -> Self {
        let group = crate::unique_group();
        let crd: CustomResourceDefinition = serde_json::from_value(crd(&group)).unwrap();
        ctx.cluster.apply_crds(&ctx.client, &[crd]).await.unwrap();
        Self {
            group,
            client: ctx.client.clone(),
        }
    }

    /// The CRD's name.
    pub(crate) fn crd_name(&self) -> String {
        format!("widgets.{}", self.group)
    }

    /// `Widget` at `version`.
    pub(crate) fn resource(&self, version: &str) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(&self.group, version, "Widget"),
            "widgets",
        )
    }

    /// Widgets (`v1`) in `namespace`.
    pub(crate) fn api(&self, namespace: &str) -> Api<DynamicObject> {
        self.api_at("v1", namespace)
    }

    /// Widgets at `version` in `namespace`.
    pub(crate) fn api_at(&self, version: &str, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), namespace, &self.resource(version))
    }

    /// A `v1` Widget manifest named `name` with `spec`.
    pub(crate) fn manifest(&self, name: &str, spec: Value) -> Value {
        json!({
            "apiVersion": format!("{}/v1", self.group),
            "kind": "Widget",
            "metadata": {"name": name},
            "spec": spec,
        })
    }

    /// A `v1` Widget object, for typed creates.
    pub(crate) fn object(&self, name: &str, spec: Value) -> DynamicObject {
        serde_json::from_value(self.manifest(name, spec)).unwrap()
    }

    /// Removes the CRD (and with it every Widget).
    pub(crate) async fn uninstall(self) {
        let crds: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        crds.delete(&self.crd_name(), &DeleteParams::default())
            .await
            .unwrap();
    }
}

/// The short name of the Widgets of `group`: unique like the group, since
/// kubectl resolves a short name across every group it discovers.
/// A category of this group's own: tests running at once install and delete
/// Widgets of other groups, which a shared category would drag in.
pub(crate) fn category(group: &str) -> String {
    format!("compat{}", short_name(group))
}

pub(crate) fn short_name(group: &str) -> String {
    let id = group
        .split('.')
        .next()
        .unwrap_or(group)
        .trim_start_matches("g-");
    format!("wdg-{id}")
}

/// The CRD manifest for `group`.
pub(crate) fn crd(group: &str) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "plural": "widgets", "singular": "widget", "kind": "Widget",
                "listKind": "WidgetList", "shortNames": [short_name(group)], "categories": [category(group)]
            },
            "versions": [version("v1", true), version("v2", false)]
        }
    })
}

fn version(name: &str, storage: bool) -> Value {
    json!({
        "name": name,
        "served": true,
        "storage": storage,
        "subresources": {
            "status": {},
            "scale": {
                "specReplicasPath": ".spec.replicas",
                "statusReplicasPath": ".status.replicas",
                "labelSelectorPath": ".status.selector"
            }
        },
        "additionalPrinterColumns": [
            {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
            {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
        ],
        "schema": {"openAPIV3Schema": {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "required": ["size"],
                    "properties": {
                        "size": {"type": "integer", "minimum": 1, "maximum": 10},
                        "color": {"type": "string", "default": "blue", "enum": ["blue", "red", "green"]},
                        "replicas": {"type": "integer"},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "parts": {
                            "type": "array",
                            "x-kubernetes-list-type": "map",
                            "x-kubernetes-list-map-keys": ["name"],
                            "items": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "count": {"type": "integer"}
                                }
                            }
                        },
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                },
                "status": {
                    "type": "object",
                    "properties": {
                        "replicas": {"type": "integer"},
                        "selector": {"type": "string"},
                        "phase": {"type": "string"},
                        "conditions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "type": {"type": "string"},
                                    "status": {"type": "string"},
                                    "reason": {"type": "string"},
                                    "message": {"type": "string"},
                                    "lastTransitionTime": {"type": "string", "format": "date-time"}
                                }
                            }
                        }
                    }
                }
            }
        }}
    })
}
