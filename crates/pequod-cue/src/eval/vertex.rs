//! Evaluation of a vertex: expanding its conjuncts into arcs, applying
//! pattern constraints, closedness, list lengths and field order
//! (disjunctions are in [`super::disjunction`]).

use std::collections::VecDeque;

use super::closedness::{GroupFacts, GroupKind};
use super::unify::unify_scalar;
use super::{
    ArcType, Arcs, Conjunct, EnvId, Evaluator, Frame, HashMap, Hasher, Label, MAX_DEPTH,
    MAX_VERTEX_DEPTH, PatternC, Src, State,
};
use crate::ast;
use crate::value::{ErrorCode, VId, Value};

/// A list literal's contribution: its length and its ellipsis type.
#[derive(Debug)]
struct ListPart<'a> {
    len: usize,
    open: bool,
    ty: Option<(&'a ast::Expr, Option<EnvId>, bool)>,
}

/// A field order key: (struct literal, declaration index).
type OrderKey = (u64, u32);

/// A comprehension waiting for the fields of its struct: where it was
/// written, whether it is closed, and the order key of its position.
type PendingComprehension<'a> = (&'a ast::Comprehension, Option<EnvId>, bool, OrderKey, u32);

/// The fields one struct literal declared, for field ordering.
#[derive(Debug)]
struct LitOrder {
    /// The environment of the literal (which tells its file).
    env: Option<EnvId>,
    /// Where its last field is: literals are ordered by it.
    pos: usize,
    labels: Vec<Label>,
}

/// How the declarations of one struct literal enter a vertex.
#[derive(Clone, Copy)]
struct DeclOrigin {
    closed: bool,
    /// The closedness group of the literal.
    group: u32,
    /// The order key of the comprehension that produced the literal.
    inherited: Option<OrderKey>,
}

/// Work state of one vertex evaluation. Evaluations reuse them (see
/// [`Ctx::recycle`]): a few hundred vertices each growing a dozen vectors
/// from empty made a fifth of a CLI export's allocations.
#[derive(Debug, Default)]
pub(super) struct Ctx<'a> {
    base: Value,
    disj: Vec<Value>,
    /// The closedness group of each disjunction in `disj`.
    disj_groups: Vec<u32>,
    comprehensions: Vec<PendingComprehension<'a>>,
    /// The labels each struct literal declared, in order (field order).
    orders: Vec<LitOrder>,
    /// Field order keys of comprehension bodies: (body, env) to key.
    comp_keys: Vec<(*const ast::StructLit, Option<EnvId>, (u64, u32))>,
    patterns: Vec<PatternC<'a>>,
    closed: bool,
    open: bool,
    real_struct: bool,
    struct_seen: bool,
    lists: Vec<ListPart<'a>>,
    /// The referenced vertices expanded, with the group they were first
    /// expanded in.
    expanded: HashMap<VId, u32>,
    /// The referenced vertices expanded opened (`#A...`): a closed
    /// reference to one of them still closes.
    opened: Vec<VId>,
    pending: Option<Value>,
    validators: Vec<Value>,
    groups: GroupFacts,
}

impl Ctx<'_> {
    /// Empties it for the next vertex, keeping the vectors' room.
    fn recycle(&mut self) {
        // Destructured so that a new field cannot be forgotten here.
        let Ctx {
            base,
            disj,
            disj_groups,
            comprehensions,
            orders,
            comp_keys,
            patterns,
            closed,
            open,
            real_struct,
            struct_seen,
            lists,
            expanded,
            opened,
            pending,
            validators,
            groups,
        } = self;
        *base = Value::Top;
        disj.clear();
        disj_groups.clear();
        comprehensions.clear();
        orders.clear();
        comp_keys.clear();
        patterns.clear();
        (*closed, *open, *real_struct, *struct_seen) = (false, false, false, false);
        lists.clear();
        expanded.clear();
        opened.clear();
        *pending = None;
        validators.clear();
        groups.clear();
    }
}

