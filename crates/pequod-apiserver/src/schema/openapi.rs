//! The OpenAPI documents kube-apiserver serves and `kubectl explain` /
//! `kubectl apply` read: `/openapi/v2` (swagger 2.0), the `/openapi/v3`
//! index and one `/openapi/v3/apis/<group>/<version>` document per group
//! version. Definitions are keyed like kube-apiserver's
//! (`io.k8s.api.apps.v1.Deployment`; CRDs by reversed group,
//! `dev.pequod.platform.v1.WebService`) and carry
//! `x-kubernetes-group-version-kind` and the list/map/patch extensions.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};

use super::builtin::{OBJECT_META, builtin_definitions, builtin_kind};
use super::list_types::{Entry, Fact, lookup};
use super::{ListType, MapType};

/// The Kubernetes version the documents claim.
const KUBE_VERSION: &str = "v1.32.0";

/// Where a served kind's schema comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaSource {
    /// A built-in kind: its k8s-openapi schema.
    Builtin,
    /// A custom resource: the version's `openAPIV3Schema`.
    Crd(Value),
}

/// A kind the API server serves, as the OpenAPI documents describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedKind {
    /// API group (`""` for core).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Resource (plural) name.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Its schema.
    pub schema: SchemaSource,
}

impl ServedKind {
    /// The OpenAPI definition name kube-apiserver gives this kind.
    pub fn definition_name(&self) -> String {
        if self.schema == SchemaSource::Builtin
            && let Some(b) = builtin_kind(&self.group, &self.version, &self.kind)
        {
            return b.definition.clone();
        }
        let reversed: Vec<&str> = self.group.rsplit('.').collect();
        format!("{}.{}.{}", reversed.join("."), self.version, self.kind)
    }

    fn group_version_path(&self) -> String {
        group_version_path(&self.group, &self.version)
    }
}

fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Which OpenAPI flavour a document is written in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    V2,
    V3,
}

impl Flavour {
    fn prefix(self) -> &'static str {
        match self {
            Flavour::V2 => "#/definitions/",
            Flavour::V3 => "#/components/schemas/",
        }
    }
}

/// The swagger 2.0 document of `/openapi/v2`.
pub fn openapi_v2(kinds: &[ServedKind]) -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": KUBE_VERSION},
        "paths": paths(kinds, Flavour::V2),
        "definitions": definitions(kinds, Flavour::V2),
        "securityDefinitions": {
            "BearerToken": {"type": "apiKey", "name": "authorization", "in": "header",
                "description": "Bearer Token authentication"}
        },
        "security": [{"BearerToken": []}],
    })
}

/// The `/openapi/v3` index: one entry per served group version, each with
/// the URL (and content hash) of its document.
pub fn openapi_v3_index(kinds: &[ServedKind]) -> Value {
    let group_versions: BTreeSet<(String, String)> = kinds
        .iter()
        .map(|k| (k.group.clone(), k.version.clone()))
        .collect();
    let mut paths = Map::new();
    for (group, version) in group_versions {
        let doc = openapi_v3_group_version(&group, &version, kinds);
        let path = group_version_path(&group, &version);
        paths.insert(
            path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={}", document_hash(&doc))}),
        );
    }
    json!({"paths": paths})
}

/// The uppercase hex SHA-512 of a document, as kube-apiserver puts in
/// `serverRelativeURL`s.
pub fn document_hash(doc: &Value) -> String {
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    Sha512::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The OpenAPI v3 document of one group version
/// (`/openapi/v3/apis/<group>/<version>`, `/openapi/v3/api/v1` for core).
pub fn openapi_v3_group_version(group: &str, version: &str, kinds: &[ServedKind]) -> Value {
    let selected: Vec<ServedKind> = kinds
        .iter()
        .filter(|k| k.group == group && k.version == version)
        .cloned()
        .collect();
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBE_VERSION},
        "paths": paths(&selected, Flavour::V3),
        "components": {
            "schemas": definitions(&selected, Flavour::V3),
            "securitySchemes": {
                "BearerToken": {"type": "apiKey", "name": "authorization", "in": "header",
                    "description": "Bearer Token authentication"}
            }
        },
    })
}

