//! One render: the module unified with `input`, `context` and `observed`,
//! read back as policy violations, graph nodes and projected status.

use pequod_api::Node;
use pequod_cue::value::ErrorCode;
use pequod_cue::{Compiled, Instance};
use serde_json::{Map, Value, json};

use crate::modules::Module;

/// What Pequod injects into a module.
#[derive(Debug, Clone, Default)]
pub struct RenderInput {
    /// The instance (`metadata` and `spec` are used).
    pub instance: Value,
    /// API groups the cluster serves (`context.capabilities`).
    pub capabilities: Vec<String>,
    /// The cluster's name (`context.clusterName`).
    pub cluster_name: String,
    /// Live objects of nodes already applied, by node id (`observed`).
    pub observed: Map<String, Value>,
    /// Objects the module references, by id (`refs`).
    pub refs: Map<String, Value>,
    /// Manifests fetched for the module, by id (`fetched`).
    pub fetched: Map<String, Value>,
}

/// An object a module reads (`references.<id>`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reference {
    /// `group/version` (or `v1`).
    pub api_version: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace (default: the instance's, for a namespaced kind).
    #[serde(default)]
    pub namespace: Option<String>,
}

/// Manifests a module wants fetched (`fetch.<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FetchSpec {
    /// A git URL, or an absolute local directory.
    pub repository: String,
    /// The commit (or branch, tag) for git.
    #[serde(default)]
    pub revision: Option<String>,
    /// The directory inside the repository.
    #[serde(default = "dot")]
    pub path: String,
    /// `manifest` (every YAML document) or `kustomize` (`kustomize build`).
    #[serde(default = "manifest")]
    pub format: String,
}

fn dot() -> String {
    ".".to_owned()
}

fn manifest() -> String {
    "manifest".to_owned()
}

/// What a module made of an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The module's policy failures; non-empty blocks the apply.
    pub violations: Vec<String>,
    /// The graph's nodes, in the order the module declares them.
    pub nodes: Vec<Node>,
    /// Nodes that cannot be rendered yet (they refer to `observed` values
    /// that do not exist yet), with the reason.
    pub pending: Vec<(String, String)>,
    /// The module's `status`, to project into the instance.
    pub status: Option<Value>,
}

/// A module that does not compile or does not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The module's sources do not parse.
    #[error("{module} does not compile: {message}")]
    Compile {
        /// Where the module came from.
        module: String,
        /// The parser's errors, with file:line:col.
        message: String,
    },
    /// Unification failed, or a required value is not concrete.
    #[error("{module}: {message}")]
    Render {
        /// Where the module came from.
        module: String,
        /// The CUE error, with its path.
        message: String,
    },
}

/// A module compiled once, rendered for many instances.
pub struct CompiledModule {
    origin: String,
    compiled: Compiled,
}

impl CompiledModule {
    /// Parses the module's package files.
    pub fn compile(module: &Module) -> Result<Self, RenderError> {
        let files: Vec<(&str, &str)> = module.package_files().collect();
        let compiled = Compiled::from_sources(&files).map_err(|e| RenderError::Compile {
            module: module.origin.clone(),
            message: e.to_string(),
        })?;
        Ok(Self {
            origin: module.origin.clone(),
            compiled,
        })
    }

    /// The OpenAPI v3 schema of the module's `#Spec`: the generated kind's
    /// `spec` schema.
    pub fn spec_schema(&self) -> Result<Value, RenderError> {
        let mut instance = self.compiled.eval();
        pequod_cue::openapi_schema(&mut instance, "#Spec").map_err(|e| RenderError::Render {
            module: self.origin.clone(),
            message: format!("#Spec: {e}"),
        })
    }

    /// The objects the module references for `input` (`references`),
    /// computed before they are fetched.
    pub fn references(&self, input: &RenderInput) -> Result<Vec<(String, Reference)>, RenderError> {
        self.declared(input, "references")
    }

    /// The manifests the module wants fetched for `input` (`fetch`), with
    /// its references injected.
    pub fn fetch_specs(
        &self,
        input: &RenderInput,
    ) -> Result<Vec<(String, FetchSpec)>, RenderError> {
        self.declared(input, "fetch")
    }