impl<'a> Evaluator<'a> {
    /// Evaluates a vertex (its own value and arcs, not the arcs' values).
    pub(crate) fn eval_vertex(&mut self, v: VId) {
        if self.vertices[v].state != State::Unevaluated {
            return;
        }
        self.tick();
        if self.exhausted() || self.depth > MAX_DEPTH || self.stack_exhausted() {
            self.vertices[v].value = Value::err(ErrorCode::Eval, "evaluation limit exceeded");
            self.vertices[v].state = State::Done;
            return;
        }
        if self.vertices[v].depth > MAX_VERTEX_DEPTH {
            self.vertices[v].value = Value::err(ErrorCode::Structural, "structural cycle");
            self.vertices[v].state = State::Done;
            return;
        }
        self.depth += 1;
        self.vertices[v].state = State::Evaluating;
        self.evaluating.push(v);
        let is_def = self.vertices[v].label.as_ref().is_some_and(Label::is_def);
        let mut cx = self.ctx_pool.pop().unwrap_or_default();
        cx.closed = self.vertices[v].force_closed;
        if let Some(facts) = self.vertices[v].seed_facts.take() {
            cx.groups = *facts;
        }
        let mut queue = self.queue_pool.pop().unwrap_or_default();
        queue.extend(self.vertices[v].conjuncts.iter().cloned());
        // Literal scalars and types first: references in cycles can then
        // see them (and conflicts between them read in source order).
        queue.make_contiguous().sort_by_key(|c| match c.src {
            Src::Expr(
                ast::Expr::Number(_)
                | ast::Expr::String(_)
                | ast::Expr::Bool(..)
                | ast::Expr::Null(_),
            ) => 0,
            Src::Expr(ast::Expr::Ident(i)) if super::lit::is_kind_name(&i.name) => 0,
            _ => 1,
        });
        if is_def {
            let mut def_group = None;
            for c in queue.iter_mut() {
                c.closed = true;
                if c.group == 0 {
                    let g = *def_group.get_or_insert_with(|| self.new_own_group(GroupKind::Def));
                    c.group = g;
                }
            }
        }
        loop {
            while let Some(c) = queue.pop_front() {
                self.add_conjunct(v, c, &mut cx, &mut queue);
                if self.exhausted() {
                    break;
                }
            }
            if cx.comprehensions.is_empty() || self.exhausted() {
                break;
            }
            let comps = std::mem::take(&mut cx.comprehensions);
            for (comp, env, closed, key, group) in comps {
                let bodies = match self.comprehension(comp, env) {
                    Ok(b) => b,
                    Err(e) => {
                        if cx.pending.is_none() {
                            cx.pending = Some(e);
                        }
                        continue;
                    }
                };
                for (body, env) in bodies {
                    cx.comp_keys.push((body as *const ast::StructLit, env, key));
                    queue.push_back(Conjunct {
                        src: Src::Lit(body),
                        env,
                        closed,
                        group,
                    });
                }
            }
        }
        let orders = std::mem::take(&mut cx.orders);
        self.sort_arcs(v, &orders);
        self.official_order(v, &orders);
        cx.orders = orders;
        self.finish_lists(v, &mut cx);
        self.apply_patterns(v, &cx);
        self.check_closed(v, &mut cx);
        if !cx.disj.is_empty() {
            let base = std::mem::take(&mut cx.base);
            let disj = std::mem::take(&mut cx.disj);
            let groups = std::mem::take(&mut cx.disj_groups);
            let facts = std::mem::take(&mut cx.groups);
            self.resolve_disjunctions(v, (&disj, &groups), base, cx.closed && !cx.open, facts);
        } else {
            self.finish_value(v, &mut cx);
        }
        self.vertices[v].state = State::Done;
        self.keep_schema_info(v, &mut cx);
        let validators = std::mem::take(&mut cx.validators);
        let open_list = !cx.lists.is_empty() && cx.lists.iter().all(|p| p.open);
        // A struct that may still get fields (open, or with patterns) fails
        // a field-count validator only incompletely, as `cue` does. A field
        // of a disjunct still fails it for good: `cue` v0.17 eliminates
        // such a disjunct (an upstream TODO says it should not).
        let x = &self.vertices[v];
        let in_disjunct = x
            .parent
            .is_some_and(|p| self.vertices[p].alias_of.is_some());
        let open_struct = x.is_struct
            && !in_disjunct
            && (!x.closed || x.schema.as_ref().is_some_and(|s| !s.patterns.is_empty()));
        for val in &validators {
            let grows = open_list || (open_struct && is_field_count(val));
            self.validate(v, val, grows);
        }
        // A vertex that is only a validator keeps it as its value, so that
        // references to it still validate.
        let x = &self.vertices[v];
        if matches!(x.value, Value::Top)
            && !x.is_struct
            && !x.is_list
            && let Some(first) = validators.into_iter().next()
        {
            self.vertices[v].value = first;
        }
        cx.recycle();
        self.ctx_pool.push(cx);
        queue.clear();
        self.queue_pool.push(queue);
        self.evaluating.pop();
        self.depth -= 1;
    }

    /// Keeps the patterns, list element types and validators of `v`.
    fn keep_schema_info(&mut self, v: VId, cx: &mut Ctx<'a>) {
        let elems: Vec<_> = cx.lists.iter().filter_map(|p| p.ty).collect();
        if cx.patterns.is_empty() && elems.is_empty() && cx.validators.is_empty() {
            return;
        }
        let info = self.vertices[v].schema.get_or_insert_with(Box::default);
        info.patterns.extend(std::mem::take(&mut cx.patterns));
        info.elems.extend(elems);
        info.validators.extend(cx.validators.iter().cloned());
    }

    fn finish_value(&mut self, v: VId, cx: &mut Ctx<'a>) {
        let base = std::mem::take(&mut cx.base);
        let x = &self.vertices[v];
        let has_regular = x.arcs.keys().any(|l| l.is_regular());
        let value = match &base {
            Value::Bottom(_) => base,
            // A list embedded in a struct with regular fields.
            _ if x.is_list && has_regular => Value::err(
                ErrorCode::Eval,
                "conflicting values {...} and [...] (mismatched types struct and list)",
            ),
            Value::Top => match cx.pending.take() {
                Some(p)
                    if p.as_error()
                        .is_some_and(|e| e.msg.starts_with("field not allowed")) =>
                {
                    p
                }
                Some(p) => {
                    self.vertices[v].pending = p.as_error().cloned();
                    Value::Top
                }
                None => Value::Top,
            },
            _ if x.is_list => self.literal_conflict(v, &base).unwrap_or_else(|| {
                Value::err(
                    ErrorCode::Eval,
                    format!(
                        "conflicting values [...] and {base} (mismatched types list and {})",
                        base.scalar_kind()
                    ),
                )
            }),
            _ if cx.real_struct || has_regular => {
                self.literal_conflict(v, &base).unwrap_or_else(|| {
                    Value::err(
                        ErrorCode::Eval,
                        format!(
                            "conflicting values {base} and {{...}} (mismatched types {} and struct)",
                            base.scalar_kind()
                        ),
                    )
                })
            }
            _ => {
                self.vertices[v].is_struct = false;
                base
            }
        };
        self.vertices[v].value = value;
    }

