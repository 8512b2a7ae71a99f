//! `data:` files: CUE limited to data (no references, expressions,
//! imports or definitions), checked as the official CLI checks them.

use pequod_cue::ast::{Constraint, Decl, Expr, File, Label, ListElem, UnaryOp};
use pequod_cue::{SourceFile, Span};

/// What data mode forbids in `file`, as the official CLI reports it (one
/// `references not allowed in data mode:` and its position each), or
/// `None` if the file is data.
pub(super) fn check(file: &File, source: &str) -> Option<String> {
    let mut found = Vec::new();
    if let Some(package) = &file.package {
        found.push((package.name.span, "references"));
    }
    found.extend(file.imports.iter().map(|i| (i.span, "imports")));
    decls(&file.decls, &mut found);
    if found.is_empty() {
        return None;
    }
    let lines = SourceFile::new(&file.name, source);
    let messages: Vec<String> = found
        .into_iter()
        .map(|(span, what)| {
            let p = lines.position(span.start);
            format!(
                "{what} not allowed in data mode:\n    {}:{}:{}",
                file.name, p.line, p.column
            )
        })
        .collect();
    Some(messages.join("\n"))
}

/// What declarations hold that data mode forbids.
fn decls(decls: &[Decl], found: &mut Vec<(Span, &'static str)>) {
    for decl in decls {
        match decl {
            Decl::Field(f) => match &f.label {
                Label::Ident(i) if i.name.starts_with('#') || i.name.starts_with("_#") => {
                    found.push((f.span, "definitions"));
                }
                Label::Ident(_) | Label::String(_) if f.constraint == Constraint::Regular => {
                    expr(&f.value, found);
                }
                // The official CLI lets `x?: v` pass (and drops it).
                Label::Ident(_) | Label::String(_) => {}
                // It calls a dynamic or pattern label an optional field.
                _ => found.push((f.span, "optional fields")),
            },
            other => found.push((other.span(), "expressions")),
        }
    }
}

/// What a value holds that data mode forbids.
fn expr(e: &Expr, found: &mut Vec<(Span, &'static str)>) {
    match e {
        Expr::Null(_) | Expr::Bool(..) | Expr::Number(_) | Expr::String(_) => {}
        Expr::Unary(UnaryOp::Neg, inner, _) if matches!(**inner, Expr::Number(_)) => {}
        Expr::Ident(i) => found.push((i.span, "references")),
        Expr::Struct(s) => decls(&s.decls, found),
        Expr::List(l) => {
            for elem in &l.elems {
                match elem {
                    ListElem::Expr(e) => expr(e, found),
                    ListElem::Comprehension(c) => found.push((c.span, "expressions")),
                }
            }
            if let Some(e) = &l.ellipsis {
                found.push((e.span, "expressions"));
            }
        }
        other => found.push((other.span(), "expressions")),
    }
}
