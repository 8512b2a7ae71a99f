//! Structural cycles: a value that contains itself, directly (`a: b: a`)
//! or through a definition expanded again below itself (`x: #T`,
//! `#T: {a: #T}`). Reference cycles that resolve (`a: b, b: a, a: 1`) are
//! not structural and are handled where references are evaluated.

use super::{ArcType, Conjunct, Evaluator, Label, Src};
use crate::ast;
use crate::value::VId;

impl<'a> Evaluator<'a> {
    /// Whether expanding definition `w` into `v` repeats an expansion of
    /// `w` into an ancestor with nothing but what `w` itself declares
    /// (`x: #T`, `#T: {a: #T}`): the recursion would never end. With other
    /// conjuncts (`#L: {next?: #L}` and data for `next`) it may.
    pub(super) fn cycles_through_definition(&self, w: VId, v: VId) -> bool {
        if !self.vertices[w].label.as_ref().is_some_and(Label::is_def) {
            return false;
        }
        // Recursion through an optional field ends where data ends.
        if self.vertices[v].arc_type == ArcType::Optional {
            return false;
        }
        let sources: Vec<(usize, crate::source::Span)> = self.vertices[w]
            .conjuncts
            .iter()
            .filter_map(|c| self.conjunct_source(c))
            .collect();
        let inside = |c: &Conjunct<'a>| {
            self.conjunct_source(c).is_some_and(|(f, s)| {
                sources
                    .iter()
                    .any(|(wf, ws)| *wf == f && ws.start <= s.start && s.end <= ws.end)
            })
        };
        // Up to the ancestor that expanded `w`, every field is what `w`
        // declares: no data that could end the recursion.
        let mut cur = self.vertices[v].parent;
        let mut found = false;
        while let Some(u) = cur {
            // A disjunct tried for a vertex stands for it: what was
            // expanded into the vertex counts.
            let alias = self.vertices[u].alias_of;
            if self.vertices[u].via.contains(&w)
                || alias.is_some_and(|a| self.vertices[a].via.contains(&w))
            {
                found = true;
                break;
            }
            let x = &self.vertices[alias.unwrap_or(u)];
            if x.arc_type == ArcType::Optional
                || x.conjuncts.is_empty()
                || !x.conjuncts.iter().all(inside)
            {
                return false;
            }
            cur = self.vertices[u].parent;
        }
        if !found {
            return false;
        }
        let name = match &self.vertices[w].label {
            Some(Label::Def(n)) => n.clone(),
            _ => return false,
        };
        // Every conjunct is a bare reference to the definition, written in
        // the definition.
        let names_w = |e: &ast::Expr| match e {
            ast::Expr::Ident(i) => *i.name == *name,
            ast::Expr::Selector(_, ast::Selector::Ident(i), _) => *i.name == *name,
            _ => false,
        };
        let conj = &self.vertices[v].conjuncts;
        !conj.is_empty()
            && conj
                .iter()
                .all(|c| matches!(c.src, Src::Expr(e) if names_w(e)) && inside(c))
    }

    /// The file and span of a conjunct written in the source.
    fn conjunct_source(&self, c: &Conjunct<'a>) -> Option<(usize, crate::source::Span)> {
        let span = match c.src {
            Src::Expr(e) => e.span(),
            Src::Lit(l) => l.span,
            _ => return None,
        };
        Some((self.file_of(c.env)?, span))
    }

    pub(crate) fn is_ancestor(&self, w: VId, v: VId) -> bool {
        let mut cur = self.vertices[v].parent;
        while let Some(c) = cur {
            if c == w || self.vertices[c].alias_of == Some(w) {
                return true;
            }
            cur = self.vertices[c].parent;
        }
        false
    }
}
