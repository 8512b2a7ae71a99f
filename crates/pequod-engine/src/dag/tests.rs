use super::{Dag, DagError};

fn dag(nodes: &[(&str, &[&str])]) -> Result<Dag, DagError> {
    Dag::new(nodes.iter().map(|(id, deps)| (*id, deps.iter().copied())))
}

#[test]
fn empty_graph_has_no_waves() {
    let g = dag(&[]).unwrap();
    assert!(g.is_empty());
    assert!(g.waves().is_empty());
}

#[test]
fn waves_follow_the_deepest_dependency_in_declaration_order() {
    let g = dag(&[
        ("deploy", &["sa", "config", "role"]),
        ("svc", &["deploy"]),
        ("sa", &[]),
        ("role", &["sa"]),
        ("config", &[]),
        ("ingress", &["svc"]),
        ("pdb", &["deploy"]),
    ])
    .unwrap();
    assert_eq!(
        g.waves(),
        vec![
            vec!["sa", "config"],
            vec!["role"],
            vec!["deploy"],
            vec!["svc", "pdb"],
            vec!["ingress"],
        ]
    );
    assert_eq!(
        g.deletion_waves(),
        vec![
            vec!["ingress"],
            vec!["svc", "pdb"],
            vec!["deploy"],
            vec!["role"],
            vec!["sa", "config"],
        ]
    );
    assert_eq!(
        g.topological_order(),
        vec!["sa", "config", "role", "deploy", "svc", "pdb", "ingress"]
    );
    assert_eq!(g.wave_of("deploy"), Some(2));
    assert_eq!(g.wave_of("nope"), None);
    assert_eq!(
        g.dependencies("deploy").unwrap(),
        vec!["sa", "role", "config"]
    );
    assert_eq!(g.dependants("deploy").unwrap(), vec!["svc", "pdb"]);
    assert_eq!(g.dependants("ingress").unwrap(), Vec::<&str>::new());
    assert_eq!(
        g.transitive_dependencies("ingress").unwrap(),
        vec!["deploy", "svc", "sa", "role", "config"]
    );
    assert_eq!(
        g.transitive_dependants("sa").unwrap(),
        vec!["deploy", "svc", "role", "ingress", "pdb"]
    );
    assert!(g.dependants("nope").is_none());
    assert_eq!(g.ids().collect::<Vec<_>>().len(), 7);
}

#[test]
fn repeated_dependencies_count_once() {
    let g = dag(&[("a", &[]), ("b", &["a", "a"])]).unwrap();
    assert_eq!(g.dependencies("b").unwrap(), vec!["a"]);
    assert_eq!(g.dependants("a").unwrap(), vec!["b"]);
}