    fn add_conjunct(
        &mut self,
        v: VId,
        c: Conjunct<'a>,
        cx: &mut Ctx<'a>,
        queue: &mut VecDeque<Conjunct<'a>>,
    ) {
        self.tick();
        cx.groups.see(c.group);
        match c.src {
            Src::Package(files, base) => {
                for (i, f) in files.iter().enumerate() {
                    let env = self.new_env(
                        None,
                        Frame::Package {
                            files,
                            file: i,
                            base,
                            vertex: v,
                        },
                    );
                    let origin = DeclOrigin {
                        closed: c.closed,
                        group: c.group,
                        inherited: None,
                    };
                    self.add_decls(v, &f.decls, Some(env), origin, cx, queue);
                }
            }
            Src::Lit(lit) => {
                let env = self.new_env(
                    c.env,
                    Frame::Struct {
                        decls: &lit.decls,
                        vertex: v,
                    },
                );
                let inherited = cx
                    .comp_keys
                    .iter()
                    .find(|(b, e, _)| std::ptr::eq(*b, lit) && *e == c.env)
                    .map(|k| k.2);
                let origin = DeclOrigin {
                    closed: c.closed,
                    group: c.group,
                    inherited,
                };
                self.add_decls(v, &lit.decls, Some(env), origin, cx, queue);
            }
            Src::Value(val) => self.merge_value(v, val, (c.closed, c.group), c.env, cx, queue),
            Src::Expr(e) => match e {
                ast::Expr::Struct(lit) => {
                    let c2 = Conjunct {
                        src: Src::Lit(lit),
                        env: c.env,
                        closed: c.closed,
                        group: c.group,
                    };
                    self.add_conjunct(v, c2, cx, queue);
                }
                ast::Expr::Alias(name, x, _) => {
                    // A value alias names the value the expression is part
                    // of, wherever it is evaluated (`_v: X=f(X)`, `y: _v`).
                    let env = self.new_env(
                        c.env,
                        Frame::Bind {
                            name: &name.name,
                            value: Value::Vertex(v),
                        },
                    );
                    let c2 = Conjunct {
                        src: Src::Expr(x),
                        env: Some(env),
                        closed: c.closed,
                        group: c.group,
                    };
                    self.add_conjunct(v, c2, cx, queue);
                }
                ast::Expr::Paren(x, _) | ast::Expr::Unary(ast::UnaryOp::Default, x, _) => {
                    let c2 = Conjunct {
                        src: Src::Expr(x),
                        env: c.env,
                        closed: c.closed,
                        group: c.group,
                    };
                    self.add_conjunct(v, c2, cx, queue);
                }
                ast::Expr::Binary(ast::BinaryOp::Unification, l, r, _) => {
                    for x in [l, r] {
                        let c2 = Conjunct {
                            src: Src::Expr(x),
                            env: c.env,
                            closed: c.closed,
                            group: c.group,
                        };
                        self.add_conjunct(v, c2, cx, queue);
                    }
                }
                ast::Expr::Postfix(ast::PostfixOp::Open, x, _) => {
                    let val = self.eval_expr(x, c.env);
                    if let Value::Vertex(w) = val {
                        self.eval_vertex(w);
                        let conj: Vec<Conjunct<'a>> = self.vertices[w].conjuncts.clone();
                        if let Some(&first) = cx.expanded.get(&w).filter(|_| !conj.is_empty()) {
                            // Expanded already: what it declared there
                            // counts here too, and opened it closes nothing.
                            if first != c.group {
                                cx.groups.aliases.push((c.group, first));
                            }
                            return;
                        }
                        if !conj.is_empty() {
                            // Opened, its fields count as declared where it
                            // is embedded (a definition there still closes
                            // over them), in a group of their own that
                            // closes nothing: a closed reference to the
                            // same value allows just them.
                            let g = self.new_group(GroupKind::Scope, c.group);
                            cx.groups.see(g);
                            cx.expanded.insert(w, g);
                            cx.opened.push(w);
                            for mut c2 in conj {
                                c2.closed = false;
                                c2.group = g;
                                self.add_conjunct(v, c2, cx, queue);
                            }
                            return;
                        }
                    }
                    self.merge_value(v, val, (c.closed, c.group), c.env, cx, queue);
                }
                ast::Expr::List(list) => {
                    self.add_list(v, list, c.env, (c.closed, c.group), cx);
                }
                ast::Expr::Ident(_) | ast::Expr::Selector(..) | ast::Expr::Index(..) => {
                    self.last_ref = None;
                    let val = self.eval_expr(e, c.env);
                    let target = self.last_ref.take();
                    match val {
                        Value::Bottom(ref err) if err.code == ErrorCode::Cycle => {
                            if target.is_some_and(|t| self.is_ancestor(t, v)) {
                                cx.base = unify_scalar(
                                    &cx.base,
                                    &Value::err(ErrorCode::Structural, "structural cycle"),
                                );
                            }
                        }
                        _ => self.merge_value(v, val, (c.closed, c.group), c.env, cx, queue),
                    }
                }
                _ => {
                    let val = self.eval_expr(e, c.env);
                    self.merge_value(v, val, (c.closed, c.group), c.env, cx, queue);
                }
            },
        }
    }

