//! Walks over a syntax tree.

use super::{
    Clause, Comprehension, Decl, Expr, File, Ident, InterpPart, Label, ListElem, StructLit,
};

/// Calls `f` with every identifier of `file` in the place of a value: a
/// reference such as `list` in `list.Sum(x)` or an embedded `name`, not a
/// field label, a selector after `.` or a name being bound (`X=`, `for k,
/// v`, `let x`). Names are not resolved: a reference to a field that
/// shadows an outer name counts as well.
pub fn references<'a>(file: &'a File, f: &mut impl FnMut(&'a Ident)) {
    decls(&file.decls, f);
}

fn decls<'a>(list: &'a [Decl], f: &mut impl FnMut(&'a Ident)) {
    for d in list {
        match d {
            Decl::Field(field) => {
                label(&field.label, f);
                expr(&field.value, f);
            }
            Decl::Embed(e) => expr(&e.expr, f),
            Decl::Let(l) => expr(&l.expr, f),
            Decl::Comprehension(c) => comprehension(c, f),
            Decl::Ellipsis(e) => {
                if let Some(t) = &e.ty {
                    expr(t, f);
                }
            }
            Decl::Attribute(_) | Decl::Bad(_) => {}
        }
    }
}

fn label<'a>(l: &'a Label, f: &mut impl FnMut(&'a Ident)) {
    match l {
        Label::Ident(_) | Label::String(_) => {}
        Label::Interpolation(i) => parts(&i.parts, f),
        Label::Dynamic(e, _) => expr(e, f),
        Label::Pattern(p) => expr(&p.expr, f),
    }
}

fn parts<'a>(list: &'a [InterpPart], f: &mut impl FnMut(&'a Ident)) {
    for p in list {
        if let InterpPart::Expr(e) = p {
            expr(e, f);
        }
    }
}

fn body<'a>(s: &'a StructLit, f: &mut impl FnMut(&'a Ident)) {
    decls(&s.decls, f);
}

fn comprehension<'a>(c: &'a Comprehension, f: &mut impl FnMut(&'a Ident)) {
    for clause in &c.clauses {
        match clause {
            Clause::For { source, .. } => expr(source, f),
            Clause::If { condition, .. } => expr(condition, f),
            Clause::Let(l) => expr(&l.expr, f),
            Clause::Try { binding, .. } => {
                if let Some((_, e)) = binding {
                    expr(e, f);
                }
            }
        }
    }
    body(&c.body, f);
    if let Some(fallback) = &c.fallback {
        body(&fallback.body, f);
    }
}

fn expr<'a>(e: &'a Expr, f: &mut impl FnMut(&'a Ident)) {
    match e {
        Expr::Ident(i) => f(i),
        Expr::Null(_)
        | Expr::Bool(..)
        | Expr::Bottom(_)
        | Expr::Number(_)
        | Expr::String(_)
        | Expr::Bad(_) => {}
        Expr::Interpolation(i) => parts(&i.parts, f),
        Expr::Struct(s) => body(s, f),
        Expr::List(l) => {
            for elem in &l.elems {
                match elem {
                    ListElem::Expr(e) => expr(e, f),
                    ListElem::Comprehension(c) => comprehension(c, f),
                }
            }
            if let Some(t) = l.ellipsis.as_ref().and_then(|e| e.ty.as_deref()) {
                expr(t, f);
            }
        }
        Expr::Paren(x, _)
        | Expr::Selector(x, _, _)
        | Expr::Unary(_, x, _)
        | Expr::Postfix(_, x, _)
        | Expr::Alias(_, x, _) => expr(x, f),
        Expr::Index(x, i, _) => {
            expr(x, f);
            expr(i, f);
        }
        Expr::Slice(x, lo, hi, _) => {
            expr(x, f);
            for bound in [lo, hi].into_iter().flatten() {
                expr(bound, f);
            }
        }
        Expr::Call(callee, args, _) => {
            expr(callee, f);
            for a in args {
                expr(a, f);
            }
        }
        Expr::Binary(_, x, y, _) => {
            expr(x, f);
            expr(y, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::references;

    fn names(src: &str) -> Vec<String> {
        let file = crate::parse_file("a.cue", src).unwrap_or_default();
        let mut out = Vec::new();
        references(&file, &mut |i| out.push(i.name.clone()));
        out
    }

    #[test]
    fn references_are_values_not_labels_selectors_or_text() {
        let src = r#"
// strings in a comment
a: "strings"
b: list.Sum([x, y.z])
"\(k)": v
[=~p]: q
c: { for k2, v2 in src if cond { (dyn): w } }
d: [...t][i]
E=e: s
"#;
        assert_eq!(
            names(src),
            [
                "list", "x", "y", "k", "v", "p", "q", "src", "cond", "dyn", "w", "t", "i", "s"
            ]
        );
    }
}
