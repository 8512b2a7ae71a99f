//! Schemas of the built-in kinds Pequod serves, from k8s-openapi's
//! `schemars` implementations, computed once.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use k8s_openapi::api::{
    admissionregistration, apps, autoscaling, batch, coordination, core, discovery, events,
    networking, policy, rbac,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::schemars::generate::{SchemaGenerator, SchemaSettings};
use k8s_openapi::{NamespaceResourceScope, Resource};
use serde_json::{Map, Value};

use super::Schema;
use super::convert::Converter;

/// The OpenAPI definition name of `ObjectMeta`.
pub const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// A built-in kind and where its schema lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinKind {
    /// API group (`""` for core).
    pub group: &'static str,
    /// API version.
    pub version: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Resource (plural) name.
    pub plural: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Definition name, e.g. `io.k8s.api.apps.v1.Deployment`.
    pub definition: String,
}

/// `(definition, property, default)` of list-map keys with a default.
const KEY_DEFAULTS: &[(&str, &str, &str)] = &[
    ("io.k8s.api.core.v1.ContainerPort", "protocol", "TCP"),
    ("io.k8s.api.core.v1.ServicePort", "protocol", "TCP"),
    ("io.k8s.api.core.v1.EndpointPort", "protocol", "TCP"),
    ("io.k8s.api.discovery.v1.EndpointPort", "protocol", "TCP"),
];

struct Builtins {
    definitions: Map<String, Value>,
    kinds: Vec<BuiltinKind>,
    schemas: HashMap<(&'static str, &'static str, &'static str), Arc<Schema>>,
    object_meta: Arc<Schema>,
}

fn register<T: JsonSchema + Resource + 'static>(
    generator: &mut SchemaGenerator,
    out: &mut Vec<BuiltinKind>,
) {
    let reference = generator.subschema_for::<T>();
    let definition = reference
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or_default()
        .to_owned();
    out.push(BuiltinKind {
        group: T::GROUP,
        version: T::VERSION,
        kind: T::KIND,
        plural: T::URL_PATH_SEGMENT,
        namespaced: TypeId::of::<T::Scope>() == TypeId::of::<NamespaceResourceScope>(),
        definition,
    });
}

fn builtins() -> &'static Builtins {
    static CELL: OnceLock<Builtins> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut settings = SchemaSettings::draft07();
        // Keep `$ref` siblings (descriptions) as kube-apiserver's OpenAPI does.
        settings.transforms.clear();
        let mut generator = SchemaGenerator::new(settings);
        let mut kinds = Vec::new();
        let g = &mut generator;
        let k = &mut kinds;
        register::<core::v1::Namespace>(g, k);
        register::<core::v1::ConfigMap>(g, k);
        register::<core::v1::Secret>(g, k);
        register::<core::v1::ServiceAccount>(g, k);
        register::<core::v1::Service>(g, k);
        register::<core::v1::Event>(g, k);
        register::<core::v1::Pod>(g, k);
        register::<core::v1::PersistentVolumeClaim>(g, k);
        register::<core::v1::ResourceQuota>(g, k);
        register::<core::v1::LimitRange>(g, k);
        register::<core::v1::Node>(g, k);
        register::<core::v1::Endpoints>(g, k);
        register::<apps::v1::Deployment>(g, k);
        register::<apps::v1::StatefulSet>(g, k);
        register::<apps::v1::DaemonSet>(g, k);
        register::<apps::v1::ReplicaSet>(g, k);
        register::<batch::v1::Job>(g, k);
        register::<batch::v1::CronJob>(g, k);
        register::<networking::v1::Ingress>(g, k);
        register::<networking::v1::NetworkPolicy>(g, k);
        register::<autoscaling::v2::HorizontalPodAutoscaler>(g, k);
        register::<policy::v1::PodDisruptionBudget>(g, k);
        register::<rbac::v1::Role>(g, k);
        register::<rbac::v1::RoleBinding>(g, k);
        register::<rbac::v1::ClusterRole>(g, k);
        register::<rbac::v1::ClusterRoleBinding>(g, k);
        register::<coordination::v1::Lease>(g, k);
        register::<events::v1::Event>(g, k);
        register::<apiextensions::v1::CustomResourceDefinition>(g, k);
        register::<admissionregistration::v1::ValidatingWebhookConfiguration>(g, k);
        register::<admissionregistration::v1::MutatingWebhookConfiguration>(g, k);
        register::<discovery::v1::EndpointSlice>(g, k);
        generator.subschema_for::<ObjectMeta>();
        let mut definitions = generator.take_definitions(false);
        // k8s-openapi marks non-optional Rust fields (metadata, spec) required;
        // kube-apiserver's schemas for kinds require nothing.
        for kind in &kinds {
            if let Some(Value::Object(def)) = definitions.get_mut(&kind.definition) {
                def.remove("required");
            }
        }
        // Defaults kube-apiserver's OpenAPI declares on list-map keys, which
        // server-side apply needs to identify items that omit them.
        for (definition, property, default) in KEY_DEFAULTS {
            if let Some(prop) = definitions
                .get_mut(*definition)
                .and_then(|d| d.get_mut("properties"))
                .and_then(|p| p.get_mut(*property))
                .and_then(Value::as_object_mut)
            {
                prop.insert("default".into(), Value::String((*default).to_owned()));
            }
        }
        let mut converter = Converter::builtin(&definitions);
        let mut schemas = HashMap::new();
        for kind in &kinds {
            let schema = converter.definition(&kind.definition);
            schemas.insert((kind.group, kind.version, kind.kind), schema);
        }
        let object_meta = converter.definition(OBJECT_META);
        drop(converter);
        Builtins {
            definitions,
            kinds,
            schemas,
            object_meta,
        }
    })
}