    fn merge_value(
        &mut self,
        v: VId,
        val: Value,
        (closed, group): (bool, u32),
        env: Option<EnvId>,
        cx: &mut Ctx<'a>,
        queue: &mut VecDeque<Conjunct<'a>>,
    ) {
        let _ = env;
        match val {
            Value::Vertex(w) => {
                if let Some(&first) = cx.expanded.get(&w) {
                    // Expanded already: what it declared in the group it
                    // was first expanded in also counts for this one, and
                    // a definition still closes.
                    let opened = cx.opened.contains(&w);
                    if first != group || opened {
                        cx.groups.aliases.push((group, first));
                        if self.vertices[w].label.as_ref().is_some_and(Label::is_def) {
                            let g = self.new_group(GroupKind::Def, group);
                            cx.groups.see(g);
                            cx.groups.aliases.push((g, first));
                        }
                    }
                    return;
                }
                cx.expanded.insert(w, group);
                if self.is_ancestor(w, v) || self.cycles_through_definition(w, v) {
                    cx.base = unify_scalar(
                        &cx.base,
                        &Value::err(ErrorCode::Structural, "structural cycle"),
                    );
                    return;
                }
                if self.vertices[w].label.as_ref().is_some_and(Label::is_def) {
                    self.vertices[v].via.push(w);
                }
                self.eval_vertex(w);
                // A closed value passes its closedness on, unless groups
                // say it came from a definition that does not travel
                // with this reference.
                let w_closed = self.vertices[w].closed && {
                    let groups: Vec<u32> = self.vertices[w]
                        .conjuncts
                        .iter()
                        .map(|c| c.group)
                        .filter(|&g| g != 0)
                        .collect();
                    groups.is_empty() || groups.iter().any(|&g| self.keeps_closedness(g, group))
                };
                let wx = &self.vertices[w];
                let closed = closed || w_closed || wx.label.as_ref().is_some_and(Label::is_def);
                if wx.conjuncts.is_empty()
                    || wx.state == State::Done && !wx.is_struct && !wx.is_list
                {
                    // A synthetic vertex (builtin result): copy its arcs.
                    if wx.conjuncts.is_empty() {
                        let arcs: Vec<(Label, VId)> =
                            wx.arcs.iter().map(|(l, a)| (l.clone(), *a)).collect();
                        let is_list = wx.is_list;
                        let is_struct = wx.is_struct;
                        let value = wx.value.clone();
                        for (l, a) in arcs {
                            let av = self.value_of(a);
                            let n = self.arc_or_new(v, l);
                            let group = self.child_group(group);
                            self.vertices[n].conjuncts.push(Conjunct {
                                src: Src::Value(av),
                                env: None,
                                closed,
                                group,
                            });
                            self.vertices[n].allowed = true;
                            self.vertices[n].arc_type = ArcType::Regular;
                        }
                        if is_list {
                            let len = self.vertices[w].arcs.len();
                            self.vertices[v].is_list = true;
                            cx.lists.push(ListPart {
                                len,
                                open: false,
                                ty: None,
                            });
                        }
                        if is_struct {
                            self.vertices[v].is_struct = true;
                            cx.struct_seen = true;
                            cx.real_struct = true;
                        }
                        if !matches!(value, Value::Top) {
                            cx.base = unify_scalar(&cx.base, &value);
                        }
                        return;
                    }
                    let value = wx.value.clone();
                    self.merge_value(v, value, (closed, group), None, cx, queue);
                    return;
                }
                let conj: Vec<Conjunct<'a>> = wx.conjuncts.clone();
                // The groups of the referenced conjuncts are copied below
                // the group of the reference; a definition's own
                // conjuncts form a new definition group.
                let is_def = self.vertices[w].label.as_ref().is_some_and(Label::is_def);
                let mut remap: Vec<(u32, u32)> = Vec::new();
                for mut c in conj {
                    c.closed |= closed;
                    let keep = if c.group == 0 {
                        is_def
                    } else {
                        self.keeps_closedness(c.group, group)
                    };
                    if c.group != 0 && !keep {
                        c.closed = closed;
                    }
                    c.group = if !keep {
                        group
                    } else {
                        match remap.iter().find(|(from, _)| *from == c.group) {
                            Some(&(_, to)) => to,
                            None => {
                                let kind = match self.group(c.group).kind {
                                    GroupKind::None => GroupKind::Def,
                                    k => k,
                                };
                                let to = self.new_group(kind, group);
                                remap.push((c.group, to));
                                to
                            }
                        }
                    };
                    self.add_conjunct(v, c, cx, queue);
                }
            }
            Value::Disjunction(_) => {
                cx.disj.push(val);
                cx.disj_groups.push(group);
            }
            Value::Validator(_) => {
                cx.validators.push(val);
            }
            other => {
                cx.base = unify_scalar(&cx.base, &other);
                if cx.base.is_concrete_scalar() {
                    self.vertices[v].value = cx.base.clone();
                }
            }
        }
    }

