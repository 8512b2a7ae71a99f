//! The public entry points: compile a package once, evaluate it many times.

use crate::ast;
use crate::error::ParseErrors;
use crate::eval::{ArcType, Evaluator, Label};
use crate::export::{CueMode, EvalFields, ExportError, to_cue, to_json};
use crate::module::{Imports, Module};
use crate::value::{ErrorCode, Kind, VId, Value};

/// Default evaluation step budget (protects against runaway programs).
pub const DEFAULT_BUDGET: u64 = 20_000_000;

/// Vertices an evaluation reserves room for: a platform module such as the
/// bundled `webservice` makes a few hundred.
const RESERVED_VERTICES: usize = 1024;

/// A parsed package ready for evaluation; reusable and cheap to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    files: Vec<ast::File>,
    /// The source text of each file, when compiled from sources.
    sources: Vec<String>,
    /// The packages of the module that the package imports.
    imports: Imports,
}

impl Compiled {
    /// Builds a package from parsed files (all of the same package).
    pub fn new(files: Vec<ast::File>) -> Self {
        Compiled {
            files,
            sources: Vec::new(),
            imports: Imports::default(),
        }
    }

    /// A package with its sources and the packages it imports.
    pub(crate) fn from_parts(
        files: Vec<ast::File>,
        sources: Vec<String>,
        imports: Imports,
    ) -> Self {
        Compiled {
            imports: imports.rebased(files.len()),
            files,
            sources,
        }
    }

    /// Loads the package in directory `package` (relative to the module
    /// root, `.` for the root, `dir:name` to pick a package by name) of a
    /// module held in memory as `(path, source)` pairs (`cue.mod/module.cue`,
    /// `a.cue`, `lib/b.cue`), with the module packages it imports, and
    /// applies `tags`. See [`Module::compile`].
    pub fn from_module_files(
        files: &[(&str, &str)],
        package: &str,
        tags: &crate::Tags,
    ) -> Result<Self, crate::LoadError> {
        Module::from_files(files)?.compile(package, tags)
    }

    /// Like [`Compiled::from_module_files`] for a module (or a plain
    /// directory) on disk at `root`.
    pub fn from_dir(
        root: &std::path::Path,
        package: &str,
        tags: &crate::Tags,
    ) -> Result<Self, crate::LoadError> {
        Module::from_dir(root)?.compile(package, tags)
    }

