//! The evaluator: an arena of vertices (structs and lists under
//! construction), lexical environments, and the unification of conjuncts.
//!
//! A vertex collects conjuncts: an expression with the environment it was
//! written in. Evaluating a vertex expands struct literals into arcs (child
//! vertices) without evaluating them; arcs are evaluated on demand, which
//! gives CUE's lazy, order-independent semantics.

mod closedness;
mod compact;
mod compare;
mod comprehension;
mod cycle;
mod disjunction;
mod expr;
mod label;
pub(crate) mod lit;
mod ops;
mod position;
mod reclose;
mod slice;
mod unify;
mod vertex;

use std::rc::Rc;

use indexmap::IndexMap;

use crate::ast;
use crate::value::{Error, VId, Value};

pub(crate) use closedness::GroupKind;
pub use label::Label;

/// The hasher of the evaluator's maps. Their keys are labels and ids, hashed
/// millions of times per evaluation: SipHash took a tenth of a `cue export`,
/// foldhash a fraction of that, still seeded per process.
pub(crate) type Hasher = foldhash::fast::RandomState;

/// A hash map with the evaluator's [`Hasher`].
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, Hasher>;

/// A struct's fields in insertion order.
pub(crate) type Arcs = IndexMap<Label, VId, Hasher>;

/// An index into the environment arena.
pub(crate) type EnvId = usize;

/// What an environment frame binds.
#[derive(Debug, Clone)]
pub(crate) enum Frame<'a> {
    /// The declarations of a struct literal, resolved in `vertex`.
    Struct { decls: &'a [ast::Decl], vertex: VId },
    /// The files of a package: names declared in any file.
    Package {
        files: &'a [ast::File],
        file: usize,
        /// The index of the package's first file among all loaded files.
        base: usize,
        vertex: VId,
    },
    /// A single name (comprehension variable, pattern alias).
    Bind { name: &'a str, value: Value },
}

/// An environment: a frame and its parent.
#[derive(Debug, Clone)]
pub(crate) struct Env<'a> {
    pub(crate) parent: Option<EnvId>,
    pub(crate) frame: Frame<'a>,
}

/// The source of a conjunct.
#[derive(Debug, Clone)]
pub(crate) enum Src<'a> {
    /// An expression.
    Expr(&'a ast::Expr),
    /// A struct literal body (comprehension bodies).
    Lit(&'a ast::StructLit),
    /// The files of a package (and the index of its first file among all
    /// loaded files), the root of an evaluation or of an import.
    Package(&'a [ast::File], usize),
    /// An already evaluated value.
    Value(Value),
}

/// One conjunct of a vertex.
#[derive(Debug, Clone)]
pub(crate) struct Conjunct<'a> {
    pub(crate) src: Src<'a>,
    pub(crate) env: Option<EnvId>,
    /// Whether the conjunct comes from a definition (closed).
    pub(crate) closed: bool,
    /// The closedness group of the conjunct (0: none), see
    /// [`closedness`].
    pub(crate) group: u32,
}

/// The evaluation state of a vertex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Unevaluated,
    Evaluating,
    Done,
}

/// Whether a field is regular, optional (`?`) or required (`!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArcType {
    /// `a: x`
    Regular,
    /// `a?: x`
    Optional,
    /// `a!: x`
    Required,
}

/// A pattern constraint `[P]: V` recorded on a vertex.
#[derive(Debug, Clone)]
pub(crate) struct PatternC<'a> {
    pub(crate) pattern: Value,
    pub(crate) alias: Option<&'a str>,
    /// `~(K, V)` / `~V` / `V=` aliases of the pattern field: label and field.
    pub(crate) label_alias: Option<&'a str>,
    pub(crate) field_alias: Option<&'a str>,
    pub(crate) value: &'a ast::Expr,
    pub(crate) env: Option<EnvId>,
    pub(crate) closed: bool,
    /// The closedness group of the literal declaring the pattern.
    pub(crate) group: u32,
}

