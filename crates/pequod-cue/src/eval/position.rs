//! Source positions of a vertex's conjuncts, for error messages.

use crate::ast::{BinaryOp, Expr, UnaryOp};
use crate::source::Span;

use super::{Evaluator, Src};
use crate::value::{VId, Value};

impl<'a> Evaluator<'a> {
    /// Locates an error about argument `N` of a call (`... in argument N
    /// to f`) at that argument, as CUE does.
    pub(crate) fn locate_argument_error(
        &self,
        r: Value,
        args: &'a [Expr],
        env: Option<super::EnvId>,
    ) -> Value {
        let Value::Bottom(e) = &r else { return r };
        if !e.spans.is_empty() {
            return r;
        }
        let n = e
            .msg
            .split_once(" in argument ")
            .and_then(|(_, rest)| rest.split(' ').next())
            .and_then(|n| n.parse::<usize>().ok());
        match (n, self.file_of(env)) {
            (Some(n), Some(file)) if n >= 1 && n <= args.len() => {
                let mut e = (**e).clone();
                e.spans = vec![(file, args[n - 1].span())];
                Value::Bottom(std::rc::Rc::new(e))
            }
            _ => r,
        }
    }

    /// Locates a call's argument that is not known yet as `cue` does: at
    /// the call `e`, then where the fields the arguments refer to are
    /// declared.
    pub(crate) fn locate_non_concrete_argument(
        &mut self,
        r: Value,
        e: &'a Expr,
        args: &'a [Expr],
        env: Option<super::EnvId>,
    ) -> Value {
        let Value::Bottom(err) = &r else { return r };
        if !err.spans.is_empty() || !err.msg.contains(": non-concrete value ") {
            return r;
        }
        let Some(file) = self.file_of(env) else {
            return r;
        };
        let mut spans = vec![(file, e.span())];
        for a in args {
            if !is_reference(a) {
                continue;
            }
            self.last_ref = None;
            let v = self.eval_expr(a, env);
            if let Some(w) = self.last_ref.take()
                && !v.is_concrete_scalar()
                && !matches!(v, Value::Vertex(_))
            {
                spans.extend(self.positions(w, ""));
            }
        }
        let mut e = (**err).clone();
        e.spans = spans;
        Value::Bottom(std::rc::Rc::new(e))
    }

    /// The source positions (file index and span) of the values that make
    /// up `v`: each conjunct, with `&` expressions split into their
    /// operands; sorted and without duplicates.
    ///
    /// For a failed bound or validator (`msg` says which), CUE names the
    /// failing constraint first, then the value: other bounds and bare
    /// validator references are left out.
    pub(crate) fn positions(&self, v: VId, msg: &str) -> Vec<(usize, Span)> {
        let bound = msg
            .split_once("(out of bound ")
            .map(|(_, b)| b.trim_end_matches(')'));
        let validator = msg.contains("(does not satisfy ");
        let conflict = msg.starts_with("conflicting values") && msg.contains("(mismatched types");
        let mut first = Vec::new();
        let mut bare = Vec::new();
        let mut out = Vec::new();
        let Some(x) = self.vertices.get(v) else {
            return out;
        };
        if let Value::Bottom(e) = &x.value
            && !e.spans.is_empty()
        {
            return e.spans.clone();
        }
        for c in &x.conjuncts {
            let Src::Expr(e) = &c.src else { continue };
            let Some(file) = self.file_of(c.env) else {
                continue;
            };
            leaves(e, &mut |x| match x {
                Expr::Unary(op, ..) if bound.is_some() && bound_op(*op).is_some() => {
                    let b = bound.unwrap_or_default();
                    let b = &b[..b.find(|c| !"<>=!~".contains(c)).unwrap_or(b.len())];
                    if bound_op(*op) == Some(b) {
                        first.push((file, x.span()));
                    }
                }
                // A conflict of types leaves out the bounds it does not name
                // (`int` of `int & >3` against a string).
                Expr::Unary(op, ..)
                    if conflict && bound_op(*op).is_some_and(|o| !msg.contains(o)) => {}
                // A validator first, then among the rest its arguments.
                Expr::Call(_, args, _) if validator => {
                    first.push((file, x.span()));
                    out.extend(args.iter().map(|a| (file, a.span())));
                }
                Expr::Selector(..) if validator => bare.push((file, x.span())),
                // `cue` gives `_` and the sized types (`int16`, `float32`) no
                // position.
                Expr::Ident(i) if i.name == "_" || super::lit::derived_type(&i.name).is_some() => {}
                x => out.push((file, x.span())),
            });
        }
        out.sort_by_key(|(f, s)| (*f, s.start));
        // A bare validator written before the value is named first.
        if let Some(&(vf, vs)) = out.first() {
            first.extend(
                bare.into_iter()
                    .filter(|(f, s)| (*f, s.start) < (vf, vs.start)),
            );
        }
        first.sort_by_key(|(f, s)| (*f, s.start));
        first.extend(out);
        let mut seen = Vec::new();
        first.retain(|p| {
            let new = !seen.contains(p);
            seen.push(*p);
            new
        });
        first
    }
}