    /// A struct of declarations (`references`, `fetch`) the module computes
    /// from what is injected so far.
    fn declared<T: serde::de::DeserializeOwned>(
        &self,
        input: &RenderInput,
        field: &str,
    ) -> Result<Vec<(String, T)>, RenderError> {
        let inject = self.injected(input);
        let mut instance = self.compiled.eval_with(&inject);
        let fail = |message: String| RenderError::Render {
            module: self.origin.clone(),
            message,
        };
        let Some(node) = instance.lookup(field) else {
            return Ok(Vec::new());
        };
        let value = instance.to_json_value(node).map_err(|e| {
            fail(format!(
                "{field}.{}: {}{} ({field} must follow from input alone)",
                e.path,
                e.msg,
                at(&e)
            ))
        })?;
        let Value::Object(entries) = value else {
            return Err(fail(format!("{field} must be a struct")));
        };
        entries
            .into_iter()
            .map(|(id, v)| {
                serde_json::from_value(v)
                    .map(|d| (id.clone(), d))
                    .map_err(|e| fail(format!("{field}.{id}: {e}")))
            })
            .collect()
    }

    /// What Pequod injects: `input`, `context`, `observed`, `refs`, `fetched`.
    fn injected(&self, input: &RenderInput) -> Vec<(&'static str, Value)> {
        let metadata = input
            .instance
            .get("metadata")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let mut injected_metadata = Map::new();
        for key in ["name", "namespace", "labels", "annotations"] {
            if let Some(v) = metadata.get(key) {
                injected_metadata.insert(key.to_owned(), v.clone());
            }
        }
        let spec = input
            .instance
            .get("spec")
            .cloned()
            .unwrap_or_else(|| json!({}));
        vec![
            (
                "input",
                json!({"metadata": injected_metadata, "spec": spec}),
            ),
            (
                "context",
                json!({
                    "capabilities": input.capabilities,
                    "clusterName": input.cluster_name,
                    "pequodVersion": env!("CARGO_PKG_VERSION"),
                }),
            ),
            ("observed", Value::Object(input.observed.clone())),
            ("refs", Value::Object(input.refs.clone())),
            ("fetched", Value::Object(input.fetched.clone())),
        ]
    }

    /// Renders one instance.
    pub fn render(&self, input: &RenderInput) -> Result<Rendered, RenderError> {
        let inject = self.injected(input);
        let mut instance = self.compiled.eval_with(&inject);
        let fail = |message: String| RenderError::Render {
            module: self.origin.clone(),
            message,
        };

        // A conflict anywhere in the input is the developer's to fix.
        if let Some(node) = instance.lookup("input")
            && let Err(e) = instance.to_json_value(node)
            && e.code != ErrorCode::Incomplete
        {
            return Err(fail(format!("input.{}: {}{}", e.path, e.msg, at(&e))));
        }
        let violations = match instance.lookup("violations") {
            None => Vec::new(),
            Some(node) => match instance.to_json_value(node) {
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect(),
                Ok(other) => {
                    return Err(fail(format!(
                        "violations must be a list of strings, not {other}"
                    )));
                }
                Err(e) => return Err(fail(format!("violations: {e}{}", at(&e)))),
            },
        };
        let (nodes, pending) = if violations.is_empty() {
            self.nodes(&mut instance, &fail)?
        } else {
            (Vec::new(), Vec::new())
        };
        let status = match instance.lookup("status") {
            None => None,
            Some(node) => instance.to_json_value(node).ok(),
        };
        Ok(Rendered {
            violations,
            nodes,
            pending,
            status,
        })
    }

    #[allow(clippy::type_complexity, reason = "a pair of lists, once")]
    fn nodes(
        &self,
        instance: &mut Instance<'_>,
        fail: &dyn Fn(String) -> RenderError,
    ) -> Result<(Vec<Node>, Vec<(String, String)>), RenderError> {
        let Some(resources) = instance.lookup("resources") else {
            return Err(fail("the module has no `resources`".to_owned()));
        };
        let mut nodes = Vec::new();
        let mut pending = Vec::new();
        for (label, node) in instance.fields(resources) {
            // The field name, not its CUE selector (`"a-b"` is the id `a-b`).
            let id = label
                .name()
                .map_or_else(|| label.to_string(), str::to_owned);
            match instance.to_json_value(node) {
                Ok(mut value) => {
                    if let Some(map) = value.as_object_mut() {
                        map.insert("id".to_owned(), Value::String(id.clone()));
                    }
                    let node: Node = serde_json::from_value(value)
                        .map_err(|e| fail(format!("resources.{id}: not a graph node: {e}")))?;
                    nodes.push(node);
                }
                // Waiting for an observed value, or for the developer's input.
                Err(e) if e.code == ErrorCode::Incomplete => {
                    pending.push((id, format!("{}: {}", e.path, e.msg)))
                }
                Err(e) => return Err(fail(format!("resources.{id}: {e}{}", at(&e)))),
            }
        }
        // A node that depends on a pending one is pending too.
        loop {
            let blocked: Vec<usize> = nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| {
                    n.depends_on
                        .iter()
                        .any(|d| pending.iter().any(|(p, _)| p == d))
                })
                .map(|(i, _)| i)
                .collect();
            if blocked.is_empty() {
                break;
            }
            for i in blocked.into_iter().rev() {
                let node = nodes.remove(i);
                let on: Vec<&str> = node.depends_on.iter().map(String::as_str).collect();
                pending.push((node.id, format!("depends on {}", on.join(", "))));
            }
        }
        Ok((nodes, pending))
    }
}

