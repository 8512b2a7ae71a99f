//! The list-type, map-type and patch facts of built-in kinds, read from
//! `list_types.txt` (kube-apiserver publishes them in its OpenAPI; the
//! schemas k8s-openapi generates leave them out).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{ListType, MapType};

const TABLE: &str = include_str!("list_types.txt");

/// What the table says about one property (or, with property `.`, a definition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// A list with this list type.
    List(ListType),
    /// An object with this map type.
    Map(MapType),
}

/// One table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The list or map type.
    pub(crate) fact: Fact,
    /// `x-kubernetes-patch-strategy`.
    pub(crate) patch_strategy: Option<String>,
    /// `x-kubernetes-patch-merge-key`.
    pub(crate) patch_merge_key: Option<String>,
}

type Table = HashMap<(String, String), Entry>;

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| parse(TABLE))
}

/// The facts for `property` of definition `definition` (`.` for the
/// definition itself).
pub(crate) fn lookup(definition: &str, property: &str) -> Option<&'static Entry> {
    table().get(&(definition.to_owned(), property.to_owned()))
}

fn parse(text: &str) -> Table {
    let mut out = Table::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut tokens = line.split_whitespace();
        let (Some(definition), Some(property), Some(kind)) =
            (tokens.next(), tokens.next(), tokens.next())
        else {
            continue;
        };
        let mut keys = Vec::new();
        let mut patch = None;
        for token in tokens {
            match token.strip_prefix("patch=") {
                Some(p) => patch = Some(p.to_owned()),
                None => keys.push(token.to_owned()),
            }
        }
        let fact = match kind {
            "map" => Fact::List(ListType::Map(keys.clone())),
            "set" => Fact::List(ListType::Set),
            "atomic" => Fact::List(ListType::Atomic),
            "atomic-map" => Fact::Map(MapType::Atomic),
            _ => continue,
        };
        // Associative lists merge by their first key unless the row says otherwise.
        let patch = patch.or_else(|| keys.first().map(|k| format!("merge:{k}")));
        let (patch_strategy, patch_merge_key) = match patch {
            Some(p) => match p.split_once(':') {
                Some((s, k)) => (Some(s.to_owned()), Some(k.to_owned())),
                None => (Some(p), None),
            },
            None => (None, None),
        };
        out.insert(
            (definition.to_owned(), property.to_owned()),
            Entry {
                fact,
                patch_strategy,
                patch_merge_key,
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_ports_are_keyed_by_port_and_protocol() {
        let e = lookup("io.k8s.api.core.v1.Container", "ports").unwrap();
        assert_eq!(
            e.fact,
            Fact::List(ListType::Map(vec![
                "containerPort".into(),
                "protocol".into()
            ]))
        );
        assert_eq!(e.patch_strategy.as_deref(), Some("merge"));
        assert_eq!(e.patch_merge_key.as_deref(), Some("containerPort"));
    }

    #[test]
    fn volumes_retain_keys_and_finalizers_are_a_set() {
        let v = lookup("io.k8s.api.core.v1.PodSpec", "volumes").unwrap();
        assert_eq!(v.patch_strategy.as_deref(), Some("merge,retainKeys"));
        let f = lookup(
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
            "finalizers",
        )
        .unwrap();
        assert_eq!(f.fact, Fact::List(ListType::Set));
        assert_eq!(f.patch_merge_key, None);
        let sel = lookup("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", ".").unwrap();
        assert_eq!(sel.fact, Fact::Map(MapType::Atomic));
        let tol = lookup("io.k8s.api.core.v1.PodSpec", "tolerations").unwrap();
        assert_eq!(tol.patch_strategy, None);
    }
}