    fn add_decls(
        &mut self,
        v: VId,
        decls: &'a [ast::Decl],
        env: Option<EnvId>,
        origin: DeclOrigin,
        cx: &mut Ctx<'a>,
        queue: &mut VecDeque<Conjunct<'a>>,
    ) {
        let DeclOrigin {
            closed,
            group,
            inherited,
        } = origin;
        self.vertices[v].is_struct = true;
        cx.struct_seen = true;
        let has_embed = decls
            .iter()
            .any(|d| matches!(d, ast::Decl::Embed(_) | ast::Decl::Comprehension(_)));
        cx.groups.structs.push(group);
        // Under `@experiment(explicitopen)` an embedded closed value stays
        // closed (`{#A, b: 1}` does not allow `b`; `#A...` opens it): the
        // literal keeps what it embeds apart.
        let reclosed = self.is_reclosed(decls);
        let group = if decls.iter().any(|d| matches!(d, ast::Decl::Embed(_)))
            && (reclosed || !self.explicit_open(env))
        {
            self.new_group(GroupKind::Scope, group)
        } else {
            group
        };
        let field_group = self.child_group(group);
        if !has_embed {
            cx.real_struct = true;
        }
        if closed {
            cx.closed = true;
        }
        let lit_seq = self.next_order();
        let mut declared: Vec<Label> = Vec::new();
        let mut last_pos = 0;
        for (i, d) in decls.iter().enumerate() {
            match d {
                ast::Decl::Field(f) => {
                    if let ast::Label::Pattern(p) = &f.label {
                        let pattern = self.eval_expr(&p.expr, env);
                        // A pattern that is wrong (an invalid regexp) makes
                        // the struct wrong.
                        if let Value::Bottom(e) = &pattern
                            && e.code == ErrorCode::Eval
                            && cx.pending.is_none()
                        {
                            cx.pending = Some(pattern.clone());
                        }
                        let named = |i: &'a ast::Ident| (i.name != "_").then_some(i.name.as_str());
                        let (label_alias, field_alias) = match &f.alias {
                            Some(ast::LabelAlias::PostfixPair(k, x)) => (named(k), named(x)),
                            Some(ast::LabelAlias::Postfix(x) | ast::LabelAlias::Prefix(x)) => {
                                (None, named(x))
                            }
                            None => (None, None),
                        };
                        cx.groups.patterns.push((group, pattern.clone()));
                        cx.patterns.push(PatternC {
                            group,
                            pattern,
                            label_alias,
                            field_alias,
                            alias: p.alias.as_ref().map(|a| a.name.as_str()),
                            value: &f.value,
                            env,
                            closed,
                        });
                        continue;
                    }
                    let label = match self.label_of(&f.label, env) {
                        Ok(l) => l,
                        Err(e) => {
                            if cx.pending.is_none() {
                                cx.pending = Some(e);
                            }
                            continue;
                        }
                    };
                    declared.push(label.clone());
                    cx.groups.fields.push((group, label.clone()));
                    if let Some(file) = self.file_of(env) {
                        cx.groups.decl_spans.push((label.clone(), (file, f.span)));
                    }
                    last_pos = f.span.start;
                    let a = self.arc_or_new(v, label.clone());
                    let key = inherited.unwrap_or((lit_seq, i as u32));
                    let ax = &mut self.vertices[a];
                    if key < ax.order {
                        ax.order = key;
                    }
                    ax.conjuncts.push(Conjunct {
                        src: Src::Expr(&f.value),
                        env,
                        closed: closed || label.is_def(),
                        group: field_group,
                    });
                    if closed || has_embed {
                        ax.allowed = true;
                    }
                    let t = match f.constraint {
                        ast::Constraint::Regular => ArcType::Regular,
                        ast::Constraint::Optional => ArcType::Optional,
                        ast::Constraint::Required => ArcType::Required,
                    };
                    if ax.conjuncts.len() == 1 {
                        ax.arc_type = t;
                    } else {
                        ax.arc_type = match (ax.arc_type, t) {
                            (ArcType::Regular, _) | (_, ArcType::Regular) => ArcType::Regular,
                            (ArcType::Required, _) | (_, ArcType::Required) => ArcType::Required,
                            _ => ArcType::Optional,
                        };
                    }
                }
                ast::Decl::Embed(e) => {
                    let expr = match &e.expr {
                        ast::Expr::Postfix(ast::PostfixOp::Open, x, _) if reclosed => &**x,
                        x => x,
                    };
                    let group = if is_conjunction(expr) {
                        self.new_and_group(group)
                    } else {
                        group
                    };
                    queue.push_back(Conjunct {
                        src: Src::Expr(expr),
                        env,
                        closed,
                        group,
                    });
                }
                ast::Decl::Comprehension(c) => {
                    let key = inherited.unwrap_or((lit_seq, i as u32));
                    cx.comprehensions.push((c, env, closed, key, group));
                }
                ast::Decl::Ellipsis(_) => {
                    cx.open = true;
                    cx.groups.open.push(group);
                }
                ast::Decl::Let(_) | ast::Decl::Attribute(_) | ast::Decl::Bad(_) => {}
            }
        }
        if !declared.is_empty() {
            cx.orders.push(LitOrder {
                env,
                pos: last_pos,
                labels: declared,
            });
        }
    }

    /// The label of a non-pattern field.
    pub(crate) fn label_of(
        &mut self,
        l: &'a ast::Label,
        env: Option<EnvId>,
    ) -> Result<Label, Value> {
        match l {
            ast::Label::Ident(i) => Ok(self.ident_label(i)),
            ast::Label::String(s) => Ok(self.string_label(s)),
            ast::Label::Interpolation(_) | ast::Label::Dynamic(..) => {
                let val = match l {
                    ast::Label::Interpolation(i) => self.interpolate(i, env),
                    ast::Label::Dynamic(e, _) => self.eval_expr(e, env),
                    _ => Value::Top,
                };
                match self.default_of(val) {
                    Value::String(s) => Ok(Label::field(&s)),
                    Value::Bottom(e) => Err(Value::Bottom(e)),
                    v if v.is_concrete_scalar() => Err(Value::err(
                        ErrorCode::Eval,
                        format!("invalid label type {}", v.scalar_kind()),
                    )),
                    v => Err(Value::err(
                        ErrorCode::Incomplete,
                        format!("invalid non-concrete label {v}"),
                    )),
                }
            }
            ast::Label::Pattern(_) => Err(Value::err(ErrorCode::Eval, "unexpected pattern")),
        }
    }