/// Every definition the kinds need: the kinds themselves and what they refer to.
fn definitions(kinds: &[ServedKind], flavour: Flavour) -> Map<String, Value> {
    let builtin = builtin_definitions();
    let mut out = Map::new();
    let mut pending: Vec<String> = Vec::new();
    for kind in kinds {
        let name = kind.definition_name();
        let mut def = match &kind.schema {
            SchemaSource::Builtin => match builtin.get(&name) {
                Some(d) => d.clone(),
                None => continue,
            },
            SchemaSource::Crd(schema) => crd_definition(schema),
        };
        if let Value::Object(obj) = &mut def {
            obj.insert(
                "x-kubernetes-group-version-kind".to_owned(),
                json!([{"group": kind.group, "kind": kind.kind, "version": kind.version}]),
            );
        }
        collect_refs(&def, &mut pending);
        out.insert(name, def);
    }
    while let Some(name) = pending.pop() {
        if out.contains_key(&name) {
            continue;
        }
        if let Some(def) = builtin.get(&name) {
            collect_refs(def, &mut pending);
            out.insert(name, def.clone());
        }
    }
    for (name, def) in out.iter_mut() {
        annotate(name, def);
        rewrite(def, flavour);
    }
    out.sort_keys();
    out
}

/// A CRD's schema as kube-apiserver publishes it: with `apiVersion`, `kind`
/// and `metadata` (a reference to `ObjectMeta`).
fn crd_definition(schema: &Value) -> Value {
    let mut def = schema.clone();
    let Value::Object(obj) = &mut def else {
        return def;
    };
    obj.entry("type").or_insert_with(|| json!("object"));
    let props = obj
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(props) = props {
        props.entry("apiVersion").or_insert_with(|| json!({"type": "string",
            "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"}));
        props.entry("kind").or_insert_with(|| json!({"type": "string",
            "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"}));
        props.insert(
            "metadata".to_owned(),
            json!({"$ref": format!("#/definitions/{OBJECT_META}"),
                "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"}),
        );
    }
    def
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(obj) => {
            if let Some(r) = obj.get("$ref").and_then(Value::as_str)
                && let Some(name) = r.rsplit('/').next()
            {
                out.push(name.to_owned());
            }
            obj.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(items) => items.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

/// Adds the table's list/map/patch extensions and the string type of
/// int-or-string definitions, which k8s-openapi's schemas lack.
fn annotate(name: &str, def: &mut Value) {
    let Value::Object(obj) = def else { return };
    if obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
        && !obj.contains_key("type")
    {
        obj.insert("type".to_owned(), json!("string"));
        if name.ends_with("IntOrString") {
            obj.insert("format".to_owned(), json!("int-or-string"));
        }
    }
    if let Some(entry) = lookup(name, ".") {
        extend(obj, entry);
    }
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (prop, schema) in props.iter_mut() {
            if let (Some(entry), Value::Object(s)) = (lookup(name, prop), schema) {
                extend(s, entry);
            }
        }
    }
}

fn extend(obj: &mut Map<String, Value>, entry: &Entry) {
    match &entry.fact {
        Fact::List(ListType::Atomic) => {
            obj.insert("x-kubernetes-list-type".to_owned(), json!("atomic"));
        }
        Fact::List(ListType::Set) => {
            obj.insert("x-kubernetes-list-type".to_owned(), json!("set"));
        }
        Fact::List(ListType::Map(keys)) => {
            obj.insert("x-kubernetes-list-map-keys".to_owned(), json!(keys));
            obj.insert("x-kubernetes-list-type".to_owned(), json!("map"));
        }
        Fact::Map(MapType::Atomic) => {
            obj.insert("x-kubernetes-map-type".to_owned(), json!("atomic"));
        }
        Fact::Map(MapType::Granular) => {}
    }
    if let Some(k) = &entry.patch_merge_key {
        obj.insert("x-kubernetes-patch-merge-key".to_owned(), json!(k));
    }
    if let Some(s) = &entry.patch_strategy {
        obj.insert("x-kubernetes-patch-strategy".to_owned(), json!(s));
    }
}

/// Points `$ref`s at the flavour's definitions; in v3, a `$ref` with
/// siblings becomes `allOf: [{$ref}]` as kube-apiserver writes it, and v2
/// drops the keywords swagger 2.0 lacks.
fn rewrite(v: &mut Value, flavour: Flavour) {
    match v {
        Value::Object(obj) => {
            if let Some(Value::String(r)) = obj.get_mut("$ref")
                && let Some(name) = r.rsplit('/').next()
            {
                *r = format!("{}{name}", flavour.prefix());
            }
            if flavour == Flavour::V3
                && obj.len() > 1
                && let Some(r) = obj.remove("$ref")
            {
                obj.insert("allOf".to_owned(), json!([{"$ref": r}]));
            }
            if flavour == Flavour::V2 {
                obj.remove("nullable");
                obj.remove("x-kubernetes-validations");
            }
            for (key, child) in obj.iter_mut() {
                match (key.as_str(), child) {
                    // Enum values, defaults and examples are data, not schemas.
                    ("enum" | "default" | "example", _) => {}
                    // Maps from names to schemas: a property may be called `default`.
                    ("properties" | "definitions", Value::Object(named)) => {
                        named.values_mut().for_each(|c| rewrite(c, flavour));
                    }
                    (_, child) => rewrite(child, flavour),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite(c, flavour)),
        _ => {}
    }
}

/// `AppsV1`, `RbacAuthorizationV1`, `CoreV1`: kube-apiserver's operation-id infix.
fn operation_infix(group: &str, version: &str) -> String {
    let group = group.strip_suffix(".k8s.io").unwrap_or(group);
    let mut out = String::new();
    if group.is_empty() {
        out.push_str("Core");
    }
    for part in group.split(['.', '-']) {
        out.push_str(&capitalize(part));
    }
    out.push_str(&capitalize(version));
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The query parameters a write operation takes. kubectl reads
/// `fieldValidation` on the PATCH operation to decide that the server
/// validates fields itself.
fn query_parameters(action: &str, flavour: Flavour) -> Vec<Value> {
    let names: &[(&str, &str)] = match action {
        "post" | "put" => &[
            (
                "dryRun",
                "When present, indicates that modifications should not be persisted.",
            ),
            ("fieldManager", "The name of the actor making the change."),
            (
                "fieldValidation",
                "How the server treats unknown and duplicate fields: Ignore, Warn or Strict.",
            ),
        ],
        "patch" => &[
            (
                "dryRun",
                "When present, indicates that modifications should not be persisted.",
            ),
            (
                "fieldManager",
                "The name of the actor making the change; required for apply patches.",
            ),
            (
                "fieldValidation",
                "How the server treats unknown and duplicate fields: Ignore, Warn or Strict.",
            ),
            (
                "force",
                "Force an apply request to take fields other managers own.",
            ),
        ],
        _ => &[],
    };
    names
        .iter()
        .map(|(name, description)| {
            let ty = if *name == "force" { "boolean" } else { "string" };
            match flavour {
                Flavour::V2 => json!({"name": name, "in": "query", "type": ty, "uniqueItems": true, "description": description}),
                Flavour::V3 => json!({"name": name, "in": "query", "schema": {"type": ty, "uniqueItems": true}, "description": description}),
            }
        })
        .collect()
}

/// The collection and item paths of each kind with their operations.
fn paths(kinds: &[ServedKind], flavour: Flavour) -> Map<String, Value> {
    let mut out = Map::new();
    for kind in kinds {
        let base = format!("/{}", kind.group_version_path());
        let scope = if kind.namespaced { "Namespaced" } else { "" };
        let collection = if kind.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}", kind.plural)
        } else {
            format!("{base}/{}", kind.plural)
        };
        let infix = operation_infix(&kind.group, &kind.version);
        let gvk = json!({"group": kind.group, "kind": kind.kind, "version": kind.version});
        let reference = format!("{}{}", flavour.prefix(), kind.definition_name());
        let op = |verb: &str, action: &str, with_body: bool| {
            let schema = json!({"$ref": reference});
            let ok = match flavour {
                Flavour::V2 if with_body => json!({"description": "OK", "schema": schema}),
                Flavour::V3 if with_body => json!({"description": "OK",
                    "content": {"application/json": {"schema": schema}}}),
                _ => json!({"description": "OK"}),
            };
            let mut operation = json!({
                "operationId": format!("{verb}{infix}{scope}{}", kind.kind),
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk,
                "responses": {"200": ok, "401": {"description": "Unauthorized"}},
            });
            let params = query_parameters(action, flavour);
            if !params.is_empty() {
                operation["parameters"] = Value::Array(params);
            }
            operation
        };
        out.insert(
            collection.clone(),
            json!({
                "get": op("list", "list", false),
                "post": op("create", "post", true),
                "delete": op("deleteCollection", "deletecollection", false),
            }),
        );
        out.insert(
            format!("{collection}/{{name}}"),
            json!({
                "get": op("read", "get", true),
                "put": op("replace", "put", true),
                "patch": op("patch", "patch", true),
                "delete": op("delete", "delete", false),
            }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<ServedKind> {
        let web: Value =
            serde_json::from_str(include_str!("testdata/webservice-schema.json")).unwrap();
        vec![
            ServedKind {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
                plural: "deployments".into(),
                namespaced: true,
                schema: SchemaSource::Builtin,
            },
            ServedKind {
                group: "".into(),
                version: "v1".into(),
                kind: "Namespace".into(),
                plural: "namespaces".into(),
                namespaced: false,
                schema: SchemaSource::Builtin,
            },
            ServedKind {
                group: "platform.pequod.dev".into(),
                version: "v1".into(),
                kind: "WebService".into(),
                plural: "webservices".into(),
                namespaced: true,
                schema: SchemaSource::Crd(web),
            },
        ]
    }

    #[test]
    fn v3_index_lists_group_versions_with_hashes() {
        let index = openapi_v3_index(&kinds());
        let paths = index["paths"].as_object().unwrap();
        let keys: Vec<&String> = paths.keys().collect();
        assert_eq!(
            keys,
            vec!["api/v1", "apis/apps/v1", "apis/platform.pequod.dev/v1"]
        );
        let url = paths["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap();
        let doc = openapi_v3_group_version("apps", "v1", &kinds());
        assert_eq!(
            url,
            format!("/openapi/v3/apis/apps/v1?hash={}", document_hash(&doc))
        );
        assert_eq!(document_hash(&doc).len(), 128);
    }

    #[test]
    fn v3_group_version_has_what_kubectl_explain_reads() {
        let doc = openapi_v3_group_version("apps", "v1", &kinds());
        let schemas = &doc["components"]["schemas"];
        let dep = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            dep["x-kubernetes-group-version-kind"],
            json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
        );
        assert_eq!(
            dep["properties"]["metadata"]["allOf"],
            json!([{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}])
        );
        let containers = &schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
        assert_eq!(containers["x-kubernetes-list-type"], "map");
        assert_eq!(containers["x-kubernetes-list-map-keys"], json!(["name"]));
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(
            containers["items"]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.Container"
        );
        assert_eq!(
            schemas["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]["x-kubernetes-map-type"],
            "atomic"
        );
        assert_eq!(
            schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"],
            "int-or-string"
        );
        // Everything referenced is defined.
        let mut refs = Vec::new();
        collect_refs(schemas, &mut refs);
        for r in refs {
            assert!(schemas.get(&r).is_some(), "dangling {r}");
        }
        assert!(schemas.get("io.k8s.api.core.v1.Namespace").is_none());
        assert!(
            doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["get"]["operationId"]
                == "readAppsV1NamespacedDeployment"
        );
    }

    #[test]
    fn crds_are_named_by_reversed_group() {
        let doc = openapi_v3_group_version("platform.pequod.dev", "v1", &kinds());
        let web = &doc["components"]["schemas"]["dev.pequod.platform.v1.WebService"];
        assert_eq!(
            web["properties"]["spec"]["properties"]["replicas"]["maximum"],
            10
        );
        assert_eq!(web["properties"]["kind"]["type"], "string");
        assert!(web["properties"]["metadata"]["allOf"].is_array());
        assert!(
            doc["components"]["schemas"]
                .get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
                .is_some()
        );
        assert!(
            doc["paths"]
                .get("/apis/platform.pequod.dev/v1/namespaces/{namespace}/webservices")
                .is_some()
        );
    }

    #[test]
    fn v2_uses_definitions() {
        let doc = openapi_v2(&kinds());
        assert_eq!(doc["swagger"], "2.0");
        let defs = &doc["definitions"];
        assert_eq!(
            defs["io.k8s.api.apps.v1.Deployment"]["properties"]["metadata"]["$ref"],
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert_eq!(
            defs["io.k8s.api.core.v1.Namespace"]["x-kubernetes-group-version-kind"][0]["kind"],
            "Namespace"
        );
        assert!(
            defs["dev.pequod.platform.v1.WebService"]["properties"]["spec"]["properties"]["note"]
                .get("nullable")
                .is_none()
        );
        assert!(doc["paths"]["/api/v1/namespaces"]["get"]["operationId"] == "listCoreV1Namespace");
        assert_eq!(
            operation_infix("rbac.authorization.k8s.io", "v1"),
            "RbacAuthorizationV1"
        );
    }

    #[test]
    fn crd_kind_document_has_no_dangling_refs() {
        let crd = ServedKind {
            group: "apiextensions.k8s.io".into(),
            version: "v1".into(),
            kind: "CustomResourceDefinition".into(),
            plural: "customresourcedefinitions".into(),
            namespaced: false,
            schema: SchemaSource::Builtin,
        };
        let doc = openapi_v3_group_version("apiextensions.k8s.io", "v1", &[crd]);
        let schemas = &doc["components"]["schemas"];
        let props = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";
        assert_eq!(
            schemas[props]["properties"]["default"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON"
        );
        let text = serde_json::to_string(&doc).unwrap();
        assert!(!text.contains("#/definitions/"));
    }
}
