//! What a node's object names: its kind and where it lives.

use kube::api::GroupVersionKind;
use serde_json::Value;

/// The identity of a node's object, read from the object itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// `group/version`, or `version` for the core group.
    pub api_version: String,
    /// The object's kind.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The namespace it names, if any (the graph's namespace applies to
    /// namespaced kinds that name none).
    pub namespace: Option<String>,
}

/// A node object without the fields every object needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("node {node}: object has no {field}")]
pub struct TargetError {
    /// The node's id.
    pub node: String,
    /// The missing field, e.g. `metadata.name`.
    pub field: &'static str,
}

impl Target {
    /// Reads the identity of node `node`'s `object`.
    pub fn of(node: &str, object: &Value) -> Result<Self, TargetError> {
        let text = |v: Option<&Value>, field: &'static str| {
            v.and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or(TargetError {
                    node: node.to_owned(),
                    field,
                })
        };
        let metadata = object.get("metadata");
        Ok(Self {
            api_version: text(object.get("apiVersion"), "apiVersion")?,
            kind: text(object.get("kind"), "kind")?,
            name: text(metadata.and_then(|m| m.get("name")), "metadata.name")?,
            namespace: metadata
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        })
    }

    /// The object's group, version and kind.
    pub fn gvk(&self) -> GroupVersionKind {
        let (group, version) = self
            .api_version
            .split_once('/')
            .unwrap_or(("", &self.api_version));
        GroupVersionKind::gvk(group, version, &self.kind)
    }

    /// `Kind/name` or `Kind namespace/name`, for messages.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Target;

    #[test]
    fn reads_identity_and_group() {
        let t = Target::of(
            "d",
            &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}),
        )
        .unwrap();
        assert_eq!(t.gvk().group, "apps");
        assert_eq!(t.namespace, None);
        let core = Target::of("c", &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "x"}})).unwrap();
        assert_eq!(
            (core.gvk().group.as_str(), core.gvk().version.as_str()),
            ("", "v1")
        );
        assert_eq!(core.describe(), "ConfigMap x/c");
    }

    #[test]
    fn names_missing_fields() {
        let err = Target::of(
            "n",
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "node n: object has no metadata.name");
        let err = Target::of("n", &json!("not an object")).unwrap_err();
        assert_eq!(err.field, "apiVersion");
    }
}
