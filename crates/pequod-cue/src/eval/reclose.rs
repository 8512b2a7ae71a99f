//! The `explicitopen` experiment: whether a file enables it (an embedded
//! closed value then stays closed, `x...` opens it), and its closing
//! builtins: `__closeAll(x)` closes a literal recursively, as a
//! definition would; `__reclose(x)` restores the closedness that what the
//! literal embeds opened with `...` had (`__reclose({#A..., b: 1})` is
//! `{#A, b: 1}` as embedding worked before the experiment).

use super::closedness::GroupKind;
use super::{Conjunct, EnvId, Evaluator, Frame, Src};
use crate::ast;
use crate::value::{ErrorCode, Value};

impl<'a> Evaluator<'a> {
    /// Evaluates a call of `__closeAll` or `__reclose` (`name`), or returns
    /// `None` if `f` is not one of them.
    pub(crate) fn closing_call(
        &mut self,
        f: &'a ast::Expr,
        args: &'a [ast::Expr],
        env: Option<EnvId>,
    ) -> Option<Value> {
        let ast::Expr::Ident(i) = f else { return None };
        let name = i.name.as_str();
        if !matches!(name, "__closeAll" | "__reclose") || self.is_declared(name, env) {
            return None;
        }
        if !self.explicit_open(env) {
            return Some(Value::err(
                ErrorCode::Eval,
                format!(
                    "error in call to {name}: {name} may only be used when explicitopen is enabled"
                ),
            ));
        }
        let [arg] = args else {
            return Some(Value::err(
                ErrorCode::Eval,
                format!("error in call to {name}: expected 1 argument"),
            ));
        };
        let literal = match strip_parens(arg) {
            e @ (ast::Expr::Struct(_) | ast::Expr::List(_)) => Some(e),
            // `__reclose(close({...}))`: the literal closed.
            ast::Expr::Call(g, inner, _)
                if name == "__reclose"
                    && matches!(&**g, ast::Expr::Ident(c) if c.name == "close")
                    && inner.len() == 1
                    && matches!(strip_parens(&inner[0]), ast::Expr::Struct(_)) =>
            {
                Some(strip_parens(&inner[0]))
            }
            _ => None,
        };
        let Some(literal) = literal else {
            return Some(Value::err(
                ErrorCode::Eval,
                format!("error in call to {name}: argument must be a struct or list literal"),
            ));
        };
        if name == "__reclose" {
            if let ast::Expr::Struct(s) = literal {
                self.reclosed.push(s.decls.as_ptr());
            }
            return Some(self.eval_expr(arg, env));
        }
        // Closed as the value of a definition is.
        let w = self.new_vertex(None, None);
        let group = self.new_own_group(GroupKind::Def);
        self.vertices[w].conjuncts.push(Conjunct {
            src: Src::Expr(arg),
            env,
            closed: true,
            group,
        });
        Some(self.value_of(w))
    }

    /// Whether the file an environment belongs to enables the
    /// `explicitopen` experiment.
    pub(crate) fn explicit_open(&self, env: Option<EnvId>) -> bool {
        self.experiment(env, "explicitopen")
    }

    /// Whether the file of `env` enables `@experiment(name)`.
    pub(crate) fn experiment(&self, env: Option<EnvId>, name: &str) -> bool {
        let mut cur = env;
        while let Some(e) = cur {
            if let Frame::Package { files, file, .. } = self.envs[e].frame {
                let Some(f) = files.get(file) else {
                    return false;
                };
                let decl_attrs = f.decls.iter().filter_map(|d| match d {
                    ast::Decl::Attribute(a) => Some(a),
                    _ => None,
                });
                return f.attrs.iter().chain(decl_attrs).any(|a| {
                    a.name == "experiment"
                        && a.args.iter().any(|x| x.key.is_none() && x.value == name)
                });
            }
            cur = self.envs[e].parent;
        }
        false
    }

    /// Whether the declarations `decls` are those of a literal passed to
    /// `__reclose`: what they embed opened (`x...`) is embedded as `x`,
    /// and embedding works as before the experiment.
    pub(crate) fn is_reclosed(&self, decls: &[ast::Decl]) -> bool {
        !decls.is_empty() && self.reclosed.contains(&decls.as_ptr())
    }
}

/// The expression inside any parentheses.
fn strip_parens(e: &ast::Expr) -> &ast::Expr {
    match e {
        ast::Expr::Paren(x, _) => strip_parens(x),
        e => e,
    }
}
