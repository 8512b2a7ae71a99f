//! Comprehensions: `for`, `if`, `let` and `try` clauses, and `else`
//! fallbacks.

use super::expr::label_value;
use super::{EnvId, Evaluator, Frame};
use crate::ast;
use crate::value::{ErrorCode, Kind, Value};

impl<'a> Evaluator<'a> {
    /// Runs a comprehension: the bodies it yields with their environments,
    /// or its fallback (`else`) body if it yields none.
    pub(crate) fn comprehension(
        &mut self,
        comp: &'a ast::Comprehension,
        env: Option<EnvId>,
    ) -> Result<Vec<(&'a ast::StructLit, Option<EnvId>)>, Value> {
        let mut envs = Vec::new();
        let r = self.run_clauses(&comp.clauses, 0, env, &mut |e| envs.push(e));
        let is_try = comp
            .clauses
            .iter()
            .any(|c| matches!(c, ast::Clause::Try { binding: None, .. }));
        let mut out = Vec::new();
        for e in envs {
            if is_try && !self.try_ok(&comp.body.decls, e) {
                continue;
            }
            out.push((&comp.body, e));
        }
        let failed_try = is_try && r.is_err();
        if !failed_try {
            r?;
        }
        if out.is_empty()
            && let Some(fb) = &comp.fallback
        {
            out.push((&fb.body, env));
        }
        Ok(out)
    }

