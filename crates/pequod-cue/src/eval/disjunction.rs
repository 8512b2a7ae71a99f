//! Disjunctions over struct values: trying each combination of disjuncts
//! on a copy of the vertex, eliminating failures and duplicates.

use super::closedness::GroupFacts;
use super::{ArcType, Conjunct, Evaluator, Label, Src, State};
use crate::value::{Disjunct, ErrorCode, VId, Value};

/// Maximum number of disjunct combinations tried for one vertex.
const MAX_DISJUNCTS: usize = 256;

/// A combination of disjuncts: the one chosen from each disjunction (with
/// its closedness group), and for each disjunction with defaults, whether
/// a default was chosen.
type Candidate = (Vec<(Value, u32)>, Vec<bool>);

impl<'a> Evaluator<'a> {
    /// Resolves the disjunctions `disj` of `v`, whose other conjuncts gave
    /// the scalar `base` and the arcs already in `v`; `closed` says whether
    /// the struct was closed.
    pub(super) fn resolve_disjunctions(
        &mut self,
        v: VId,
        (disj, groups): (&[Value], &[u32]),
        base: Value,
        closed: bool,
        facts: GroupFacts,
    ) {
        let mut cands: Vec<Candidate> = vec![(Vec::new(), Vec::new())];
        for (i, d) in disj.iter().enumerate() {
            let Value::Disjunction(ds) = d else { continue };
            let group = groups.get(i).copied().unwrap_or(0);
            let has_default = ds.iter().any(|x| x.default);
            let mut next = Vec::new();
            for (c, defs) in &cands {
                for x in ds.iter() {
                    let mut c2 = c.clone();
                    c2.push((x.value.clone(), group));
                    let mut d2 = defs.clone();
                    if has_default {
                        d2.push(x.default);
                    }
                    next.push((c2, d2));
                }
            }
            if next.len() > MAX_DISJUNCTS {
                self.vertices[v].value = Value::err(ErrorCode::Eval, "too many disjuncts");
                return;
            }
            cands = next;
        }
        let struct_part = self.vertices[v].is_struct || self.vertices[v].is_list;
        let parent = self.vertices[v].parent;
        let label = self.vertices[v].label.clone();
        // (disjunct, the default choices of each candidate it stands for,
        // incomplete at its own level).
        let mut results: Vec<(VId, Vec<Vec<bool>>, bool)> = Vec::new();
        let mut first_err: Option<Value> = None;
        let mut all_incomplete = true;
        // Whether every disjunct failed for the same field not allowed.
        let mut same_closedness = true;
        for (choice, defs) in cands {
            let w = self.new_vertex(parent, label.clone());
            let allowed = self.vertices[v].allowed;
            let arc_type = self.vertices[v].arc_type;
            let mut conj: Vec<Conjunct<'a>> = Vec::new();
            if !matches!(base, Value::Top) {
                conj.push(Conjunct {
                    src: Src::Value(base.clone()),
                    env: None,
                    closed: false,
                    group: 0,
                });
            }
            for (x, group) in choice {
                conj.push(Conjunct {
                    src: Src::Value(x),
                    env: None,
                    closed: false,
                    group,
                });
            }
            if struct_part {
                self.copy_arcs(v, w);
            }
            let wx = &mut self.vertices[w];
            wx.conjuncts = conj;
            wx.allowed = allowed;
            wx.arc_type = arc_type;
            wx.force_closed = closed;
            wx.alias_of = Some(v);
            wx.seed_facts = Some(Box::new(facts.clone()));
            self.eval_vertex(w);
            if let Some(err) = self.deep_error(w, 3) {
                if err
                    .as_error()
                    .is_some_and(|e| e.code != ErrorCode::Incomplete)
                {
                    all_incomplete = false;
                }
                let msg = err.as_error().map(|e| e.msg.clone());
                same_closedness &= msg.as_deref().is_some_and(|m| {
                    m.starts_with("field not allowed: ")
                        && first_err
                            .as_ref()
                            .and_then(Value::as_error)
                            .is_none_or(|f| f.msg == m)
                });
                if first_err.is_none() {
                    first_err = Some(err);
                }
                continue;
            }
            let incomplete = self.shallow_incomplete(w);
            let mut dup = false;
            for (r, rdef, _) in results.iter_mut() {
                let a = Value::Vertex(*r);
                let b = Value::Vertex(w);
                if self.values_equal(&a, &b) {
                    rdef.push(defs.clone());
                    dup = true;
                    break;
                }
            }
            if !dup {
                results.push((w, vec![defs], incomplete));
            }
        }
        // As `cue` v0.17 does, a disjunct with an incomplete field of its
        // own gives way to one without.
        if results.iter().any(|r| !r.2) {
            results.retain(|r| !r.2);
        }
        if results.is_empty() {
            // As `cue`, the one field no disjunct allows is the error.
            if same_closedness && let Some(err) = first_err {
                self.vertices[v].value = err;
                return;
            }
            let msg = first_err
                .as_ref()
                .and_then(|e| e.as_error().map(|e| e.msg.clone()))
                .unwrap_or_default();
            let code = if all_incomplete {
                ErrorCode::Incomplete
            } else {
                ErrorCode::Eval
            };
            self.vertices[v].value = Value::err(code, format!("empty disjunction: {msg}"));
            return;
        }
        if results.len() == 1 {
            let w = results[0].0;
            self.adopt(v, w);
            return;
        }
        // A disjunction none of whose defaults survives counts as one
        // without defaults, as in `cue`: `(string | *null) & (string |
        // *"a")` defaults to "a".
        let n = results
            .iter()
            .flat_map(|r| r.1.iter().map(Vec::len))
            .max()
            .unwrap_or(0);
        let live: Vec<bool> = (0..n)
            .map(|i| {
                results
                    .iter()
                    .any(|r| r.1.iter().any(|d| d.get(i).copied().unwrap_or(false)))
            })
            .collect();
        let is_default = |defs: &Vec<bool>| defs.iter().zip(&live).all(|(d, l)| *d || !*l);
        let defaults: Vec<bool> = results.iter().map(|r| r.1.iter().any(is_default)).collect();
        let any_default = defaults.iter().any(|d| *d);
        let mut ds = Vec::new();
        for ((w, _, _), def) in results.into_iter().zip(defaults) {
            let value = self.value_of(w);
            ds.push(Disjunct {
                value,
                default: def && any_default,
            });
        }
        self.vertices[v].value = Value::Disjunction(std::rc::Rc::new(ds));
        self.vertices[v].is_struct = false;
        self.vertices[v].is_list = false;
    }