    fn add_list(
        &mut self,
        v: VId,
        list: &'a ast::ListLit,
        env: Option<EnvId>,
        (closed, group): (bool, u32),
        cx: &mut Ctx<'a>,
    ) {
        self.vertices[v].is_list = true;
        let group = self.child_group(group);
        let mut i = 0usize;
        for el in &list.elems {
            match el {
                ast::ListElem::Expr(e) => {
                    let a = self.arc_or_new(v, Label::Index(i));
                    self.vertices[a].conjuncts.push(Conjunct {
                        src: Src::Expr(e),
                        env,
                        closed,
                        group,
                    });
                    self.vertices[a].allowed = true;
                    i += 1;
                }
                ast::ListElem::Comprehension(c) => {
                    let bodies = match self.comprehension(c, env) {
                        Ok(b) => b,
                        Err(e) => {
                            if cx.pending.is_none() {
                                cx.pending = Some(e);
                            }
                            continue;
                        }
                    };
                    for (body, benv) in bodies {
                        let a = self.arc_or_new(v, Label::Index(i));
                        self.vertices[a].conjuncts.push(Conjunct {
                            src: Src::Lit(body),
                            env: benv,
                            closed,
                            group,
                        });
                        self.vertices[a].allowed = true;
                        i += 1;
                    }
                }
            }
        }
        let (open, ty) = match &list.ellipsis {
            None => (false, None),
            Some(el) => (true, el.ty.as_deref().map(|t| (t, env, closed))),
        };
        cx.lists.push(ListPart { len: i, open, ty });
    }

    fn finish_lists(&mut self, v: VId, cx: &mut Ctx<'a>) {
        if cx.lists.is_empty() {
            return;
        }
        self.vertices[v].open_list = cx.lists.iter().all(|p| p.open);
        let n = self.vertices[v]
            .arcs
            .keys()
            .filter(|l| matches!(l, Label::Index(_)))
            .count();
        for part in &cx.lists {
            if !part.open && part.len != n {
                let other = cx
                    .lists
                    .iter()
                    .map(|p| p.len)
                    .find(|&l| l != part.len)
                    .unwrap_or(n);
                cx.base = unify_scalar(
                    &cx.base,
                    &Value::err(
                        ErrorCode::Eval,
                        format!("incompatible list lengths ({} and {})", part.len, other),
                    ),
                );
                return;
            }
        }
        for part in &cx.lists {
            if let Some((ty, env, closed)) = part.ty {
                for i in part.len..n {
                    if let Some(&a) = self.vertices[v].arcs.get(&Label::Index(i)) {
                        self.vertices[a].conjuncts.push(Conjunct {
                            src: Src::Expr(ty),
                            env,
                            closed,
                            group: 0,
                        });
                    }
                }
            }
        }
    }

    fn apply_patterns(&mut self, v: VId, cx: &Ctx<'a>) {
        if cx.patterns.is_empty() {
            return;
        }
        let arcs: Vec<(Label, VId)> = self.vertices[v]
            .arcs
            .iter()
            .map(|(l, a)| (l.clone(), *a))
            .collect();
        for (label, a) in arcs {
            let Label::Field(name) = &label else { continue };
            let lv = Value::String(name.clone());
            for p in &cx.patterns {
                if !self.matches_pattern(&p.pattern, &lv) {
                    continue;
                }
                let mut env = p.env;
                for n in [p.alias, p.label_alias].into_iter().flatten() {
                    env = Some(self.new_env(
                        env,
                        Frame::Bind {
                            name: n,
                            value: lv.clone(),
                        },
                    ));
                }
                if let Some(n) = p.field_alias {
                    env = Some(self.new_env(
                        env,
                        Frame::Bind {
                            name: n,
                            value: Value::Vertex(a),
                        },
                    ));
                }
                let group = self.child_group(p.group);
                let ax = &mut self.vertices[a];
                ax.conjuncts.push(Conjunct {
                    src: Src::Expr(p.value),
                    env,
                    closed: p.closed,
                    group,
                });
                if p.closed {
                    ax.allowed = true;
                }
            }
        }
    }

    /// Whether a label value matches a pattern constraint.
    pub(crate) fn matches_pattern(&mut self, pattern: &Value, label: &Value) -> bool {
        match pattern {
            Value::Disjunction(d) => d.iter().any(|x| {
                let x = x.value.clone();
                self.matches_pattern(&x, label)
            }),
            Value::Vertex(_) => false,
            p => !unify_scalar(p, label).is_bottom(),
        }
    }