    /// Parses and compiles `(name, source)` pairs.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, ParseErrors> {
        let mut files = Vec::with_capacity(sources.len());
        for (name, src) in sources {
            files.push(crate::parse_file(name, src)?);
        }
        Ok(Compiled {
            files,
            sources: sources.iter().map(|(_, s)| s.to_string()).collect(),
            imports: Imports::default(),
        })
    }

    /// Parses `(name, source)` pairs and applies tags (`cue -t`): see
    /// [`Compiled::with_tags`].
    pub fn from_sources_with_tags(
        sources: &[(&str, &str)],
        tags: &crate::Tags,
    ) -> Result<Self, crate::LoadError> {
        let compiled = Compiled::from_sources(sources)?;
        // `@embed` reads files of a module; these sources are of none.
        if compiled.files.iter().any(crate::module::embed::enabled) {
            return Err(crate::LoadError::Package(
                crate::module::embed::NOT_IN_MODULE.to_string(),
            ));
        }
        Ok(compiled.with_tags(tags)?)
    }

    /// The package with `@tag` fields set from `tags` and the files whose
    /// `@if(...)` build constraint is false left out (even with no tags, as
    /// `cue` does). The receiver is unchanged, so one compiled package can
    /// be evaluated with different tags.
    pub fn with_tags(&self, tags: &crate::Tags) -> Result<Compiled, crate::TagError> {
        self.clone().into_tagged(tags)
    }

    /// [`Compiled::with_tags`], consuming the receiver (no copy of the
    /// syntax trees).
    pub fn into_tagged(self, tags: &crate::Tags) -> Result<Compiled, crate::TagError> {
        let Compiled {
            files,
            mut sources,
            imports,
        } = self;
        let kept = crate::tags::apply(files, &sources, tags)?;
        let sources = kept
            .iter()
            .filter_map(|(i, _)| sources.get_mut(*i).map(std::mem::take))
            .collect();
        let files: Vec<ast::File> = kept.into_iter().map(|(_, f)| f).collect();
        Ok(Compiled {
            imports: imports.rebased(files.len()),
            files,
            sources,
        })
    }

    /// The package with one more file of it, parsed from `source`: the
    /// CLI evaluates `-e` expressions as fields of such a file, in the
    /// scope of the package's root.
    pub fn with_file(&self, name: &str, source: &str) -> Result<Compiled, ParseErrors> {
        let mut files = self.files.clone();
        let mut sources = self.sources.clone();
        sources.resize(files.len(), String::new());
        files.push(crate::parse_file(name, source)?);
        sources.push(source.to_owned());
        Ok(Compiled {
            imports: self.imports.rebased(files.len()),
            files,
            sources,
        })
    }

    /// The files of the package.
    pub fn files(&self) -> &[ast::File] {
        &self.files
    }

    /// The source text of each file (empty if built with [`Compiled::new`]).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The names and sources of every loaded file: the package's, then
    /// those of the packages it imports (the file indices of positions).
    fn all_files(&self) -> (Vec<&str>, Vec<String>) {
        let mut names: Vec<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
        let mut sources = self.sources.clone();
        sources.resize(names.len(), String::new());
        for p in &self.imports.packages {
            names.extend(p.files.iter().map(|f| f.name.as_str()));
            sources.extend(p.sources.iter().cloned());
        }
        (names, sources)
    }

    /// Evaluates the package.
    pub fn eval(&self) -> Instance<'_> {
        self.eval_with(&[])
    }

    /// Evaluates the package with JSON values unified at the given paths
    /// (dot-separated field names, such as `input.spec`).
    pub fn eval_with(&self, inject: &[(&str, serde_json::Value)]) -> Instance<'_> {
        self.eval_with_budget(inject, DEFAULT_BUDGET)
    }

    /// Like [`Compiled::eval_with`] with an explicit step budget.
    pub fn eval_with_budget(
        &self,
        inject: &[(&str, serde_json::Value)],
        budget: u64,
    ) -> Instance<'_> {
        self.eval_with_limits(inject, budget, None)
    }

    /// Like [`Compiled::eval_with`] with a step budget and a wall-time limit.
    pub fn eval_with_limits(
        &self,
        inject: &[(&str, serde_json::Value)],
        budget: u64,
        time_limit: Option<std::time::Duration>,
    ) -> Instance<'_> {
        let mut ev = Evaluator::new(budget);
        // Vertices are pushed one by one; growing the vector by doubling
        // copies it at each step. Reserved at once, a large allocation is
        // mapped lazily, so only the pages used are ever touched.
        ev.vertices.reserve(RESERVED_VERTICES);
        ev.set_imports(&self.imports);
        if let Some(t) = time_limit {
            ev.set_time_limit(t);
        }
        let root = ev.root(&self.files);
        for (path, json) in inject {
            let mut v = from_json(&mut ev, json);
            let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
            for p in parts.iter().rev() {
                v = ev.make_struct(vec![(p.to_string(), v)]);
            }
            ev.add_value(root, v);
        }
        Instance {
            ev,
            root,
            compiled: self,
        }
    }
}

