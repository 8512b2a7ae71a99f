//! Slice expressions: `l[lo:hi]` of a list or of bytes.

use num_traits::ToPrimitive;

use super::{EnvId, Evaluator, Label};
use crate::ast;
use crate::value::{ErrorCode, Value};

impl<'a> Evaluator<'a> {
    /// Evaluates `x[lo:hi]`.
    pub(crate) fn eval_slice(
        &mut self,
        x: &'a ast::Expr,
        lo: Option<&'a ast::Expr>,
        hi: Option<&'a ast::Expr>,
        env: Option<EnvId>,
    ) -> Value {
        let base = self.eval_expr(x, env);
        let base = self.default_of(base);
        let lo = match lo.map(|e| self.slice_index(e, env)).transpose() {
            Ok(i) => i,
            Err(e) => return e,
        };
        let hi = match hi.map(|e| self.slice_index(e, env)).transpose() {
            Ok(i) => i,
            Err(e) => return e,
        };
        let len = match &base {
            Value::Bottom(_) => return base,
            Value::Bytes(b) => b.len(),
            Value::Vertex(w) if self.vertices[*w].is_list => {
                let w = *w;
                self.eval_vertex(w);
                self.vertices[w].arcs.len()
            }
            v if !v.is_concrete_scalar() && !matches!(v, Value::Vertex(_)) => {
                return Value::err(
                    ErrorCode::Incomplete,
                    format!("non-concrete slice subject {v}"),
                );
            }
            v => {
                let d = self.display(v);
                let kind = self.kind_of(v);
                return Value::err(ErrorCode::Eval, format!("cannot slice {d} (type {kind})"));
            }
        };
        let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(len));
        for i in [lo, hi] {
            if i > len {
                return Value::err(ErrorCode::Eval, format!("index {i} out of range"));
            }
        }
        if lo > hi {
            return Value::err(ErrorCode::Eval, format!("invalid slice index: {lo} > {hi}"));
        }
        match base {
            Value::Bytes(b) => Value::Bytes(b[lo..hi].into()),
            Value::Vertex(w) => {
                let items: Vec<Value> = (lo..hi)
                    .map(
                        |i| match self.vertices[w].arcs.get(&Label::Index(i)).copied() {
                            Some(a) => self.value_of(a),
                            None => Value::err(ErrorCode::Eval, format!("index {i} out of range")),
                        },
                    )
                    .collect();
                self.make_list(items)
            }
            _ => Value::Top,
        }
    }

    /// A slice bound: a concrete, non-negative integer.
    fn slice_index(&mut self, e: &'a ast::Expr, env: Option<EnvId>) -> Result<usize, Value> {
        let v = self.eval_expr(e, env);
        match self.default_of(v) {
            Value::Int(n) => n.to_usize().ok_or_else(|| {
                Value::err(ErrorCode::Eval, "cannot convert negative number to uint64")
            }),
            Value::Bottom(err) => Err(Value::Bottom(err)),
            v if !v.is_concrete_scalar() => Err(Value::err(
                ErrorCode::Incomplete,
                format!("non-concrete slice index {v}"),
            )),
            v => {
                let d = self.display(&v);
                let kind = self.kind_of(&v);
                Err(Value::err(
                    ErrorCode::Eval,
                    format!("cannot use {d} (type {kind}) as type int in slice index"),
                ))
            }
        }
    }
}