/// Where in the module's sources a CUE error comes from, for one-line
/// messages (conditions, events): ` (at resources.cue:12:5, spec.cue:3:9)`.
fn at(e: &pequod_cue::export::ExportError) -> String {
    if e.positions.is_empty() {
        return String::new();
    }
    let places: Vec<String> = e.positions.iter().map(ToString::to_string).collect();
    format!(" (at {})", places.join(", "))
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::{CompiledModule, RenderInput};
    use crate::modules::Module;

    fn webservice() -> CompiledModule {
        CompiledModule::compile(&Module::bundled("webservice").unwrap()).unwrap()
    }

    fn instance(spec: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "platform.pequod.io/v1alpha1", "kind": "WebService",
               "metadata": {"name": "shop", "namespace": "team-a", "uid": "ignored"}, "spec": spec})
    }

    #[test]
    fn a_type_error_names_its_source_position() {
        let module = Module {
            origin: "inline:typed".into(),
            files: vec![(
                "resources.cue".into(),
                "input: spec: replicas: int\nresources: web: object: {\n\tapiVersion: \"v1\"\n\tkind: \"ConfigMap\"\n\tmetadata: name: \"web\"\n\tdata: replicas: input.spec.replicas & string\n}\n".into(),
            )],
        };
        let compiled = CompiledModule::compile(&module).unwrap();
        let input = RenderInput {
            instance: instance(json!({"replicas": 3})),
            ..RenderInput::default()
        };
        let message = compiled.render(&input).unwrap_err().to_string();
        assert!(message.contains("resources.web"), "{message}");
        assert!(message.contains("resources.cue:6:"), "{message}");
    }

    #[test]
    fn renders_a_graph_in_declaration_order() {
        let input = RenderInput {
            instance: instance(
                json!({"image": "ghcr.io/acme/shop:1.4.2", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                                      "ingress": {"host": "shop.example.com"}}),
            ),
            ..RenderInput::default()
        };
        let r = webservice().render(&input).unwrap();
        assert!(r.violations.is_empty(), "{:?}", r.violations);
        let ids: Vec<&str> = r.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["serviceAccount", "deployment", "service", "ingress"]);
        assert_eq!(r.nodes[1].depends_on, ["serviceAccount"]);
        assert_eq!(r.nodes[1].object["spec"]["replicas"], 2);
        assert_eq!(r.status, Some(json!({"url": "https://shop.example.com/"})));
    }

    #[test]
    fn policy_violations_block_the_graph() {
        let input = RenderInput {
            instance: instance(json!({"image": "nginx:latest"})),
            ..RenderInput::default()
        };
        let r = webservice().render(&input).unwrap();
        assert!(r.nodes.is_empty());
        assert!(
            r.violations.iter().any(|v| v.contains(":latest")),
            "{:?}",
            r.violations
        );
        assert!(
            r.violations.iter().any(|v| v.contains("limits.memory")),
            "{:?}",
            r.violations
        );
    }

    #[test]
    fn observed_values_gate_their_dependants() {
        let spec = json!({"image": "ghcr.io/acme/shop:1.4.2", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                          "iam": {"policyARNs": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}});
        let mut input = RenderInput {
            instance: instance(spec),
            capabilities: vec!["iam.services.k8s.aws".into()],
            ..RenderInput::default()
        };
        let r = webservice().render(&input).unwrap();
        let ids: Vec<&str> = r.nodes.iter().map(|n| n.id.as_str()).collect();
        assert!(
            ids.contains(&"role") && !ids.contains(&"deployment"),
            "{ids:?}"
        );
        let pending: Vec<&str> = r.pending.iter().map(|(id, _)| id.as_str()).collect();
        assert!(
            pending.contains(&"deployment") && pending.contains(&"service"),
            "{:?}",
            r.pending
        );

        let mut observed = Map::new();
        observed.insert(
            "role".into(),
            json!({"status": {"ackResourceMetadata": {"arn": "arn:aws:iam::1:role/x"}}}),
        );
        input.observed = observed;
        let r = webservice().render(&input).unwrap();
        assert!(r.pending.is_empty(), "{:?}", r.pending);
        let deployment = r.nodes.iter().find(|n| n.id == "deployment").unwrap();
        assert_eq!(
            deployment.object["spec"]["template"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::1:role/x"
        );
    }
}