/// Converts JSON into a value inside an evaluator.
pub(crate) fn from_json(ev: &mut Evaluator<'_>, j: &serde_json::Value) -> Value {
    use std::str::FromStr;
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            let t = n.to_string();
            if t.contains(['.', 'e', 'E']) {
                bigdecimal::BigDecimal::from_str(&t)
                    .map(Value::Float)
                    .unwrap_or_else(|_| Value::err(ErrorCode::Eval, "invalid number"))
            } else {
                num_bigint::BigInt::from_str(&t)
                    .map(Value::Int)
                    .unwrap_or_else(|_| Value::err(ErrorCode::Eval, "invalid number"))
            }
        }
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => {
            let items = a.iter().map(|x| from_json(ev, x)).collect();
            ev.make_list(items)
        }
        serde_json::Value::Object(o) => {
            let fields = o
                .iter()
                .map(|(k, v)| (k.clone(), from_json(ev, v)))
                .collect();
            ev.make_struct(fields)
        }
    }
}

/// An evaluated package.
#[derive(Debug)]
pub struct Instance<'a> {
    ev: Evaluator<'a>,
    root: VId,
    compiled: &'a Compiled,
}

/// A position in an evaluated value tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node(VId);

impl Node {
    /// The vertex of the node in the evaluator's arena.
    pub(crate) fn id(self) -> VId {
        self.0
    }
}

impl<'a> Instance<'a> {
    /// The root of the package.
    pub fn root(&self) -> Node {
        Node(self.root)
    }