/// A struct, list or field under evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Vertex<'a> {
    pub(crate) parent: Option<VId>,
    pub(crate) label: Option<Label>,
    pub(crate) conjuncts: Vec<Conjunct<'a>>,
    pub(crate) state: State,
    /// The scalar part, a disjunction, or an error; `Top` for structs.
    pub(crate) value: Value,
    pub(crate) is_struct: bool,
    pub(crate) is_list: bool,
    pub(crate) arcs: Arcs,
    pub(crate) arc_type: ArcType,
    /// Whether a definition or `close()` closed this struct.
    pub(crate) closed: bool,
    /// Whether this list is open (`[1, ...]`): an index past its end may
    /// still be defined.
    pub(crate) open_list: bool,
    /// Whether the field is allowed by a closed struct literal.
    pub(crate) allowed: bool,
    /// An error from a comprehension or pattern that makes it incomplete.
    pub(crate) pending: Option<Rc<Error>>,
    pub(crate) depth: usize,
    /// Closed by the vertex this one is a disjunct of.
    pub(crate) force_closed: bool,
    /// The vertex this one is a disjunct candidate of.
    pub(crate) alias_of: Option<VId>,
    /// The definitions whose conjuncts a reference brought into this
    /// vertex (for structural cycles through definitions).
    pub(crate) via: Vec<VId>,
    /// For a disjunct candidate: the closedness facts of the conjuncts of
    /// the vertex it is a candidate of (whose arcs it copies).
    pub(crate) seed_facts: Option<Box<closedness::GroupFacts>>,
    /// Sort key of the field: (struct literal, declaration index).
    pub(crate) order: (u64, u32),
    /// The order of the fields in exports, when it differs from `arcs`
    /// (which keeps the order evaluation relies on).
    pub(crate) export_order: Option<Rc<[Label]>>,
    /// What evaluation folds away but schema extraction needs.
    pub(crate) schema: Option<Box<SchemaInfo<'a>>>,
}

/// The parts of a vertex's conjuncts that evaluation does not keep in its
/// value or arcs: pattern constraints, list element types and validators
/// (kept for OpenAPI extraction).
#[derive(Debug, Clone, Default)]
pub(crate) struct SchemaInfo<'a> {
    pub(crate) patterns: Vec<PatternC<'a>>,
    /// The types of `[...T]` ellipses: expression, environment, closed.
    pub(crate) elems: Vec<(&'a ast::Expr, Option<EnvId>, bool)>,
    pub(crate) validators: Vec<Value>,
}

impl Vertex<'_> {
    /// Whether a copied error arc is a closedness error to keep.
    pub(crate) fn is_closedness_error(&self) -> bool {
        self.value
            .as_error()
            .is_some_and(|e| e.msg.starts_with("field not allowed"))
    }

    fn new(parent: Option<VId>, label: Option<Label>, depth: usize) -> Self {
        Vertex {
            parent,
            label,
            // Most vertices have one conjunct: room for one rather than
            // the four a first push makes (a third of the heap).
            conjuncts: Vec::with_capacity(1),
            state: State::Unevaluated,
            value: Value::Top,
            is_struct: false,
            is_list: false,
            arcs: Arcs::default(),
            arc_type: ArcType::Regular,
            closed: false,
            open_list: false,
            allowed: false,
            pending: None,
            depth,
            force_closed: false,
            alias_of: None,
            via: Vec::new(),
            seed_facts: None,
            order: (u64::MAX, 0),
            schema: None,
            export_order: None,
        }
    }
}

/// Limits that keep evaluation of hostile input bounded.
const MAX_DEPTH: usize = 300;
/// The stack the evaluator may use below its outermost call: well within
/// a 2 MiB thread stack (a Tokio worker's), whatever the build profile.
const MAX_STACK: usize = 1 << 20;
const MAX_VERTEX_DEPTH: usize = 120;
/// Labels the label cache has room for at first: a platform module names a
/// few hundred, and growing the table rehashes it at each doubling.
const LABELS: usize = 256;

