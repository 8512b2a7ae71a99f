//! Field sets: the sets of paths a manager owns, with the set algebra
//! server-side apply needs and their `fieldsV1` JSON encoding.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::path::{Path, PathElement};

/// A set of field paths, stored as a tree: `members` are paths that end
/// here, `children` hold longer paths (never empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, FieldSet>,
}

impl FieldSet {
    /// A set holding each of `paths`.
    pub fn from_paths<I: IntoIterator<Item = Vec<PathElement>>>(paths: I) -> FieldSet {
        let mut set = FieldSet::default();
        for path in paths {
            set.insert(&path);
        }
        set
    }

    /// Adds a path; the empty (root) path is never a member.
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    /// Whether the path is a member.
    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// Whether the set holds no path.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.is_empty()
    }

    /// Whether `element` (one step below this node) is a member.
    pub fn has_member(&self, element: &PathElement) -> bool {
        self.members.contains(element)
    }

    /// The paths below `element`, if any.
    pub fn child(&self, element: &PathElement) -> Option<&FieldSet> {
        self.children.get(element)
    }

    /// The members directly below this node.
    pub fn members(&self) -> impl Iterator<Item = &PathElement> {
        self.members.iter()
    }

    /// The subtrees below this node.
    pub fn children(&self) -> impl Iterator<Item = (&PathElement, &FieldSet)> {
        self.children.iter()
    }

    /// Builds a node from its parts, dropping empty children.
    pub fn from_parts(
        members: BTreeSet<PathElement>,
        children: BTreeMap<PathElement, FieldSet>,
    ) -> FieldSet {
        let children = children
            .into_iter()
            .filter(|(_, c)| !c.is_empty())
            .collect();
        FieldSet { members, children }
    }

    /// Paths in either set.
    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.union(&other.members).cloned().collect();
        let mut children = self.children.clone();
        for (element, child) in &other.children {
            let merged = match children.get(element) {
                Some(mine) => mine.union(child),
                None => child.clone(),
            };
            children.insert(element.clone(), merged);
        }
        FieldSet { members, children }
    }

    /// Paths of `self` that are not in `other`.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .map(|(element, child)| match other.children.get(element) {
                Some(theirs) => (element.clone(), child.difference(theirs)),
                None => (element.clone(), child.clone()),
            })
            .collect();
        FieldSet::from_parts(members, children)
    }

    /// Paths in both sets.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.intersection(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(element, child)| {
                let theirs = other.children.get(element)?;
                Some((element.clone(), child.intersection(theirs)))
            })
            .collect();
        FieldSet::from_parts(members, children)
    }

    /// Paths of `self` that are neither in `other` nor below one of its members.
    pub fn recursive_difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter(|(element, _)| !other.members.contains(*element))
            .map(|(element, child)| match other.children.get(element) {
                Some(theirs) => (element.clone(), child.recursive_difference(theirs)),
                None => (element.clone(), child.clone()),
            })
            .collect();
        FieldSet::from_parts(members, children)
    }

    /// Every member path: this node's members first, then each child's, in order.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: &mut Vec<PathElement>, out: &mut Vec<Path>) {
        for member in &self.members {
            let mut path = prefix.clone();
            path.push(member.clone());
            out.push(Path(path));
        }
        for (element, child) in &self.children {
            prefix.push(element.clone());
            child.collect_paths(prefix, out);
            prefix.pop();
        }
    }

    /// The `fieldsV1` encoding: `{"f:spec":{"f:replicas":{}}}`, with `".":{}`
    /// where a path is both a member and a prefix of longer ones.
    pub fn to_fields_v1(&self) -> Value {
        Value::Object(self.fields_v1_object(false))
    }

    fn fields_v1_object(&self, include_self: bool) -> Map<String, Value> {
        let mut object = Map::new();
        if include_self {
            object.insert(".".to_owned(), Value::Object(Map::new()));
        }
        let mut elements: Vec<&PathElement> =
            self.members.iter().chain(self.children.keys()).collect();
        elements.sort();
        elements.dedup();
        for element in elements {
            let value = match self.children.get(element) {
                Some(child) => child.fields_v1_object(self.members.contains(element)),
                None => Map::new(),
            };
            object.insert(element.to_fields_key(), Value::Object(value));
        }
        object
    }

    /// Parses a `fieldsV1` document.
    pub fn from_fields_v1(value: &Value) -> Result<FieldSet, String> {
        let Value::Object(object) = value else {
            return Err("fieldsV1 must be an object".to_owned());
        };
        let mut set = FieldSet::default();
        for (key, child) in object {
            if key == "." {
                continue;
            }
            let element = PathElement::from_fields_key(key)
                .ok_or_else(|| format!("invalid fieldsV1 key {key:?}"))?;
            let Value::Object(inner) = child else {
                return Err(format!("fieldsV1 value at {key:?} must be an object"));
            };
            if inner.is_empty() || inner.contains_key(".") {
                set.members.insert(element.clone());
            }
            let below = FieldSet::from_fields_v1(child)?;
            if !below.is_empty() {
                set.children.insert(element, below);
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str) -> PathElement {
        PathElement::Field(name.to_owned())
    }

    fn sample() -> FieldSet {
        let key = PathElement::Key(vec![("name".into(), json!("web"))]);
        FieldSet::from_paths([
            vec![field("spec"), field("replicas")],
            vec![field("spec"), field("containers"), key.clone()],
            vec![
                field("spec"),
                field("containers"),
                key.clone(),
                field("image"),
            ],
            vec![field("spec"), field("containers"), key, field("name")],
            vec![
                field("metadata"),
                field("finalizers"),
                PathElement::Value(json!("a")),
            ],
        ])
    }

    #[test]
    fn encodes_fields_v1_like_kube() {
        let encoded = sample().to_fields_v1();
        assert_eq!(
            serde_json::to_string(&encoded).unwrap(),
            r#"{"f:metadata":{"f:finalizers":{"v:\"a\"":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{}}},"f:replicas":{}}}"#
        );
        assert_eq!(FieldSet::from_fields_v1(&encoded).unwrap(), sample());
    }

    #[test]
    fn set_algebra() {
        let a = FieldSet::from_paths([vec![field("a"), field("b")], vec![field("c")]]);
        let b = FieldSet::from_paths([vec![field("a"), field("b")], vec![field("d")]]);
        assert_eq!(
            a.intersection(&b),
            FieldSet::from_paths([vec![field("a"), field("b")]])
        );
        assert_eq!(a.difference(&b), FieldSet::from_paths([vec![field("c")]]));
        assert_eq!(a.union(&b).paths().len(), 3);
        let status = FieldSet::from_paths([vec![field("a")]]);
        assert_eq!(
            a.recursive_difference(&status),
            FieldSet::from_paths([vec![field("c")]])
        );
        assert!(a.difference(&a).is_empty());
    }

    #[test]
    fn rejects_malformed_fields_v1() {
        assert!(FieldSet::from_fields_v1(&json!({"x:y": {}})).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"f:a": 1})).is_err());
        assert!(FieldSet::from_fields_v1(&json!([])).is_err());
    }
}