    /// The node at a dot-separated path of field names (`a.b.0` indexes lists).
    pub fn lookup(&mut self, path: &str) -> Option<Node> {
        let mut cur = self.root;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            self.ev.eval_vertex(cur);
            let label = if self.ev.vertices[cur].is_list {
                Label::Index(part.parse().ok()?)
            } else {
                Label::ident(part)
            };
            cur = self.ev.child(cur, &label)?;
        }
        Some(Node(cur))
    }

    /// The value at a node (structs and lists are [`Value::Vertex`]).
    pub fn value(&mut self, n: Node) -> Value {
        let v = self.ev.value_of(n.0);
        self.ev.default_of(v)
    }

    /// The kind of the value at a node.
    pub fn kind(&mut self, n: Node) -> Kind {
        let v = self.value(n);
        self.ev.kind_of(&v)
    }

    /// The regular fields (or list elements) of a node, in order.
    pub fn fields(&mut self, n: Node) -> Vec<(Label, Node)> {
        self.ev.eval_vertex(n.0);
        self.ev
            .ordered_arcs(n.0)
            .into_iter()
            .filter(|(l, a)| {
                (l.is_regular() || matches!(l, Label::Index(_)))
                    && self.ev.vertices[*a].arc_type == ArcType::Regular
            })
            .map(|(l, a)| (l, Node(a)))
            .collect()
    }

    /// Every field of a node (regular, optional, required, hidden and
    /// definitions) or list element, in order.
    pub fn arcs(&mut self, n: Node) -> Vec<(Label, ArcType, Node)> {
        self.ev.eval_vertex(n.0);
        let arcs: Vec<(Label, usize)> = self.ev.ordered_arcs(n.0);
        arcs.into_iter()
            .map(|(l, a)| (l, self.ev.vertices[a].arc_type, Node(a)))
            .collect()
    }

    /// Whether the node is a list.
    pub fn is_list(&mut self, n: Node) -> bool {
        self.ev.eval_vertex(n.0);
        self.ev.vertices[n.0].is_list
    }

    /// The node of a struct or list value.
    pub fn node_of(v: &Value) -> Option<Node> {
        match v {
            Value::Vertex(w) => Some(Node(*w)),
            _ => None,
        }
    }

    /// The child of `n` at a dot-separated path.
    pub fn lookup_in(&mut self, n: Node, path: &str) -> Option<Node> {
        let mut cur = n.0;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            self.ev.eval_vertex(cur);
            let label = if self.ev.vertices[cur].is_list {
                Label::Index(part.parse().ok()?)
            } else {
                Label::ident(part.trim_matches('"'))
            };
            cur = self.ev.child(cur, &label)?;
        }
        Some(Node(cur))
    }

    /// The error of the value at a node, as `cue`'s `Value.Err` reports
    /// it: its own error, or else the first permanent (not incomplete)
    /// error among its descendants, which `cue` records in every ancestor
    /// as a child error. With `deep`, the first error of any kind among
    /// the descendants.
    pub fn error_at(&mut self, n: Node, deep: bool) -> Option<crate::value::Error> {
        let v = self.ev.value_of(n.0);
        if let Value::Bottom(e) = v {
            return Some((*e).clone());
        }
        if let Some(p) = self.ev.vertices[n.0].pending.clone() {
            return Some((*p).clone());
        }
        let mut seen = std::collections::HashSet::new();
        self.child_error(n.0, deep, 20, &mut seen)
    }

    /// The first error among the descendants of `v` (to `depth` levels):
    /// a permanent one, or any if `any`. Optional fields are not there.
    fn child_error(
        &mut self,
        v: VId,
        any: bool,
        depth: usize,
        seen: &mut std::collections::HashSet<VId>,
    ) -> Option<crate::value::Error> {
        if depth == 0 || !seen.insert(v) || self.ev.exhausted() {
            return None;
        }
        let arcs: Vec<_> = self.ev.vertices[v].arcs.values().copied().collect();
        for a in arcs {
            if self.ev.vertices[a].arc_type == ArcType::Optional {
                continue;
            }
            let val = self.ev.value_of(a);
            let own = match val {
                Value::Bottom(e) => Some(e),
                _ => self.ev.vertices[a].pending.clone(),
            };
            if let Some(e) = own {
                // Incomplete values and reference cycles may still resolve.
                if any || !matches!(e.code, ErrorCode::Incomplete | ErrorCode::Cycle) {
                    return Some((*e).clone());
                }
                continue;
            }
            if let Some(e) = self.child_error(a, any, depth - 1, seen) {
                return Some(e);
            }
        }
        None
    }

    /// Whether the step budget ran out during evaluation.
    pub fn exhausted(&self) -> bool {
        self.ev.exhausted()
    }

    /// The path of a node as CUE prints it.
    pub fn path(&self, n: Node) -> String {
        self.ev.path(n.0)
    }

    /// Exports a node as JSON (pretty-printed with four spaces if `pretty`).
    pub fn to_json(&mut self, n: Node, pretty: bool) -> Result<String, ExportError> {
        let v = self.ev.value_of(n.0);
        to_json(&mut self.ev, v, Some(n.0), pretty.then_some("    ")).map_err(|mut e| {
            let (names, sources) = self.compiled.all_files();
            e.resolve(&names, &sources);
            e
        })
    }

    /// Renders a node as CUE text the way the official CLI prints it in
    /// `mode` (`cue export --out cue`, `cue eval`, `cue def`): a struct as
    /// its fields, one a line. [`CueMode::Export`] fails as
    /// [`Instance::to_json`] does on a value that is not concrete.
    pub fn to_cue(&mut self, n: Node, mode: CueMode) -> Result<String, ExportError> {
        self.to_cue_with(n, mode, EvalFields::default())
    }

    /// [`Instance::to_cue`], with the fields [`CueMode::Eval`] shows chosen.
    pub fn to_cue_with(
        &mut self,
        n: Node,
        mode: CueMode,
        shown: EvalFields,
    ) -> Result<String, ExportError> {
        self.to_cue_placed(n, mode, shown, &[])
    }

    /// [`Instance::to_cue_with`], the node printed as the value of the field
    /// path `labels` (what `cue export -l a: -l b:` prints).
    pub fn to_cue_placed(
        &mut self,
        n: Node,
        mode: CueMode,
        shown: EvalFields,
        labels: &[String],
    ) -> Result<String, ExportError> {
        if mode == CueMode::Export {
            self.to_json(n, false)?;
        }
        let v = self.ev.value_of(n.0);
        // `cue export --out cue` keeps the doc comments of fields.
        let docs = (mode == CueMode::Export)
            .then(|| crate::docs::Docs::new(self.compiled.files(), self.compiled.sources()));
        Ok(to_cue(
            &mut self.ev,
            v,
            Some(n.0),
            mode,
            shown,
            labels,
            docs,
        ))
    }

    /// Every error that keeps a node from being exported, sorted by path,
    /// with source positions: what `cue export` lists when it fails
    /// (empty if the node exports).
    pub fn export_errors(&mut self, n: Node) -> Vec<ExportError> {
        let v = self.ev.value_of(n.0);
        let (names, sources) = self.compiled.all_files();
        let mut errs = crate::export::all_errors(&mut self.ev, v, Some(n.0));
        for e in &mut errs {
            e.resolve(&names, &sources);
        }
        errs
    }

    /// Exports a node as a `serde_json::Value` (object key order is not kept).
    pub fn to_json_value(&mut self, n: Node) -> Result<serde_json::Value, ExportError> {
        let text = self.to_json(n, false)?;
        serde_json::from_str(&text)
            .map_err(|e| ExportError::new(self.path(n), ErrorCode::Eval, e.to_string()))
    }

    /// The package this instance evaluates.
    pub fn compiled(&self) -> &'a Compiled {
        self.compiled
    }

    /// The evaluator, for advanced inspection.
    pub fn evaluator(&mut self) -> &mut Evaluator<'a> {
        &mut self.ev
    }
}