/// The evaluator of one program: vertex and environment arenas.
#[derive(Debug)]
pub struct Evaluator<'a> {
    pub(crate) vertices: Vec<Vertex<'a>>,
    pub(crate) envs: Vec<Env<'a>>,
    pub(crate) lets: HashMap<(EnvId, usize), Value>,
    pub(crate) depth: usize,
    pub(crate) steps: u64,
    pub(crate) budget: u64,
    /// The vertex the last evaluated reference resolved to.
    pub(crate) last_ref: Option<VId>,
    /// The vertices under evaluation, innermost last.
    pub(crate) evaluating: Vec<VId>,
    /// Vertices whose conjuncts are being evaluated speculatively.
    pub(crate) speculating: Vec<VId>,
    /// Counter for field order keys.
    order_seq: u64,
    /// The packages of the module that the evaluated package imports.
    imports: Option<&'a crate::module::Imports>,
    /// The root vertex of each imported package evaluated so far.
    package_roots: HashMap<usize, VId>,
    /// The stack address of the outermost evaluation call.
    stack_base: usize,
    /// Closedness groups (index 0 is no group).
    pub(crate) groups: Vec<closedness::Group>,
    /// The declarations of the literals passed to `__reclose`.
    pub(crate) reclosed: Vec<*const ast::Decl>,
    deadline: Option<std::time::Instant>,
    /// Work states and conjunct queues of finished vertex evaluations, for
    /// the next ones to reuse.
    #[allow(
        clippy::vec_box,
        reason = "a work state is a few hundred bytes, moved out and back at every vertex"
    )]
    ctx_pool: Vec<Box<vertex::Ctx<'a>>>,
    /// The label each identifier or plain string label of the source
    /// names, by the node's address (nodes live as long as `'a`): made once
    /// rather than at every evaluation of the field or selector.
    labels: HashMap<usize, Label>,
    queue_pool: Vec<std::collections::VecDeque<Conjunct<'a>>>,
}

impl<'a> Evaluator<'a> {
    /// Creates an evaluator that gives up after `budget` steps.
    pub fn new(budget: u64) -> Self {
        Evaluator {
            vertices: Vec::new(),
            envs: Vec::new(),
            lets: HashMap::default(),
            depth: 0,
            steps: 0,
            budget,
            last_ref: None,
            evaluating: Vec::new(),
            speculating: Vec::new(),
            order_seq: 0,
            imports: None,
            package_roots: HashMap::default(),
            groups: vec![closedness::Group::NONE],
            reclosed: Vec::new(),
            stack_base: 0,
            deadline: None,
            ctx_pool: Vec::new(),
            queue_pool: Vec::new(),
            labels: HashMap::with_capacity_and_hasher(LABELS, Hasher::default()),
        }
    }

    /// The label an identifier names, made once per source node.
    pub(crate) fn ident_label(&mut self, i: &'a ast::Ident) -> Label {
        let key = std::ptr::from_ref(i) as usize;
        self.labels
            .entry(key)
            .or_insert_with(|| Label::ident(&i.name))
            .clone()
    }

    /// The label a plain (not interpolated) string names, made once per
    /// source node.
    pub(crate) fn string_label(&mut self, s: &'a ast::StringLit) -> Label {
        let key = std::ptr::from_ref(s) as usize;
        self.labels
            .entry(key)
            .or_insert_with(|| Label::field(&s.text()))
            .clone()
    }

    /// Stops evaluation (as if the budget ran out) after `limit` wall time.
    pub fn set_time_limit(&mut self, limit: std::time::Duration) {
        self.deadline = std::time::Instant::now().checked_add(limit);
    }

    /// Counts one evaluation step, checking the deadline now and then.
    pub(crate) fn tick(&mut self) {
        self.steps += 1;
        if self.steps.is_multiple_of(4096)
            && let Some(d) = self.deadline
            && std::time::Instant::now() > d
        {
            self.steps = self.budget.saturating_add(1);
        }
    }

    /// Whether evaluation has used up its stack: nested evaluation calls
    /// stop with an error rather than overflow the thread's stack.
    pub(crate) fn stack_exhausted(&mut self) -> bool {
        let marker = 0u8;
        let here = std::hint::black_box(&marker) as *const u8 as usize;
        if self.depth == 0 {
            self.stack_base = here;
            return false;
        }
        self.stack_base.abs_diff(here) > MAX_STACK
    }

    /// Whether the step budget is exhausted.
    pub fn exhausted(&self) -> bool {
        self.steps > self.budget
    }

    pub(crate) fn new_vertex(&mut self, parent: Option<VId>, label: Option<Label>) -> VId {
        let depth = parent.map_or(0, |p| self.vertices[p].depth + 1);
        self.vertices.push(Vertex::new(parent, label, depth));
        self.vertices.len() - 1
    }

    pub(crate) fn new_env(&mut self, parent: Option<EnvId>, frame: Frame<'a>) -> EnvId {
        self.envs.push(Env { parent, frame });
        self.envs.len() - 1
    }