    /// A new vertex holding `val` (copying a struct's arcs rather than
    /// re-evaluating its conjuncts) unified with `schema`.
    pub(crate) fn unify_copy(&mut self, val: &Value, schema: Value) -> VId {
        let w = self.new_vertex(None, None);
        match val {
            Value::Vertex(x) => {
                let x = *x;
                self.eval_vertex(x);
                self.copy_arcs(x, w);
                let base = self.vertices[x].value.clone();
                if !matches!(base, Value::Top) {
                    self.add_value(w, base);
                }
                if self.vertices[x].is_struct {
                    self.add_value(w, Value::Top);
                }
            }
            v => self.add_value(w, v.clone()),
        }
        self.add_value(w, schema);
        w
    }

    /// A copy of struct `val` whose fields take their defaults, as a
    /// validator sees a value (`{a: *3 | int}` is `{a: 3}` to it).
    pub(crate) fn with_defaults(&mut self, val: &Value) -> Value {
        let Value::Vertex(x) = val else {
            return self.default_of(val.clone());
        };
        let x = *x;
        self.eval_vertex(x);
        let vx = &self.vertices[x];
        if !vx.is_struct || vx.is_list || !matches!(vx.value, Value::Top) {
            return val.clone();
        }
        let arcs: Vec<(Label, VId)> = vx.arcs.iter().map(|(l, a)| (l.clone(), *a)).collect();
        let w = self.new_vertex(None, None);
        for (l, a) in arcs {
            let av = self.value_of(a);
            let av = self.default_of(av);
            let n = self.arc_or_new(w, l);
            self.add_value(n, av);
            let ax = &self.vertices[a];
            let (allowed, arc_type) = (ax.allowed, ax.arc_type);
            let nx = &mut self.vertices[n];
            nx.allowed = allowed;
            nx.arc_type = arc_type;
        }
        self.vertices[w].is_struct = true;
        self.add_value(w, Value::Top);
        Value::Vertex(w)
    }

