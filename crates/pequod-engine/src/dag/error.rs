//! Why a set of nodes does not form a DAG.

/// A reason the nodes given to [`Dag::new`](super::Dag::new) do not form a DAG.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DagError {
    /// A node has an empty id.
    #[error("node #{position} has an empty id")]
    EmptyId {
        /// Zero-based position of the node in declaration order.
        position: usize,
    },
    /// Two nodes share an id.
    #[error("duplicate node id {id:?}")]
    DuplicateId {
        /// The repeated id.
        id: String,
    },
    /// A node depends on an id that no node has.
    #[error("node {node:?} depends on unknown node {dependency:?}")]
    UnknownDependency {
        /// The node whose `dependsOn` names the missing id.
        node: String,
        /// The id that no node has.
        dependency: String,
    },
    /// A node lists itself in its `dependsOn`.
    #[error("node {node:?} depends on itself")]
    SelfDependency {
        /// The node.
        node: String,
    },
    /// The dependencies form a cycle.
    #[error("dependency cycle: {}", .path.join(" → "))]
    Cycle {
        /// The cycle as a path where each node depends on the next; the first id is
        /// repeated at the end (`a → b → c → a`) and is the cycle's earliest-declared node.
        path: Vec<String>,
    },
}