#[test]
fn rejects_duplicate_ids() {
    let err = dag(&[("a", &[]), ("b", &[]), ("a", &[])]).unwrap_err();
    assert_eq!(err, DagError::DuplicateId { id: "a".into() });
    assert_eq!(err.to_string(), r#"duplicate node id "a""#);
}

#[test]
fn rejects_empty_ids() {
    let err = dag(&[("a", &[]), ("", &[])]).unwrap_err();
    assert_eq!(err, DagError::EmptyId { position: 1 });
}

#[test]
fn rejects_unknown_dependencies_naming_node_and_id() {
    let err = dag(&[("a", &[]), ("b", &["a", "c"])]).unwrap_err();
    assert_eq!(err.to_string(), r#"node "b" depends on unknown node "c""#);
}

#[test]
fn rejects_self_dependencies() {
    let err = dag(&[("a", &["a"])]).unwrap_err();
    assert_eq!(err, DagError::SelfDependency { node: "a".into() });
}

#[test]
fn reports_the_cycle_path_from_its_first_declared_node() {
    let err = dag(&[
        ("x", &["b"]),
        ("c", &["a"]),
        ("a", &["b"]),
        ("b", &["c"]),
        ("y", &["x"]),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        DagError::Cycle {
            path: vec!["c".into(), "a".into(), "b".into(), "c".into()]
        }
    );
    assert_eq!(err.to_string(), "dependency cycle: c → a → b → c");
}

#[test]
fn two_node_cycle() {
    let err = dag(&[("a", &["b"]), ("b", &["a"])]).unwrap_err();
    assert_eq!(err.to_string(), "dependency cycle: a → b → a");
}

/// SplitMix64: a small deterministic PRNG, enough for property-style tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A random acyclic graph: node `i` may only depend on nodes with a lower rank, and the
/// declaration order is shuffled so that it says nothing about the ranks.
fn random_dag(rng: &mut Rng) -> Vec<(String, Vec<String>)> {
    let n = 1 + rng.below(30);
    let mut nodes: Vec<(String, Vec<String>)> = (0..n)
        .map(|i| {
            let deps = if i == 0 {
                Vec::new()
            } else {
                (0..rng.below(4))
                    .map(|_| format!("n{}", rng.below(i)))
                    .collect()
            };
            (format!("n{i}"), deps)
        })
        .collect();
    rng.shuffle(&mut nodes);
    nodes
}

#[test]
fn property_random_dags_have_consistent_waves() {
    let mut rng = Rng(0x5EED);
    for _ in 0..500 {
        let nodes = random_dag(&mut rng);
        let g = Dag::new(nodes.clone()).unwrap();
        let waves = g.waves();

        let mut seen: Vec<&str> = waves.iter().flatten().copied().collect();
        seen.sort_unstable();
        let mut expected: Vec<&str> = nodes.iter().map(|(id, _)| id.as_str()).collect();
        expected.sort_unstable();
        assert_eq!(seen, expected, "every node appears exactly once");

        let position = |id: &str| nodes.iter().position(|(n, _)| n == id).unwrap();
        for (w, wave) in waves.iter().enumerate() {
            assert!(!wave.is_empty());
            assert!(wave.windows(2).all(|p| position(p[0]) < position(p[1])));
            for id in wave {
                let deps = g.dependencies(id).unwrap();
                for dep in &deps {
                    assert!(g.wave_of(dep).unwrap() < w, "edge {id} → {dep} goes down");
                }
                let deepest = deps.iter().map(|d| g.wave_of(d).unwrap() + 1).max();
                assert_eq!(
                    deepest.unwrap_or(0),
                    w,
                    "{id} sits right after its deepest dependency"
                );
                for dep in g.transitive_dependencies(id).unwrap() {
                    assert!(g.transitive_dependants(dep).unwrap().contains(id));
                }
            }
        }
    }
}

#[test]
fn property_injected_cycles_are_reported_as_real_cycles() {
    let mut rng = Rng(0xC7C1E);
    for _ in 0..500 {
        let mut nodes = random_dag(&mut rng);
        if nodes.len() < 2 {
            continue;
        }
        // Pick 2..=5 distinct nodes and chain them into a ring.
        let mut picks: Vec<usize> = (0..nodes.len()).collect();
        rng.shuffle(&mut picks);
        picks.truncate(2 + rng.below(4.min(nodes.len() - 1)));
        for (k, &from) in picks.iter().enumerate() {
            let to = nodes[picks[(k + 1) % picks.len()]].0.clone();
            nodes[from].1.push(to);
        }

        let Err(DagError::Cycle { path }) = Dag::new(nodes.clone()) else {
            panic!("a cycle must be reported for {nodes:?}");
        };
        assert!(path.len() >= 3, "{path:?}");
        assert_eq!(path.first(), path.last());
        let body = &path[..path.len() - 1];
        let mut distinct = body.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            body.len(),
            "no node repeats inside {path:?}"
        );
        for pair in path.windows(2) {
            let (_, deps) = nodes.iter().find(|(id, _)| *id == pair[0]).unwrap();
            assert!(
                deps.contains(&pair[1]),
                "{} → {} is an edge",
                pair[0],
                pair[1]
            );
        }
        // Deterministic: the same input gives the same path.
        assert_eq!(Dag::new(nodes).unwrap_err(), DagError::Cycle { path });
    }
}