    /// Gives `w` fresh, unevaluated copies of the arcs of `v`.
    pub(crate) fn copy_arcs(&mut self, v: VId, w: VId) {
        let vx = &self.vertices[v];
        let (is_struct, is_list) = (vx.is_struct, vx.is_list);
        let arcs: Vec<(Label, VId)> = vx.arcs.iter().map(|(l, a)| (l.clone(), *a)).collect();
        for (l, a) in arcs {
            let n = self.arc_or_new(w, l);
            let ax = self.vertices[a].clone();
            let keep_err = ax.state == State::Done && ax.is_closedness_error();
            let nx = &mut self.vertices[n];
            nx.conjuncts = ax.conjuncts;
            nx.order = ax.order;
            nx.allowed = ax.allowed;
            nx.arc_type = ax.arc_type;
            if keep_err {
                nx.value = ax.value;
                nx.state = State::Done;
            }
        }
        self.vertices[w].is_struct = is_struct;
        self.vertices[w].is_list = is_list;
    }

    /// Makes `v` take the evaluated result of `w`.
    pub(crate) fn adopt(&mut self, v: VId, w: VId) {
        let wx = self.vertices[w].clone();
        let vx = &mut self.vertices[v];
        vx.value = wx.value;
        vx.is_struct = wx.is_struct;
        vx.is_list = wx.is_list;
        vx.arcs = wx.arcs;
        vx.closed = wx.closed;
        vx.open_list = wx.open_list;
        vx.pending = wx.pending;
        if wx.schema.is_some() {
            vx.schema = wx.schema;
        }
        vx.export_order = wx.export_order;
    }

    /// Whether `v` or a regular arc of it (to `depth`) has a required
    /// field that is not there yet.
    pub(crate) fn missing_required(&mut self, v: VId, depth: usize) -> bool {
        if depth == 0 {
            return false;
        }
        self.eval_vertex(v);
        let arcs: Vec<VId> = self.vertices[v].arcs.values().copied().collect();
        arcs.into_iter().any(|a| match self.vertices[a].arc_type {
            ArcType::Required => true,
            ArcType::Optional => false,
            ArcType::Regular => self.missing_required(a, depth - 1),
        })
    }

    /// Whether an evaluated disjunct is incomplete at its own level: a
    /// comprehension of its own waits, or a regular field of it is an
    /// incomplete error (`{v: y + 1}` with `y: int`).
    fn shallow_incomplete(&mut self, w: VId) -> bool {
        let is_incomplete = |e: &crate::value::Error| e.code == ErrorCode::Incomplete;
        if self.vertices[w]
            .pending
            .as_deref()
            .is_some_and(is_incomplete)
        {
            return true;
        }
        let arcs: Vec<(Label, VId)> = self.vertices[w]
            .arcs
            .iter()
            .map(|(l, a)| (l.clone(), *a))
            .collect();
        arcs.into_iter().any(|(l, a)| {
            let field = matches!(l, Label::Field(_) | Label::Index(_));
            if !field || self.vertices[a].arc_type != ArcType::Regular {
                return false;
            }
            let val = self.value_of(a);
            val.as_error().is_some_and(|e| is_incomplete(e))
        })
    }

    /// The first permanent error in `v` or its regular arcs (to `depth`).
    pub(crate) fn deep_error(&mut self, v: VId, depth: usize) -> Option<Value> {
        let val = self.value_of(v);
        if val.is_bottom() {
            return Some(val);
        }
        if depth == 0 {
            return None;
        }
        let arcs: Vec<(Label, VId)> = self.vertices[v]
            .arcs
            .iter()
            .map(|(l, a)| (l.clone(), *a))
            .collect();
        for (l, a) in arcs {
            if matches!(l, Label::Hidden(_)) || l.is_def() {
                continue;
            }
            if self.vertices[a].arc_type == ArcType::Optional {
                continue;
            }
            if let Some(e) = self.deep_error(a, depth - 1)
                && e.as_error()
                    .is_some_and(|e| e.code != ErrorCode::Incomplete)
            {
                return Some(e);
            }
        }
        None
    }
}
