//! `pequod graph`: a ResourceGraph's DAG as Mermaid or DOT.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use pequod_api::ResourceGraph;
use pequod_engine::Target;
use pequod_engine::dag::Dag;

use crate::cli::GraphFormat;

pub(crate) fn run(file: &Path, format: GraphFormat) -> anyhow::Result<ExitCode> {
    let text = if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    let graph: ResourceGraph = serde_yaml::from_str(&text)
        .with_context(|| format!("{} is not a ResourceGraph", file.display()))?;
    let rendered = render(&graph, format)?;
    std::io::stdout().lock().write_all(rendered.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The graph's nodes by wave, with an edge from each dependency to its dependant.
pub(crate) fn render(graph: &ResourceGraph, format: GraphFormat) -> anyhow::Result<String> {
    let nodes = &graph.spec.nodes;
    let dag = Dag::new(
        nodes
            .iter()
            .map(|n| (n.id.as_str(), n.depends_on.iter().map(String::as_str))),
    )?;
    let label = |id: &str| {
        nodes
            .iter()
            .find(|n| n.id == id)
            .and_then(|n| Target::of(&n.id, &n.object).ok())
            .map_or_else(|| id.to_owned(), |t| format!("{id}: {} {}", t.kind, t.name))
    };
    let name = graph.metadata.name.as_deref().unwrap_or("graph");
    let mut out = String::new();
    match format {
        GraphFormat::Mermaid => {
            writeln!(out, "flowchart LR")?;
            for (i, wave) in dag.waves().iter().enumerate() {
                writeln!(out, "  subgraph wave{i}[\"wave {i}\"]")?;
                for id in wave {
                    writeln!(
                        out,
                        "    {}[\"{}\"]",
                        mermaid_id(id),
                        label(id).replace('"', "#quot;")
                    )?;
                }
                writeln!(out, "  end")?;
            }
            for id in dag.topological_order() {
                for dependant in dag.dependants(id).unwrap_or_default() {
                    writeln!(out, "  {} --> {}", mermaid_id(id), mermaid_id(dependant))?;
                }
            }
        }
        GraphFormat::Dot => {
            writeln!(out, "digraph {} {{", dot_quote(name))?;
            writeln!(out, "  rankdir=LR;")?;
            for (i, wave) in dag.waves().iter().enumerate() {
                writeln!(out, "  subgraph cluster_wave{i} {{")?;
                writeln!(out, "    label={};", dot_quote(&format!("wave {i}")))?;
                for id in wave {
                    writeln!(
                        out,
                        "    {} [label={}];",
                        dot_quote(id),
                        dot_quote(&label(id))
                    )?;
                }
                writeln!(out, "  }}")?;
            }
            for id in dag.topological_order() {
                for dependant in dag.dependants(id).unwrap_or_default() {
                    writeln!(out, "  {} -> {};", dot_quote(id), dot_quote(dependant))?;
                }
            }
            writeln!(out, "}}")?;
        }
    }
    Ok(out)
}

/// Mermaid ids may not hold every character a node id can; keep the safe ones.
fn mermaid_id(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("n_{safe}")
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
