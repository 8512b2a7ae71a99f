//! Whether an object that already exists may become a node's object.

use pequod_api::Adoption;
use serde_json::Value;

use crate::applyset;

/// What to do with a live object the graph does not own yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdoptionDecision {
    /// Take it over, forcing server-side apply conflicts with its past
    /// writers (nobody controls it, or the node says `TakeOver`).
    Adopt,
    /// Leave it alone; the message names who owns it.
    Refuse(String),
}

/// Decides whether `live` (which exists and is not in `applyset_id`) may be
/// adopted under `policy`.
pub fn decide(policy: Adoption, live: &Value, applyset_id: &str) -> AdoptionDecision {
    let owner = owner_of(live, applyset_id);
    match (policy, owner) {
        (Adoption::TakeOver, _) => AdoptionDecision::Adopt,
        (Adoption::IfUnowned, None) => AdoptionDecision::Adopt,
        (Adoption::IfUnowned, Some(owner)) => {
            AdoptionDecision::Refuse(format!("already owned by {owner}"))
        }
        (Adoption::Never, owner) => AdoptionDecision::Refuse(format!(
            "already exists ({}) and adoption is Never",
            owner.unwrap_or_else(|| "not owned by any controller".into())
        )),
    }
}

/// Who owns `live` besides this graph: another applyset, or a controller
/// named by an ownerReference.
fn owner_of(live: &Value, applyset_id: &str) -> Option<String> {
    if let Some(other) = applyset::part_of(live).filter(|id| *id != applyset_id) {
        return Some(format!("applyset {other}"));
    }
    live.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .map(|r| {
            let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("?");
            format!("{} {} (controller)", field("kind"), field("name"))
        })
}

#[cfg(test)]
mod tests {
    use pequod_api::Adoption;
    use serde_json::json;

    use super::{AdoptionDecision, decide};

    #[test]
    fn policies() {
        let free = json!({"metadata": {"name": "x"}});
        let controlled = json!({"metadata": {"ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u", "controller": true}]}});
        let other_graph = json!({"metadata": {"labels": {"applyset.kubernetes.io/part-of": "applyset-other-v1"}}});
        assert_eq!(
            decide(Adoption::IfUnowned, &free, "applyset-me-v1"),
            AdoptionDecision::Adopt
        );
        assert_eq!(
            decide(Adoption::IfUnowned, &controlled, "applyset-me-v1"),
            AdoptionDecision::Refuse("already owned by ReplicaSet rs (controller)".into())
        );
        assert!(
            matches!(decide(Adoption::IfUnowned, &other_graph, "applyset-me-v1"),
            AdoptionDecision::Refuse(m) if m.contains("applyset-other-v1"))
        );
        assert!(matches!(
            decide(Adoption::Never, &free, "applyset-me-v1"),
            AdoptionDecision::Refuse(_)
        ));
        assert_eq!(
            decide(Adoption::TakeOver, &controlled, "applyset-me-v1"),
            AdoptionDecision::Adopt
        );
    }
}