    fn check_closed(&mut self, v: VId, cx: &mut Ctx<'a>) {
        let closed = cx.closed && !cx.open;
        self.vertices[v].closed = closed;
        let arcs: Vec<(Label, VId)> = self.vertices[v]
            .arcs
            .iter()
            .map(|(l, a)| (l.clone(), *a))
            .collect();
        let labels: Vec<Label> = arcs
            .iter()
            .filter(|(l, _)| l.is_regular())
            .map(|(l, _)| l.clone())
            .collect();
        // With disjunctions left, the disjuncts decide.
        let rejected = if self.vertices[v].is_list || labels.is_empty() || !cx.disj.is_empty() {
            Vec::new()
        } else {
            self.disallowed(&cx.groups, &labels)
        };
        if !rejected.is_empty() {
            self.vertices[v].closed = true;
        } else if !closed {
            return;
        }
        // Closedness groups decide where they apply; the closed flags of
        // literals elsewhere.
        let by_groups = cx.disj.is_empty() && self.has_closing_group(&cx.groups);
        if by_groups {
            self.vertices[v].closed = true;
        }
        for (label, a) in arcs {
            let rejected = rejected.contains(&label);
            let allowed = if by_groups {
                !rejected
            } else {
                self.vertices[a].allowed || !closed
            };
            if !label.is_regular() || allowed {
                continue;
            }
            // Positioned at the declarations of the field, as `cue` does.
            let mut spans: Vec<(usize, crate::source::Span)> = cx
                .groups
                .decl_spans
                .iter()
                .filter(|(l, _)| *l == label)
                .map(|(_, s)| *s)
                .collect();
            spans.sort_by_key(|(f, s)| (*f, s.start));
            spans.dedup();
            let err = Value::Bottom(std::rc::Rc::new(crate::value::Error {
                code: ErrorCode::Eval,
                msg: format!("field not allowed: {label}"),
                spans,
            }));
            let ax = &mut self.vertices[a];
            ax.value = err.clone();
            ax.state = State::Done;
            ax.arc_type = ArcType::Regular;
            if cx.pending.is_none() {
                cx.pending = Some(err);
            }
        }
    }

    /// The file an environment belongs to.
    pub(crate) fn file_of(&self, env: Option<EnvId>) -> Option<usize> {
        let mut cur = env;
        while let Some(e) = cur {
            if let Frame::Package { file, base, .. } = self.envs[e].frame {
                return Some(base + file);
            }
            cur = self.envs[e].parent;
        }
        None
    }

    /// Orders the fields of a struct as the official implementation does:
    /// a topological sort of the order in which the struct literals of each
    /// file declare them, the literals of one file (comprehension bodies
    /// included) chained in the order of their last field, a field declared
    /// again in the same file adding no order; ties are broken by name and
    /// cycles entered where the fewest orders are broken.
    fn official_order(&mut self, v: VId, orders: &[LitOrder]) {
        self.vertices[v].export_order = None;
        if self.vertices[v].is_list || self.vertices[v].arcs.len() < 2 {
            return;
        }
        let arcs = &self.vertices[v].arcs;
        // No literal, or one declaring every field: the evaluation order
        // (insertion, or that literal's order) is already the export order.
        if orders.is_empty()
            || (orders.len() == 1
                && orders[0].labels.len() <= 16
                && arcs.keys().all(|l| orders[0].labels.contains(l)))
        {
            return;
        }
        let labels: Vec<Label> = arcs.keys().cloned().collect();
        let index: HashMap<&Label, usize> =
            labels.iter().enumerate().map(|(i, l)| (l, i)).collect();
        let n = labels.len();
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        let mut seen = std::collections::HashSet::<_, Hasher>::default();
        let mut owner: Vec<Option<(usize, Option<usize>)>> = vec![None; n];
        let mut previous: HashMap<usize, usize> = HashMap::default();
        // The file of each literal matters only when there are several.
        let files: Vec<Option<usize>> = if orders.len() > 1 {
            orders.iter().map(|o| self.file_of(o.env)).collect()
        } else {
            vec![Some(0); orders.len()]
        };
        let mut sorted_orders: Vec<(usize, &LitOrder)> = orders.iter().enumerate().collect();
        sorted_orders.sort_by_key(|&(i, o)| (files[i].is_some(), files[i], o.pos));
        for (li, o) in sorted_orders {
            let file = files[li];
            let mut prev = file.and_then(|f| previous.get(&f).copied());
            for l in &o.labels {
                let Some(&i) = index.get(l) else { continue };
                match owner[i] {
                    Some((lj, _)) if lj == li => continue,
                    Some((_, f)) if f.is_some() && f == file => continue,
                    _ => {}
                }
                owner[i] = Some((li, file));
                if let Some(p) = prev
                    && p != i
                    && seen.insert((p, i))
                {
                    succ[p].push(i);
                    indeg[i] += 1;
                }
                prev = Some(i);
            }
            if let (Some(f), Some(p)) = (file, prev) {
                previous.insert(f, p);
            }
        }
        // Fields no literal declared (JSON values, injected data) keep the
        // order they were added in, like a literal of their own.
        let first: Vec<(u64, u32)> = arcs.values().map(|a| self.vertices[*a].order).collect();
        let mut unowned: Vec<usize> = (0..n).filter(|&i| owner[i].is_none()).collect();
        unowned.sort_by_key(|&i| first[i]);
        // They come after the fields of the files, as `cue` places a data
        // file after the package's files.
        if let Some(&head) = unowned.first() {
            for &last in previous.values() {
                if seen.insert((last, head)) {
                    succ[last].push(head);
                    indeg[head] += 1;
                }
            }
        }
        for w in unowned.windows(2) {
            if seen.insert((w[0], w[1])) {
                succ[w[0]].push(w[1]);
                indeg[w[1]] += 1;
            }
        }
        let name_key = |i: usize| match &labels[i] {
            Label::Index(k) => (0u8, *k, ""),
            l => (1u8, 0, l.name().unwrap_or("")),
        };
        let mut done = vec![false; n];
        let mut sorted: Vec<usize> = Vec::with_capacity(n);
        while sorted.len() < n {
            let pick = (0..n)
                .filter(|&i| !done[i] && indeg[i] == 0)
                .min_by_key(|&i| name_key(i))
                .or_else(|| {
                    (0..n)
                        .filter(|&i| !done[i])
                        .min_by_key(|&i| (indeg[i], name_key(i)))
                });
            let Some(pick) = pick else { break };
            done[pick] = true;
            for &b in &succ[pick] {
                indeg[b] = indeg[b].saturating_sub(1);
            }
            sorted.push(pick);
        }
        if sorted.iter().enumerate().any(|(k, &i)| k != i) {
            let order: Vec<Label> = sorted.into_iter().map(|i| labels[i].clone()).collect();
            self.vertices[v].export_order = Some(std::rc::Rc::from(order));
        }
    }

