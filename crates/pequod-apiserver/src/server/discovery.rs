//! Discovery documents: `/version`, `/api`, `/apis`, per-group-version
//! resource lists, and aggregated discovery (`apidiscovery.k8s.io/v2`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::registry::{Registry, Resource};

/// The Kubernetes version the server speaks.
pub const KUBERNETES_VERSION: &str = "v1.37.0";

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The verbs a resource supports (namespaces have no deletecollection).
fn verbs(r: &Resource) -> Vec<&'static str> {
    VERBS
        .iter()
        .copied()
        .filter(|v| !(r.group.is_empty() && r.plural == "namespaces" && *v == "deletecollection"))
        .collect()
}

/// Whether any served resource is in `group`.
pub(crate) fn group_served(registry: &Registry, group: &str) -> bool {
    registry.all().iter().any(|r| r.group == group)
}

/// `/version`.
pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": "37",
        "emulationMajor": "1",
        "emulationMinor": "37",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "36",
        "gitVersion": format!("{KUBERNETES_VERSION}+pequod-{}", env!("CARGO_PKG_VERSION")),
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
    })
}

/// Kubernetes' version ordering: GA > beta > alpha, higher numbers first.
fn version_priority(v: &str) -> (u8, i64, i64) {
    let Some(rest) = v.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let major: i64 = digits.parse().unwrap_or(0);
    let tail = &rest[digits.len()..];
    let (level, minor) = if tail.is_empty() {
        (3, 0)
    } else if let Some(n) = tail.strip_prefix("beta") {
        (2, n.parse().unwrap_or(0))
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (1, n.parse().unwrap_or(0))
    } else {
        (0, 0)
    };
    (level, major, minor)
}

/// Groups with their versions, preferred version first.
fn groups(registry: &Registry) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in registry.all() {
        let versions = out.entry(r.group.clone()).or_default();
        if !versions.contains(&r.version) {
            versions.push(r.version.clone());
        }
    }
    for versions in out.values_mut() {
        versions.sort_by(|a, b| {
            version_priority(b)
                .cmp(&version_priority(a))
                .then_with(|| a.cmp(b))
        });
    }
    out
}

/// The order groups are listed in: built-in groups as kube-apiserver lists
/// them, then custom groups alphabetically.
fn ordered_groups(registry: &Registry) -> Vec<(String, Vec<String>)> {
    let mut first_seen: Vec<String> = Vec::new();
    for r in registry.all() {
        if !first_seen.contains(&r.group) {
            first_seen.push(r.group.clone());
        }
    }
    let map = groups(registry);
    first_seen
        .into_iter()
        .filter_map(|g| map.get(&g).map(|v| (g, v.clone())))
        .collect()
}

/// `/api`.
pub(crate) fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{ "clientCIDR": "0.0.0.0/0", "serverAddress": server_address }],
    })
}

fn group_doc(name: &str, versions: &[String]) -> Value {
    let gv = |v: &String| json!({ "groupVersion": format!("{name}/{v}"), "version": v });
    json!({
        "name": name,
        "versions": versions.iter().map(gv).collect::<Vec<_>>(),
        "preferredVersion": versions.first().map(gv).unwrap_or(Value::Null),
    })
}

/// `/apis`.
pub(crate) fn group_list(registry: &Registry) -> Value {
    let groups: Vec<Value> = ordered_groups(registry)
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, v)| group_doc(g, v))
        .collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// `/apis/<group>`.
pub(crate) fn group(registry: &Registry, name: &str) -> Option<Value> {
    let versions = groups(registry).remove(name)?;
    let mut doc = group_doc(name, &versions);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn storage_hash(r: &Resource) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("{}/{}/{}", r.group, r.version, r.kind));
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

/// `/api/v1` or `/apis/<group>/<version>`.
pub(crate) fn resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let resources: Vec<Arc<Resource>> = registry
        .all()
        .into_iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if resources.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for r in &resources {
        let mut doc = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": verbs(r),
        });
        if !r.short_names.is_empty() {
            doc["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            doc["categories"] = json!(r.categories);
        }
        doc["storageVersionHash"] = json!(storage_hash(r));
        list.push(doc);
        for sub in subresources(r) {
            let mut d = json!({
                "name": format!("{}/{}", r.plural, sub.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": sub.kind,
                "verbs": sub.verbs,
            });
            if let Some((g, v)) = sub.group_version {
                d["group"] = json!(g);
                d["version"] = json!(v);
            }
            list.push(d);
        }
    }
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list }),
    )
}

struct Sub {
    name: &'static str,
    kind: String,
    verbs: &'static [&'static str],
    group_version: Option<(&'static str, &'static str)>,
}

fn subresources(r: &Resource) -> Vec<Sub> {
    let mut subs = Vec::new();
    if r.status {
        subs.push(Sub {
            name: "status",
            kind: r.kind.clone(),
            verbs: &["get", "patch", "update"],
            group_version: None,
        });
    }
    if r.scale.is_some() {
        subs.push(Sub {
            name: "scale",
            kind: "Scale".into(),
            verbs: &["get", "patch", "update"],
            group_version: Some(("autoscaling", "v1")),
        });
    }
    if r.group.is_empty() && r.plural == "namespaces" {
        subs.push(Sub {
            name: "finalize",
            kind: "Namespace".into(),
            verbs: &["update"],
            group_version: None,
        });
    }
    subs
}

/// Aggregated discovery for `/api` (core) or `/apis` (every other group).
pub(crate) fn aggregated(registry: &Registry, core: bool) -> Value {
    let all = registry.all();
    let items: Vec<Value> = ordered_groups(registry)
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = all
                        .iter()
                        .filter(|r| r.group == g && &r.version == v)
                        .map(|r| {
                            let mut doc = json!({
                                "resource": r.plural,
                                "responseKind": { "group": r.group, "version": r.version, "kind": r.kind },
                                "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": r.singular,
                                "verbs": verbs(r),
                            });
                            if !r.short_names.is_empty() {
                                doc["shortNames"] = json!(r.short_names);
                            }
                            if !r.categories.is_empty() {
                                doc["categories"] = json!(r.categories);
                            }
                            let subs: Vec<Value> = subresources(r)
                                .into_iter()
                                .map(|s| {
                                    let (sg, sv) = s.group_version.unwrap_or((r.group.as_str(), r.version.as_str()));
                                    json!({
                                        "subresource": s.name,
                                        "responseKind": { "group": sg, "version": sv, "kind": s.kind },
                                        "verbs": s.verbs,
                                    })
                                })
                                .collect();
                            if !subs.is_empty() {
                                doc["subresources"] = Value::Array(subs);
                            }
                            doc
                        })
                        .collect();
                    json!({ "version": v, "resources": resources, "freshness": "Current" })
                })
                .collect();
            let mut item = json!({ "metadata": { "creationTimestamp": null }, "versions": versions });
            if !g.is_empty() {
                item["metadata"]["name"] = json!(g);
            }
            item
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}
