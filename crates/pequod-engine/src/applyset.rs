//! ApplySet bookkeeping (KEP-3659): the labels that tie objects to the graph
//! that owns them, and the parent's id, tooling and kinds.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Label on every member object: the id of the applyset (graph) it belongs to.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// Label on the parent (the ResourceGraph): its applyset id.
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// Annotation on the parent: the tool managing the set.
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// Annotation on the parent: `Kind.group` of every member, sorted.
pub const CONTAINS_GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// Annotation on a member whose node says `deletion: Orphan`, so a prune
/// after the node left the graph still honours it.
pub const DELETION_POLICY_ANNOTATION: &str = "pequod.io/deletion-policy";

/// The applyset id of a parent, as the KEP defines it:
/// `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1`.
pub fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!("applyset-{}-v1", URL_SAFE_NO_PAD.encode(digest))
}

/// The applyset a live object belongs to, if any.
pub fn part_of(object: &Value) -> Option<&str> {
    object
        .pointer("/metadata/labels")
        .and_then(|l| l.get(PART_OF_LABEL))
        .and_then(Value::as_str)
}

/// The `Kind.group` entry of a member (`Kind` alone for the core group).
pub fn group_kind(api_version: &str, kind: &str) -> String {
    match api_version.split_once('/') {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{applyset_id, group_kind, part_of};

    #[test]
    fn id_is_stable_and_url_safe() {
        let id = applyset_id("web", "team-a", "ResourceGraph", "pequod.io");
        assert_eq!(
            id,
            applyset_id("web", "team-a", "ResourceGraph", "pequod.io")
        );
        assert_ne!(
            id,
            applyset_id("web", "team-b", "ResourceGraph", "pequod.io")
        );
        assert!(id.starts_with("applyset-") && id.ends_with("-v1"));
        // A valid label value: at most 63 characters of [A-Za-z0-9-_.].
        assert!(id.len() <= 63, "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        );
    }

    #[test]
    fn members_and_kinds() {
        let o =
            json!({"metadata": {"labels": {"applyset.kubernetes.io/part-of": "applyset-x-v1"}}});
        assert_eq!(part_of(&o), Some("applyset-x-v1"));
        assert_eq!(part_of(&json!({})), None);
        assert_eq!(group_kind("apps/v1", "Deployment"), "Deployment.apps");
        assert_eq!(group_kind("v1", "Service"), "Service");
    }
}