impl<'a> Evaluator<'a> {
    /// For a conflict at `v`, where the values that a reference among its
    /// conjuncts brings in are written: `cue` names those too (`d: a & 1`
    /// with `a: "x"` is located at `"x"` as well).
    pub(crate) fn referenced_positions(
        &mut self,
        v: VId,
        depth: usize,
        msg: &str,
    ) -> Vec<(usize, Span)> {
        let mut out = Vec::new();
        let Some(x) = self.vertices.get(v) else {
            return out;
        };
        let conjuncts: Vec<(&'a Expr, Option<super::EnvId>)> = x
            .conjuncts
            .iter()
            .filter_map(|c| match c.src {
                Src::Expr(e) => Some((e, c.env)),
                _ => None,
            })
            .collect();
        for (e, env) in conjuncts {
            let mut refs = Vec::new();
            leaves(e, &mut |x| {
                if is_reference(x) {
                    refs.push(x);
                }
            });
            for r in refs {
                let Some(w) = self.referenced_vertex(r, env, v) else {
                    continue;
                };
                let direct = self.positions(w, msg);
                // Only the values, not the references passed on the way.
                let mut nested = Vec::new();
                if depth > 0 {
                    nested = self.referenced_positions(w, depth - 1, msg);
                }
                let passed = self.reference_spans(w);
                out.extend(direct.into_iter().filter(|p| !passed.contains(p)));
                out.extend(nested);
            }
        }
        out
    }

    /// Where an incomplete value of `v` comes from, as `cue` names it: a
    /// lone type (`int`) at its first mention, a lone bound (`=~"a"` of
    /// `string & =~"a"`) at the bound; a value made of several (`int &
    /// >3`) nowhere.
    pub(crate) fn incomplete_spans(
        &mut self,
        v: VId,
        c: &crate::value::Constraint,
    ) -> Vec<(usize, Span)> {
        if c.bounds.is_empty() {
            // The type's first mention, here or where a reference leads,
            // then the references.
            let refs = self.reference_spans(v);
            let mut values: Vec<(usize, Span)> = self
                .positions(v, "")
                .into_iter()
                .filter(|p| !refs.contains(p))
                .collect();
            values.extend(self.referenced_positions(v, 4, ""));
            values.sort_by_key(|(f, s)| (*f, s.start));
            let mut out: Vec<(usize, Span)> = values.into_iter().take(1).collect();
            out.extend(refs);
            out.sort_by_key(|(f, s)| (*f, s.start));
            out.dedup_by_key(|(f, s)| (*f, s.start));
            return out;
        }
        if c.bounds.len() > 1 || !crate::value::format::kind_implied(c) {
            return Vec::new();
        }
        let mut out = Vec::new();
        self.conjunct_leaves(v, |file, x| {
            if out.is_empty() && matches!(x, Expr::Unary(op, ..) if bound_op(*op).is_some()) {
                out.push((file, x.span()));
            }
        });
        out
    }

    /// For a value out of a bound, or failing a validator, that `v` has
    /// through a reference (`port: #Port`), where `cue` locates it: at that
    /// bound (or validator, then among the rest its arguments), then at the
    /// values `v` itself declares, without the references. `None` when the
    /// bound is `v`'s own or is not found.
    pub(crate) fn referenced_bound(&mut self, v: VId, msg: &str) -> Option<Vec<(usize, Span)>> {
        // `None` for a validator (a call), else the bound's operator.
        let op: Option<&str> = if msg.contains("(does not satisfy ") {
            None
        } else {
            let bound = msg.split_once("(out of bound ")?.1.trim_end_matches(')');
            Some(&bound[..bound.find(|c| !"<>=!~".contains(c)).unwrap_or(bound.len())])
        };
        let mut own_values = Vec::new();
        let mut refs = Vec::new();
        let x = self.vertices.get(v)?;
        for c in &x.conjuncts {
            let Src::Expr(e) = &c.src else { continue };
            let file = self.file_of(c.env)?;
            let mut own_bound = false;
            leaves(e, &mut |x| match x {
                x if is_target(x, op) => own_bound = true,
                x if is_reference(x) => refs.push((x, c.env)),
                Expr::Unary(o, ..) if bound_op(*o).is_some() => {}
                x => own_values.push((file, x.span())),
            });
            if own_bound {
                return None;
            }
        }
        for (r, env) in refs {
            let Some(w) = self.referenced_vertex(r, env, v) else {
                continue;
            };
            if let Some((at, args)) = self.bound_leaf(w, op, 4) {
                let mut rest = args;
                // A reference to the bound alone (`#N: =~"^a"`) is named too.
                if self.leaf_count(w) == 1
                    && let Some(file) = self.file_of(env)
                {
                    rest.push((file, r.span()));
                }
                rest.extend(own_values);
                if op.is_none() {
                    rest.sort_by_key(|(f, s)| (*f, s.start));
                }
                let mut out = vec![at];
                out.extend(rest);
                return Some(out);
            }
        }
        None
    }

    /// The first leaf that is the bound with operator `op` (or, for
    /// `None`, a validator call, with its arguments) among `v`'s conjuncts
    /// or, to `depth` levels, those of the fields they refer to.
    #[allow(clippy::type_complexity, reason = "a span and its companions")]
    fn bound_leaf(
        &mut self,
        v: VId,
        op: Option<&str>,
        depth: usize,
    ) -> Option<((usize, Span), Vec<(usize, Span)>)> {
        let x = self.vertices.get(v)?;
        let mut refs = Vec::new();
        let mut found = None;
        for c in &x.conjuncts {
            let Src::Expr(e) = &c.src else { continue };
            let Some(file) = self.file_of(c.env) else {
                continue;
            };
            leaves(e, &mut |x| match x {
                x if found.is_none() && is_target(x, op) => {
                    let args = match x {
                        Expr::Call(_, args, _) => args.iter().map(|a| (file, a.span())).collect(),
                        _ => Vec::new(),
                    };
                    found = Some(((file, x.span()), args));
                }
                x if is_reference(x) => refs.push((x, c.env)),
                _ => {}
            });
        }
        if found.is_some() || depth == 0 {
            return found;
        }
        for (r, env) in refs {
            self.last_ref = None;
            self.eval_expr(r, env);
            if let Some(w) = self.last_ref.take()
                && w != v
                && let Some(at) = self.bound_leaf(w, op, depth - 1)
            {
                return Some(at);
            }
        }
        None
    }

    /// How many `&` operands make up the conjuncts of `v`.
    fn leaf_count(&self, v: VId) -> usize {
        let mut n = 0;
        if let Some(x) = self.vertices.get(v) {
            for c in &x.conjuncts {
                match &c.src {
                    Src::Expr(e) => leaves(e, &mut |_| n += 1),
                    _ => n += 1,
                }
            }
        }
        n
    }

    /// The vertex reference `r` (in `env`) leads to, unless it is `v`
    /// itself or not a vertex.
    fn referenced_vertex(&mut self, r: &'a Expr, env: Option<super::EnvId>, v: VId) -> Option<VId> {
        self.last_ref = None;
        self.eval_expr(r, env);
        self.last_ref.take().filter(|w| *w != v)
    }

    /// The spans of the references among a vertex's conjuncts.
    fn reference_spans(&self, v: VId) -> Vec<(usize, Span)> {
        let mut out = Vec::new();
        self.conjunct_leaves(v, |file, x| {
            if is_reference(x) {
                out.push((file, x.span()));
            }
        });
        out
    }

    /// Calls `f` with the file and each leaf of the source expressions
    /// among `v`'s conjuncts.
    fn conjunct_leaves(&self, v: VId, mut f: impl FnMut(usize, &Expr)) {
        let Some(x) = self.vertices.get(v) else {
            return;
        };
        for c in &x.conjuncts {
            let Src::Expr(e) = &c.src else { continue };
            let Some(file) = self.file_of(c.env) else {
                continue;
            };
            leaves(e, &mut |x| f(file, x));
        }
    }
}

/// Whether a leaf is the bound with operator `op`, or for `None` a call
/// (a validator).
fn is_target(x: &Expr, op: Option<&str>) -> bool {
    match (x, op) {
        (Expr::Unary(o, ..), Some(op)) => bound_op(*o) == Some(op),
        (Expr::Call(..), None) => true,
        _ => false,
    }
}

/// Whether a leaf refers to a field (not to a predeclared type).
fn is_reference(x: &Expr) -> bool {
    match x {
        Expr::Selector(..) => true,
        Expr::Ident(i) => {
            i.name != "_"
                && !super::lit::is_kind_name(&i.name)
                && super::lit::derived_type(&i.name).is_none()
        }
        _ => false,
    }
}

/// Calls `f` with the operands of a chain of `&`.
pub(super) fn leaves<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e Expr)) {
    match e {
        Expr::Binary(BinaryOp::Unification, x, y, _) => {
            leaves(x, f);
            leaves(y, f);
        }
        Expr::Paren(x, _) => leaves(x, f),
        e => f(e),
    }
}

/// The text of a bound operator.
fn bound_op(op: UnaryOp) -> Option<&'static str> {
    Some(match op {
        UnaryOp::Lt => "<",
        UnaryOp::Le => "<=",
        UnaryOp::Gt => ">",
        UnaryOp::Ge => ">=",
        UnaryOp::Ne => "!=",
        UnaryOp::Match => "=~",
        UnaryOp::NotMatch => "!~",
        _ => return None,
    })
}
