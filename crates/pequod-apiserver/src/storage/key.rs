//! Storage keys: `<group>/<resource>/<namespace>/<name>`, ordered so that a
//! resource, or a resource in one namespace, is one contiguous key range.

use std::fmt;

/// The key of one object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    encoded: String,
}

impl Key {
    /// The key of object `name` of `resource` in API group `group` (`""` for
    /// core), in `namespace` for namespaced resources.
    pub fn new(group: &str, resource: &str, namespace: Option<&str>, name: &str) -> Self {
        Self {
            encoded: format!("{group}/{resource}/{}/{name}", namespace.unwrap_or("")),
        }
    }

    /// Rebuilds a key from its encoded form, as stored.
    pub fn from_encoded(encoded: String) -> Self {
        Self { encoded }
    }

    /// The encoded form.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encoded)
    }
}

/// A contiguous set of keys: every object of a resource, optionally in one
/// namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    start: String,
    end: String,
}

impl KeyRange {
    /// Every object of `resource` in `group`, in `namespace` when given.
    pub fn new(group: &str, resource: &str, namespace: Option<&str>) -> Self {
        let prefix = match namespace {
            Some(ns) => format!("{group}/{resource}/{ns}/"),
            None => format!("{group}/{resource}/"),
        };
        Self::prefix(prefix)
    }

    /// Every key starting with `prefix`.
    pub fn prefix(prefix: String) -> Self {
        // Keys are ASCII; the prefix's last byte plus one bounds the range.
        let mut end = prefix.clone().into_bytes();
        if let Some(last) = end.last_mut() {
            *last = last.saturating_add(1);
        }
        Self {
            end: String::from_utf8_lossy(&end).into_owned(),
            start: prefix,
        }
    }

    /// Every key (they are ASCII).
    pub fn all() -> Self {
        Self {
            start: String::new(),
            end: "\u{7f}".to_owned(),
        }
    }

    /// The first key in the range (inclusive).
    pub fn start(&self) -> &str {
        &self.start
    }

    /// The bound after the range (exclusive).
    pub fn end(&self) -> &str {
        &self.end
    }

    /// Whether `key` is in the range.
    pub fn contains(&self, key: &str) -> bool {
        key >= self.start.as_str() && key < self.end.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, KeyRange};

    #[test]
    fn ranges_select_resource_and_namespace() {
        let all = KeyRange::new("apps", "deployments", None);
        let team = KeyRange::new("apps", "deployments", Some("team"));
        let in_team = Key::new("apps", "deployments", Some("team"), "web");
        let elsewhere = Key::new("apps", "deployments", Some("team-b"), "web");
        let other = Key::new("apps", "deploymentsx", Some("team"), "web");
        assert!(all.contains(in_team.as_str()) && all.contains(elsewhere.as_str()));
        assert!(team.contains(in_team.as_str()));
        assert!(!team.contains(elsewhere.as_str()));
        assert!(!all.contains(other.as_str()));
        let cluster = Key::new("", "namespaces", None, "default");
        assert_eq!(cluster.as_str(), "/namespaces//default");
        assert!(KeyRange::new("", "namespaces", None).contains(cluster.as_str()));
    }
}