/// The import path of the builtin package an expression given to the CLI
/// names by its last element (`strings`, `yaml`): the official CLI infers
/// those imports for `-e` and `-l` expressions.
pub fn builtin_import(name: &str) -> Option<String> {
    ["", "encoding/", "math/", "text/", "crypto/"]
        .iter()
        .map(|dir| format!("{dir}{name}"))
        .find(|path| crate::builtins::is_package(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(src: &str) -> String {
        let c = Compiled::from_sources(&[("in.cue", src)]).unwrap();
        let mut i = c.eval();
        let r = i.root();
        match i.to_json(r, false) {
            Ok(s) => s,
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn basics() {
        assert_eq!(export("a: 1, b: a + 1"), r#"{"a":1,"b":2}"#);
        assert_eq!(
            export("a: {x: 1, y: x}, b: a & {z: 2}"),
            r#"{"a":{"x":1,"y":1},"b":{"x":1,"y":1,"z":2}}"#
        );
        assert_eq!(export("a: int, a: 3"), r#"{"a":3}"#);
        assert_eq!(export("a: *1 | 2"), r#"{"a":1}"#);
        assert_eq!(export("a: int"), "ERR a: incomplete value int");
        assert_eq!(export("#D: {x: int}, a: #D & {x: 1}"), r#"{"a":{"x":1}}"#);
        assert_eq!(
            export("#D: {x: 1}, a: #D & {y: 1}"),
            "ERR a.y: field not allowed"
        );
        assert_eq!(export("l: [1, 2], n: len(l)"), r#"{"l":[1,2],"n":2}"#);
        assert_eq!(export("s: [for x in [1,2] {x * 2}]"), r#"{"s":[2,4]}"#);
        assert_eq!(export("[k=string]: v: k\na: {}"), r#"{"a":{"v":"a"}}"#);
        assert_eq!(export("x: \"a\\(1+1)\""), r#"{"x":"a2"}"#);
        assert_eq!(
            export("import \"strings\"\nx: strings.Join([\"a\",\"b\"], \"-\")"),
            r#"{"x":"a-b"}"#
        );
    }

    #[test]
    fn injection() {
        let c = Compiled::from_sources(&[("in.cue", "input: {n: int}, out: input.n * 2")]).unwrap();
        let mut i = c.eval_with(&[("input", serde_json::json!({"n": 21}))]);
        let n = i.lookup("out").unwrap();
        assert_eq!(i.to_json(n, false).unwrap(), "42");
    }
}