    /// Orders the fields of a struct for evaluation: a topological sort of
    /// the orders in which each struct literal declared them, ties (and
    /// cycles) broken by where each field was first declared.
    fn sort_arcs(&mut self, v: VId, orders: &[LitOrder]) {
        if self.vertices[v].is_list || self.vertices[v].arcs.len() < 2 {
            return;
        }
        let arcs = std::mem::take(&mut self.vertices[v].arcs);
        let labels: Vec<Label> = arcs.keys().cloned().collect();
        let first: Vec<(u64, u32)> = arcs.values().map(|a| self.vertices[*a].order).collect();
        let index: HashMap<&Label, usize> =
            labels.iter().enumerate().map(|(i, l)| (l, i)).collect();
        let n = labels.len();
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        let mut seen = std::collections::HashSet::<_, Hasher>::default();
        for o in orders.iter().filter(|o| o.labels.len() > 1) {
            for w in o.labels.windows(2) {
                if let (Some(&a), Some(&b)) = (index.get(&w[0]), index.get(&w[1]))
                    && a != b
                    && seen.insert((a, b))
                {
                    succ[a].push(b);
                    indeg[b] += 1;
                }
            }
        }
        let mut done = vec![false; n];
        let mut sorted = Arcs::with_capacity_and_hasher(n, Hasher::default());
        while sorted.len() < n {
            let pick = (0..n)
                .filter(|&i| !done[i] && indeg[i] == 0)
                .min_by_key(|&i| first[i])
                .or_else(|| (0..n).filter(|&i| !done[i]).min_by_key(|&i| first[i]));
            let Some(pick) = pick else { break };
            done[pick] = true;
            for &b in &succ[pick] {
                indeg[b] = indeg[b].saturating_sub(1);
            }
            if let Some(a) = arcs.get(&labels[pick]) {
                sorted.insert(labels[pick].clone(), *a);
            }
        }
        self.vertices[v].arcs = sorted;
    }

    /// Applies a validator to the evaluated value of `v`.
    /// An open list (`[...T]`) that fails is only incomplete: it may still
    /// grow (`cue eval` keeps it, `cue export` rejects it); so is an open
    /// struct failing a field count (`open_list`: the value may grow).
    fn validate(&mut self, v: VId, validator: &Value, open_list: bool) {
        let Value::Validator(f) = validator else {
            return;
        };
        let val = self.value_of(v);
        if val.is_bottom() || matches!(val, Value::Disjunction(_)) {
            return;
        }
        let mut args = vec![val.clone()];
        args.extend(f.1.iter().cloned());
        let r = crate::builtins::call(self, &f.0, args);
        let err = match r {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                let d = self.display(&val);
                Value::err(
                    ErrorCode::Eval,
                    format!("invalid value {d} (does not satisfy {validator})"),
                )
            }
            Value::Bottom(e) if e.code == ErrorCode::Eval => {
                let prefix = format!("error in call to {}: ", f.0);
                match e.msg.strip_prefix(&prefix) {
                    Some(reason) => {
                        let d = self.display(&val);
                        Value::err(
                            ErrorCode::Eval,
                            format!("invalid value {d} (does not satisfy {validator}): {reason}"),
                        )
                    }
                    None => Value::Bottom(e),
                }
            }
            Value::Bottom(e) if e.code != ErrorCode::Incomplete => Value::Bottom(e),
            // A `matchN` the value may still satisfy: incomplete.
            Value::Bottom(e) if &*f.0 == "matchN" => {
                if self.vertices[v].pending.is_none() {
                    self.vertices[v].pending = Some(e);
                }
                return;
            }
            _ => return,
        };
        if open_list {
            if let Value::Bottom(e) = err
                && self.vertices[v].pending.is_none()
            {
                let mut e = (*e).clone();
                e.code = ErrorCode::Incomplete;
                self.vertices[v].pending = Some(std::rc::Rc::new(e));
            }
            return;
        }
        self.vertices[v].value = err;
    }
}

/// Whether a validator counts the fields of a struct.
fn is_field_count(v: &Value) -> bool {
    matches!(v, Value::Validator(f) if &*f.0 == "struct.MinFields")
}

/// Whether an expression is a unification (`a & b`, parenthesized or not).
fn is_conjunction(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Paren(x, _) => is_conjunction(x),
        ast::Expr::Binary(ast::BinaryOp::Unification, ..) => true,
        _ => false,
    }
}
