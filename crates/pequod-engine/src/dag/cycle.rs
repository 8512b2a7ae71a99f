//! Naming one cycle among the nodes a topological sort could not place.

/// Returns a cycle as node indices, closed (first index repeated last), starting at the
/// cycle's lowest index. `blocked[i]` marks the unplaced nodes; each of them has at least
/// one blocked dependency, so following the first blocked dependency from the first
/// blocked node must come back to a node already visited.
pub(super) fn find(dependencies: &[Vec<usize>], blocked: &[bool]) -> Vec<usize> {
    let Some(start) = blocked.iter().position(|&b| b) else {
        return Vec::new();
    };
    let mut visited_at = vec![usize::MAX; blocked.len()];
    let mut walk = Vec::new();
    let mut node = start;
    while visited_at[node] == usize::MAX {
        visited_at[node] = walk.len();
        walk.push(node);
        match dependencies[node].iter().find(|&&d| blocked[d]) {
            Some(&next) => node = next,
            // Unreachable for a blocked node; stop rather than loop.
            None => return Vec::new(),
        }
    }
    let mut cycle = walk.split_off(visited_at[node]);
    if let Some(lowest) = cycle
        .iter()
        .enumerate()
        .min_by_key(|&(_, &n)| n)
        .map(|(i, _)| i)
    {
        cycle.rotate_left(lowest);
    }
    if let Some(&first) = cycle.first() {
        cycle.push(first);
    }
    cycle
}
