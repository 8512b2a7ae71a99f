//! Doc comments of fields, found by the expression of a field's value:
//! the OpenAPI generator turns them into descriptions and `cue export
//! --out cue` prints them above the fields.

use std::collections::HashMap;

use crate::ast;

/// Doc comments of fields: the `//` block right above each field.
pub(crate) struct Docs<'a> {
    /// Field value expression → (file, start of the field).
    fields: HashMap<*const ast::Expr, (usize, usize)>,
    files: &'a [ast::File],
    sources: &'a [String],
}

impl<'a> Docs<'a> {
    pub(crate) fn new(files: &'a [ast::File], sources: &'a [String]) -> Self {
        let mut fields = HashMap::new();
        if sources.len() == files.len() {
            for (i, f) in files.iter().enumerate() {
                walk_decls(&f.decls, i, &mut fields, 0);
            }
        }
        Docs {
            fields,
            files,
            sources,
        }
    }

    /// The doc comment of the field whose value is `e`: its `//` lines
    /// without the slashes and one space after them.
    pub(crate) fn doc_of(&self, e: &ast::Expr) -> Option<String> {
        let comment = self.comment_of(e)?;
        let lines: Vec<&str> = comment
            .lines
            .iter()
            .map(|l| {
                let text = l.trim_start().trim_start_matches("//");
                text.strip_prefix(' ').unwrap_or(text).trim_end()
            })
            .collect();
        Some(lines.join("\n"))
    }
}

/// Deepest nesting of source expressions walked for doc comments.
const MAX_WALK_DEPTH: usize = 200;

fn walk_decls(
    decls: &[ast::Decl],
    file: usize,
    out: &mut HashMap<*const ast::Expr, (usize, usize)>,
    depth: usize,
) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    for d in decls {
        match d {
            ast::Decl::Field(f) => {
                out.insert(&f.value as *const ast::Expr, (file, f.span.start));
                walk_expr(&f.value, file, out, depth + 1);
            }
            ast::Decl::Embed(e) => walk_expr(&e.expr, file, out, depth + 1),
            ast::Decl::Comprehension(c) => walk_decls(&c.body.decls, file, out, depth + 1),
            _ => {}
        }
    }
}

fn walk_expr(
    e: &ast::Expr,
    file: usize,
    out: &mut HashMap<*const ast::Expr, (usize, usize)>,
    depth: usize,
) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match e {
        ast::Expr::Struct(s) => walk_decls(&s.decls, file, out, depth + 1),
        ast::Expr::Paren(x, _)
        | ast::Expr::Unary(_, x, _)
        | ast::Expr::Postfix(_, x, _)
        | ast::Expr::Alias(_, x, _) => walk_expr(x, file, out, depth + 1),
        ast::Expr::Binary(_, l, r, _) => {
            walk_expr(l, file, out, depth + 1);
            walk_expr(r, file, out, depth + 1);
        }
        ast::Expr::List(l) => {
            for el in &l.elems {
                match el {
                    ast::ListElem::Expr(x) => walk_expr(x, file, out, depth + 1),
                    ast::ListElem::Comprehension(c) => {
                        walk_decls(&c.body.decls, file, out, depth + 1)
                    }
                }
            }
        }
        ast::Expr::Call(_, args, _) => {
            for a in args {
                walk_expr(a, file, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A field's doc comment as written, and whether a blank line comes
/// before it in the source (the official formatter keeps one there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    pub(crate) lines: Vec<String>,
    pub(crate) blank_before: bool,
}

impl Docs<'_> {
    /// The `//` lines right above the field whose value is `e`, verbatim.
    pub(crate) fn comment_of(&self, e: &ast::Expr) -> Option<Comment> {
        let &(file, start) = self.fields.get(&(e as *const ast::Expr))?;
        let src = self.sources.get(file)?;
        let comments = &self.files.get(file)?.comments;
        let mut idx = comments.partition_point(|c| c.span.end <= start);
        let mut cur = start;
        let mut lines = Vec::new();
        while idx > 0 {
            let c = &comments[idx - 1];
            let gap = src.get(c.span.end..cur)?;
            if !gap.trim().is_empty() || gap.matches('\n').count() != 1 {
                break;
            }
            let line_start = src.get(..c.span.start)?.rfind('\n').map_or(0, |p| p + 1);
            if !src.get(line_start..c.span.start)?.trim().is_empty() {
                break;
            }
            lines.push(c.text.trim_end().to_string());
            cur = line_start;
            idx -= 1;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        let before = src.get(..cur)?.trim_end_matches([' ', '\t']);
        let blank_before = before.ends_with("\n\n") || before.ends_with("\n\r\n");
        Some(Comment {
            lines,
            blank_before,
        })
    }
}
