//! A small generic DAG over string ids: the dependency graph of a ResourceGraph.
//!
//! Build one with [`Dag::new`] from `(id, dependsOn)` pairs in declaration order. Edges
//! point from a node to what it depends on. Every query that lists several nodes lists
//! them in declaration order, so results are deterministic.

mod cycle;
mod error;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use error::DagError;

/// A validated, acyclic dependency graph with its waves computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dag {
    /// Node ids in declaration order; a node's index is its position here.
    ids: Vec<String>,
    index: HashMap<String, usize>,
    /// Direct dependencies of each node, deduplicated, sorted by declaration order.
    dependencies: Vec<Vec<usize>>,
    /// Direct dependants of each node, sorted by declaration order.
    dependants: Vec<Vec<usize>>,
    /// The wave of each node.
    wave: Vec<usize>,
    /// Node indices per wave, each wave in declaration order.
    waves: Vec<Vec<usize>>,
}

impl Dag {
    /// Builds the DAG from `(id, dependsOn)` pairs in declaration order.
    ///
    /// Repeated entries in one `dependsOn` count once. Errors are reported in a fixed
    /// order: empty and duplicate ids first, then per node (in declaration order) a self
    /// or unknown dependency, then a cycle.
    pub fn new<I, S, D, T>(nodes: I) -> Result<Self, DagError>
    where
        I: IntoIterator<Item = (S, D)>,
        S: Into<String>,
        D: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let declared: Vec<(String, Vec<String>)> = nodes
            .into_iter()
            .map(|(id, deps)| (id.into(), deps.into_iter().map(Into::into).collect()))
            .collect();

        let mut index = HashMap::with_capacity(declared.len());
        for (position, (id, _)) in declared.iter().enumerate() {
            if id.is_empty() {
                return Err(DagError::EmptyId { position });
            }
            if index.insert(id.clone(), position).is_some() {
                return Err(DagError::DuplicateId { id: id.clone() });
            }
        }

        let mut dependencies = Vec::with_capacity(declared.len());
        for (id, deps) in &declared {
            let mut resolved = Vec::with_capacity(deps.len());
            for dep in deps {
                if dep == id {
                    return Err(DagError::SelfDependency { node: id.clone() });
                }
                match index.get(dep) {
                    Some(&i) => resolved.push(i),
                    None => {
                        return Err(DagError::UnknownDependency {
                            node: id.clone(),
                            dependency: dep.clone(),
                        });
                    }
                }
            }
            resolved.sort_unstable();
            resolved.dedup();
            dependencies.push(resolved);
        }

        let mut dependants = vec![Vec::new(); declared.len()];
        for (node, deps) in dependencies.iter().enumerate() {
            for &dep in deps {
                dependants[dep].push(node);
            }
        }

        let ids: Vec<String> = declared.into_iter().map(|(id, _)| id).collect();
        let wave = match compute_waves(&dependencies, &dependants) {
            Ok(wave) => wave,
            Err(remaining) => {
                let path = cycle::find(&dependencies, &remaining);
                return Err(DagError::Cycle {
                    path: path.into_iter().map(|i| ids[i].clone()).collect(),
                });
            }
        };
        let mut waves: Vec<Vec<usize>> = Vec::new();
        for (node, &w) in wave.iter().enumerate() {
            if waves.len() <= w {
                waves.resize_with(w + 1, Vec::new);
            }
            waves[w].push(node);
        }

        Ok(Self {
            ids,
            index,
            dependencies,
            dependants,
            wave,
            waves,
        })
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether a node with this id exists.
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// All node ids in declaration order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(String::as_str)
    }

    /// The apply waves: wave 0 holds the nodes without dependencies, wave `n` the nodes
    /// whose deepest dependency is in wave `n - 1`; each wave in declaration order.
    pub fn waves(&self) -> Vec<Vec<&str>> {
        self.waves.iter().map(|w| self.names(w)).collect()
    }

    /// The deletion waves: [`waves`](Self::waves) in reverse, so dependants go first.
    pub fn deletion_waves(&self) -> Vec<Vec<&str>> {
        self.waves.iter().rev().map(|w| self.names(w)).collect()
    }

    /// Every node once, dependencies before dependants: the waves concatenated.
    pub fn topological_order(&self) -> Vec<&str> {
        self.waves.iter().flat_map(|w| self.names(w)).collect()
    }

    /// The wave of a node, or `None` for an unknown id.
    pub fn wave_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).map(|&i| self.wave[i])
    }

    /// The direct dependencies of a node (its deduplicated `dependsOn`), or `None` for an
    /// unknown id.
    pub fn dependencies(&self, id: &str) -> Option<Vec<&str>> {
        let &i = self.index.get(id)?;
        Some(self.names(&self.dependencies[i]))
    }

    /// The nodes that list this node in their `dependsOn`, or `None` for an unknown id.
    pub fn dependants(&self, id: &str) -> Option<Vec<&str>> {
        let &i = self.index.get(id)?;
        Some(self.names(&self.dependants[i]))
    }

    /// Everything a node depends on, directly or not, or `None` for an unknown id.
    pub fn transitive_dependencies(&self, id: &str) -> Option<Vec<&str>> {
        let &i = self.index.get(id)?;
        Some(self.names(&self.reach(i, &self.dependencies)))
    }

    /// Everything that depends on a node, directly or not, or `None` for an unknown id.
    pub fn transitive_dependants(&self, id: &str) -> Option<Vec<&str>> {
        let &i = self.index.get(id)?;
        Some(self.names(&self.reach(i, &self.dependants)))
    }

    /// The nodes reachable from `start` along `edges`, excluding `start`, sorted.
    fn reach(&self, start: usize, edges: &[Vec<usize>]) -> Vec<usize> {
        let mut seen = vec![false; self.ids.len()];
        let mut stack = edges[start].clone();
        while let Some(n) = stack.pop() {
            if !seen[n] {
                seen[n] = true;
                stack.extend(&edges[n]);
            }
        }
        (0..self.ids.len()).filter(|&n| seen[n]).collect()
    }

    fn names(&self, nodes: &[usize]) -> Vec<&str> {
        nodes.iter().map(|&i| self.ids[i].as_str()).collect()
    }
}

/// Kahn's algorithm: the wave of each node, or, when a cycle blocks it, the nodes left
/// unplaced (every one of which has an unplaced dependency).
fn compute_waves(
    dependencies: &[Vec<usize>],
    dependants: &[Vec<usize>],
) -> Result<Vec<usize>, Vec<bool>> {
    let n = dependencies.len();
    let mut pending: Vec<usize> = dependencies.iter().map(Vec::len).collect();
    let mut wave = vec![0; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut placed = 0;
    while let Some(node) = ready.pop() {
        placed += 1;
        for &d in &dependants[node] {
            wave[d] = wave[d].max(wave[node] + 1);
            pending[d] -= 1;
            if pending[d] == 0 {
                ready.push(d);
            }
        }
    }
    if placed == n {
        Ok(wave)
    } else {
        Err(pending.iter().map(|&p| p > 0).collect())
    }
}