/// The schema of a built-in kind, or `None` if Pequod does not serve it.
pub fn builtin_schema(group: &str, version: &str, kind: &str) -> Option<Arc<Schema>> {
    builtins()
        .schemas
        .iter()
        .find(|((g, v, k), _)| *g == group && *v == version && *k == kind)
        .map(|(_, s)| s.clone())
}

/// The built-in kinds Pequod serves.
pub fn builtin_kinds() -> &'static [BuiltinKind] {
    &builtins().kinds
}

/// The built-in kind `group/version/kind`, if served.
pub fn builtin_kind(group: &str, version: &str, kind: &str) -> Option<&'static BuiltinKind> {
    builtin_kinds()
        .iter()
        .find(|k| k.group == group && k.version == version && k.kind == kind)
}

/// Every OpenAPI definition the built-in kinds use, keyed like kube-apiserver
/// (`io.k8s.api.apps.v1.Deployment`), with `$ref`s to `#/definitions/…`.
pub fn builtin_definitions() -> &'static Map<String, Value> {
    &builtins().definitions
}

/// The schema of `ObjectMeta`.
pub fn object_meta_schema() -> Arc<Schema> {
    builtins().object_meta.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ListType, MapType, Type};

    fn at(schema: &Arc<Schema>, path: &[&str]) -> Arc<Schema> {
        let mut s = schema.clone();
        for p in path {
            s = if *p == "[]" {
                s.items().unwrap()
            } else {
                s.field(p).unwrap_or_else(|| panic!("no field {p}"))
            };
        }
        s
    }

    #[test]
    fn every_listed_kind_has_a_schema() {
        assert_eq!(builtin_kinds().len(), 32);
        for k in builtin_kinds() {
            let s = builtin_schema(k.group, k.version, k.kind).unwrap();
            assert!(matches!(s.ty, Type::Object { .. }), "{}", k.kind);
            assert!(s.field("metadata").is_some(), "{}", k.kind);
        }
        let dep = builtin_kind("apps", "v1", "Deployment").unwrap();
        assert_eq!(dep.plural, "deployments");
        assert!(dep.namespaced);
        assert!(!builtin_kind("", "v1", "Namespace").unwrap().namespaced);
        assert!(builtin_schema("apps", "v1", "Nope").is_none());
    }

    #[test]
    fn deployment_has_list_types_and_special_types() {
        let d = builtin_schema("apps", "v1", "Deployment").unwrap();
        let pod = at(&d, &["spec", "template", "spec"]);
        assert_eq!(
            at(&pod, &["containers"]).list_type(),
            ListType::Map(vec!["name".into()])
        );
        assert_eq!(
            at(&pod, &["containers", "[]", "ports"]).list_type(),
            ListType::Map(vec!["containerPort".into(), "protocol".into()])
        );
        assert_eq!(
            at(&pod, &["containers", "[]", "env"]).list_type(),
            ListType::Map(vec!["name".into()])
        );
        assert_eq!(at(&pod, &["tolerations"]).list_type(), ListType::Atomic);
        assert_eq!(at(&pod, &["nodeSelector"]).map_type(), MapType::Atomic);
        assert_eq!(at(&d, &["spec", "selector"]).map_type(), MapType::Atomic);
        assert_eq!(
            at(&d, &["metadata", "finalizers"]).list_type(),
            ListType::Set
        );
        assert_eq!(
            at(&d, &["metadata", "ownerReferences"]).list_type(),
            ListType::Map(vec!["uid".into()])
        );
        assert_eq!(
            at(&d, &["status", "conditions"]).list_type(),
            ListType::Map(vec!["type".into()])
        );
        assert_eq!(
            at(&d, &["spec", "strategy", "rollingUpdate", "maxSurge"]).ty,
            Type::IntOrString
        );
        assert_eq!(
            at(&pod, &["containers", "[]", "resources", "limits", "cpu"]).ty,
            Type::IntOrString
        );
        assert_eq!(
            at(&d, &["metadata", "creationTimestamp"]).ty,
            Type::String {
                format: Some("date-time".into())
            }
        );
        assert_eq!(
            at(&d, &["metadata", "managedFields", "[]", "fieldsV1"]).ty,
            Type::Any
        );
        assert_eq!(at(&d, &["spec", "replicas"]).ty, Type::Integer);
        // The kind itself requires nothing (k8s-openapi says metadata and spec).
        let Type::Object { required, .. } = &d.ty else {
            panic!()
        };
        assert!(required.is_empty());
        assert!(
            at(&d, &["spec", "replicas"])
                .description
                .as_deref()
                .unwrap()
                .contains("Defaults to 1")
        );
    }

    #[test]
    fn list_type_table_names_real_properties() {
        let defs = builtin_definitions();
        let table = include_str!("list_types.txt");
        for line in table
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let mut t = line.split_whitespace();
            let (def, prop) = (t.next().unwrap(), t.next().unwrap());
            let d = defs
                .get(def)
                .unwrap_or_else(|| panic!("no definition {def}"));
            if prop != "." {
                assert!(
                    d["properties"].get(prop).is_some(),
                    "no property {def}.{prop}"
                );
            }
        }
    }

    #[test]
    fn service_ports_and_crd_recursion() {
        let s = builtin_schema("", "v1", "Service").unwrap();
        assert_eq!(
            at(&s, &["spec", "ports"]).list_type(),
            ListType::Map(vec!["port".into(), "protocol".into()])
        );
        assert_eq!(
            at(&s, &["spec", "ports", "[]", "targetPort"]).ty,
            Type::IntOrString
        );
        let crd = builtin_schema("apiextensions.k8s.io", "v1", "CustomResourceDefinition").unwrap();
        let props = at(
            &crd,
            &[
                "spec",
                "versions",
                "[]",
                "schema",
                "openAPIV3Schema",
                "properties",
            ],
        );
        // JSONSchemaProps contains itself: the recursion is cut.
        assert_eq!(props.field("anything").unwrap().ty, Type::Any);
        let default = at(
            &crd,
            &[
                "spec",
                "versions",
                "[]",
                "schema",
                "openAPIV3Schema",
                "default",
            ],
        );
        assert_eq!(default.ty, Type::Any);
    }
}