    /// Creates the root vertex of a package and returns it.
    pub(crate) fn root(&mut self, files: &'a [ast::File]) -> VId {
        let v = self.new_vertex(None, None);
        self.vertices[v].conjuncts.push(Conjunct {
            src: Src::Package(files, 0),
            env: None,
            closed: false,
            group: 0,
        });
        v
    }

    /// Makes the packages of `imports` available to import declarations.
    pub(crate) fn set_imports(&mut self, imports: &'a crate::module::Imports) {
        self.imports = Some(imports);
    }

    /// The root vertex of the imported package at an import path (as
    /// written, qualifier included), created on first use.
    pub(crate) fn package_root(&mut self, path: &str) -> Option<VId> {
        let imports = self.imports?;
        let (index, pkg) = imports.package(path)?;
        if let Some(&root) = self.package_roots.get(&index) {
            return Some(root);
        }
        let root = self.new_vertex(None, None);
        self.vertices[root].conjuncts.push(Conjunct {
            src: Src::Package(&pkg.files, imports.base + pkg.offset),
            env: None,
            closed: false,
            group: 0,
        });
        self.package_roots.insert(index, root);
        Some(root)
    }

    /// Adds a value conjunct to a vertex not yet evaluated.
    pub(crate) fn add_value(&mut self, v: VId, value: Value) {
        self.vertices[v].conjuncts.push(Conjunct {
            src: Src::Value(value),
            env: None,
            closed: false,
            group: 0,
        });
    }

    /// A fresh, increasing field order key.
    pub(crate) fn next_order(&mut self) -> u64 {
        self.order_seq += 1;
        self.order_seq
    }

    /// The child of `v` at `label`, creating it (before evaluation only).
    pub(crate) fn arc_or_new(&mut self, v: VId, label: Label) -> VId {
        if let Some(&a) = self.vertices[v].arcs.get(&label) {
            return a;
        }
        let a = self.new_vertex(Some(v), Some(label.clone()));
        self.vertices[a].order = (self.next_order(), 0);
        self.vertices[v].arcs.insert(label, a);
        a
    }

    /// Evaluates `v` and returns its value: `Value::Vertex(v)` for structs
    /// and lists, the scalar, disjunction or error otherwise.
    pub fn value_of(&mut self, v: VId) -> Value {
        self.eval_vertex(v);
        let x = &self.vertices[v];
        if let Value::Bottom(_) | Value::Disjunction(_) = x.value {
            return x.value.clone();
        }
        if x.is_struct || x.is_list {
            Value::Vertex(v)
        } else {
            x.value.clone()
        }
    }

    /// The arcs of an evaluated vertex in the order exports print them.
    pub(crate) fn ordered_arcs(&self, v: VId) -> Vec<(Label, VId)> {
        let x = &self.vertices[v];
        let mut out: Vec<(Label, VId)> = Vec::with_capacity(x.arcs.len());
        if let Some(order) = &x.export_order {
            for l in order.iter() {
                if let Some(&a) = x.arcs.get(l) {
                    out.push((l.clone(), a));
                }
            }
            if out.len() == x.arcs.len() {
                return out;
            }
            out.clear();
        }
        out.extend(x.arcs.iter().map(|(l, a)| (l.clone(), *a)));
        out
    }

    /// The evaluated child of `v` named `label`, if any.
    pub fn child(&mut self, v: VId, label: &Label) -> Option<VId> {
        self.eval_vertex(v);
        self.vertices[v].arcs.get(label).copied()
    }

    /// The path of a vertex as CUE prints it (`a.b[0]`).
    pub fn path(&self, v: VId) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(v);
        while let Some(c) = cur {
            if let Some(l) = &self.vertices[c].label {
                parts.push(l.clone());
            }
            cur = self.vertices[c].parent;
        }
        parts.reverse();
        let mut s = String::new();
        for l in parts {
            match l {
                Label::Index(i) => s.push_str(&format!("[{i}]")),
                _ => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(&l.selector());
                }
            }
        }
        s
    }
}

pub(crate) use ops::op_str as ops_str;
pub(crate) use ops::{binary as binary_op, int_div};
pub(crate) use unify::{compare, to_decimal, unify_scalar};