    /// Whether every optional reference `x?` in a `try` body is defined.
    fn try_ok(&mut self, decls: &'a [ast::Decl], env: Option<EnvId>) -> bool {
        let mut exprs: Vec<&'a ast::Expr> = Vec::new();
        fn walk<'b>(e: &'b ast::Expr, out: &mut Vec<&'b ast::Expr>) {
            match e {
                ast::Expr::Postfix(ast::PostfixOp::Optional, x, _) => {
                    out.push(x);
                }
                ast::Expr::Paren(x, _)
                | ast::Expr::Unary(_, x, _)
                | ast::Expr::Alias(_, x, _)
                | ast::Expr::Postfix(_, x, _)
                | ast::Expr::Selector(x, _, _) => walk(x, out),
                ast::Expr::Binary(_, l, r, _) | ast::Expr::Index(l, r, _) => {
                    walk(l, out);
                    walk(r, out);
                }
                ast::Expr::Call(f, args, _) => {
                    walk(f, out);
                    for a in args {
                        walk(a, out);
                    }
                }
                ast::Expr::List(l) => {
                    for el in &l.elems {
                        if let ast::ListElem::Expr(x) = el {
                            walk(x, out);
                        }
                    }
                }
                ast::Expr::Struct(s) => walk_decls(&s.decls, out),
                ast::Expr::Interpolation(i) => {
                    for p in &i.parts {
                        if let ast::InterpPart::Expr(x) = p {
                            walk(x, out);
                        }
                    }
                }
                _ => {}
            }
        }
        fn walk_decls<'b>(decls: &'b [ast::Decl], out: &mut Vec<&'b ast::Expr>) {
            for d in decls {
                match d {
                    ast::Decl::Field(f) => walk(&f.value, out),
                    ast::Decl::Embed(e) => walk(&e.expr, out),
                    _ => {}
                }
            }
        }
        walk_decls(decls, &mut exprs);
        // Only a value that is not there (yet) skips the body: a real
        // error stays, in the field that refers to it.
        for x in exprs {
            let v = self.eval_expr(x, env);
            if v.as_error()
                .is_some_and(|e| e.code == ErrorCode::Incomplete)
            {
                return false;
            }
        }
        true
    }

    /// Runs comprehension clauses from `idx`, calling `out` with the
    /// environment of each produced body.
    pub(crate) fn run_clauses(
        &mut self,
        clauses: &'a [ast::Clause],
        idx: usize,
        env: Option<EnvId>,
        out: &mut dyn FnMut(Option<EnvId>),
    ) -> Result<(), Value> {
        let Some(clause) = clauses.get(idx) else {
            out(env);
            return Ok(());
        };
        match clause {
            ast::Clause::For {
                key, value, source, ..
            } => {
                let src = self.eval_expr(source, env);
                let src = self.default_of(src);
                let w = match src {
                    Value::Vertex(w) => w,
                    Value::Bottom(_) => return Err(src),
                    v if v.is_concrete_scalar() => {
                        return Err(Value::err(
                            ErrorCode::Eval,
                            format!(
                                "cannot range over {v} (found {}, want list or struct)",
                                v.scalar_kind()
                            ),
                        ));
                    }
                    // A value that can never become a list or struct.
                    v if !v.scalar_kind().overlaps(Kind::LIST | Kind::STRUCT) => {
                        return Err(Value::err(
                            ErrorCode::Eval,
                            format!(
                                "cannot range over {v} (found {}, want list or struct)",
                                v.scalar_kind()
                            ),
                        ));
                    }
                    v => {
                        return Err(Value::err(
                            ErrorCode::Incomplete,
                            format!("cannot range over non-concrete value {v}"),
                        ));
                    }
                };
                self.eval_vertex(w);
                if let Value::Bottom(_) = self.vertices[w].value {
                    return Err(self.vertices[w].value.clone());
                }
                let arcs = self.regular_arcs(w);
                for (l, a) in arcs {
                    let val = self.value_of(a);
                    let mut e2 = env;
                    if let Some(k) = key {
                        e2 = Some(self.new_env(
                            e2,
                            Frame::Bind {
                                name: &k.name,
                                value: label_value(&l),
                            },
                        ));
                    }
                    e2 = Some(self.new_env(
                        e2,
                        Frame::Bind {
                            name: &value.name,
                            value: val,
                        },
                    ));
                    self.run_clauses(clauses, idx + 1, e2, out)?;
                }
                Ok(())
            }
            ast::Clause::If { condition, .. } => {
                let c = self.eval_expr(condition, env);
                match self.default_of(c) {
                    Value::Bool(true) => self.run_clauses(clauses, idx + 1, env, out),
                    Value::Bool(false) => Ok(()),
                    Value::Bottom(e) => Err(Value::Bottom(e)),
                    v if v.is_concrete_scalar() || matches!(v, Value::Vertex(_)) => {
                        let d = self.display(&v);
                        Err(Value::err(
                            ErrorCode::Eval,
                            format!("cannot use {d} as type bool"),
                        ))
                    }
                    // A value that can never become a bool (`int`).
                    v if !v.scalar_kind().overlaps(Kind::BOOL) => {
                        let k = v.scalar_kind();
                        Err(Value::err(
                            ErrorCode::Eval,
                            format!("cannot use {v} (type {k}) as type bool"),
                        ))
                    }
                    v => Err(Value::err(
                        ErrorCode::Incomplete,
                        format!("non-concrete value {v} in if clause"),
                    )),
                }
            }
            ast::Clause::Let(l) => {
                let v = self.eval_expr(&l.expr, env);
                let e2 = self.new_env(
                    env,
                    Frame::Bind {
                        name: &l.ident.name,
                        value: v,
                    },
                );
                self.run_clauses(clauses, idx + 1, Some(e2), out)
            }
            ast::Clause::Try { binding: None, .. } => self.run_clauses(clauses, idx + 1, env, out),
            ast::Clause::Try {
                binding: Some((ident, expr)),
                ..
            } => {
                let v = self.eval_expr(expr, env);
                // As in a `try` body, only a missing value skips.
                if v.as_error()
                    .is_some_and(|e| e.code == ErrorCode::Incomplete)
                {
                    return Ok(());
                }
                let e2 = self.new_env(
                    env,
                    Frame::Bind {
                        name: &ident.name,
                        value: v,
                    },
                );
                self.run_clauses(clauses, idx + 1, Some(e2), out)
            }
        }
    }
}
