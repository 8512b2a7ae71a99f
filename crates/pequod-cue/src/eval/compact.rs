//! Struct and list literals written on one line, as `cue` names them in a
//! conflict (`conflicting values {a:1} and 3`).

use super::{Evaluator, Src};
use crate::ast::{BinaryOp, Constraint, Decl, Expr, Label, ListElem, StructLit};
use crate::value::format::quote_str;
use crate::value::{ErrorCode, VId, Value};

impl Evaluator<'_> {
    /// The conflict between struct or list `v` and the scalar `base`, as
    /// `cue` words it: the literal written out, in source order; `None`
    /// when no literal of `v` says how.
    pub(crate) fn literal_conflict(&self, v: VId, base: &Value) -> Option<Value> {
        let x = self.vertices.get(v)?;
        let mut literal: Option<(usize, String)> = None;
        let mut scalar_at: Option<usize> = None;
        let mut n = 0;
        for c in &x.conjuncts {
            let mut visit = |e: &Expr| {
                match e {
                    Expr::Struct(_) | Expr::List(_) => {
                        if literal.is_none() {
                            literal = compact(e).map(|t| (n, t));
                        }
                    }
                    _ => {
                        scalar_at.get_or_insert(n);
                    }
                }
                n += 1;
            };
            match &c.src {
                Src::Expr(e) => super::position::leaves(e, &mut visit),
                Src::Lit(l) => {
                    if literal.is_none() {
                        literal = compact_struct(l).map(|t| (n, t));
                    }
                    n += 1;
                }
                _ => n += 1,
            }
        }
        let (at, text) = literal?;
        let (lk, bk) = (
            if x.is_list { "list" } else { "struct" },
            base.scalar_kind(),
        );
        let msg = if scalar_at.is_some_and(|s| s < at) {
            format!("conflicting values {base} and {text} (mismatched types {bk} and {lk})")
        } else {
            format!("conflicting values {text} and {base} (mismatched types {lk} and {bk})")
        };
        Some(Value::err(ErrorCode::Eval, msg))
    }
}

/// A struct literal in one-line form.
fn compact_struct(s: &StructLit) -> Option<String> {
    let mut parts = Vec::with_capacity(s.decls.len());
    for d in &s.decls {
        parts.push(match d {
            Decl::Field(f) if f.alias.is_none() => {
                let label = match &f.label {
                    Label::Ident(i) => i.name.to_string(),
                    Label::String(s) => quote_str(&s.text()),
                    _ => return None,
                };
                let marker = match f.constraint {
                    Constraint::Regular => "",
                    Constraint::Optional => "?",
                    Constraint::Required => "!",
                };
                format!("{label}{marker}:{}", compact(&f.value)?)
            }
            Decl::Embed(x) => compact(&x.expr)?,
            _ => return None,
        });
    }
    Some(format!("{{{}}}", parts.join(",")))
}

/// The literal in `cue`'s one-line form; `None` for what it is not known
/// to write that way (the caller keeps `{...}`).
pub(crate) fn compact(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Struct(s) => compact_struct(s)?,
        Expr::List(l) if l.ellipsis.is_none() => {
            let mut parts = Vec::with_capacity(l.elems.len());
            for x in &l.elems {
                match x {
                    ListElem::Expr(x) => parts.push(compact(x)?),
                    ListElem::Comprehension(_) => return None,
                }
            }
            format!("[{}]", parts.join(","))
        }
        Expr::Paren(x, _) => compact(x)?,
        Expr::Binary(BinaryOp::Unification, l, r, _) => {
            format!("({} & {})", compact(l)?, compact(r)?)
        }
        Expr::Binary(BinaryOp::Disjunction, l, r, _) => {
            format!("({}|{})", compact(l)?, compact(r)?)
        }
        leaf => crate::export::source::leaf_text(leaf)?,
    })
}
